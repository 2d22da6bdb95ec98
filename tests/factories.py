"""Factories that build whole graphs inside one org.

Sibling foreign keys derive from one ``org`` (an operatory's location is created in the
operatory's org), so no test builds a cross-tenant graph by accident.
"""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from appointments.models import (
    Appointment,
    AppointmentHistory,
    AppointmentProcedure,
    AppointmentProvider,
    AppointmentRule,
    AppointmentType,
    PatientFlowEvent,
)
from blockouts.models import Blockout, BlockoutTemplate, BlockoutTemplateItem, BlockoutType
from recalls.models import PatientRecall, RecallTrigger, RecallType
from scheduling.models import (
    ApiToken,
    Definition,
    DefinitionCategory,
    FlowStatus,
    Location,
    Membership,
    MembershipLocation,
    Operatory,
    Organization,
    Patient,
    PatientPreference,
    ProcedureCode,
    ProductionGoal,
    Provider,
    ProviderScheduleOverride,
    ProviderScheduleTemplate,
    Role,
    SavedSearch,
    ScheduleNote,
    ScheduleView,
    User,
    ViewVisibility,
)
from scheduling.timezones import to_utc
from waitlist.models import WaitlistEntry


class OrganizationFactory(DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Practice {n}")


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership
        skip_postgeneration_save = True

    org = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.ADMIN
    all_locations = True

    @factory.post_generation
    def locations(self, create, extracted, **kwargs):
        """``MembershipFactory(locations=[loc])`` limits the membership to those locations."""
        if not create or extracted is None:
            return
        self.all_locations = False
        self.save(update_fields=["all_locations"])
        for location in extracted:
            MembershipLocation.objects.create(org=self.org, membership=self, location=location)


class OrgOwnedFactory(DjangoModelFactory):
    class Meta:
        abstract = True

    org = factory.SubFactory(OrganizationFactory)


class LocationFactory(OrgOwnedFactory):
    class Meta:
        model = Location

    name = factory.Sequence(lambda n: f"Location {n}")
    timezone = "America/Chicago"


class OperatoryFactory(OrgOwnedFactory):
    class Meta:
        model = Operatory

    location = factory.SubFactory(LocationFactory, org=factory.SelfAttribute("..org"))
    name = factory.Sequence(lambda n: f"Op {n}")


class ProviderFactory(OrgOwnedFactory):
    class Meta:
        model = Provider

    first_name = factory.Sequence(lambda n: f"Prov{n}")
    last_name = "Smith"


class PatientFactory(OrgOwnedFactory):
    class Meta:
        model = Patient

    first_name = factory.Sequence(lambda n: f"Pat{n}")
    last_name = "Jones"


class ProcedureCodeFactory(OrgOwnedFactory):
    class Meta:
        model = ProcedureCode
        django_get_or_create = ("org", "code")

    code = factory.Sequence(lambda n: f"D{n % 10000:04d}")
    description = factory.LazyAttribute(lambda o: f"Procedure {o.code}")
    default_fee = Decimal("100.00")


class DefinitionFactory(OrgOwnedFactory):
    class Meta:
        model = Definition

    category = DefinitionCategory.APPT_CONFIRMED
    name = factory.Sequence(lambda n: f"Definition {n}")


class FlowStatusFactory(OrgOwnedFactory):
    class Meta:
        model = FlowStatus

    name = factory.Sequence(lambda n: f"Flow {n}")
    slug = factory.Sequence(lambda n: f"flow-{n}")


class AppointmentTypeFactory(OrgOwnedFactory):
    class Meta:
        model = AppointmentType

    name = factory.Sequence(lambda n: f"Type {n}")
    duration_minutes = 30


class AppointmentRuleFactory(OrgOwnedFactory):
    """An org-wide rule letting two new types share a chair; pass ``location=`` for one
    location. The model stores the pair in one order, whatever the order given."""

    class Meta:
        model = AppointmentRule

    appointment_type_a = factory.SubFactory(
        AppointmentTypeFactory, org=factory.SelfAttribute("..org")
    )
    appointment_type_b = factory.SubFactory(
        AppointmentTypeFactory, org=factory.SelfAttribute("..org")
    )
    location = None
    allow_overlap = True


class BlockoutTypeFactory(OrgOwnedFactory):
    class Meta:
        model = BlockoutType

    name = factory.Sequence(lambda n: f"Blockout {n}")


def issue_token(user) -> str:
    return ApiToken.issue(user=user, name="test")[1]


class BlockoutFactory(OrgOwnedFactory):
    """A location-wide blockout; pass ``operatory=`` for one chair."""

    class Meta:
        model = Blockout

    location = factory.SubFactory(LocationFactory, org=factory.SelfAttribute("..org"))
    blockout_type = factory.SubFactory(BlockoutTypeFactory, org=factory.SelfAttribute("..org"))
    operatory = None
    schedule_date = factory.Sequence(lambda n: date(2030, 1, 7) + timedelta(days=n % 700))
    start_time = time(12, 0)
    end_time = time(13, 0)
    start_at = factory.LazyAttribute(
        lambda o: to_utc(o.schedule_date, o.start_time, o.location.timezone)
    )
    end_at = factory.LazyAttribute(
        lambda o: to_utc(o.schedule_date, o.end_time, o.location.timezone)
    )


class BlockoutTemplateFactory(OrgOwnedFactory):
    class Meta:
        model = BlockoutTemplate

    name = factory.Sequence(lambda n: f"Template {n}")


class BlockoutTemplateItemFactory(OrgOwnedFactory):
    class Meta:
        model = BlockoutTemplateItem

    template = factory.SubFactory(BlockoutTemplateFactory, org=factory.SelfAttribute("..org"))
    blockout_type = factory.SubFactory(BlockoutTypeFactory, org=factory.SelfAttribute("..org"))
    start_time = time(12, 0)
    end_time = time(13, 0)


class AppointmentFactory(OrgOwnedFactory):
    """A scheduled appointment in an operatory, on a day far from any test's own slots."""

    class Meta:
        model = Appointment

    operatory = factory.SubFactory(OperatoryFactory, org=factory.SelfAttribute("..org"))
    location = factory.SelfAttribute("operatory.location")
    patient = factory.SubFactory(PatientFactory, org=factory.SelfAttribute("..org"))
    status = "scheduled"
    start_at = factory.Sequence(
        lambda n: datetime(2031, 1, 6, 15, 0, tzinfo=UTC) + timedelta(days=n % 2000)
    )
    end_at = factory.LazyAttribute(lambda o: o.start_at + timedelta(minutes=30))


class AppointmentProcedureFactory(OrgOwnedFactory):
    """A procedure on an appointment; the code and the appointment are of the same org."""

    class Meta:
        model = AppointmentProcedure

    appointment = factory.SubFactory(AppointmentFactory, org=factory.SelfAttribute("..org"))
    procedure_code = factory.SubFactory(ProcedureCodeFactory, org=factory.SelfAttribute("..org"))
    fee = Decimal("100.00")


class AppointmentProviderFactory(OrgOwnedFactory):
    class Meta:
        model = AppointmentProvider

    appointment = factory.SubFactory(AppointmentFactory, org=factory.SelfAttribute("..org"))
    provider = factory.SubFactory(ProviderFactory, org=factory.SelfAttribute("..org"))


class AppointmentHistoryFactory(OrgOwnedFactory):
    class Meta:
        model = AppointmentHistory

    appointment = factory.SubFactory(AppointmentFactory, org=factory.SelfAttribute("..org"))
    appointment_uuid = factory.SelfAttribute("appointment.uuid")
    action = "updated"


class PatientFlowEventFactory(OrgOwnedFactory):
    class Meta:
        model = PatientFlowEvent

    appointment = factory.SubFactory(AppointmentFactory, org=factory.SelfAttribute("..org"))
    flow_status = factory.SubFactory(FlowStatusFactory, org=factory.SelfAttribute("..org"))
    changed_at = factory.Sequence(
        lambda n: datetime(2031, 1, 6, 15, 0, tzinfo=UTC) + timedelta(minutes=n)
    )


class ScheduleTemplateFactory(OrgOwnedFactory):
    """Mondays 08:00–12:00 from 2030 on, at a location, for a new provider."""

    class Meta:
        model = ProviderScheduleTemplate

    provider = factory.SubFactory(ProviderFactory, org=factory.SelfAttribute("..org"))
    location = factory.SubFactory(LocationFactory, org=factory.SelfAttribute("..org"))
    day_of_week = 0
    start_time = time(8, 0)
    end_time = time(12, 0)
    effective_from = date(2030, 1, 1)


class ScheduleOverrideFactory(OrgOwnedFactory):
    """A day off for a new provider at a location."""

    class Meta:
        model = ProviderScheduleOverride

    provider = factory.SubFactory(ProviderFactory, org=factory.SelfAttribute("..org"))
    location = factory.SubFactory(LocationFactory, org=factory.SelfAttribute("..org"))
    override_date = factory.Sequence(lambda n: date(2030, 1, 7) + timedelta(days=n % 700))
    is_unavailable = True
    override_reason = "vacation"


class ScheduleNoteFactory(OrgOwnedFactory):
    class Meta:
        model = ScheduleNote

    location = factory.SubFactory(LocationFactory, org=factory.SelfAttribute("..org"))
    note_date = factory.Sequence(lambda n: date(2030, 1, 7) + timedelta(days=n))
    note = "Dr. Lee out after 3"


class ProductionGoalFactory(OrgOwnedFactory):
    """A new provider's goal at a location, on dates from 2030 on (one a day per pair)."""

    class Meta:
        model = ProductionGoal

    provider = factory.SubFactory(ProviderFactory, org=factory.SelfAttribute("..org"))
    location = factory.SubFactory(LocationFactory, org=factory.SelfAttribute("..org"))
    goal_date = factory.Sequence(lambda n: date(2030, 1, 7) + timedelta(days=n % 700))
    goal_amount = Decimal("1500.00")


# --- Schedule views ----------------------------------------------------------------------


class ScheduleViewFactory(OrgOwnedFactory):
    """A shared view at a location, made by a new user. Shared by default: a personal view
    of a stranger is invisible to everyone (pass ``visibility="personal"`` and ``owner``)."""

    class Meta:
        model = ScheduleView

    location = factory.SubFactory(LocationFactory, org=factory.SelfAttribute("..org"))
    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"View {n}")
    visibility = ViewVisibility.SHARED


# --- Saved searches and patient preferences ---


class SavedSearchFactory(OrgOwnedFactory):
    """A free-time search of a new user (pass ``user=`` for the caller's own)."""

    class Meta:
        model = SavedSearch

    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Search {n}")
    search_type = "find_free_time"
    criteria = factory.LazyFunction(lambda: {"duration_minutes": 60, "days": [0, 2]})


class PatientPreferenceFactory(OrgOwnedFactory):
    """A new patient's preference, entered by a person, with nothing preferred yet."""

    class Meta:
        model = PatientPreference

    patient = factory.SubFactory(PatientFactory, org=factory.SelfAttribute("..org"))


# --- Recalls -----------------------------------------------------------------------------


class RecallTypeFactory(OrgOwnedFactory):
    """A six-month recall type, booking no appointment type unless given one."""

    class Meta:
        model = RecallType

    name = factory.Sequence(lambda n: f"Recall {n}")
    default_interval = factory.LazyFunction(lambda: {"months": 6})


class RecallTriggerFactory(OrgOwnedFactory):
    class Meta:
        model = RecallTrigger

    recall_type = factory.SubFactory(RecallTypeFactory, org=factory.SelfAttribute("..org"))
    procedure_code = factory.SubFactory(ProcedureCodeFactory, org=factory.SelfAttribute("..org"))


class PatientRecallFactory(OrgOwnedFactory):
    """An open recall of a new patient, with the type's interval and no due date (pass
    ``date_due``)."""

    class Meta:
        model = PatientRecall

    patient = factory.SubFactory(PatientFactory, org=factory.SelfAttribute("..org"))
    recall_type = factory.SubFactory(RecallTypeFactory, org=factory.SelfAttribute("..org"))


# --- ASAP list ---------------------------------------------------------------------------


class WaitlistEntryFactory(OrgOwnedFactory):
    """A new patient waiting at a new location (home only, routine, manual)."""

    class Meta:
        model = WaitlistEntry

    patient = factory.SubFactory(PatientFactory, org=factory.SelfAttribute("..org"))
    location = factory.SubFactory(LocationFactory, org=factory.SelfAttribute("..org"))
