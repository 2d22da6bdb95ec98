"""Recalls: bringing patients back at the right interval (six-month cleaning …)."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower

from scheduling.models import VersionedModel
from scheduling.models.base import LocationScope, validate_same_org

INTERVAL_UNITS = ("years", "months", "weeks", "days")


def validate_interval(value) -> None:
    """Intervals are ``{"months": 6}``-style dicts of non-negative whole units."""
    if not isinstance(value, dict) or not value or set(value) - set(INTERVAL_UNITS):
        raise ValidationError(
            f"An interval is an object with keys among {', '.join(INTERVAL_UNITS)}.",
            code="invalid_interval",
        )
    if any(not isinstance(n, int) or isinstance(n, bool) or n < 0 for n in value.values()):
        raise ValidationError("Interval units are non-negative integers.", code="invalid_interval")


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
