"""Appointment rules: the Schedule section's pairs of types that may share a chair.

They live in the appointments app, whatever their URL says, because the conflict engine
that reads them is here.
"""

from drf_spectacular.utils import extend_schema, extend_schema_view

from appointments.filters import AppointmentRuleFilterSet
from appointments.models import AppointmentRule
from appointments.serializers import (
    AppointmentRuleCreateSerializer,
    AppointmentRuleSerializer,
    AppointmentRuleUpdateSerializer,
)
from appointments.services import (
    appointment_rule_create,
    appointment_rule_delete,
    appointment_rule_update,
)
from scheduling.api.views import OrgModelViewSet
from scheduling.models import Role


@extend_schema_view(
    list=extend_schema(summary="List appointment rules"),
    retrieve=extend_schema(summary="Get appointment rule"),
    create=extend_schema(
        summary="Create appointment rule",
        description="The pair is unordered: (A, B) and (B, A) are one rule, so a second rule "
        "for the pair at the same location (or a second org-wide one) is `409 "
        "DUPLICATE_RULE`. A type may be paired with itself. Without `location_uuid` the "
        "rule applies at every location; a rule for a location overrides it there.",
    ),
    partial_update=extend_schema(
        summary="Update appointment rule",
        description="Only `allow_overlap` changes; the pair and the location are fixed.",
    ),
    destroy=extend_schema(
        summary="Delete appointment rule",
        description="Permanent. The pair falls back to the org-wide rule, or to no rule "
        "(no overlap); existing appointments stay as they are.",
    ),
)
class AppointmentRuleViewSet(OrgModelViewSet):
    """Rules are org configuration: everyone reads, only admins write. A rule at a location
    the caller may not access is invisible; org-wide rules are visible to every member."""

    queryset = AppointmentRule.objects.select_related(
        "appointment_type_a", "appointment_type_b", "location"
    )
    serializer_class = AppointmentRuleSerializer
    input_serializer_classes = {
        "create": AppointmentRuleCreateSerializer,
        "partial_update": AppointmentRuleUpdateSerializer,
    }
    filterset_class = AppointmentRuleFilterSet
    lookup_url_kwarg = "rule_uuid"
    write_role = Role.ADMIN
    schema_tags = ("Schedule",)

    def perform_create(self, data):
        return appointment_rule_create(org=self.access.org, **data)

    def perform_update(self, instance, data):
        return appointment_rule_update(rule=instance, **data)

    def perform_destroy(self, instance):
        appointment_rule_delete(rule=instance)
