"""Recalls: bringing patients back at the right interval (six-month cleaning …)."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower

from scheduling.models import OrgOwnedModel, VersionedModel
from scheduling.models.base import LocationScope, validate_same_org

INTERVAL_UNITS = ("years", "months", "weeks", "days")
#: The most of each unit an interval may hold: a century, whatever the unit. Beyond that
#: no practice recalls anyone, and a due date computed from it would leave the calendar.
INTERVAL_MAX = {"years": 100, "months": 1200, "weeks": 5200, "days": 36500}


def validate_interval(value) -> None:
    """Intervals are ``{"months": 6}``-style dicts of whole units, at least one positive.

    Keys among ``INTERVAL_UNITS``, each a non-negative integer up to ``INTERVAL_MAX``; an
    interval of nothing (``{}``, ``{"months": 0}``) would make a recall due the day it
    was fulfilled, so it is refused.
    """
    if not isinstance(value, dict) or set(value) - set(INTERVAL_UNITS):
        raise ValidationError(
            f"An interval is an object with keys among {', '.join(INTERVAL_UNITS)}.",
            code="invalid_interval",
        )
    for unit, n in value.items():
        if not isinstance(n, int) or isinstance(n, bool) or not 0 <= n <= INTERVAL_MAX[unit]:
            raise ValidationError(
                f"Interval {unit} must be a whole number from 0 to {INTERVAL_MAX[unit]}.",
                code="invalid_interval",
            )
    if not any(value.values()):
        raise ValidationError(
            'An interval needs at least one positive unit (e.g. {"months": 6}).',
            code="invalid_interval",
        )


class RecallType(VersionedModel):
    """A kind of recall with its default interval and the appointment type it books."""

    name = models.CharField(max_length=100)
    description = models.CharField(max_length=300, blank=True)
    appointment_type = models.ForeignKey(
        "appointments.AppointmentType",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    default_interval = models.JSONField(default=dict, validators=[validate_interval])
    is_active = models.BooleanField(default=True)
    item_order = models.IntegerField(default=0)

    location_scope = LocationScope.ORG_WIDE

    class Meta(VersionedModel.Meta):
        ordering = ["item_order", "name", "id"]
        constraints = [
            *VersionedModel.Meta.constraints,
            models.UniqueConstraint(Lower("name"), "org", name="recall_type_org_name"),
        ]

    def clean(self) -> None:
        validate_same_org(self, "appointment_type")


class RecallTrigger(OrgOwnedModel):
    """Completing this procedure code brings the patient's recall of this type round."""

    recall_type = models.ForeignKey(RecallType, on_delete=models.CASCADE, related_name="triggers")
    procedure_code = models.ForeignKey(
        "scheduling.ProcedureCode", on_delete=models.CASCADE, related_name="+"
    )

    location_scope = LocationScope.ORG_WIDE

    class Meta(OrgOwnedModel.Meta):
        ordering = ["recall_type", "procedure_code", "id"]
        constraints = [
            *OrgOwnedModel.Meta.constraints,
            models.UniqueConstraint(
                fields=["org", "recall_type", "procedure_code"], name="recall_trigger_pair"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.procedure_code} → {self.recall_type}"

    def clean(self) -> None:
        validate_same_org(self, "recall_type", "procedure_code")


class PatientRecall(VersionedModel):
    """One recall cycle of a patient: due on ``date_due``, fulfilled by ``appointment``.

    ``status`` is derived when read (``recalls.selectors``): completed once ``completed_at``
    is set; scheduled while a live appointment in the future is linked; overdue when open
    and ``date_due`` is before the practice's today; due otherwise. A patient has at most
    one open cycle per type; completed ones stay as history.
    """

    patient = models.ForeignKey("scheduling.Patient", on_delete=models.CASCADE, related_name="+")
    recall_type = models.ForeignKey(RecallType, on_delete=models.PROTECT, related_name="+")
    interval = models.JSONField(
        null=True,
        blank=True,
        validators=[validate_interval],
        help_text="The patient's own interval; none: the type's default.",
    )
    date_previous = models.DateField(null=True, blank=True)
    date_due = models.DateField(null=True, blank=True)
    date_scheduled = models.DateField(null=True, blank=True)
    appointment = models.ForeignKey(
        "appointments.Appointment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        # ``Appointment.recalls``: what the appointments app's declaration of an
        # appointment's ``recall`` reads, by this name, without importing recalls.
        related_name="recalls",
    )
    is_disabled = models.BooleanField(default=False)
    note = models.TextField(blank=True)
    completed_at = models.DateTimeField(null=True, blank=True, editable=False)

    location_scope = LocationScope.ORG_WIDE

    class Meta(VersionedModel.Meta):
        ordering = ["date_due", "id"]
        constraints = [
            *VersionedModel.Meta.constraints,
            models.UniqueConstraint(
                fields=["org", "patient", "recall_type"],
                condition=models.Q(completed_at__isnull=True),
                name="patient_recall_one_open",
            ),
        ]
        indexes = [
            models.Index(fields=["org", "date_due"], name="patient_recall_due"),
            # The due list and the status counts walk the open cycles by due date.
            models.Index(
                fields=["org", "date_due", "id"],
                include=["is_disabled", "appointment"],
                condition=models.Q(completed_at__isnull=True),
                name="patient_recall_open_due",
            ),
            models.Index(fields=["org", "patient", "recall_type"], name="patient_recall_patient"),
        ]

    def __str__(self) -> str:
        return f"{self.recall_type} for {self.patient}"

    def clean(self) -> None:
        validate_same_org(self, "patient", "recall_type", "appointment")
