"""Read-only reference endpoints: the ids every other operation refers to, and ``/me``."""

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from scheduling.api.views import ReadOnlyOrgViewSet
from scheduling.db import fetch_together
from scheduling.filters import (
    DefinitionFilterSet,
    OperatoryFilterSet,
    PatientFilterSet,
    ProcedureCodeFilterSet,
)
from scheduling.models import (
    Definition,
    Location,
    Membership,
    MembershipLocation,
    Operatory,
    Patient,
    ProcedureCode,
    Provider,
)
from scheduling.serializers import (
    DefinitionSerializer,
    LocationSerializer,
    MeSerializer,
    OperatorySerializer,
    PatientSerializer,
    ProcedureCodeSerializer,
    ProviderSerializer,
)

REFERENCE = ("Reference data",)


class LocationViewSet(ReadOnlyOrgViewSet):
    """The practice's offices the caller may use, each with its IANA time zone (every
    local date and time of the API is in its location's zone)."""

    queryset = Location.objects.all()
    serializer_class = LocationSerializer
    lookup_url_kwarg = "location_uuid"
    schema_tags = REFERENCE


class OperatoryViewSet(ReadOnlyOrgViewSet):
    """The chairs (operatories) at the caller's locations; `?location_uuid=` for one office."""

    queryset = Operatory.objects.select_related("location")
    serializer_class = OperatorySerializer
    filterset_class = OperatoryFilterSet
    lookup_url_kwarg = "operatory_uuid"
    schema_tags = REFERENCE


class ProviderViewSet(ReadOnlyOrgViewSet):
    """Dentists and hygienists of the practice (org-wide: they may work at every location)."""

    queryset = Provider.objects.all()
    serializer_class = ProviderSerializer
    lookup_url_kwarg = "provider_uuid"
    schema_tags = REFERENCE


class PatientViewSet(ReadOnlyOrgViewSet):
    """The practice's patients; `?search=` matches names, chart number, email and phone."""

    queryset = Patient.objects.all()
    serializer_class = PatientSerializer
    filterset_class = PatientFilterSet
    lookup_url_kwarg = "patient_uuid"
    schema_tags = REFERENCE


class ProcedureCodeViewSet(ReadOnlyOrgViewSet):
    """The CDT procedure codes the practice uses, with their default fees."""

    queryset = ProcedureCode.objects.all()
    serializer_class = ProcedureCodeSerializer
    filterset_class = ProcedureCodeFilterSet
    lookup_url_kwarg = "procedure_code_uuid"
    schema_tags = REFERENCE


class DefinitionViewSet(ReadOnlyOrgViewSet):
    """Practice-defined lists: confirmation statuses, cancel and broken reasons, waitlist
    priorities, appointment tags (`?category=`)."""

    queryset = Definition.objects.all()
    serializer_class = DefinitionSerializer
    filterset_class = DefinitionFilterSet
    lookup_url_kwarg = "definition_uuid"
    schema_tags = REFERENCE


class MeView(APIView):
    """Who the token belongs to: its holder, their orgs (the ``{org_id}`` of every path),
    roles and permitted locations. The first call an integrator makes."""

    @extend_schema(
        summary="Who am I",
        description="The token's holder, each org they belong to with their role, and the "
        "locations they may use there. Needs only a valid token (no org in the path).",
        responses={200: MeSerializer},
        tags=["Reference data"],
    )
    def get(self, request, *args, **kwargs):
        user = request.user
        # The memberships, their orgs' locations and the limited ones' locations: one round
        # trip, however many orgs (a user is a member of an org at most once).
        memberships, locations, limits = fetch_together(
            [
                Membership.objects.filter(user=user)
                .select_related("org")
                .order_by("org__name", "id"),
                Location.objects.filter(org__memberships__user=user).order_by("name", "id"),
                MembershipLocation.objects.filter(membership__user=user).values_list(
                    "membership_id", "location_id"
                ),
            ]
        )
        permitted = set(limits)
        for membership in memberships:
            membership.permitted_locations = [
                location
                for location in locations
                if location.org_id == membership.org_id
                and (membership.all_locations or (membership.pk, location.pk) in permitted)
            ]
        body = {
            "username": user.username,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "memberships": memberships,
        }
        return Response(MeSerializer(body).data)
