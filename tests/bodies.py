"""How to call each API operation successfully: the registry the shared suite runs on.

A new endpoint is covered by registering it here, keyed by ``"METHOD route"`` as
``tests.endpoints.Operation.key`` spells it. An ``Input`` says

- ``body(org, obj, location) -> dict``: a valid request body (``obj`` is the subject, the
  deepest object of the path, or None; ``location`` is the subject's location, where
  everything the body names is built);
- ``query(org, obj, location) -> dict``: the query parameters the operation needs;
- ``subject(org, location) -> obj``: the path's object when the model's default
  (``MAKERS``) would not do (``/place`` needs a pinboard appointment);
- ``row(org, location, parent) -> obj``: a row a paged list shows, when not the default;
- ``role``: the role the registered call needs when its subject asks for more than the
  operation's own (staff change their personal schedule views, admins the shared one
  registered as the subject): the suite calls it with that role and expects the role
  below it refused;
- ``personal``: the write changes only the caller's own settings (their default view, a
  shortcut), so it is open to viewers and still writes.

Every write (POST, PUT, PATCH, DELETE) must be registered, even one that takes no body
(``Input()``): ``test_every_operation_is_registered`` fails for any that is not, and
``test_registered_input_succeeds`` proves each registration right (2xx for an admin).
Everything is built inside one org (``tests.factories``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

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
    Definition,
    DefinitionCategory,
    FlowStatus,
    Location,
    Operatory,
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
)
from tests import factories as f
from waitlist.models import Opening, WaitlistContact, WaitlistEntry

# Far from the factories' own dates (blockouts in 2030-31, appointments from 2031).
DAY = date(2033, 3, 7)  # a Monday, far from daylight-saving changes
OTHER_DAY = date(2033, 3, 14)  # the next Monday


# --- rows of each model, at a location ---------------------------------------------------


def _appointment(org, location, **fields):
    return f.AppointmentFactory(
        org=org, operatory=f.OperatoryFactory(org=org, location=location), **fields
    )


def _template(org, location):
    return f.BlockoutTemplateFactory(org=org, location=location)


#: ``model → (org, location, parent) -> row``: a row of the model that ``location``
#: decides the visibility of (for located models), under ``parent`` for a child.
MAKERS: dict[type, Callable] = {
    Location: lambda org, location, parent: location,
    Operatory: lambda org, location, parent: f.OperatoryFactory(org=org, location=location),
    Provider: lambda org, location, parent: f.ProviderFactory(org=org),
    Patient: lambda org, location, parent: f.PatientFactory(org=org),
    ProcedureCode: lambda org, location, parent: f.ProcedureCodeFactory(org=org),
    Definition: lambda org, location, parent: f.DefinitionFactory(org=org),
    FlowStatus: lambda org, location, parent: f.FlowStatusFactory(org=org),
    AppointmentType: lambda org, location, parent: f.AppointmentTypeFactory(org=org),
    Appointment: lambda org, location, parent: _appointment(org, location),
    AppointmentProcedure: lambda org, location, parent: f.AppointmentProcedureFactory(
        org=org, appointment=parent or _appointment(org, location)
    ),
    AppointmentProvider: lambda org, location, parent: f.AppointmentProviderFactory(
        org=org, appointment=parent or _appointment(org, location)
    ),
    AppointmentHistory: lambda org, location, parent: f.AppointmentHistoryFactory(
        org=org, appointment=parent or _appointment(org, location)
    ),
    PatientFlowEvent: lambda org, location, parent: f.PatientFlowEventFactory(
        org=org, appointment=parent or _appointment(org, location)
    ),
    AppointmentRule: lambda org, location, parent: f.AppointmentRuleFactory(
        org=org, location=location
    ),
    BlockoutType: lambda org, location, parent: f.BlockoutTypeFactory(org=org),
    Blockout: lambda org, location, parent: f.BlockoutFactory(org=org, location=location),
    BlockoutTemplate: lambda org, location, parent: _template(org, location),
    BlockoutTemplateItem: lambda org, location, parent: f.BlockoutTemplateItemFactory(
        org=org, template=parent or _template(org, location)
    ),
    ProviderScheduleTemplate: lambda org, location, parent: f.ScheduleTemplateFactory(
        org=org, location=location
    ),
    ProviderScheduleOverride: lambda org, location, parent: f.ScheduleOverrideFactory(
        org=org, location=location
    ),
    ScheduleNote: lambda org, location, parent: f.ScheduleNoteFactory(org=org, location=location),
    ProductionGoal: lambda org, location, parent: f.ProductionGoalFactory(
        org=org, location=location
    ),
    # Shared: a personal view is its owner's alone, and the suite's callers are new users.
    ScheduleView: lambda org, location, parent: f.ScheduleViewFactory(org=org, location=location),
    # A new user's: test_every_endpoint hands saved searches to the caller (OWNED_BY_CALLER).
    SavedSearch: lambda org, location, parent: f.SavedSearchFactory(org=org),
    PatientPreference: lambda org, location, parent: f.PatientPreferenceFactory(org=org),
    RecallType: lambda org, location, parent: f.RecallTypeFactory(org=org),
    RecallTrigger: lambda org, location, parent: f.RecallTriggerFactory(org=org),
    PatientRecall: lambda org, location, parent: f.PatientRecallFactory(org=org, date_due=DAY),
    WaitlistEntry: lambda org, location, parent: f.WaitlistEntryFactory(org=org, location=location),
    WaitlistContact: lambda org, location, parent: WaitlistContact.objects.create(
        org=org, entry=parent or _waitlist_entry(org, location), contact_method="sms"
    ),
    Opening: lambda org, location, parent: _opening(org, location),
}


def _opening(org, location):
    """Chair time a cancellation freed (as ``waitlist.openings`` records it)."""
    appointment = _appointment(org, location, status="cancelled")
    return Opening.objects.create(
        org=org,
        location=location,
        operatory=appointment.operatory,
        appointment=appointment,
        reason="cancelled",
        start_at=appointment.start_at,
        end_at=appointment.end_at,
        slot_date=DAY,
        start_time="09:00",
        end_time="09:30",
    )


def _waitlist_entry(org, location, **fields):
    return WaitlistEntry.objects.create(
        org=org, patient=f.PatientFactory(org=org), location=location, **fields
    )


def make(model, org, location=None, parent=None):
    """A row of ``model`` in ``org``, at ``location`` (a new location if None)."""
    if location is None:
        location = f.LocationFactory(org=org)
    return MAKERS[model](org, location, parent)


def make_named(model, org, location, category: str | None = None):
    """A row a body may name: a definition of the category the field asks for."""
    if model is Definition and category is not None:
        return f.DefinitionFactory(org=org, category=category)
    return make(model, org, location)


# --- the registry ------------------------------------------------------------------------


@dataclass(frozen=True)
class Input:
    body: Callable | None = None
    query: Callable | None = None
    subject: Callable | None = None
    row: Callable | None = None
    role: Role | None = None
    personal: bool = False


def _id(obj) -> str:
    return str(obj.uuid)


def _chair(org, location) -> str:
    return _id(f.OperatoryFactory(org=org, location=location))


def _definition(org, category) -> str:
    return _id(f.DefinitionFactory(org=org, category=category))


def _slot(day: date = DAY, start: str = "09:00", end: str = "09:30") -> dict:
    return {"schedule_date": day.isoformat(), "start_time": start, "end_time": end}


def _booking(org, location) -> dict:
    return {
        "location_uuid": _id(location),
        "patient_uuid": _id(f.PatientFactory(org=org)),
        "operatory_uuid": _chair(org, location),
        "provider_uuids": [_id(f.ProviderFactory(org=org))],
        **_slot(),
    }


def _versioned(**fields) -> Callable:
    """A body that changes ``fields`` of the subject under its current version."""
    return lambda org, obj, location: {"base_version": obj.version, **fields}


def _blockout_on(org, location, day: date):
    """A copyable blockout on ``day`` at the location, so copy and repeat write something."""
    return f.BlockoutFactory(org=org, location=location, schedule_date=day)


def _copy_day(org, obj, location):
    _blockout_on(org, location, DAY)
    return {
        "location_uuid": _id(location),
        "source_date": DAY.isoformat(),
        "target_date": OTHER_DAY.isoformat(),
    }


def _copy_week(org, obj, location):
    _blockout_on(org, location, DAY)
    return {
        "location_uuid": _id(location),
        "source_week_start": DAY.isoformat(),
        "target_week_start": OTHER_DAY.isoformat(),
    }


def _repeat_weeks(org, obj, location):
    _blockout_on(org, location, DAY)
    return {"location_uuid": _id(location), "source_week_start": DAY.isoformat(), "num_weeks": 1}


def _apply(org, obj, location):
    f.BlockoutTemplateItemFactory(org=obj.org, template=obj)  # an item of the template's own
    return {"location_uuid": _id(location), "target_date": DAY.isoformat()}


def _pinboarded(org, location):
    return _appointment(org, location, status="pinboard", start_at=None, end_at=None)


def _listed_recall_type(org):
    """The one recall type whose triggers the registered list names (and its rows use)."""
    return RecallType.objects.filter(org=org, name="Listed").first() or f.RecallTypeFactory(
        org=org, name="Listed"
    )


def _goal(org, location, provider=None) -> dict:
    provider = provider or f.ProviderFactory(org=org)
    return {
        "provider_uuid": _id(provider),
        "location_uuid": _id(location),
        "goal_date": DAY.isoformat(),
        "goal_amount": 1500,
    }


def _goal_to_change(org, obj, location) -> dict:
    """An upsert that changes an existing goal (200; a create would be a 201)."""
    goal = f.ProductionGoalFactory(org=org, location=location, goal_date=DAY)
    return {**_goal(org, location, goal.provider), "goal_amount": "1750.50"}


def _preference_to_change(org, obj, location) -> dict:
    """A PUT by-patient that changes the patient's existing preference (200; a create
    would be a 201). Built in the patient's org, whichever org the test names."""
    preference = f.PatientPreferenceFactory(org=obj.org, patient=obj)
    return {
        "base_version": preference.version,
        "preferred_operatory_uuid": _chair(org, location),
        "preferred_days": [4],
        "notes": "Fridays only",
    }


INPUTS: dict[str, Input] = {
    # --- appointment types (admins write)
    "POST appointment-types": Input(
        body=lambda org, obj, location: {
            "name": "Crown prep",
            "duration_minutes": 60,
            "location_uuids": [_id(location)],
        }
    ),
    "PATCH appointment-types/{appointment_type_uuid}": Input(body=_versioned(name="Renamed")),
    "POST appointment-types/{appointment_type_uuid}/archive": Input(),
    # --- appointments
    "POST appointments": Input(
        body=lambda org, obj, location: {
            **_booking(org, location),
            "appointment_type_uuid": _id(f.AppointmentTypeFactory(org=org)),
            "confirmation_status_uuid": _definition(org, DefinitionCategory.APPT_CONFIRMED),
            "tag_uuids": [_definition(org, DefinitionCategory.APPOINTMENT_TAG)],
        }
    ),
    "PATCH appointments/{appointment_uuid}": Input(body=_versioned(note="Bring X-rays")),
    "DELETE appointments/{appointment_uuid}": Input(),
    "POST appointments/{appointment_uuid}/break": Input(
        body=lambda org, obj, location: {
            "base_version": obj.version,
            "broken_reason_uuid": _definition(org, DefinitionCategory.BROKEN_REASON),
        }
    ),
    "POST appointments/{appointment_uuid}/cancel": Input(
        body=lambda org, obj, location: {
            "base_version": obj.version,
            "cancel_reason_uuid": _definition(org, DefinitionCategory.CANCEL_REASON),
        }
    ),
    "PATCH appointments/{appointment_uuid}/confirmation-status": Input(
        body=lambda org, obj, location: {
            "base_version": obj.version,
            "confirmation_status_uuid": _definition(org, DefinitionCategory.APPT_CONFIRMED),
        }
    ),
    "POST appointments/{appointment_uuid}/move": Input(
        body=lambda org, obj, location: {
            "base_version": obj.version,
            "operatory_uuid": _chair(org, location),
            **_slot(OTHER_DAY),
        }
    ),
    "POST appointments/{appointment_uuid}/patient-flow-status": Input(
        body=lambda org, obj, location: {"flow_status_uuid": _id(f.FlowStatusFactory(org=org))}
    ),
    "POST appointments/{appointment_uuid}/pinboard": Input(body=_versioned()),
    "POST appointments/{appointment_uuid}/place": Input(
        subject=_pinboarded,
        body=lambda org, obj, location: {
            "base_version": obj.version,
            "operatory_uuid": _chair(org, location),
            **_slot(),
        },
    ),
    "POST appointments/{appointment_uuid}/transition": Input(body=_versioned(status="complete")),
    "POST appointments/bulk": Input(
        body=lambda org, obj, location: {"rows": [_booking(org, location)]}
    ),
    "POST appointments/bulk-confirm": Input(
        body=lambda org, obj, location: {
            "appointment_uuids": [_id(_appointment(org, location))],
            "confirmation_status_uuid": _definition(org, DefinitionCategory.APPT_CONFIRMED),
        }
    ),
    "POST appointments/check-conflicts": Input(
        body=lambda org, obj, location: {
            "location_uuid": _id(location),
            "operatory_uuid": _chair(org, location),
            "appointment_type_uuid": _id(f.AppointmentTypeFactory(org=org)),
            "provider_uuids": [_id(f.ProviderFactory(org=org))],
            **_slot(),
        }
    ),
    "GET appointments/counts/by-location": Input(
        query=lambda org, obj, location: {"date_from": "2031-01-01", "date_to": "2031-12-31"}
    ),
    "GET appointments/pinboard": Input(
        query=lambda org, obj, location: {"location_uuid": _id(location)},
        row=lambda org, location, parent: _pinboarded(org, location),
    ),
    "GET appointments/procedure-frequency-check": Input(
        query=lambda org, obj, location: {
            "patient_uuid": _id(f.PatientFactory(org=org)),
            "procedure_code": f.ProcedureCodeFactory(org=org, code="D0120").code,
        }
    ),
    "POST appointments/{appointment_uuid}/procedures": Input(
        body=lambda org, obj, location: {
            "base_version": obj.version,
            "procedure_code_uuid": _id(f.ProcedureCodeFactory(org=org)),
            "provider_uuid": _id(f.ProviderFactory(org=org)),
        }
    ),
    "DELETE appointments/{appointment_uuid}/procedures/{procedure_uuid}": Input(
        query=lambda org, obj, location: {"base_version": obj.appointment.version}
    ),
    "PUT appointments/{appointment_uuid}/providers": Input(
        body=lambda org, obj, location: {
            "base_version": obj.version,
            "providers": [{"provider_uuid": _id(f.ProviderFactory(org=org))}],
        }
    ),
    # --- appointment rules (Schedule section; admins write)
    "POST schedule/appointment-rules": Input(
        body=lambda org, obj, location: {
            "allow_overlap": True,
            "appointment_type_uuid_a": _id(f.AppointmentTypeFactory(org=org)),
            "appointment_type_uuid_b": _id(f.AppointmentTypeFactory(org=org)),
            "location_uuid": _id(location),
        }
    ),
    "PATCH schedule/appointment-rules/{rule_uuid}": Input(body=_versioned(allow_overlap=False)),
    "DELETE schedule/appointment-rules/{rule_uuid}": Input(),
    # --- blockouts
    "POST blockouts/types": Input(body=lambda org, obj, location: {"name": "Staff meeting"}),
    "PATCH blockouts/types/{blockout_type_uuid}": Input(body=_versioned(name="Renamed")),
    "DELETE blockouts/types/{blockout_type_uuid}": Input(),
    "POST blockouts/instances": Input(
        body=lambda org, obj, location: {
            "location_uuid": _id(location),
            "blockout_type_uuid": _id(f.BlockoutTypeFactory(org=org)),
            "operatory_uuids": [_chair(org, location)],
            **_slot(),
        }
    ),
    "POST blockouts/instances/copy-day": Input(body=_copy_day),
    "POST blockouts/instances/copy-week": Input(body=_copy_week),
    "POST blockouts/instances/repeat-weeks": Input(body=_repeat_weeks),
    "PATCH blockouts/instances/{blockout_uuid}": Input(body=_versioned(note="Moved lunch")),
    "DELETE blockouts/instances/{blockout_uuid}": Input(),
    "POST blockouts/templates": Input(
        body=lambda org, obj, location: {"name": "Mondays", "location_uuid": _id(location)}
    ),
    "PATCH blockouts/templates/{template_uuid}": Input(body=_versioned(name="Renamed")),
    "DELETE blockouts/templates/{template_uuid}": Input(),
    "POST blockouts/templates/{template_uuid}/apply": Input(body=_apply),
    "POST blockouts/templates/{template_uuid}/items": Input(
        body=lambda org, obj, location: {
            "blockout_type_uuid": _id(f.BlockoutTypeFactory(org=org)),
            "operatory_uuid": _chair(org, location),
            "start_time": "12:00",
            "end_time": "13:00",
        }
    ),
    "DELETE blockouts/templates/{template_uuid}/items/{item_uuid}": Input(),
    # --- schedule: provider schedules and notes
    "POST schedule/templates": Input(
        body=lambda org, obj, location: {
            "provider_uuid": _id(f.ProviderFactory(org=org)),
            "location_uuid": _id(location),
            "operatory_uuid": _chair(org, location),
            "day_of_week": 0,
            "start_time": "08:00",
            "end_time": "12:00",
            "effective_from": DAY.isoformat(),
        }
    ),
    "PATCH schedule/templates/{template_uuid}": Input(body=_versioned(end_time="11:30")),
    "DELETE schedule/templates/{template_uuid}": Input(),
    "POST schedule/overrides": Input(
        body=lambda org, obj, location: {
            "provider_uuid": _id(f.ProviderFactory(org=org)),
            "location_uuid": _id(location),
            "override_date": DAY.isoformat(),
            "start_time": "13:00",
            "end_time": "17:00",
            "override_reason": "extra_hours",
        }
    ),
    "PATCH schedule/overrides/{override_uuid}": Input(body=_versioned(note="Half day")),
    "DELETE schedule/overrides/{override_uuid}": Input(),
    "GET schedule/provider-availability": Input(
        query=lambda org, obj, location: {
            "provider_uuid": _id(f.ScheduleTemplateFactory(org=org, location=location).provider),
            "location_uuid": _id(location),
            "date": DAY.isoformat(),
        }
    ),
    "GET schedule/daily-providers": Input(
        query=lambda org, obj, location: {"location_uuid": _id(location), "date": DAY.isoformat()}
    ),
    "GET schedule/free-time": Input(
        query=lambda org, obj, location: {
            "location_uuid": _id(location),
            "date_from": DAY.isoformat(),
            "date_to": OTHER_DAY.isoformat(),
            "duration_minutes": 30,
            "provider_uuids": _id(f.ScheduleTemplateFactory(org=org, location=location).provider),
        }
    ),
    "GET schedule/calendar/daily": Input(
        query=lambda org, obj, location: {
            "location_uuid": _id(location),
            "target_date": DAY.isoformat(),
            "fields": "chart_number,balance_due,last_visit_date",
        }
    ),
    "GET schedule/calendar/weekly": Input(
        query=lambda org, obj, location: {
            "location_uuid": _id(location),
            "week_start": DAY.isoformat(),
            "fields": "age,mobile_phone",
        }
    ),
    "GET schedule/calendar/monthly": Input(
        query=lambda org, obj, location: {"location_uuid": _id(location), "month": f"{DAY:%Y-%m}"}
    ),
    "GET schedule/production-goals/production-summary": Input(
        query=lambda org, obj, location: {
            "location_uuid": _id(location),
            "date_from": DAY.isoformat(),
            "date_to": OTHER_DAY.isoformat(),
        }
    ),
    "POST schedule/notes": Input(
        body=lambda org, obj, location: {
            "location_uuid": _id(location),
            "note_date": DAY.isoformat(),
            "note": "Dr. Lee out after 3",
        }
    ),
    "PATCH schedule/notes/{note_uuid}": Input(body=_versioned(note="Fire drill at 10")),
    "DELETE schedule/notes/{note_uuid}": Input(),
    # --- schedule: flow statuses and goals (admins write)
    "POST schedule/flow-statuses": Input(
        body=lambda org, obj, location: {"name": "In chair", "color": "#3366CC", "item_order": 2}
    ),
    "PATCH schedule/flow-statuses/{flow_status_uuid}": Input(body=_versioned(name="Seated")),
    "DELETE schedule/flow-statuses/{flow_status_uuid}": Input(),
    "POST schedule/production-goals": Input(body=lambda org, obj, location: _goal(org, location)),
    "PUT schedule/production-goals/upsert": Input(body=_goal_to_change),
    "PATCH schedule/production-goals/{goal_uuid}": Input(
        body=lambda org, obj, location: {"goal_amount": "2000.00"}
    ),
    "DELETE schedule/production-goals/{goal_uuid}": Input(),
    # --- schedule: views (the subject is a shared view: admins change it, all members use it)
    "POST schedule/views": Input(
        body=lambda org, obj, location: {
            "location_uuid": _id(location),
            "name": "Hygiene week",
            "view_type": "weekly",
            "time_increment": 15,
            "operatory_uuids": [_chair(org, location)],
            "provider_uuids": [_id(f.ProviderFactory(org=org))],
            "color_config": {"color_by": "provider"},
        }
    ),
    "PATCH schedule/views/{view_uuid}": Input(body=_versioned(name="Renamed"), role=Role.ADMIN),
    "DELETE schedule/views/{view_uuid}": Input(role=Role.ADMIN),
    "POST schedule/views/{view_uuid}/set-default": Input(personal=True),
    "POST schedule/views/{view_uuid}/set-shortcut": Input(
        query=lambda org, obj, location: {"shortcut": 3}, personal=True
    ),
    # --- schedule: saved searches and preferences
    "POST schedule/saved-searches": Input(
        body=lambda org, obj, location: {
            "name": "Long mornings",
            "criteria": {"location_uuid": _id(location), "duration_minutes": 90},
            "is_default": True,
        }
    ),
    "PATCH schedule/saved-searches/{search_uuid}": Input(body=_versioned(name="Afternoons")),
    "DELETE schedule/saved-searches/{search_uuid}": Input(),
    "POST schedule/patient-preferences": Input(
        body=lambda org, obj, location: {
            "patient_uuid": _id(f.PatientFactory(org=org)),
            "preferred_provider_uuid": _id(f.ProviderFactory(org=org)),
            "preferred_operatory_uuid": _chair(org, location),
            "preferred_days": [1, 3],
            "preferred_time_start": "08:00",
            "preferred_time_end": "12:00",
            "preferred_contact_method": "sms",
        }
    ),
    "PATCH schedule/patient-preferences/{preference_uuid}": Input(
        body=_versioned(notes="Prefers mornings")
    ),
    "DELETE schedule/patient-preferences/{preference_uuid}": Input(),
    "PUT schedule/patient-preferences/by-patient/{patient_uuid}": Input(body=_preference_to_change),
    # --- recalls: types and triggers (admins write)
    "POST recalls/types": Input(
        body=lambda org, obj, location: {
            "name": "Prophy",
            "description": "Adult cleaning",
            "appointment_type_uuid": _id(f.AppointmentTypeFactory(org=org)),
            "default_interval": {"months": 6},
            "is_active": True,
            "item_order": 1,
        }
    ),
    "PATCH recalls/types/{recall_type_uuid}": Input(
        body=_versioned(name="Perio maintenance", default_interval={"months": 3})
    ),
    "DELETE recalls/types/{recall_type_uuid}": Input(),
    "GET recalls/triggers": Input(
        query=lambda org, obj, location: {"recall_type_uuid": _id(_listed_recall_type(org))},
        row=lambda org, location, parent: f.RecallTriggerFactory(
            org=org, recall_type=_listed_recall_type(org)
        ),
    ),
    "POST recalls/triggers": Input(
        body=lambda org, obj, location: {
            "recall_type_uuid": _id(f.RecallTypeFactory(org=org)),
            "procedure_code_uuid": _id(f.ProcedureCodeFactory(org=org)),
        }
    ),
    "DELETE recalls/triggers/{trigger_uuid}": Input(),
    # --- patient recalls (patient data: staff write)
    "POST recalls/patient-recalls": Input(
        body=lambda org, obj, location: {
            "patient_uuid": _id(f.PatientFactory(org=org)),
            "recall_type_uuid": _id(f.RecallTypeFactory(org=org)),
            "interval": {"months": 4},
            "date_due": DAY.isoformat(),
            "note": "Prefers mornings",
        }
    ),
    # Due by now: the list's rows lie before today (the default ``due_on``).
    "GET recalls/patient-recalls/due": Input(
        row=lambda org, location, parent: f.PatientRecallFactory(org=org, date_due=date(2024, 1, 8))
    ),
    "PATCH recalls/patient-recalls/{recall_uuid}": Input(
        body=_versioned(date_due=OTHER_DAY.isoformat(), note="Called, no answer")
    ),
    # --- ASAP list (patient data: staff write)
    "POST waitlist/entries": Input(
        body=lambda org, obj, location: {
            "patient_uuid": _id(f.PatientFactory(org=org)),
            "location_uuid": _id(location),
            "location_scope": "any",
            "provider_uuid": _id(f.ProviderFactory(org=org)),
            "appointment_type_uuid": _id(f.AppointmentTypeFactory(org=org)),
            "priority_uuid": _definition(org, "WaitlistPriority"),
            "date_range_start": DAY.isoformat(),
            "date_range_end": OTHER_DAY.isoformat(),
            "preferred_days": [0, 2],
            "preferred_time_start": "08:00",
            "preferred_time_end": "12:00",
            "estimated_duration_mins": 60,
            "urgency": "soon",
            "source": "manual",
            "treatment_value": "850.00",
            "note": "Mornings only",
        }
    ),
    "PATCH waitlist/entries/{entry_uuid}": Input(
        body=_versioned(urgency="urgent", note="Called back")
    ),
    "DELETE waitlist/entries/{entry_uuid}": Input(),
    "POST waitlist/entries/bulk-remove": Input(
        body=lambda org, obj, location: {
            "entry_uuids": [_id(f.WaitlistEntryFactory(org=org, location=location))]
        }
    ),
    # --- ASAP outreach and quick-fill (staff write; quick-fill only reads)
    "POST waitlist/entries/{entry_uuid}/contact": Input(
        body=lambda org, obj, location: {
            "contact_method": "sms",
            "initiated_by": "staff",
            "message_id": "msg-1",
            "slot_date": DAY.isoformat(),
            "slot_start_time": "09:00",
            "slot_location_uuid": _id(location),
        }
    ),
    # A response answers a contact: the subject is a contacted entry.
    "POST waitlist/entries/{entry_uuid}/response": Input(
        body=lambda org, obj, location: {"patient_response": "declined", "contact_method": "sms"},
        subject=lambda org, location: _waitlist_entry(org, location, status="contacted"),
    ),
    "POST waitlist/quick-fill": Input(
        body=lambda org, obj, location: {
            "location_uuid": _id(location),
            "slot_date": DAY.isoformat(),
            "slot_start_time": "09:00",
            "slot_end_time": "10:00",
            "provider_uuid": _id(f.ProviderFactory(org=org)),
            "appointment_type_uuid": _id(f.AppointmentTypeFactory(org=org)),
            "include_cross_location": True,
            "max_results": 25,
        }
    ),
}
