"""Reference data of a practice: where, in which chair, by whom, for whom, and what.

These rows are written by practice administrators in the admin and by the
``import_reference`` command; the API reads them.
"""

from django.db import models
from django.db.models.functions import Lower

from scheduling.models.base import (
    LiveOrgManager,
    LocationScope,
    OrgQuerySet,
    VersionedModel,
    validate_same_org,
)
from scheduling.validators import validate_cdt_code, validate_color, validate_timezone


def _external_id_unique(name: str) -> models.UniqueConstraint:
    """Rows imported from another system are upserted by their id there."""
    return models.UniqueConstraint(
        fields=["org", "external_id"],
        condition=~models.Q(external_id=""),
        name=name,
    )


class Location(VersionedModel):
    """A clinic. Its time zone turns the front desk's wall times into instants."""

    name = models.CharField(max_length=200)
    timezone = models.CharField(max_length=64, validators=[validate_timezone])
    address = models.CharField(max_length=300, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    is_active = models.BooleanField(default=True)
    external_id = models.CharField(max_length=100, blank=True)

    location_scope = LocationScope.SELF

    class Meta(VersionedModel.Meta):
        ordering = ["name", "id"]
        constraints = [
            *VersionedModel.Meta.constraints,
            _external_id_unique("location_org_external_id"),
        ]


class Operatory(VersionedModel):
    """A chair (treatment room) at a location: the unit appointments may not double-book."""

    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="operatories")
    name = models.CharField(max_length=100)
    abbrev = models.CharField(max_length=20, blank=True)
    is_hygiene = models.BooleanField(default=False)
    item_order = models.IntegerField(default=0)
    is_active = models.BooleanField(default=True)
    external_id = models.CharField(max_length=100, blank=True)

    location_scope = "location"

    class Meta(VersionedModel.Meta):
        ordering = ["location__name", "item_order", "name", "id"]
        verbose_name_plural = "operatories"
        constraints = [
            *VersionedModel.Meta.constraints,
            _external_id_unique("operatory_org_external_id"),
        ]

    def clean(self) -> None:
        validate_same_org(self, "location")


class Provider(VersionedModel):
    """A dentist or hygienist who can be booked."""

    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    abbrev = models.CharField(max_length=20, blank=True)
    suffix = models.CharField(max_length=20, blank=True, help_text="DDS, RDH …")
    is_hygienist = models.BooleanField(default=False)
    color = models.CharField(max_length=7, blank=True, validators=[validate_color])
    is_active = models.BooleanField(default=True)
    external_id = models.CharField(max_length=100, blank=True)

    location_scope = LocationScope.ORG_WIDE

    class Meta(VersionedModel.Meta):
        ordering = ["last_name", "first_name", "id"]
        constraints = [
            *VersionedModel.Meta.constraints,
            _external_id_unique("provider_org_external_id"),
        ]

    @property
    def name(self) -> str:
        full = f"{self.first_name} {self.last_name}".strip()
        return f"{full}, {self.suffix}" if self.suffix else full

    def __str__(self) -> str:
        return self.name


class Patient(VersionedModel):
    """A person who is booked into chairs."""

    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    preferred_name = models.CharField(max_length=100, blank=True)
    birthdate = models.DateField(null=True, blank=True)
    email = models.EmailField(blank=True)
    mobile_phone = models.CharField(max_length=40, blank=True)
    chart_number = models.CharField(max_length=40, blank=True)
    balance_due = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        default=0,
        help_text="What the patient owes the practice (from the billing system's import).",
    )
    is_active = models.BooleanField(default=True)
    external_id = models.CharField(max_length=100, blank=True)

    location_scope = LocationScope.ORG_WIDE

    class Meta(VersionedModel.Meta):
        ordering = ["last_name", "first_name", "id"]
        indexes = [models.Index(fields=["org", "last_name", "first_name"], name="patient_org_name")]
        constraints = [
            *VersionedModel.Meta.constraints,
            _external_id_unique("patient_org_external_id"),
            # A chart number names one patient of the practice (blank: none given).
            models.UniqueConstraint(
                fields=["org", "chart_number"],
                condition=~models.Q(chart_number=""),
                name="patient_org_chart_number",
                violation_error_message="Another patient of the practice has this chart number.",
            ),
        ]

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def __str__(self) -> str:
        return self.name


class ProcedureCode(VersionedModel):
    """A CDT procedure code with the practice's default fee."""

    code = models.CharField(max_length=5, validators=[validate_cdt_code])
    description = models.CharField(max_length=300)
    abbrev = models.CharField(max_length=30, blank=True)
    default_fee = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    is_active = models.BooleanField(default=True)

    location_scope = LocationScope.ORG_WIDE

    class Meta(VersionedModel.Meta):
        ordering = ["code", "id"]
        constraints = [
            *VersionedModel.Meta.constraints,
            models.UniqueConstraint(fields=["org", "code"], name="procedure_code_org_code"),
        ]

    @property
    def name(self) -> str:
        return self.code

    def __str__(self) -> str:
        return f"{self.code} {self.description}"


class DefinitionCategory(models.TextChoices):
    APPT_CONFIRMED = "ApptConfirmed", "Appointment confirmation status"
    CANCEL_REASON = "CancelReason", "Cancel reason"
    BROKEN_REASON = "BrokenReason", "Broken appointment reason"
    WAITLIST_PRIORITY = "WaitlistPriority", "Waitlist priority"
    APPOINTMENT_TAG = "AppointmentTag", "Appointment tag"


class Definition(VersionedModel):
    """A practice-defined value in a pick list (confirmation statuses, reasons, tags …)."""

    category = models.CharField(max_length=30, choices=DefinitionCategory.choices)
    name = models.CharField(max_length=100)
    color = models.CharField(max_length=7, blank=True, validators=[validate_color])
    item_order = models.IntegerField(default=0)
    is_hidden = models.BooleanField(default=False)

    location_scope = LocationScope.ORG_WIDE

    class Meta(VersionedModel.Meta):
        ordering = ["category", "item_order", "name", "id"]
        constraints = [
            *VersionedModel.Meta.constraints,
            models.UniqueConstraint(
                "org", "category", Lower("name"), name="definition_org_category_name"
            ),
        ]


class FlowStatus(VersionedModel):
    """A step of patient flow through the office (arrived, seated, checked out …).

    Seeded per organization; appointments record flow events against these.
    """

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100)
    color = models.CharField(max_length=7, blank=True, validators=[validate_color])
    item_order = models.IntegerField(default=0)
    is_active = models.BooleanField(default=True)
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)

    location_scope = LocationScope.ORG_WIDE
    objects = LiveOrgManager()
    all_objects = OrgQuerySet.as_manager()

    class Meta(VersionedModel.Meta):
        ordering = ["item_order", "name", "id"]
        verbose_name = "patient flow status"
        verbose_name_plural = "patient flow statuses"
        constraints = [
            *VersionedModel.Meta.constraints,
            # A deleted status (kept for the events that name it) frees its slug.
            models.UniqueConstraint(
                fields=["org", "slug"],
                condition=models.Q(deleted_at__isnull=True),
                name="flow_status_org_slug",
            ),
        ]
