"""Read-only reference endpoints: the ids every other operation refers to."""

from scheduling.api.views import ReadOnlyOrgViewSet
from scheduling.filters import (
    DefinitionFilterSet,
    OperatoryFilterSet,
    PatientFilterSet,
    ProcedureCodeFilterSet,
)
from scheduling.models import Definition, Location, Operatory, Patient, ProcedureCode, Provider
from scheduling.serializers import (
    DefinitionSerializer,
    LocationSerializer,
    OperatorySerializer,
    PatientSerializer,
    ProcedureCodeSerializer,
    ProviderSerializer,
)

REFERENCE = ("Reference data",)


class LocationViewSet(ReadOnlyOrgViewSet):
    queryset = Location.objects.all()
    serializer_class = LocationSerializer
    lookup_url_kwarg = "location_uuid"
    schema_tags = REFERENCE


class OperatoryViewSet(ReadOnlyOrgViewSet):
    queryset = Operatory.objects.select_related("location")
    serializer_class = OperatorySerializer
    filterset_class = OperatoryFilterSet
    lookup_url_kwarg = "operatory_uuid"
    schema_tags = REFERENCE


class ProviderViewSet(ReadOnlyOrgViewSet):
    queryset = Provider.objects.all()
    serializer_class = ProviderSerializer
    lookup_url_kwarg = "provider_uuid"
    schema_tags = REFERENCE


class PatientViewSet(ReadOnlyOrgViewSet):
    queryset = Patient.objects.all()
    serializer_class = PatientSerializer
    filterset_class = PatientFilterSet
    lookup_url_kwarg = "patient_uuid"
    schema_tags = REFERENCE


class ProcedureCodeViewSet(ReadOnlyOrgViewSet):
    queryset = ProcedureCode.objects.all()
    serializer_class = ProcedureCodeSerializer
    filterset_class = ProcedureCodeFilterSet
    lookup_url_kwarg = "procedure_code_uuid"
    schema_tags = REFERENCE


class DefinitionViewSet(ReadOnlyOrgViewSet):
    queryset = Definition.objects.all()
    serializer_class = DefinitionSerializer
    filterset_class = DefinitionFilterSet
    lookup_url_kwarg = "definition_uuid"
    schema_tags = REFERENCE
