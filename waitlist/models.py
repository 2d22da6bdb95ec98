"""The ASAP list: patients who want an earlier slot, how they were contacted, and what
they answered."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from scheduling.models import OrgOwnedModel, VersionedModel


class LocationMatch(models.TextChoices):
    HOME_ONLY = "home_only", "Home location only"
    SELECTED = "selected", "Home and selected locations"
    ANY = "any", "Any location"


class Urgency(models.TextChoices):
    URGENT = "urgent", "Urgent"
    SOON = "soon", "Soon"
    ROUTINE = "routine", "Routine"
    FLEXIBLE = "flexible", "Flexible"


class Source(models.TextChoices):
    MANUAL = "manual", "Manual"
    APPOINTMENT_FLAG = "appointment_flag", "Appointment flag"
    RECALL = "recall", "Recall"
    TREATMENT_PLAN = "treatment_plan", "Treatment plan"
    ONLINE = "online", "Online"


class EntryStatus(models.TextChoices):
    WAITING = "waiting", "Waiting"
    CONTACTED = "contacted", "Contacted"
    OFFERED = "offered", "Offered"
    SCHEDULED = "scheduled", "Scheduled"
    REMOVED = "removed", "Removed"
    EXPIRED = "expired", "Expired"


#: An entry in one of these holds the patient's place on the list (one per patient,
#: location and appointment type).
ACTIVE_STATUSES = (EntryStatus.WAITING, EntryStatus.CONTACTED, EntryStatus.OFFERED)


class ContactMethod(models.TextChoices):
    SMS = "sms", "SMS"
    EMAIL = "email", "Email"
    PHONE = "phone", "Phone"
    APP_NOTIFICATION = "app_notification", "App notification"


class PatientResponse(models.TextChoices):
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    NO_ANSWER = "no_answer", "No answer"
    SLOT_TAKEN = "slot_taken", "Slot taken"
    EXPIRED = "expired", "Expired"


class WaitlistEntry(VersionedModel):
    """A patient who wants to come sooner, and what would suit them."""

    patient = models.ForeignKey("scheduling.Patient", on_delete=models.CASCADE, related_name="+")
    location = models.ForeignKey("scheduling.Location", on_delete=models.CASCADE, related_name="+")
    reach = models.CharField(
        "location scope",
        max_length=10,
        choices=LocationMatch.choices,
        default=LocationMatch.HOME_ONLY,
        help_text="How far the entry reaches (the API's location_scope).",
    )
    additional_locations = models.ManyToManyField(
        "scheduling.Location", through="WaitlistEntryLocation", blank=True, related_name="+"
    )
    provider = models.ForeignKey(
        "scheduling.Provider", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    appointment_type = models.ForeignKey(
        "appointments.AppointmentType",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    appointment = models.ForeignKey(
        "appointments.Appointment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="An existing appointment the patient wants earlier.",
    )
    recall = models.ForeignKey(
        "recalls.PatientRecall", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    date_range_start = models.DateField(null=True, blank=True)
    date_range_end = models.DateField(null=True, blank=True)
    preferred_days = ArrayField(
        models.PositiveSmallIntegerField(validators=[MaxValueValidator(6)]),
        default=list,
        blank=True,
    )
    preferred_time_start = models.TimeField(null=True, blank=True)
    preferred_time_end = models.TimeField(null=True, blank=True)
    estimated_duration_mins = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(5), MaxValueValidator(720)]
    )
    urgency = models.CharField(max_length=10, choices=Urgency.choices, default=Urgency.ROUTINE)
    priority = models.ForeignKey(
        "scheduling.Definition",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="A WaitlistPriority definition.",
    )
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.MANUAL)
    treatment_value = models.DecimalField(
        max_digits=10, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    note = models.TextField(blank=True)
    status = models.CharField(
        max_length=10, choices=EntryStatus.choices, default=EntryStatus.WAITING
    )
    contact_attempts = models.PositiveIntegerField(default=0)
    contact_method_used = models.CharField(max_length=20, choices=ContactMethod.choices, blank=True)
    contacted_at = models.DateTimeField(null=True, blank=True)
    last_offered_slot = models.JSONField(null=True, blank=True)
    patient_response = models.CharField(max_length=20, choices=PatientResponse.choices, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)

    # Who may see the entry: its home location decides (``reach`` is how far it matches).
    location_scope = "location"

    class Meta(VersionedModel.Meta):
        ordering = ["-created_at", "id"]
        verbose_name = "ASAP entry"
        verbose_name_plural = "ASAP list"
        constraints = [
            *VersionedModel.Meta.constraints,
            models.UniqueConstraint(
                fields=["org", "patient", "location", "appointment_type"],
                condition=Q(status__in=["waiting", "contacted", "offered"]),
                nulls_distinct=False,
                name="waitlist_one_active_entry",
            ),
            models.CheckConstraint(
                condition=Q(date_range_end__isnull=True)
                | Q(date_range_start__isnull=True)
                | Q(date_range_end__gte=models.F("date_range_start")),
                name="waitlist_date_range",
            ),
        ]
        indexes = [
            models.Index(fields=["org", "location", "status"], name="waitlist_location_status"),
            models.Index(fields=["org", "patient"], name="waitlist_patient"),
        ]

    def __str__(self) -> str:
        return f"{self.patient} ({self.urgency})"


class WaitlistEntryLocation(OrgOwnedModel):
    """Another location an entry with ``location_scope = selected`` accepts."""

    entry = models.ForeignKey(WaitlistEntry, on_delete=models.CASCADE, related_name="+")
    location = models.ForeignKey("scheduling.Location", on_delete=models.CASCADE, related_name="+")

    location_scope = "entry__location"

    class Meta(OrgOwnedModel.Meta):
        ordering = ["id"]
        constraints = [
            *OrgOwnedModel.Meta.constraints,
            models.UniqueConstraint(
                fields=["org", "entry", "location"], name="waitlist_entry_location"
            ),
        ]


class WaitlistContact(OrgOwnedModel):
    """One contact attempt or response about an entry (the contact log, newest first)."""

    entry = models.ForeignKey(WaitlistEntry, on_delete=models.CASCADE, related_name="contacts")
    contact_method = models.CharField(max_length=20, choices=ContactMethod.choices, blank=True)
    initiated_by = models.CharField(max_length=20, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    message_id = models.CharField(max_length=200, blank=True)
    slot_date = models.DateField(null=True, blank=True)
    slot_start_time = models.TimeField(null=True, blank=True)
    slot_location = models.ForeignKey(
        "scheduling.Location", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    patient_response = models.CharField(max_length=20, choices=PatientResponse.choices, blank=True)

    location_scope = "entry__location"

    class Meta(OrgOwnedModel.Meta):
        ordering = ["-created_at", "-id"]


class OpeningReason(models.TextChoices):
    """What freed an opening's chair time."""

    CANCELLED = "cancelled", "Cancelled"
    BROKEN = "broken", "Broken"
    PINBOARD = "pinboard", "Pinboarded"
    UNSCHEDULED = "unscheduled", "Unscheduled"
    DELETED = "deleted", "Deleted"
    MOVED = "moved", "Moved"


class OpeningStatus(models.TextChoices):
    """Derived when read (``waitlist.openings.with_status``), never stored."""

    OPEN = "open", "Open"
    FILLED = "filled", "Filled"
    EXPIRED = "expired", "Expired"


class Opening(OrgOwnedModel):
    """Chair time a live appointment gave up within the next two weeks, recorded the
    moment it was freed with the ASAP entries that could take it, best first, so the
    front desk knows whom to call before anyone asks (``waitlist.openings``)."""

    location = models.ForeignKey("scheduling.Location", on_delete=models.CASCADE, related_name="+")
    operatory = models.ForeignKey(
        "scheduling.Operatory", on_delete=models.CASCADE, related_name="+"
    )
    provider = models.ForeignKey(
        "scheduling.Provider", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    appointment_type = models.ForeignKey(
        "appointments.AppointmentType",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    appointment = models.ForeignKey(
        "appointments.Appointment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The appointment that freed the time, while it exists.",
    )
    reason = models.CharField(max_length=12, choices=OpeningReason.choices)
    start_at = models.DateTimeField()
    end_at = models.DateTimeField()
    slot_date = models.DateField(help_text="Local date at the location.")
    start_time = models.TimeField(help_text="Local wall time of the start.")
    end_time = models.TimeField(help_text="Local wall time of the end.")
    matches = models.JSONField(
        default=list,
        blank=True,
        help_text="The best quick-fill matches when it was freed: entry id and the match.",
    )
    total_matches = models.PositiveIntegerField(default=0)

    location_scope = "location"

    class Meta(OrgOwnedModel.Meta):
        ordering = ["-created_at", "-id"]
        constraints = [
            *OrgOwnedModel.Meta.constraints,
            models.CheckConstraint(
                condition=Q(end_at__gt=models.F("start_at")), name="waitlist_opening_interval"
            ),
        ]
        indexes = [
            models.Index(
                fields=["org", "location", "created_at"], name="waitlist_opening_location"
            ),
            models.Index(fields=["org", "created_at"], name="waitlist_opening_created"),
        ]

    def __str__(self) -> str:
        return f"{self.operatory} {self.start_at.isoformat()}"
