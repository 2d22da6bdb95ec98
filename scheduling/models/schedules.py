"""When each provider works: weekly templates, date overrides, and the day's notes.

A provider's schedule at a location on a date is the overrides of that date when there
are any, else the templates in effect that date (``scheduling.schedule.resolution``).
Times are local wall times at the location; the resolution turns them into instants.
"""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from scheduling.models.base import VersionedModel, validate_same_org
from scheduling.models.reference import Location, Operatory, Provider
from scheduling.timezones import field_instant


def validate_operatory_location(schedule) -> None:
    """A range's operatory is one of its location's."""
    if (
        schedule.operatory_id
        and schedule.location_id
        and schedule.operatory.location_id != schedule.location_id
    ):
        raise ValidationError(
            {"operatory": "The operatory is not at this location."}, code="wrong_location"
        )


def validate_times(schedule) -> None:
    start, end = schedule.start_time, schedule.end_time
    if start is not None and end is not None and end <= start:
        raise ValidationError(
            {
                "end_time": ValidationError(
                    "end_time must be after start_time.", code="invalid_interval"
                )
            }
        )


class OverrideReason(models.TextChoices):
    VACATION = "vacation", "Vacation"
    SICK = "sick", "Sick"
    TRAINING = "training", "Training"
    HOLIDAY = "holiday", "Holiday"
    EXTRA_HOURS = "extra_hours", "Extra hours"
    SCHEDULE_CHANGE = "schedule_change", "Schedule change"
    OTHER = "other", "Other"


class ProviderScheduleTemplate(VersionedModel):
    """A provider works at a location every ``day_of_week`` (0 = Monday) from
    ``start_time`` to ``end_time`` (local), optionally in one operatory, between
    ``effective_from`` and ``effective_to`` (inclusive; none: open-ended). Several on one
    weekday give several ranges (a lunch break is two templates)."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+")
    operatory = models.ForeignKey(
        Operatory, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    day_of_week = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(0), MaxValueValidator(6)],
        help_text="0 = Monday … 6 = Sunday.",
    )
    start_time = models.TimeField()
    end_time = models.TimeField()
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True)
    note = models.TextField(blank=True)

    location_scope = "location"

    class Meta(VersionedModel.Meta):
        ordering = ["day_of_week", "start_time", "id"]
        verbose_name = "provider schedule template"
        constraints = [
            *VersionedModel.Meta.constraints,
            models.CheckConstraint(
                condition=Q(day_of_week__gte=0, day_of_week__lte=6),
                name="schedule_template_weekday",
            ),
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")), name="schedule_template_times"
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=F("effective_from")),
                name="schedule_template_effective",
            ),
        ]
        indexes = [
            models.Index(fields=["org", "provider", "day_of_week"], name="schedule_tpl_provider"),
            models.Index(fields=["org", "location", "day_of_week"], name="schedule_tpl_location"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.day_of_week} {self.start_time}–{self.end_time}"

    def clean(self) -> None:
        validate_same_org(self, "provider", "location", "operatory")
        validate_operatory_location(self)
        validate_times(self)
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise ValidationError(
                {
                    "effective_to": ValidationError(
                        "effective_to must not be before effective_from.", code="invalid_interval"
                    )
                }
            )


class ProviderScheduleOverride(VersionedModel):
    """The provider's schedule at a location on one date, instead of the templates:
    ``is_unavailable`` (no time that day there), or one range (several overrides on one
    date give several ranges)."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+")
    operatory = models.ForeignKey(
        Operatory, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    override_date = models.DateField()
    is_unavailable = models.BooleanField(default=False)
    start_time = models.TimeField(null=True, blank=True)
    end_time = models.TimeField(null=True, blank=True)
    override_reason = models.CharField(
        max_length=20, choices=OverrideReason.choices, default=OverrideReason.OTHER
    )
    note = models.TextField(blank=True)

    location_scope = "location"

    class Meta(VersionedModel.Meta):
        ordering = ["override_date", "start_time", "id"]
        verbose_name = "provider schedule override"
        constraints = [
            *VersionedModel.Meta.constraints,
            models.CheckConstraint(
                condition=Q(is_unavailable=True)
                | Q(start_time__isnull=False, end_time__isnull=False, end_time__gt=F("start_time")),
                name="schedule_override_range",
            ),
        ]
        indexes = [
            models.Index(fields=["org", "provider", "override_date"], name="schedule_ovr_provider"),
            models.Index(fields=["org", "location", "override_date"], name="schedule_ovr_location"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.override_date}"

    def clean(self) -> None:
        validate_same_org(self, "provider", "location", "operatory")
        validate_operatory_location(self)
        validate_times(self)
        if self.is_unavailable:
            for name in ("start_time", "end_time"):
                if getattr(self, name) is not None:
                    raise ValidationError(
                        {name: ValidationError("A day off has no times.", code="not_allowed")}
                    )
            return
        for name in ("start_time", "end_time"):
            wall = getattr(self, name)
            if wall is None:
                raise ValidationError(
                    {
                        name: ValidationError(
                            "Give start_time and end_time, or is_unavailable.", code="required"
                        )
                    }
                )
            if self.override_date is not None and self.location_id:
                # An override is for one date: a wall time that does not exist then is refused.
                field_instant(self.override_date, wall, self.location.timezone, name)


class ScheduleNote(VersionedModel):
    """The note shown at the top of a location's calendar on one date."""

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+")
    note_date = models.DateField()
    note = models.TextField()

    location_scope = "location"

    class Meta(VersionedModel.Meta):
        ordering = ["note_date", "id"]
        constraints = [
            *VersionedModel.Meta.constraints,
            models.UniqueConstraint(
                fields=["org", "location", "note_date"], name="schedule_note_location_date"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.location} {self.note_date}"

    def clean(self) -> None:
        validate_same_org(self, "location")
