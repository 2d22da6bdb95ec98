"""Saved searches and patient preferences."""

from __future__ import annotations

from django.http import JsonResponse
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from scheduling.api.views import UUID_PATTERN, OrgModelViewSet
from scheduling.exceptions import NotFound
from scheduling.models import Patient, PatientPreference, Role, SavedSearch
from scheduling.schedule import serializers as s
from scheduling.schedule import services
from scheduling.schedule.filters import PatientPreferenceFilterSet, SavedSearchFilterSet
from scheduling.schedule.views.provider_schedules import TAGS

# --- Saved searches ---


@extend_schema_view(
    list=extend_schema(
        description="The caller's own saved searches (never another user's, whatever the "
        "role), by name; `search_type` filters."
    ),
    retrieve=extend_schema(description="Another user's saved search is a 404."),
    create=extend_schema(
        description="Saved for the caller (no user is accepted). `search_type` defaults to "
        "`find_free_time`; `criteria` is any JSON object (at most 16 KB), kept as given. "
        "`is_default: true` unsets the caller's previous default of the same type. Every "
        "member may save searches, viewers too: they are personal settings."
    ),
    partial_update=extend_schema(
        description="Only the caller's own (another user's: 404). `is_default: true` (or a "
        "default moved to another `search_type`) unsets the caller's previous default of "
        "that type; `criteria` replaces the saved criteria."
    ),
    destroy=extend_schema(description="Deletes the caller's saved search for good."),
)
class SavedSearchViewSet(OrgModelViewSet):
    """A user's saved searches: personal settings, so every member (viewers too) manages
    their own, and nobody, admins included, sees another's."""

    queryset = SavedSearch.objects.order_by("name", "id")
    serializer_class = s.SavedSearchSerializer
    input_serializer_classes = {
        "create": s.SavedSearchCreateSerializer,
        "partial_update": s.SavedSearchUpdateSerializer,
    }
    filterset_class = SavedSearchFilterSet
    lookup_url_kwarg = "search_uuid"
    write_role = Role.VIEWER
    schema_tags = TAGS

    def get_queryset(self):
        """The caller's own, in the org: "current user" scoping (CONVENTIONS)."""
        return super().get_queryset().filter(user=self.request.user)

    def perform_create(self, data):
        return services.saved_search_create(org=self.access.org, user=self.request.user, **data)

    def perform_update(self, instance, data):
        return services.saved_search_update(search=instance, **data)

    def perform_destroy(self, instance):
        services.saved_search_delete(search=instance)


# --- Patient preferences ---


@extend_schema_view(
    list=extend_schema(
        description="Every patient's scheduling preference, by creation (`patient_uuid` "
        "filters; unknown: 404)."
    ),
    create=extend_schema(
        description="One preference per patient: a second is a 409 `DUPLICATE_PREFERENCE`. "
        "`preferred_days` are 0 = Monday … 6 = Sunday, each once; the time window may be "
        "open on one side, and with both ends the start comes first. A provider or "
        "operatory named must be active (422). `learned_from_history` defaults to false. "
        "Staff and admins write; viewers read."
    ),
    partial_update=extend_schema(
        description="Changes the fields given (null: unchanged); the patient does not change. "
        "A person's change makes the preference theirs: `learned_from_history` becomes "
        "false unless sent. To clear fields, PUT the preference by patient."
    ),
    destroy=extend_schema(description="Deletes the preference for good."),
)
class PatientPreferenceViewSet(OrgModelViewSet):
    """Patients' scheduling preferences: patient data the front desk keeps (staff write,
    viewers read), org-wide like patients."""

    queryset = PatientPreference.objects.select_related(
        "patient", "preferred_provider", "preferred_operatory"
    ).order_by("id")
    serializer_class = s.PatientPreferenceSerializer
    input_serializer_classes = {
        "create": s.PatientPreferenceCreateSerializer,
        "partial_update": s.PatientPreferenceUpdateSerializer,
        "by_patient_upsert": s.PatientPreferenceUpsertSerializer,
    }
    filterset_class = PatientPreferenceFilterSet
    lookup_url_kwarg = "preference_uuid"
    #: The by-patient routes name a patient, read like a nested resource's parent (so the
    #: shared tests build and check them as such): in the org, else 404.
    parent_queryset = Patient.objects.all()
    parent_lookup_url_kwarg = "patient_uuid"
    schema_tags = TAGS
    # The kit's resources update by PATCH and take no PUT; by-patient is the one PUT here.
    http_method_names = [*OrgModelViewSet.http_method_names, "put"]

    def get_patient(self) -> Patient:
        queryset = self.parent_queryset.restrict(self.access)
        patient = queryset.filter(uuid=self.kwargs[self.parent_lookup_url_kwarg]).first()
        if patient is None:
            raise NotFound("Patient not found.")
        return patient

    def perform_create(self, data):
        return services.patient_preference_create(org=self.access.org, **data)

    def perform_update(self, instance, data):
        return services.patient_preference_update(preference=instance, **data)

    def perform_destroy(self, instance):
        services.patient_preference_delete(preference=instance)

    @extend_schema(
        summary="Get scheduling preference for a patient",
        description="The patient's preference, or `null` (200) when none was entered or "
        "learned; an unknown patient is a 404.",
        responses={200: s.PatientPreferenceSerializer(allow_null=True)},
    )
    @action(detail=False, methods=["get"], url_path=rf"by-patient/(?P<patient_uuid>{UUID_PATTERN})")
    def by_patient(self, request, *args, **kwargs):
        preference = self.get_queryset().filter(patient=self.get_patient()).first()
        if preference is None:
            # DRF renders None as an empty body; the reference answers JSON null.
            return JsonResponse(None, safe=False)
        return Response(self.get_serializer(preference).data)

    @extend_schema(
        summary="Upsert scheduling preference for a patient",
        description="Sets the patient's whole preference (fields left out or null are "
        "cleared; `learned_from_history` defaults to false). None yet: created (201), "
        "without `base_version` (sent: 409, the preference read is gone). One exists: "
        "`base_version` is required (422) and checked (stale: 409); 200. Of two first PUTs "
        "at once one creates, the other is a 409 `DUPLICATE_PREFERENCE`.",
        request=s.PatientPreferenceUpsertSerializer,
        responses={200: s.PatientPreferenceSerializer, 201: s.PatientPreferenceSerializer},
    )
    @by_patient.mapping.put
    def by_patient_upsert(self, request, *args, **kwargs):
        preference, created = services.patient_preference_upsert(
            org=self.access.org, patient=self.get_patient(), **self.validated_input()
        )
        return self.respond(preference, status.HTTP_201_CREATED if created else status.HTTP_200_OK)
