"""Appointments: a patient in a chair at a location, for an interval, with its history."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Value
from django.db.models.functions import Cast, Coalesce

from scheduling.models import (
    Definition,
    FlowStatus,
    Location,
    Operatory,
    OrgOwnedModel,
    Patient,
    ProcedureCode,
    Provider,
    VersionedModel,
)
from scheduling.models.base import validate_same_org


class CancelledBy(models.TextChoices):
    PATIENT = "patient", "Patient"
    PRACTICE = "practice", "Practice"


class AppointmentStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    SCHEDULED = "scheduled", "Scheduled"
    COMPLETE = "complete", "Complete"
    BROKEN = "broken", "Broken"
    CANCELLED = "cancelled", "Cancelled"
    UNSCHEDULED = "unscheduled", "Unscheduled"
    PINBOARD = "pinboard", "Pinboard"


#: ``start_at`` as the cursor list sorts it: appointments without a time after all others
#: (and first, descending). The (org, key, uuid) index serves every cursor page.
START_SORT_KEY = Coalesce("start_at", Cast(Value("infinity"), models.DateTimeField()))

#: Statuses that hold their slot in the chair; the others hold no time.
LIVE_STATUSES = frozenset(
    {AppointmentStatus.PLANNED, AppointmentStatus.SCHEDULED, AppointmentStatus.COMPLETE}
)


class Appointment(VersionedModel):
    """An appointment, stored as a UTC interval ``[start_at, end_at)`` at a location.

    The front desk speaks in local dates and wall times; ``appointments.services``
    converts them with the location's zone. Appointments that hold no slot (pinboard,
    unscheduled …) may have no time at all. ``production_amount`` is the sum of the
    procedure fees unless set.
    """

    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    operatory = models.ForeignKey(
        Operatory, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    appointment_type = models.ForeignKey(
        "appointments.AppointmentType",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        max_length=12, choices=AppointmentStatus.choices, default=AppointmentStatus.SCHEDULED
    )
    start_at = models.DateTimeField(null=True, blank=True)
    end_at = models.DateTimeField(null=True, blank=True)
    ask_to_arrive_at = models.DateTimeField(null=True, blank=True)
    confirmation_status = models.ForeignKey(
        Definition, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    flow_status = models.ForeignKey(
        FlowStatus, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cancel_reason = models.ForeignKey(
        Definition, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    broken_reason = models.ForeignKey(
        Definition, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cancelled_by = models.CharField(
        max_length=150,
        blank=True,
        choices=CancelledBy.choices,
        help_text="Who called it off: the patient or the practice (who clicked: the history).",
    )
    is_new_patient = models.BooleanField(default=False)
    is_time_locked = models.BooleanField(default=False)
    item_order = models.IntegerField(default=0)
    priority = models.IntegerField(default=0)
    note = models.TextField(blank=True)
    color_override = models.CharField(max_length=7, blank=True)
    production_override = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Expected production; empty means the sum of the procedure fees.",
    )
    estimated_insurance = models.DecimalField(
        max_digits=10, decimal_places=2, null=True, blank=True
    )
    estimated_patient_portion = models.DecimalField(
        max_digits=10, decimal_places=2, null=True, blank=True
    )
    tags = models.ManyToManyField(
        Definition, through="AppointmentTag", blank=True, related_name="+"
    )
    external_id = models.CharField(
        max_length=100, blank=True, help_text="Id in the system it was imported from."
    )

    location_scope = "location"

    class Meta(VersionedModel.Meta):
        # By time, the ones without a time last, as the index of the cursor list serves it.
        ordering = [START_SORT_KEY.asc(), "uuid"]
        indexes = [
            # The conflict engine: live appointments of one chair around an interval.
            models.Index(fields=["org", "operatory", "start_at"], name="appt_org_operatory_start"),
            models.Index(fields=["org", "location", "start_at"], name="appt_org_location_start"),
            models.Index(fields=["org", "patient", "start_at"], name="appt_org_patient_start"),
            # Keyset pagination of /appointments/cursor on each sort field, then public id.
            models.Index(F("org"), START_SORT_KEY, F("uuid"), name="appt_org_start_key_uuid"),
            models.Index(fields=["org", "created_at", "uuid"], name="appt_org_created_uuid"),
            models.Index(fields=["org", "updated_at", "uuid"], name="appt_org_updated_uuid"),
            models.Index(fields=["org", "status", "uuid"], name="appt_org_status_uuid"),
        ]
        constraints = [
            *VersionedModel.Meta.constraints,
            models.UniqueConstraint(
                fields=["org", "external_id"],
                condition=~models.Q(external_id=""),
                name="appointment_org_external_id",
            ),
            models.CheckConstraint(
                condition=models.Q(start_at__isnull=True, end_at__isnull=True)
                | models.Q(
                    start_at__isnull=False, end_at__isnull=False, end_at__gt=models.F("start_at")
                ),
                name="appointment_interval_valid",
            ),
        ]

    def __str__(self) -> str:
        when = self.start_at.isoformat() if self.start_at else "unscheduled"
        return f"{self.patient} {when}"

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES

    def clean(self) -> None:
        validate_same_org(
            self,
            "location",
            "operatory",
            "patient",
            "appointment_type",
            "confirmation_status",
            "flow_status",
            "cancel_reason",
            "broken_reason",
        )


class AppointmentTag(models.Model):
    """An ``AppointmentTag`` definition on an appointment."""

    org = models.ForeignKey("scheduling.Organization", on_delete=models.CASCADE, related_name="+")
    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE)
    definition = models.ForeignKey(Definition, on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["appointment", "definition__item_order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "appointment", "definition"], name="appointment_tag_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.definition} on {self.appointment_id}"


class ProviderRole(models.TextChoices):
    PRIMARY = "primary", "Primary"
    HYGIENIST = "hygienist", "Hygienist"
    ASSISTANT = "assistant", "Assistant"


class AppointmentProvider(OrgOwnedModel):
    """A provider on an appointment, in order, optionally for part of its time."""

    appointment = models.ForeignKey(
        Appointment, on_delete=models.CASCADE, related_name="provider_links"
    )
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(
        max_length=12, choices=ProviderRole.choices, default=ProviderRole.PRIMARY
    )
    start_at = models.DateTimeField(null=True, blank=True)
    end_at = models.DateTimeField(null=True, blank=True)
    item_order = models.IntegerField(default=0)

    location_scope = "appointment__location"

    class Meta(OrgOwnedModel.Meta):
        ordering = ["appointment", "item_order", "id"]
        indexes = [models.Index(fields=["org", "provider", "start_at"], name="appt_provider_start")]
        constraints = [
            *OrgOwnedModel.Meta.constraints,
            models.UniqueConstraint(
                fields=["org", "appointment", "provider"], name="appointment_provider_unique"
            ),
        ]

    def clean(self) -> None:
        validate_same_org(self, "appointment", "provider")


class ProcedureStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    COMPLETE = "complete", "Complete"


class AppointmentProcedure(OrgOwnedModel):
    """A procedure (CDT code and fee) booked on an appointment."""

    appointment = models.ForeignKey(
        Appointment, on_delete=models.CASCADE, related_name="procedures"
    )
    procedure_code = models.ForeignKey(ProcedureCode, on_delete=models.PROTECT, related_name="+")
    provider = models.ForeignKey(
        Provider, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    fee = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    item_order = models.IntegerField(default=0)
    status = models.CharField(
        max_length=10, choices=ProcedureStatus.choices, default=ProcedureStatus.PLANNED
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    charted_procedure_uuid = models.UUIDField(null=True, blank=True)

    location_scope = "appointment__location"

    class Meta(OrgOwnedModel.Meta):
        ordering = ["appointment", "item_order", "id"]
        indexes = [
            models.Index(
                fields=["org", "procedure_code", "status", "completed_at"],
                name="appt_procedure_code_done",
            )
        ]

    def __str__(self) -> str:
        return f"{self.procedure_code.code} on {self.appointment_id}"

    def clean(self) -> None:
        validate_same_org(self, "appointment", "procedure_code", "provider")


class HistoryAction(models.TextChoices):
    CREATED = "created", "Created"
    IMPORTED = "imported", "Imported"
    UPDATED = "updated", "Updated"
    MOVED = "moved", "Moved"
    TRANSITIONED = "transitioned", "Status changed"
    CANCELLED = "cancelled", "Cancelled"
    BROKEN = "broken", "Broken"
    PINBOARDED = "pinboarded", "Sent to pinboard"
    PLACED = "placed", "Placed from pinboard"
    CONFIRMATION_CHANGED = "confirmation_changed", "Confirmation changed"
    FLOW_STATUS_SET = "flow_status_set", "Patient flow status set"
    PROCEDURE_ADDED = "procedure_added", "Procedure added"
    PROCEDURE_REMOVED = "procedure_removed", "Procedure removed"
    PROVIDERS_REPLACED = "providers_replaced", "Providers replaced"
    DELETED = "deleted", "Deleted"


class AppointmentHistory(OrgOwnedModel):
    """One write to an appointment: who, when, what, and each changed field (old → new).

    Entries outlive the appointment: a deletion keeps its trail (``appointment`` is
    then NULL and ``appointment_uuid`` still names it).
    """

    appointment = models.ForeignKey(
        Appointment, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    appointment_uuid = models.UUIDField()
    action = models.CharField(max_length=24, choices=HistoryAction.choices)
    changes = models.JSONField(default=dict, blank=True)
    note = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True)
    version = models.PositiveIntegerField(
        null=True, help_text="Appointment version after the write."
    )

    location_scope = "appointment__location"

    class Meta(OrgOwnedModel.Meta):
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "appointment history"
        indexes = [
            models.Index(
                fields=["org", "appointment_uuid", "-created_at"], name="appt_history_appt"
            )
        ]


class PatientFlowEvent(OrgOwnedModel):
    """The patient of an appointment entered a flow status (arrived, seated …)."""

    appointment = models.ForeignKey(
        Appointment, on_delete=models.CASCADE, related_name="flow_events"
    )
    flow_status = models.ForeignKey(FlowStatus, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    changed_by_name = models.CharField(max_length=150, blank=True)
    change_note = models.TextField(blank=True)

    location_scope = "appointment__location"

    class Meta(OrgOwnedModel.Meta):
        ordering = ["appointment", "changed_at", "id"]

    def clean(self) -> None:
        validate_same_org(self, "appointment", "flow_status")


class AppointmentRule(VersionedModel):
    """Whether appointments of two types may share a chair, at one location or everywhere.

    The pair is unordered (stored with the smaller id first). A rule for the location
    overrides an org-wide rule for the same pair. Read by the conflict engine; its
    endpoints belong to the Schedule section.
    """

    appointment_type_a = models.ForeignKey(
        "appointments.AppointmentType", on_delete=models.CASCADE, related_name="+"
    )
    appointment_type_b = models.ForeignKey(
        "appointments.AppointmentType", on_delete=models.CASCADE, related_name="+"
    )
    location = models.ForeignKey(
        Location, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    allow_overlap = models.BooleanField(default=True)

    location_scope = "location"

    class Meta(VersionedModel.Meta):
        ordering = ["id"]
        constraints = [
            *VersionedModel.Meta.constraints,
            models.UniqueConstraint(
                fields=["org", "appointment_type_a", "appointment_type_b", "location"],
                nulls_distinct=False,
                name="appointment_rule_pair",
            ),
            models.CheckConstraint(
                condition=models.Q(appointment_type_a__lte=models.F("appointment_type_b")),
                name="appointment_rule_pair_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.appointment_type_a} + {self.appointment_type_b}"

    def save(self, *args, **kwargs):
        if self.appointment_type_a_id and self.appointment_type_b_id:
            low, high = sorted([self.appointment_type_a_id, self.appointment_type_b_id])
            self.appointment_type_a_id, self.appointment_type_b_id = low, high
        super().save(*args, **kwargs)

    def clean(self) -> None:
        validate_same_org(self, "appointment_type_a", "appointment_type_b", "location")
