"""Practice and personal settings of the calendar: schedule views (and each user's default
and shortcuts among them), saved searches, patients' scheduling preferences and the
providers' daily production goals."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from scheduling.models.base import (
    LocationScope,
    OrgOwnedModel,
    VersionedModel,
    validate_same_org,
)
from scheduling.models.reference import Location, Operatory, Patient, Provider
from scheduling.models.schedules import validate_times


class ProductionGoal(VersionedModel):
    """What a provider is expected to produce at a location on one date."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+")
    goal_date = models.DateField()
    goal_amount = models.DecimalField(
        max_digits=10, decimal_places=2, validators=[MinValueValidator(0)]
    )

    location_scope = "location"

    class Meta(VersionedModel.Meta):
        ordering = ["goal_date", "provider", "location", "id"]
        constraints = [
            *VersionedModel.Meta.constraints,
            models.UniqueConstraint(
                fields=["org", "provider", "location", "goal_date"], name="production_goal_day"
            ),
            models.CheckConstraint(
                condition=Q(goal_amount__gte=0), name="production_goal_not_negative"
            ),
        ]
        indexes = [
            models.Index(fields=["org", "location", "goal_date"], name="production_goal_location"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.goal_date}: {self.goal_amount}"


class ViewType(models.TextChoices):
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly"


class ViewVisibility(models.TextChoices):
    SHARED = "shared", "Shared"
    PERSONAL = "personal", "Personal"


class FontSize(models.TextChoices):
    XS = "xs", "Extra small"
    SM = "sm", "Small"
    MD = "md", "Medium"
    LG = "lg", "Large"


TIME_INCREMENTS = (5, 10, 15, 20, 30, 60)


class ScheduleView(VersionedModel):
    """A calendar layout at a location: which chairs and providers, what hours, how cards
    look. A personal view is its owner's alone; a shared view is every member's who may
    see its location. Who uses it as a default or under which shortcut is per user
    (``ScheduleViewChoice``)."""

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="Who made it; a personal view is visible to its owner only.",
    )
    name = models.CharField(max_length=100)
    visibility = models.CharField(
        max_length=10, choices=ViewVisibility.choices, default=ViewVisibility.PERSONAL
    )
    view_type = models.CharField(max_length=10, choices=ViewType.choices, default=ViewType.DAILY)
    font_size = models.CharField(max_length=2, choices=FontSize.choices, default=FontSize.MD)
    time_increment = models.PositiveSmallIntegerField(
        default=10, choices=[(n, f"{n} minutes") for n in TIME_INCREMENTS]
    )
    start_time = models.TimeField(default="07:00")
    end_time = models.TimeField(default="19:00")
    min_operatory_width_px = models.PositiveSmallIntegerField(
        default=0, validators=[MaxValueValidator(2000)]
    )
    auto_scroll_to_current_time = models.BooleanField(default=True)
    bubble_enabled = models.BooleanField(default=True)
    compact_mode = models.BooleanField(default=False)
    dynamic_op_filtering = models.BooleanField(default=False)
    privacy_mode = models.BooleanField(default=False)
    show_business_days_only = models.BooleanField(default=True)
    show_missed_appointments = models.BooleanField(default=True)
    show_production = models.BooleanField(default=False)
    show_provider_bars = models.BooleanField(default=True)
    card_layout = models.JSONField(null=True, blank=True)
    bubble_layout = models.JSONField(null=True, blank=True)
    color_config = models.JSONField(null=True, blank=True)

    location_scope = "location"

    class Meta(VersionedModel.Meta):
        ordering = ["name", "id"]
        constraints = [
            *VersionedModel.Meta.constraints,
            models.CheckConstraint(
                condition=Q(end_time__gt=models.F("start_time")), name="schedule_view_hours"
            ),
        ]
        indexes = [models.Index(fields=["org", "location", "name"], name="schedule_view_location")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        validate_same_org(self, "location")
        validate_times(self)


class ScheduleViewOperatory(OrgOwnedModel):
    """An operatory column of a view, in order."""

    view = models.ForeignKey(ScheduleView, on_delete=models.CASCADE, related_name="operatory_links")
    operatory = models.ForeignKey(Operatory, on_delete=models.CASCADE, related_name="+")
    item_order = models.PositiveSmallIntegerField(default=0)

    location_scope = "view__location"

    class Meta(OrgOwnedModel.Meta):
        ordering = ["item_order", "id"]
        constraints = [
            *OrgOwnedModel.Meta.constraints,
            models.UniqueConstraint(
                fields=["org", "view", "operatory"], name="schedule_view_operatory"
            ),
        ]

    def clean(self) -> None:
        """A column is a chair of the view's location."""
        validate_same_org(self, "view", "operatory")
        view = getattr(self, "view", None)  # an admin inline's view may not be saved yet
        if (
            view is not None
            and self.operatory_id
            and self.operatory.location_id != view.location_id
        ):
            raise ValidationError(
                {"operatory": "The operatory is not at the view's location."}, code="wrong_location"
            )


class ScheduleViewProvider(OrgOwnedModel):
    """A provider a view shows, in order."""

    view = models.ForeignKey(ScheduleView, on_delete=models.CASCADE, related_name="provider_links")
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
    item_order = models.PositiveSmallIntegerField(default=0)

    location_scope = "view__location"

    class Meta(OrgOwnedModel.Meta):
        ordering = ["item_order", "id"]
        constraints = [
            *OrgOwnedModel.Meta.constraints,
            models.UniqueConstraint(
                fields=["org", "view", "provider"], name="schedule_view_provider"
            ),
        ]

    def clean(self) -> None:
        validate_same_org(self, "view", "provider")


class ScheduleViewChoice(OrgOwnedModel):
    """One user's use of a view: their default at its location, their Ctrl+N for it.

    ``location`` repeats the view's so that the database keeps exactly one default and
    one view per shortcut number per user and location.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    view = models.ForeignKey(ScheduleView, on_delete=models.CASCADE, related_name="choices")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+")
    is_default = models.BooleanField(default=False)
    keyboard_shortcut = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(9)]
    )

    location_scope = "location"

    class Meta(OrgOwnedModel.Meta):
        ordering = ["id"]
        constraints = [
            *OrgOwnedModel.Meta.constraints,
            models.UniqueConstraint(fields=["org", "user", "view"], name="schedule_view_choice"),
            models.UniqueConstraint(
                fields=["org", "user", "location"],
                condition=Q(is_default=True),
                name="schedule_view_one_default",
            ),
            models.UniqueConstraint(
                fields=["org", "user", "location", "keyboard_shortcut"],
                condition=Q(keyboard_shortcut__isnull=False),
                name="schedule_view_one_shortcut",
            ),
            models.CheckConstraint(
                condition=Q(keyboard_shortcut__isnull=True)
                | Q(keyboard_shortcut__gte=1, keyboard_shortcut__lte=9),
                name="schedule_view_shortcut_range",
            ),
        ]


#: The free-time search's saved searches (``GET /schedule/free-time?saved_search_uuid=``).
FIND_FREE_TIME = "find_free_time"


class SavedSearch(VersionedModel):
    """A search a user repeats (criteria kept as given), theirs alone."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100)
    search_type = models.CharField(max_length=50, default=FIND_FREE_TIME)
    criteria = models.JSONField(default=dict)
    is_default = models.BooleanField(default=False)

    location_scope = LocationScope.ORG_WIDE

    class Meta(VersionedModel.Meta):
        ordering = ["name", "id"]
        verbose_name_plural = "saved searches"
        constraints = [
            *VersionedModel.Meta.constraints,
            models.UniqueConstraint(
                fields=["org", "user", "search_type"],
                condition=Q(is_default=True),
                name="saved_search_one_default",
            ),
        ]
        indexes = [models.Index(fields=["org", "user", "search_type"], name="saved_search_user")]

    def __str__(self) -> str:
        return self.name

    def clean_fields(self, exclude=None) -> None:
        """Empty criteria (``{}``) are a search with no criteria (the reference's own
        example saves one), not a blank field, as Django would call an empty object."""
        exclude = set(exclude or ())
        if self.criteria == {}:
            exclude.add("criteria")
        super().clean_fields(exclude=exclude)


class ContactMethod(models.TextChoices):
    SMS = "sms", "SMS"
    EMAIL = "email", "Email"
    PHONE = "phone", "Phone"
    APP_NOTIFICATION = "app_notification", "App notification"
    NONE = "none", "None"


class PatientPreference(VersionedModel):
    """When and with whom a patient likes to be seen (entered, or learned from their
    completed appointments: ``learned_from_history``). One per patient."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    preferred_provider = models.ForeignKey(
        Provider, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    preferred_operatory = models.ForeignKey(
        Operatory, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    preferred_days = ArrayField(
        models.PositiveSmallIntegerField(validators=[MaxValueValidator(6)]),
        default=list,
        blank=True,
        help_text="0 = Monday … 6 = Sunday.",
    )
    preferred_time_start = models.TimeField(null=True, blank=True)
    preferred_time_end = models.TimeField(null=True, blank=True)
    preferred_contact_method = models.CharField(
        max_length=20, choices=ContactMethod.choices, blank=True
    )
    notes = models.TextField(blank=True)
    learned_from_history = models.BooleanField(default=False)

    location_scope = LocationScope.ORG_WIDE

    class Meta(VersionedModel.Meta):
        ordering = ["id"]
        constraints = [
            *VersionedModel.Meta.constraints,
            models.UniqueConstraint(fields=["org", "patient"], name="patient_preference_one"),
        ]

    def __str__(self) -> str:
        return f"Preferences of {self.patient}"

    def clean(self) -> None:
        """The row's own rules, for every writer (API, admin, ``learn_preferences``).

        A weekday is named once (the free-time ranking counts each day once). The time
        window may be open on one side ("after 3 pm"), but when it has both ends the
        start comes first: a window across midnight means nothing to a practice.
        """
        validate_same_org(self, "patient", "preferred_provider", "preferred_operatory")
        days = self.preferred_days or []
        if len(set(days)) != len(days):
            raise ValidationError(
                {"preferred_days": ValidationError("A day is named twice.", code="duplicate")}
            )
        start, end = self.preferred_time_start, self.preferred_time_end
        if start is not None and end is not None and end <= start:
            raise ValidationError(
                {
                    "preferred_time_end": ValidationError(
                        "preferred_time_end must be after preferred_time_start.",
                        code="invalid_interval",
                    )
                }
            )
