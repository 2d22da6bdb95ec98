"""Base views: every endpoint under ``/api/v1/{org_id}/`` inherits its tenancy from here.

``OrgScopedMixin.initial`` runs after DRF has authenticated the request: it resolves
the org from the path (404 for non-members and unknown orgs alike), then checks the
caller's role. ``get_queryset`` filters by the org and by the caller's locations, so
no view can forget either.
"""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from scheduling.api.access import Access, RolePermission
from scheduling.api.exceptions import RequestValidationError
from scheduling.models import Role

UUID_PATTERN = r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"


class OrgScopedMixin:
    permission_classes = [IsAuthenticated, RolePermission]
    write_role: Role = Role.STAFF
    action_roles: dict[str, Role] = {}
    #: Lookup from the model to its location ("location", "pk" for Location itself), or
    #: None for org-wide rows. Rows at forbidden locations are left out of every queryset.
    location_lookup: str | None = None
    schema_tags: tuple[str, ...] = ()

    def initial(self, request, *args, **kwargs):
        self.perform_authentication(request)
        if request.user is None:
            raise exceptions.NotAuthenticated()
        request.access = Access.resolve(request.user, kwargs["org_id"])
        request.org = request.access.org
        super().initial(request, *args, **kwargs)

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        request = self.request
        return request.access.scope(queryset.filter(org=request.org), self.location_lookup)

    def get_queryset(self):
        return self.scope_queryset(super().get_queryset())


class OrgViewSet(OrgScopedMixin, viewsets.GenericViewSet):
    """A resource under the org. Subclasses declare, they do not compute.

    Request bodies and responses use different serializers: ``serializer_class`` is the
    response, ``input_serializer_classes`` maps an action to its request serializer.
    """

    lookup_field = "uuid"
    lookup_value_regex = UUID_PATTERN
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    input_serializer_classes: dict[str, type] = {}

    def get_object(self):
        """The object named by the path, in the org and the caller's locations.

        List filters (``?status=`` …) do not apply: a detail route names one object.
        """
        queryset = self.get_queryset()
        obj = queryset.filter(**{self.lookup_field: self.kwargs[self.lookup_url_kwarg]}).first()
        if obj is None:
            raise exceptions.NotFound(
                f"{queryset.model._meta.verbose_name.capitalize()} not found."
            )
        self.check_object_permissions(self.request, obj)
        return obj

    def get_input_serializer_class(self):
        return self.input_serializer_classes.get(getattr(self, "action", None))

    def validated_input(self, **kwargs) -> dict:
        serializer = self.get_input_serializer_class()(
            data=self.request.data, context=self.get_serializer_context(), **kwargs
        )
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def validated_query(self, serializer_class) -> dict:
        """Query parameters checked by ``serializer_class``; errors are 422 ``query``."""
        serializer = serializer_class(
            data=self.request.query_params, context=self.get_serializer_context()
        )
        if not serializer.is_valid():
            raise RequestValidationError(serializer.errors, location="query")
        return serializer.validated_data

    def respond(self, instance, status_code: int = status.HTTP_200_OK) -> Response:
        """Serialize ``instance`` as read through this view's queryset (same shape as GET)."""
        fresh = self.get_queryset().get(pk=instance.pk)
        return Response(self.get_serializer(fresh).data, status=status_code)


class ReadOnlyOrgViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgViewSet):
    pass


class CreateMixin:
    """POST → 201 with the created object. The subclass's ``perform_create`` calls a service."""

    def create(self, request, *args, **kwargs):
        instance = self.perform_create(self.validated_input())
        return self.respond(instance, status.HTTP_201_CREATED)

    def perform_create(self, data: dict):  # pragma: no cover - abstract
        raise NotImplementedError


class PartialUpdateMixin:
    """PATCH with ``base_version``. The subclass's ``perform_update`` calls a service."""

    def partial_update(self, request, *args, **kwargs):
        instance = self.get_object()
        data = dict(self.validated_input(partial=False))
        instance = self.perform_update(instance, data)
        return self.respond(instance)

    def perform_update(self, instance, data: dict):  # pragma: no cover - abstract
        raise NotImplementedError
