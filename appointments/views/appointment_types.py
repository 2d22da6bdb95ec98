from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action

from appointments.filters import AppointmentTypeFilterSet
from appointments.models import AppointmentType
from appointments.selectors import with_visible_locations
from appointments.serializers import (
    AppointmentTypeCreateSerializer,
    AppointmentTypeSerializer,
    AppointmentTypeUpdateSerializer,
)
from appointments.services import (
    appointment_type_archive,
    appointment_type_create,
    appointment_type_update,
)
from scheduling.api.views import CreateMixin, OrgViewSet, PartialUpdateMixin
from scheduling.models import Definition, DefinitionCategory, Role
from scheduling.serializers import DefinitionSerializer


@extend_schema_view(
    list=extend_schema(summary="List appointment types"),
    retrieve=extend_schema(summary="Get appointment type"),
    create=extend_schema(summary="Create appointment type"),
    partial_update=extend_schema(summary="Update appointment type"),
)
class AppointmentTypeViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    CreateMixin,
    PartialUpdateMixin,
    OrgViewSet,
):
    """Appointment types are org configuration: everyone reads, only admins write."""

    queryset = AppointmentType.objects.all()
    serializer_class = AppointmentTypeSerializer
    input_serializer_classes = {
        "create": AppointmentTypeCreateSerializer,
        "partial_update": AppointmentTypeUpdateSerializer,
    }
    filterset_class = AppointmentTypeFilterSet
    lookup_url_kwarg = "appointment_type_uuid"
    write_role = Role.ADMIN
    schema_tags = ("Appointment Types",)

    def get_queryset(self):
        return with_visible_locations(super().get_queryset(), self.access)

    def perform_create(self, data):
        return appointment_type_create(org=self.access.org, **data)

    def perform_update(self, instance, data):
        return appointment_type_update(
            appointment_type=instance,
            visible_location_ids=self.access.location_ids,
            **data,
        )

    @extend_schema(
        summary="Archive appointment type",
        description="Retire the type from booking. Archiving an archived type changes nothing.",
        request=None,
        responses=AppointmentTypeSerializer,
    )
    @action(detail=True, methods=["post"])
    def archive(self, request, *args, **kwargs):
        return self.respond(appointment_type_archive(appointment_type=self.get_object()))


@extend_schema_view(list=extend_schema(summary="List appointment confirmation statuses"))
class ConfirmationStatusViewSet(mixins.ListModelMixin, OrgViewSet):
    """The ApptConfirmed definitions: legal values of an appointment's confirmation status."""

    queryset = Definition.objects.filter(category=DefinitionCategory.APPT_CONFIRMED)
    serializer_class = DefinitionSerializer
    schema_tags = ("Appointments",)
