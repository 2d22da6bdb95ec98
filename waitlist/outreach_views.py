"""ASAP outreach (contact, response, contact log) and quick-fill. Staff and admins write;
every member reads (quick-fill only reads, so viewers may run it too)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.response import Response

from scheduling.api.views import NestedOrgViewSet, OrgViewSet
from scheduling.models import Role
from waitlist import outreach
from waitlist import outreach_serializers as s
from waitlist import quick_fill_serializers as q
from waitlist.models import WaitlistContact, WaitlistEntry
from waitlist.quick_fill import quick_fill
from waitlist.serializers import WaitlistEntrySerializer
from waitlist.services import with_score
from waitlist.views import ENTRIES

TAGS = ("Waitlist",)


class OutreachViewSet(OrgViewSet):
    """Contact and response on one entry, visible to the caller (else 404)."""

    queryset = ENTRIES
    serializer_class = WaitlistEntrySerializer
    input_serializer_classes = {
        "contact": s.ContactInputSerializer,
        "record_response": s.ResponseInputSerializer,
    }
    lookup_url_kwarg = "entry_uuid"
    http_method_names = ["post", "options"]
    schema_tags = TAGS

    def get_queryset(self):
        return with_score(super().get_queryset(), org=self.access.org)

    @extend_schema(
        summary="Log a contact attempt",
        description="Records that the patient was offered an opening: `waiting` becomes "
        "`contacted` (`contacted` and `offered` stay), `contact_attempts` +1, "
        "`contact_method_used`, `contacted_at` and `last_offered_slot` set, and a contact-log "
        "row written. A scheduled, removed or expired entry is a 409 `INVALID_TRANSITION`. "
        "Unknown entry or slot location: 404; a forbidden slot location: 403.",
        request=s.ContactInputSerializer,
        responses={200: WaitlistEntrySerializer},
    )
    @action(detail=True, methods=["post"])
    def contact(self, request, *args, **kwargs):
        entry = self.get_object()
        data = self.validated_input()
        entry = outreach.entry_contact(entry=entry, actor=request.user, **data)
        return self.respond(entry)

    @extend_schema(
        summary="Record patient response",
        description="The patient's answer to the outstanding offer (the entry must be "
        "`contacted` or `offered`, else 409 `INVALID_TRANSITION`): `accepted` → "
        "`scheduled`; `declined`, `expired`, `slot_taken` → `waiting`; `no_answer` → "
        "`contacted`. Writes a contact-log row.",
        request=s.ResponseInputSerializer,
        responses={200: WaitlistEntrySerializer},
    )
    @action(detail=True, methods=["post"], url_path="response")
    def record_response(self, request, *args, **kwargs):
        entry = self.get_object()
        data = self.validated_input()
        entry = outreach.entry_response(entry=entry, actor=request.user, **data)
        return self.respond(entry)


@extend_schema_view(
    list=extend_schema(
        summary="Get contact history",
        description="Every contact and response logged for the entry, newest first (paged). "
        "Unknown entry: 404.",
    )
)
class ContactLogViewSet(mixins.ListModelMixin, NestedOrgViewSet):
    parent_queryset = WaitlistEntry.objects.select_related("location")
    parent_lookup_url_kwarg = "entry_uuid"
    parent_field = "entry"
    queryset = WaitlistContact.objects.select_related("slot_location", "actor").order_by(
        "-created_at", "-id"
    )
    serializer_class = s.ContactLogSerializer
    lookup_url_kwarg = "contact_uuid"
    http_method_names = ["get", "head", "options"]
    schema_tags = TAGS


class QuickFillViewSet(OrgViewSet):
    queryset = WaitlistEntry.objects.all()
    serializer_class = q.QuickFillResultSerializer
    input_serializer_classes = {"quick_fill": q.QuickFillInputSerializer}
    action_roles = {"quick_fill": Role.VIEWER}  # a search: it writes nothing
    http_method_names = ["post", "options"]
    schema_tags = TAGS

    @extend_schema(
        summary="Find matching ASAP entries for an opening",
        description="The waiting or contacted entries that could take the opening, ranked by "
        "urgency, priority, score, then days waiting; at most `max_results` (1-100, default "
        "10), `total_matches` counting all. See the README (ASAP outreach and quick-fill) "
        "for the criteria and the match quality. A DST-gap time: 422; an unknown location, "
        "provider or type: 404; a forbidden location: 403.",
        request=q.QuickFillInputSerializer,
        responses={200: q.QuickFillResultSerializer},
    )
    @action(detail=False, methods=["post"], url_path="quick-fill")
    def quick_fill(self, request, *args, **kwargs):
        result = quick_fill(access=self.access, **self.validated_input())
        return Response(self.get_serializer(result).data)
