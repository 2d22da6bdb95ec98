"""Request and response shapes of appointments and their sub-resources."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import BooleanField, ExpressionWrapper, F, Q
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from appointments.models import (
    Appointment,
    AppointmentStatus,
    AppointmentType,
    CancelledBy,
    ProviderRole,
)
from appointments.serializers.appointment_types import ProcedureCodeListField
from appointments.serializers.entries import SchedulingWarningSerializer
from scheduling.api.relations import (
    DefinitionField,
    DefinitionListField,
    OrgRelatedField,
    OrgRelatedListField,
)
from scheduling.api.serializers import (
    INT32,
    BaseVersionSerializer,
    CalendarDateField,
    InputSerializer,
    LocalTimeField,
    MoneyField,
    RefSerializer,
    StrictUUIDField,
)
from scheduling.models import (
    DefinitionCategory,
    FlowStatus,
    Location,
    Operatory,
    Patient,
    ProcedureCode,
    Provider,
)
from scheduling.timezones import to_local
from scheduling.validators import validate_color

MONEY_IN = {"min_value": Decimal("0"), "max_digits": 10, "decimal_places": 2}


# --- responses -----------------------------------------------------------------------


def _wall(instant, tz_name: str) -> str | None:
    return None if instant is None else f"{to_local(instant, tz_name):%H:%M:%S}"


class AppointmentSerializer(serializers.ModelSerializer):
    """An appointment as every appointment endpoint returns it (``AppointmentOut``): the
    declaration (schema, field list). Responses are rendered by ``display.render``, which
    ``tests/appointments/test_display.py`` holds equal to this serializer."""

    id = serializers.UUIDField(source="uuid", read_only=True)
    location = RefSerializer(read_only=True)
    location_timezone = serializers.CharField(
        source="location.timezone", read_only=True, help_text="IANA zone of the location."
    )
    operatory = RefSerializer(read_only=True, allow_null=True)
    patient = RefSerializer(read_only=True)
    appointment_type = RefSerializer(read_only=True, allow_null=True)
    provider = serializers.SerializerMethodField(help_text="The first of ``providers``.")
    providers = serializers.SerializerMethodField(
        help_text="Assigned providers, in their order on the appointment."
    )
    schedule_date = serializers.SerializerMethodField(
        help_text="Local date of the appointment at its location."
    )
    start_time = serializers.DateTimeField(
        source="start_at", read_only=True, allow_null=True, help_text="The start in UTC."
    )
    end_time = serializers.DateTimeField(
        source="end_at", read_only=True, allow_null=True, help_text="The end in UTC."
    )
    local_start_time = serializers.SerializerMethodField(
        help_text="Wall time of the start at the location (what a booking sends as start_time)."
    )
    local_end_time = serializers.SerializerMethodField(
        help_text="Wall time of the end at the location (what a booking sends as end_time)."
    )
    datetime_ask_to_arrive = serializers.DateTimeField(
        source="ask_to_arrive_at", read_only=True, allow_null=True
    )
    confirmation_status = RefSerializer(read_only=True, allow_null=True)
    confirmation_status_label = serializers.SerializerMethodField(
        help_text="Name of the confirmation status."
    )
    flow_status = RefSerializer(read_only=True, allow_null=True)
    cancel_reason = RefSerializer(read_only=True, allow_null=True)
    broken_reason = RefSerializer(read_only=True, allow_null=True)
    recall = serializers.SerializerMethodField(
        help_text="The recall this appointment fulfils (set by the Recalls section)."
    )
    tags = RefSerializer(many=True, read_only=True)
    production_amount = serializers.SerializerMethodField(
        help_text="The set amount, else the sum of the procedure fees."
    )
    estimated_insurance = MoneyField(read_only=True, allow_null=True)
    estimated_patient_portion = MoneyField(read_only=True, allow_null=True)
    cancelled_by = serializers.SerializerMethodField(
        help_text="patient or practice: who called a cancelled appointment off (else null)."
    )
    warnings = serializers.SerializerMethodField(
        help_text="What the write that answered should tell you (always empty on reads): a "
        "provider booked in another chair meanwhile, a completion before the start time."
    )

    class Meta:
        model = Appointment
        fields = [
            "id",
            "status",
            "location",
            "location_timezone",
            "operatory",
            "patient",
            "appointment_type",
            "provider",
            "providers",
            "schedule_date",
            "start_time",
            "end_time",
            "local_start_time",
            "local_end_time",
            "datetime_ask_to_arrive",
            "confirmation_status",
            "confirmation_status_label",
            "flow_status",
            "cancel_reason",
            "broken_reason",
            "cancelled_by",
            "is_new_patient",
            "is_time_locked",
            "item_order",
            "priority",
            "note",
            "color_override",
            "tags",
            "recall",
            "production_amount",
            "estimated_insurance",
            "estimated_patient_portion",
            "external_id",
            "created_at",
            "updated_at",
            "version",
            "warnings",
        ]
        read_only_fields = fields

    def _provider_links(self, obj) -> list:
        return list(obj.provider_links.select_related("provider").order_by("item_order", "id"))

    @extend_schema_field(RefSerializer(allow_null=True))
    def get_provider(self, obj):
        links = self._provider_links(obj)
        return RefSerializer(links[0].provider).data if links else None

    @extend_schema_field(RefSerializer(many=True))
    def get_providers(self, obj):
        return RefSerializer([link.provider for link in self._provider_links(obj)], many=True).data

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_schedule_date(self, obj):
        if obj.start_at is None:
            return None
        return to_local(obj.start_at, obj.location.timezone).date().isoformat()

    @extend_schema_field(LocalTimeField(allow_null=True))
    def get_local_start_time(self, obj):
        return _wall(obj.start_at, obj.location.timezone)

    @extend_schema_field(LocalTimeField(allow_null=True))
    def get_local_end_time(self, obj):
        return _wall(obj.end_at, obj.location.timezone)

    def get_confirmation_status_label(self, obj) -> str | None:
        return obj.confirmation_status.name if obj.confirmation_status_id else None

    @extend_schema_field(serializers.ChoiceField(CancelledBy.choices, allow_null=True))
    def get_cancelled_by(self, obj):
        return obj.cancelled_by or None

    @extend_schema_field(SchedulingWarningSerializer(many=True))
    def get_warnings(self, obj):
        warnings = getattr(obj, "warnings", ())
        return SchedulingWarningSerializer(warnings, many=True, context=self.context).data

    @extend_schema_field(RefSerializer(allow_null=True))
    def get_recall(self, obj):
        # ``recalls`` is the reverse of ``PatientRecall.appointment``: the recalls app sits
        # above this one and is never imported, only its relation named. The order is
        # ``recalls.selectors.fulfilled_recall_sql``'s (what the display path reads).
        recall = (
            obj.recalls.filter(org=obj.org_id)
            .select_related("recall_type")
            .order_by(
                ExpressionWrapper(Q(completed_at__isnull=False), output_field=BooleanField()),
                F("date_due").asc(nulls_last=True),
                "recall_type__item_order",
                "recall_type__name",
                "recall_type__id",
                "id",
            )
            .first()
        )
        return None if recall is None else {"id": str(recall.uuid), "name": recall.recall_type.name}

    @extend_schema_field(MoneyField())
    def get_production_amount(self, obj) -> str:
        amount = obj.production_override
        if amount is None:
            amount = sum((p.fee for p in obj.procedures.all()), Decimal("0"))
        return f"{amount:.2f}"


# --- requests ------------------------------------------------------------------------


def _money(**kwargs):
    return serializers.DecimalField(**MONEY_IN, required=False, allow_null=True, **kwargs)


class AppointmentFieldsSerializer(InputSerializer):
    """Fields a booking sets; shared by create, update and bulk rows."""

    operatory_uuid = OrgRelatedField(
        Operatory.objects.all(),
        source="operatory",
        required=False,
        allow_null=True,
    )
    appointment_type_uuid = OrgRelatedField(
        AppointmentType.objects.with_offered_locations(),
        source="appointment_type",
        required=False,
        allow_null=True,
    )
    schedule_date = CalendarDateField(
        required=False, allow_null=True, help_text="Local date at the location."
    )
    start_time = LocalTimeField(required=False, allow_null=True, help_text="Local wall time.")
    end_time = LocalTimeField(
        required=False,
        allow_null=True,
        help_text="Local wall time; default: start plus the type's duration.",
    )
    ask_to_arrive_time = LocalTimeField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=4000)
    priority = serializers.IntegerField(required=False, allow_null=True, **INT32)
    item_order = serializers.IntegerField(required=False, allow_null=True, **INT32)
    color_override = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, max_length=7, validators=[validate_color]
    )
    is_new_patient = serializers.BooleanField(required=False, allow_null=True)
    is_time_locked = serializers.BooleanField(required=False, allow_null=True)
    production_amount = _money(
        source="production_override", help_text="Overrides the sum of the procedure fees."
    )
    estimated_insurance = _money()
    estimated_patient_portion = _money()
    tag_uuids = DefinitionListField(
        DefinitionCategory.APPOINTMENT_TAG,
        source="tags",
        required=False,
        allow_null=True,
        max_length=20,
        help_text="AppointmentTag definitions; replaces the appointment's tags.",
    )
    allow_overlap = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Book even if another appointment holds the chair (blockouts still block).",
    )


class AppointmentCreateSerializer(AppointmentFieldsSerializer):
    location_uuid = OrgRelatedField(Location.objects.all(), source="location")
    patient_uuid = OrgRelatedField(Patient.objects.all(), source="patient")
    status = serializers.ChoiceField(
        AppointmentStatus.choices, required=False, default=AppointmentStatus.SCHEDULED
    )
    provider_uuids = OrgRelatedListField(
        Provider.objects.all(),
        source="providers",
        required=False,
        allow_null=True,
        max_length=20,
        help_text="Providers in order; the first is the appointment's provider.",
    )
    confirmation_status_uuid = DefinitionField(
        DefinitionCategory.APPT_CONFIRMED,
        source="confirmation_status",
        required=False,
        allow_null=True,
    )
    external_id = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        max_length=100,
        help_text="Id in the system the appointment comes from (bulk import upserts by it).",
    )
    procedure_codes = ProcedureCodeListField(
        required=False,
        allow_null=True,
        help_text="CDT codes of procedures to add beside the type's (e.g. an import's).",
    )


class AppointmentUpdateSerializer(BaseVersionSerializer, AppointmentFieldsSerializer):
    pass


class MoveSerializer(BaseVersionSerializer):
    schedule_date = CalendarDateField()
    start_time = LocalTimeField()
    end_time = LocalTimeField()
    operatory_uuid = OrgRelatedField(
        Operatory.objects.all(),
        source="operatory",
        required=False,
        allow_null=True,
        help_text="New chair; default: the current one.",
    )
    allow_overlap = serializers.BooleanField(required=False, default=False)
    note = serializers.CharField(
        required=False, allow_blank=True, max_length=4000, help_text="Kept in the history entry."
    )


class PlaceSerializer(BaseVersionSerializer):
    schedule_date = CalendarDateField()
    start_time = LocalTimeField()
    end_time = LocalTimeField()
    operatory_uuid = OrgRelatedField(Operatory.objects.all(), source="operatory")
    allow_overlap = serializers.BooleanField(required=False, default=False)


class TransitionSerializer(BaseVersionSerializer):
    status = serializers.ChoiceField(AppointmentStatus.choices)
    auto_generate_claim = serializers.BooleanField(
        required=False, allow_null=True, help_text="Accepted for compatibility; no billing here."
    )
    allow_overlap = serializers.BooleanField(
        required=False, default=False, help_text="When re-entering the schedule."
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=4000)


class CancelSerializer(BaseVersionSerializer):
    cancel_reason_uuid = DefinitionField(
        DefinitionCategory.CANCEL_REASON,
        source="cancel_reason",
        required=False,
        allow_null=True,
    )
    cancelled_by = serializers.ChoiceField(
        CancelledBy.choices,
        required=False,
        allow_null=True,
        help_text="patient or practice (default: practice); who cancelled is in the history.",
    )
    note = serializers.CharField(
        required=False, allow_blank=True, max_length=4000, help_text="Kept in the history entry."
    )


class BreakSerializer(BaseVersionSerializer):
    broken_reason_uuid = DefinitionField(
        DefinitionCategory.BROKEN_REASON,
        source="broken_reason",
        required=False,
        allow_null=True,
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=4000)


class PinboardSerializer(BaseVersionSerializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=4000)


class ConfirmationStatusInputSerializer(BaseVersionSerializer):
    confirmation_status_uuid = DefinitionField(
        DefinitionCategory.APPT_CONFIRMED,
        source="confirmation_status",
        required=False,
        allow_null=True,
        help_text="Null clears the confirmation status.",
    )


class BulkConfirmSerializer(InputSerializer):
    appointment_uuids = serializers.ListField(child=StrictUUIDField(), min_length=1, max_length=500)
    confirmation_status_uuid = DefinitionField(
        DefinitionCategory.APPT_CONFIRMED, source="confirmation_status"
    )


class FlowStatusInputSerializer(InputSerializer):
    flow_status_uuid = OrgRelatedField(FlowStatus.objects.all(), source="flow_status")
    change_note = serializers.CharField(required=False, allow_blank=True, max_length=4000)


class ProcedureInputSerializer(BaseVersionSerializer):
    procedure_code_uuid = OrgRelatedField(ProcedureCode.objects.all(), source="procedure_code")
    provider_uuid = OrgRelatedField(
        Provider.objects.all(), source="provider", required=False, allow_null=True
    )
    fee = serializers.DecimalField(
        **MONEY_IN, required=False, allow_null=True, help_text="Default: the code's fee."
    )
    item_order = serializers.IntegerField(required=False, allow_null=True, **INT32)
    charted_procedure_uuid = StrictUUIDField(required=False, allow_null=True)


class ProviderAssignmentSerializer(InputSerializer):
    provider_uuid = OrgRelatedField(Provider.objects.all(), source="provider")
    role = serializers.ChoiceField(ProviderRole.choices, required=False, allow_null=True)
    start_time = LocalTimeField(
        required=False, allow_null=True, help_text="Local wall time on the appointment's date."
    )
    end_time = LocalTimeField(required=False, allow_null=True)

    class Meta:
        ref_name = "ProviderAssignmentIn"


class ProvidersReplaceSerializer(BaseVersionSerializer):
    providers = ProviderAssignmentSerializer(many=True, max_length=20)


class CheckConflictsSerializer(InputSerializer):
    location_uuid = OrgRelatedField(Location.objects.all(), source="location")
    operatory_uuid = OrgRelatedField(Operatory.objects.all(), source="operatory")
    schedule_date = CalendarDateField()
    start_time = LocalTimeField()
    end_time = LocalTimeField()
    exclude_appointment_uuid = StrictUUIDField(
        required=False,
        allow_null=True,
        help_text="The appointment being moved: left out, and its providers checked.",
    )
    appointment_type_uuid = OrgRelatedField(
        AppointmentType.objects.all(),
        source="appointment_type",
        required=False,
        allow_null=True,
        help_text="Type of the proposed appointment, for appointment rules.",
    )
    provider_uuids = OrgRelatedListField(
        Provider.objects.all(),
        source="providers",
        required=False,
        allow_null=True,
        max_length=20,
        help_text="Providers to check for PROVIDER_OVERLAP (default: the excluded appointment's).",
    )


class BulkMetaSerializer(InputSerializer):
    dry_run = serializers.BooleanField(
        required=False, default=False, help_text="Validate every row, write nothing."
    )

    class Meta:
        ref_name = "BulkMeta"


MAX_BULK_ROWS = 500


@extend_schema_field(AppointmentCreateSerializer(many=True))
class BulkRowsField(serializers.ListField):
    """Rows stay raw here: each is validated on its own, so one bad row fails alone."""


class BulkImportSerializer(InputSerializer):
    meta = BulkMetaSerializer(required=False)
    rows = BulkRowsField(
        child=serializers.DictField(),
        max_length=MAX_BULK_ROWS,
        help_text="Up to 500 appointment rows (the create body plus external_id); each is "
        "validated and written on its own.",
    )
