"""The Schedule section's free-time search. It reads appointments and blockouts, so it
lives here, whatever its URL says (``/schedule/free-time``)."""

from __future__ import annotations

from uuid import UUID

from django.http import QueryDict
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ErrorDetail
from rest_framework.response import Response

from appointments.serializers.free_time import FreeTimeQuery, FreeTimeSerializer
from appointments.services.free_time import MAX_DAYS, free_time_search
from scheduling.api.exceptions import RequestValidationError, error_items
from scheduling.api.views import OrgScopedMixin, raise_for_input_errors
from scheduling.exceptions import NotFound
from scheduling.models import SavedSearch
from scheduling.models.settings import FIND_FREE_TIME


class FreeTimeViewSet(OrgScopedMixin, viewsets.GenericViewSet):
    """Where a visit could be booked: every member may search (a read)."""

    query_serializer_classes = {"free_time": FreeTimeQuery}
    schema_tags = ("Schedule",)

    @extend_schema(
        summary="Find free time",
        description="The first `limit` slots (by start) where a visit of "
        "`duration_minutes` (or the appointment type's length) could be booked at the "
        f"location between `date_from` and `date_to` (local dates, at most {MAX_DAYS} days): "
        "the provider is scheduled there for the whole slot (in that operatory when the "
        "schedule names one), the operatory holds no live appointment (unless an "
        "appointment rule allows the pair of types) and no no-schedule blockout, and the "
        "provider is booked nowhere else during the visit's provider time (X cells of the "
        "type's pattern; / cells may overlap). Starts are local wall times a multiple of "
        "`increment_minutes` after midnight; none starts or ends in a daylight-saving gap, "
        "and none starts before now. Booking a slot's `date`, `start_time`, `end_time`, "
        "provider and operatory succeeds unless the schedule changed meanwhile. "
        "`truncated`: more slots were free than `limit`.",
        parameters=[FreeTimeQuery],
        responses={200: FreeTimeSerializer},
    )
    @action(detail=False, methods=["get"], url_path="free-time")
    def free_time(self, request, *args, **kwargs):
        query = dict(self.free_time_query())
        found = free_time_search(
            patient=query.pop("patient", None),
            not_before=timezone.now(),
            **query,
        )
        return Response(FreeTimeSerializer(found).data)

    def free_time_query(self) -> dict:
        """The query, checked; with ``saved_search_uuid``, the caller's saved search's
        criteria fill in what the query leaves out (explicit parameters win), and criteria
        that no longer hold (a deleted provider, a bad date) are a 422 naming their key at
        ``["query", "criteria", key]``, not a 404: the request did not name them."""
        params = self.request.query_params
        saved = self.saved_search(params.get("saved_search_uuid"))
        if saved is None:
            return self.validated_query()
        merged = QueryDict(mutable=True)
        for key, value in saved.criteria.items():
            values = value if isinstance(value, list) else [value]
            merged.setlist(key, [_query_text(item) for item in values])
        for key in params:
            merged.setlist(key, params.getlist(key))
        from_criteria = set(saved.criteria) - set(params)
        serializer = self.query_serializer(merged)
        unknown = from_criteria - set(serializer.fields)
        if unknown:
            raise RequestValidationError(
                {"criteria": {key: [UNKNOWN_CRITERION] for key in sorted(unknown)}},
                location="query",
            )
        if not serializer.is_valid():
            errors = serializer.errors
            stale = {
                key: [_stale(key, item["msg"]) for item in error_items(errors[key], [])]
                for key in errors
                if key in from_criteria
            }
            if stale:
                raise RequestValidationError({"criteria": stale}, location="query")
            raise_for_input_errors(errors, location="query")
        return serializer.validated_data

    def saved_search(self, raw: str | None) -> SavedSearch | None:
        """The caller's own saved free-time search named by ``raw`` (another user's, or
        none such: 404; a search of another type: 422)."""
        if raw is None:
            return None
        try:
            uuid = UUID(raw)
        except ValueError:
            raise RequestValidationError(
                {"saved_search_uuid": [ErrorDetail("Must be a valid UUID.", code="invalid")]},
                location="query",
            ) from None
        saved = (
            SavedSearch.objects.restrict(self.access)
            .filter(user=self.request.user, uuid=uuid)
            .first()
        )
        if saved is None:
            raise NotFound(f"Saved search {uuid} not found.")
        if saved.search_type != FIND_FREE_TIME:
            raise RequestValidationError(
                {
                    "saved_search_uuid": [
                        ErrorDetail(
                            f"A {saved.search_type} search, not a {FIND_FREE_TIME} one.",
                            code="wrong_search_type",
                        )
                    ]
                },
                location="query",
            )
        return saved


UNKNOWN_CRITERION = ErrorDetail(
    "The free-time search takes no such parameter.", code="unknown_parameter"
)


def _stale(key: str, message: str) -> ErrorDetail:
    """A criterion that no longer holds: the request did not name it, so never a 404."""
    return ErrorDetail(f"The saved search's {key} no longer holds: {message}", code="stale")


def _query_text(value) -> str:
    """A criterion as the query string would carry it (``true``, not ``True``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
