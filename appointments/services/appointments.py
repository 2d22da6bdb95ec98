"""Booking, changing and moving appointments through their life.

Every write here runs in one transaction that (1) takes the chair's lock and checks the
slot when the appointment holds one (``conflicts.ensure_slot_free``), (2) writes under
the version the client read (``versioned_update``), and (3) leaves a history entry.
Views, the bulk import and the import command all come through these functions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max, prefetch_related_objects
from django.utils import timezone
from rest_framework import serializers

from appointments.models import (
    LIVE_STATUSES,
    Appointment,
    AppointmentProcedure,
    AppointmentProvider,
    AppointmentStatus,
    AppointmentTag,
    AppointmentType,
    AppointmentTypeStatus,
    HistoryAction,
    PatientFlowEvent,
    ProcedureStatus,
    ProviderRole,
)
from appointments.services import history
from appointments.services.conflicts import Slot, ensure_slot_free
from scheduling.exceptions import InvalidState, InvalidTransition, VersionConflict
from scheduling.models import (
    Definition,
    FlowStatus,
    Location,
    Operatory,
    Organization,
    ProcedureCode,
    Provider,
)
from scheduling.services import unique_violations, versioned_update
from scheduling.timezones import field_instant, to_local

S = AppointmentStatus

#: The status machine of CONVENTIONS. ``pinboard → scheduled`` happens through ``place``.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.PLANNED: frozenset({S.SCHEDULED, S.CANCELLED}),
    S.SCHEDULED: frozenset({S.COMPLETE, S.BROKEN, S.CANCELLED, S.UNSCHEDULED, S.PINBOARD}),
    S.PINBOARD: frozenset({S.SCHEDULED, S.CANCELLED}),
    S.UNSCHEDULED: frozenset({S.SCHEDULED, S.CANCELLED}),
    S.BROKEN: frozenset({S.SCHEDULED, S.UNSCHEDULED}),
    S.COMPLETE: frozenset(),
    S.CANCELLED: frozenset(),
}
#: Statuses in which an appointment has no place on the grid and needs none to be created.
TIMELESS_STATUSES = frozenset({S.UNSCHEDULED, S.PINBOARD, S.CANCELLED})
#: Statuses whose time is settled: neither moved nor re-timed.
FINAL_STATUSES = frozenset({S.COMPLETE, S.CANCELLED})
#: Statuses in which the procedure list may still change.
PROCEDURE_EDIT_STATUSES = frozenset({S.PLANNED, S.SCHEDULED, S.UNSCHEDULED, S.PINBOARD, S.BROKEN})
#: Statuses in which the patient can be in the office.
FLOW_STATUSES = frozenset({S.SCHEDULED, S.COMPLETE})
MAX_PROVIDERS = 20


@dataclass(frozen=True)
class WallTimes:
    """A local date with wall-clock start and end (end optional: derived from a duration)."""

    schedule_date: date
    start_time: time
    end_time: time | None = None


# --- times ---------------------------------------------------------------------------


def _instant(location: Location, day: date, wall: time, field: str) -> datetime:
    return field_instant(day, wall, location.timezone, field)


def local_interval(
    location: Location, wall: WallTimes, *, duration_minutes: int | None = None
) -> tuple[datetime, datetime]:
    """``[start, end)`` in UTC of wall times at ``location`` (422 for a DST gap).

    Without an end time the interval lasts ``duration_minutes`` of wall-clock time.
    Appointments do not cross midnight.
    """
    start_wall = datetime.combine(wall.schedule_date, wall.start_time)
    if wall.end_time is not None:
        end_wall = datetime.combine(wall.schedule_date, wall.end_time)
    elif duration_minutes:
        try:
            end_wall = start_wall + timedelta(minutes=duration_minutes)
        except OverflowError:  # past the last day of the calendar: not the same day
            end_wall = start_wall
    else:
        raise ValidationError(
            {"end_time": ValidationError("Give end_time or an appointment type.", code="required")}
        )
    if end_wall <= start_wall or end_wall.date() != wall.schedule_date:
        raise ValidationError(
            {
                "end_time": ValidationError(
                    "end_time must be after start_time on the same day.", code="invalid_interval"
                )
            }
        )
    start = _instant(location, wall.schedule_date, start_wall.time(), "start_time")
    end = _instant(location, wall.schedule_date, end_wall.time(), "end_time")
    return start, end


def _set_interval(appointment: Appointment, start: datetime, end: datetime) -> None:
    """Give the appointment a new interval; the arrival time keeps its lead on the start."""
    if appointment.ask_to_arrive_at is not None and appointment.start_at is not None:
        lead = appointment.start_at - appointment.ask_to_arrive_at
        appointment.ask_to_arrive_at = start - lead
    appointment.start_at, appointment.end_at = start, end


def local_wall_times(appointment: Appointment) -> WallTimes | None:
    """The appointment's date and wall times at its location, or None if it has no time."""
    if appointment.start_at is None:
        return None
    tz = appointment.location.timezone
    start, end = to_local(appointment.start_at, tz), to_local(appointment.end_at, tz)
    return WallTimes(start.date(), start.time(), end.time())


# --- validation ----------------------------------------------------------------------


def check_operatory_location(location: Location, operatory: Operatory | None) -> None:
    if operatory is not None and operatory.location_id != location.pk:
        raise ValidationError(
            {
                "operatory_uuid": ValidationError(
                    "The operatory is not at the appointment's location.", code="wrong_location"
                )
            }
        )


def _check_type(location: Location, appointment_type: AppointmentType | None) -> None:
    if appointment_type is None:
        return
    if appointment_type.status != AppointmentTypeStatus.ACTIVE:
        raise ValidationError(
            {
                "appointment_type_uuid": ValidationError(
                    "The appointment type is archived.", code="archived"
                )
            }
        )
    prefetch_related_objects([appointment_type], "locations")  # once per instance
    offered = {location.pk for location in appointment_type.locations.all()}
    if offered and location.pk not in offered:
        raise ValidationError(
            {
                "appointment_type_uuid": ValidationError(
                    "The appointment type is not offered at this location.",
                    code="wrong_location",
                )
            }
        )


def _check_slot_fields(appointment: Appointment) -> None:
    """A live (or broken) appointment needs a time; a live one needs a chair."""
    if appointment.status in TIMELESS_STATUSES:
        return
    errors = {}
    if appointment.start_at is None:
        errors["start_time"] = ValidationError(
            f"A {appointment.status} appointment needs schedule_date and start_time.",
            code="required",
        )
    if appointment.status in LIVE_STATUSES and appointment.operatory_id is None:
        errors["operatory_uuid"] = ValidationError(
            f"A {appointment.status} appointment needs an operatory.", code="required"
        )
    if errors:
        raise ValidationError(errors)


def _hold_slot(appointment: Appointment, *, allow_overlap: bool) -> None:
    """Lock the chair and refuse a taken or blocked slot (no-op if it holds no slot)."""
    if appointment.status not in LIVE_STATUSES:
        return
    _check_slot_fields(appointment)
    ensure_slot_free(
        Slot(
            org_id=appointment.org_id,
            location_id=appointment.location_id,
            operatory_id=appointment.operatory_id,
            start=appointment.start_at,
            end=appointment.end_at,
            appointment_type_id=appointment.appointment_type_id,
            exclude_appointment_id=appointment.pk,
            timezone=appointment.location.timezone,
        ),
        allow_overlap=allow_overlap,
    )


def _ask_to_arrive(location: Location, day: date | None, wall: time | None) -> datetime | None:
    if wall is None:
        return None
    if day is None:
        raise ValidationError(
            {
                "ask_to_arrive_time": ValidationError(
                    "The appointment has no date to arrive on.", code="no_date"
                )
            }
        )
    return _instant(location, day, wall, "ask_to_arrive_time")


# --- create --------------------------------------------------------------------------


def _type_procedures(appointment: Appointment) -> list[AppointmentProcedure]:
    appointment_type = appointment.appointment_type
    if appointment_type is None or not appointment_type.procedure_codes_to_add:
        return []
    done = appointment.status == S.COMPLETE
    codes = {
        code.code: code
        for code in ProcedureCode.objects.filter(
            org=appointment.org_id, code__in=appointment_type.procedure_codes_to_add
        )
    }
    return [
        AppointmentProcedure(
            org_id=appointment.org_id,
            appointment=appointment,
            procedure_code=codes[code],
            fee=codes[code].default_fee,
            item_order=order,
            # An appointment created complete (an import of history) did its procedures.
            status=ProcedureStatus.COMPLETE if done else ProcedureStatus.PLANNED,
            completed_at=timezone.now() if done else None,
        )
        for order, code in enumerate(appointment_type.procedure_codes_to_add)
        if code in codes
    ]


def _link_providers(appointment: Appointment, providers: Iterable[Provider]) -> None:
    AppointmentProvider.objects.bulk_create(
        AppointmentProvider(
            org_id=appointment.org_id,
            appointment=appointment,
            provider=provider,
            role=ProviderRole.HYGIENIST if provider.is_hygienist else ProviderRole.PRIMARY,
            item_order=order,
        )
        for order, provider in enumerate(providers)
    )


def _set_tags(appointment: Appointment, tags: Iterable[Definition], *, replace=True) -> None:
    if replace:
        AppointmentTag.objects.filter(org_id=appointment.org_id, appointment=appointment).delete()
    AppointmentTag.objects.bulk_create(
        AppointmentTag(org_id=appointment.org_id, appointment=appointment, definition=tag)
        for tag in tags
    )


UNIQUE_EXTERNAL_ID = {
    "appointment_org_external_id": (
        "DUPLICATE_EXTERNAL_ID",
        "An appointment with this external_id already exists.",
    )
}


def appointment_create(
    *,
    org: Organization,
    actor,
    location: Location,
    patient,
    schedule_date: date | None = None,
    start_time: time | None = None,
    end_time: time | None = None,
    ask_to_arrive_time: time | None = None,
    allow_overlap: bool = False,
    providers: Iterable[Provider] = (),
    tags: Iterable[Definition] = (),
    action: HistoryAction = HistoryAction.CREATED,
    **fields,
) -> Appointment:
    """Book an appointment; a live one takes its chair or fails with 409."""
    providers, tags = list(providers), list(tags)
    appointment = Appointment(org=org, location=location, patient=patient, **fields)
    check_operatory_location(location, appointment.operatory)
    _check_type(location, appointment.appointment_type)
    if start_time is not None or schedule_date is not None:
        if start_time is None or schedule_date is None:
            missing = "start_time" if start_time is None else "schedule_date"
            raise ValidationError(
                {missing: ValidationError("Give schedule_date and start_time.", code="required")}
            )
        appointment.start_at, appointment.end_at = local_interval(
            location,
            WallTimes(schedule_date, start_time, end_time),
            duration_minutes=getattr(appointment.appointment_type, "duration_minutes", None),
        )
    appointment.ask_to_arrive_at = _ask_to_arrive(location, schedule_date, ask_to_arrive_time)
    _check_slot_fields(appointment)
    with unique_violations(UNIQUE_EXTERNAL_ID):  # one transaction (and savepoint)
        _hold_slot(appointment, allow_overlap=allow_overlap)
        appointment.save()
        _link_providers(appointment, providers)
        _set_tags(appointment, tags, replace=False)
        AppointmentProcedure.objects.bulk_create(_type_procedures(appointment))
        changes = history.diff({}, history.snapshot(appointment))
        for name, related in (("providers", providers), ("tags", tags)):
            if related:
                changes[name] = {"old": None, "new": [str(obj.uuid) for obj in related]}
        history.record(appointment, action, actor=actor, changes=changes)
    return appointment


# --- update --------------------------------------------------------------------------

TIME_INPUTS = ("schedule_date", "start_time", "end_time")


def _retime(appointment: Appointment, times: dict, *, keep_duration: bool) -> None:
    """Apply a partial change of date/start/end, in wall-clock terms at the location.

    Missing parts keep their current local value; a new start without an end keeps the
    appointment's length.
    """
    current = local_wall_times(appointment)
    if current is None and not {"schedule_date", "start_time"} <= times.keys():
        raise ValidationError(
            {
                "start_time": ValidationError(
                    "The appointment has no time yet: give schedule_date and start_time.",
                    code="required",
                )
            }
        )
    day = times.get("schedule_date", current and current.schedule_date)
    start = times.get("start_time", current and current.start_time)
    end = times.get("end_time")
    duration = None
    if end is None and current is not None and keep_duration:
        # The length on the wall clock, like every duration here (see local_interval).
        wall_length = datetime.combine(current.schedule_date, current.end_time) - (
            datetime.combine(current.schedule_date, current.start_time)
        )
        duration = int(wall_length.total_seconds() // 60)
        end = None if "start_time" in times else current.end_time
    if end is None and duration is None and appointment.appointment_type_id:
        duration = appointment.appointment_type.duration_minutes
    _set_interval(
        appointment,
        *local_interval(
            appointment.location, WallTimes(day, start, end), duration_minutes=duration
        ),
    )


def _write(
    appointment: Appointment,
    *,
    base_version: int | None,
    before: dict,
    action: HistoryAction,
    actor,
    note: str = "",
    allow_overlap: bool = False,
    check_slot: bool = False,
    extra_changes: dict | None = None,
) -> Appointment:
    """The one path of every change to an appointment row (call inside a transaction).

    Checks the slot when asked, writes the changed fields under ``base_version`` (None:
    unconditionally, one atomic increment), and records the history entry.
    """
    if check_slot:
        _hold_slot(appointment, allow_overlap=allow_overlap)
    after = history.snapshot(appointment)
    changes = history.diff(before, after)
    changed_fields = {
        field: getattr(appointment, field)
        for field, api_name in history.TRACKED_FIELDS.items()
        if api_name in changes
    }
    if base_version is None:
        now = timezone.now()
        Appointment.objects.filter(pk=appointment.pk).update(
            **changed_fields, version=F("version") + 1, updated_at=now
        )
        appointment.version = Appointment.objects.values_list("version", flat=True).get(
            pk=appointment.pk
        )
        appointment.updated_at = now
    else:
        versioned_update(appointment, base_version=base_version, changes=changed_fields)
    history.record(
        appointment, action, actor=actor, changes={**changes, **(extra_changes or {})}, note=note
    )
    return appointment


def appointment_update(
    *,
    appointment: Appointment,
    actor,
    base_version: int,
    allow_overlap: bool = False,
    tags: Iterable[Definition] | None = None,
    skip_unchanged: bool = False,
    **changes,
) -> Appointment:
    """Change details, time or chair; a change of time, chair or type re-checks the slot.

    With ``skip_unchanged`` a change that changes nothing writes nothing (re-imports).
    """
    before = history.snapshot(appointment)
    slot_before = (appointment.start_at, appointment.end_at, appointment.operatory_id)
    type_before = appointment.appointment_type_id
    times = {key: changes.pop(key) for key in TIME_INPUTS if key in changes}
    ask_to_arrive_time = changes.pop("ask_to_arrive_time", None)
    for field, value in changes.items():
        setattr(appointment, field, value)
    check_operatory_location(appointment.location, appointment.operatory)
    if appointment.appointment_type_id != type_before:
        _check_type(appointment.location, appointment.appointment_type)
    if times:
        _retime(appointment, times, keep_duration=True)
    # Only a real change of time or chair is a move (re-sending the same values is not).
    moves = (appointment.start_at, appointment.end_at, appointment.operatory_id) != slot_before
    if moves and appointment.status in FINAL_STATUSES:
        raise InvalidState(f"A {appointment.status} appointment cannot be moved.")
    if ask_to_arrive_time is not None:
        wall = local_wall_times(appointment)
        appointment.ask_to_arrive_at = _ask_to_arrive(
            appointment.location, wall and wall.schedule_date, ask_to_arrive_time
        )
    slot_changed = moves or appointment.appointment_type_id != type_before
    tag_change = None
    if tags is not None:
        tags = list(tags)
        current_tags = list(appointment.tags.values_list("uuid", flat=True))
        if {tag.uuid for tag in tags} == set(current_tags):
            tags = None
        else:
            tag_change = {
                "tags": {"old": [str(u) for u in current_tags], "new": [str(t.uuid) for t in tags]}
            }
    if skip_unchanged and tags is None and not history.diff(before, history.snapshot(appointment)):
        return appointment
    with transaction.atomic():
        _write(
            appointment,
            base_version=base_version,
            before=before,
            action=HistoryAction.MOVED if moves else HistoryAction.UPDATED,
            actor=actor,
            allow_overlap=allow_overlap,
            check_slot=slot_changed,
            extra_changes=tag_change,
        )
        if tags is not None:
            _set_tags(appointment, tags)
    return appointment


def appointment_move(
    *,
    appointment: Appointment,
    actor,
    base_version: int,
    schedule_date: date,
    start_time: time,
    end_time: time,
    operatory: Operatory | None = None,
    allow_overlap: bool = False,
    note: str = "",
) -> Appointment:
    """Reschedule to a new date, wall times and (optionally) chair."""
    if appointment.status in FINAL_STATUSES or appointment.status == S.PINBOARD:
        hint = " Use /place." if appointment.status == S.PINBOARD else ""
        raise InvalidState(f"A {appointment.status} appointment cannot be moved.{hint}")
    return _put_in_slot(
        appointment,
        actor=actor,
        base_version=base_version,
        wall=WallTimes(schedule_date, start_time, end_time),
        operatory=operatory,
        action=HistoryAction.MOVED,
        allow_overlap=allow_overlap,
        note=note,
    )


def _put_in_slot(
    appointment: Appointment,
    *,
    actor,
    base_version: int,
    wall: WallTimes,
    operatory: Operatory | None,
    action: HistoryAction,
    allow_overlap: bool,
    note: str = "",
    status: str | None = None,
) -> Appointment:
    """Give the appointment a new date, wall times and (optionally) chair and status."""
    before = history.snapshot(appointment)
    if operatory is not None:
        check_operatory_location(appointment.location, operatory)
        appointment.operatory = operatory
    if status is not None:
        appointment.status = status
    _set_interval(appointment, *local_interval(appointment.location, wall))
    with transaction.atomic():
        return _write(
            appointment,
            base_version=base_version,
            before=before,
            action=action,
            actor=actor,
            note=note,
            allow_overlap=allow_overlap,
            check_slot=True,
        )


# --- the status machine --------------------------------------------------------------


def _check_transition(appointment: Appointment, target: str, *, via_place: bool = False) -> None:
    current = appointment.status
    if target not in TRANSITIONS[current]:
        raise InvalidTransition(
            f"An appointment cannot go from {current} to {target}.",
            current_status=current,
            allowed=sorted(TRANSITIONS[current]),
        )
    if current == S.PINBOARD and target == S.SCHEDULED and not via_place:
        raise InvalidTransition(
            "A pinboard appointment is scheduled by placing it: POST /place with a time.",
            current_status=current,
            allowed=sorted(TRANSITIONS[current]),
        )


def _complete_procedures(appointment: Appointment) -> None:
    AppointmentProcedure.objects.filter(
        org_id=appointment.org_id, appointment=appointment, status=ProcedureStatus.PLANNED
    ).update(
        status=ProcedureStatus.COMPLETE, completed_at=timezone.now(), updated_at=timezone.now()
    )


ACTIONS = {
    S.CANCELLED: HistoryAction.CANCELLED,
    S.BROKEN: HistoryAction.BROKEN,
    S.PINBOARD: HistoryAction.PINBOARDED,
}


def appointment_transition(
    *,
    appointment: Appointment,
    actor,
    base_version: int,
    status: str,
    note: str = "",
    allow_overlap: bool = False,
    **fields,
) -> Appointment:
    """Move the appointment along the status machine (409 ``INVALID_TRANSITION`` if not).

    Entering a live status re-checks the slot; completing completes the procedures.
    ``fields`` carries what an action sets with the status (cancel reason …).
    """
    _check_transition(appointment, status)
    before = history.snapshot(appointment)
    appointment.status = status
    for field, value in fields.items():
        setattr(appointment, field, value)
    if status == S.CANCELLED and not appointment.cancelled_by:
        appointment.cancelled_by = history.actor_name(actor)
    entering_slot = status in LIVE_STATUSES and before["status"] not in LIVE_STATUSES
    if entering_slot:
        _check_slot_fields(appointment)
    with transaction.atomic():
        _write(
            appointment,
            base_version=base_version,
            before=before,
            action=ACTIONS.get(status, HistoryAction.TRANSITIONED),
            actor=actor,
            note=note,
            allow_overlap=allow_overlap,
            check_slot=entering_slot,
        )
        if status == S.COMPLETE:
            _complete_procedures(appointment)
    return appointment


def appointment_place(
    *,
    appointment: Appointment,
    actor,
    base_version: int,
    operatory: Operatory,
    schedule_date: date,
    start_time: time,
    end_time: time,
    allow_overlap: bool = False,
) -> Appointment:
    """Put a pinboard appointment back on the grid at a time and chair."""
    _check_transition(appointment, S.SCHEDULED, via_place=True)
    if appointment.status != S.PINBOARD:
        raise InvalidTransition(
            f"Only pinboard appointments are placed; this one is {appointment.status}.",
            current_status=appointment.status,
            allowed=sorted(TRANSITIONS[appointment.status]),
        )
    return _put_in_slot(
        appointment,
        actor=actor,
        base_version=base_version,
        wall=WallTimes(schedule_date, start_time, end_time),
        operatory=operatory,
        action=HistoryAction.PLACED,
        allow_overlap=allow_overlap,
        status=S.SCHEDULED,
    )


# --- confirmation, flow --------------------------------------------------------------


def appointment_confirm(
    *,
    appointment: Appointment,
    actor,
    base_version: int,
    confirmation_status: Definition | None,
) -> Appointment:
    before = history.snapshot(appointment)
    appointment.confirmation_status = confirmation_status
    with transaction.atomic():
        return _write(
            appointment,
            base_version=base_version,
            before=before,
            action=HistoryAction.CONFIRMATION_CHANGED,
            actor=actor,
        )


@dataclass
class BulkConfirmation:
    confirmed: list[Appointment]
    conflicts: list[str]
    skipped: list[str]


def appointments_bulk_confirm(
    *, appointments: Iterable[Appointment], missing: Iterable[str], actor, confirmation_status
) -> BulkConfirmation:
    """Confirm each appointment under the version read with it; a lost race is listed."""
    result = BulkConfirmation(confirmed=[], conflicts=[], skipped=list(missing))
    for appointment in appointments:
        try:
            appointment_confirm(
                appointment=appointment,
                actor=actor,
                base_version=appointment.version,
                confirmation_status=confirmation_status,
            )
        except VersionConflict:
            result.conflicts.append(str(appointment.uuid))
        else:
            result.confirmed.append(appointment)
    return result


def appointment_set_flow_status(
    *, appointment: Appointment, actor, flow_status: FlowStatus, change_note: str = ""
) -> PatientFlowEvent:
    """Record that the patient entered ``flow_status`` (arrived, seated …)."""
    if appointment.status not in FLOW_STATUSES:
        raise ValidationError(
            {
                "flow_status_uuid": ValidationError(
                    f"Patient flow is tracked for scheduled or complete appointments; this one "
                    f"is {appointment.status}.",
                    code="invalid_state",
                )
            }
        )
    if not flow_status.is_active:
        raise ValidationError(
            {"flow_status_uuid": ValidationError("The flow status is inactive.", code="inactive")}
        )
    before = history.snapshot(appointment)
    appointment.flow_status = flow_status
    with transaction.atomic():
        event = PatientFlowEvent.objects.create(
            org_id=appointment.org_id,
            appointment=appointment,
            flow_status=flow_status,
            changed_at=timezone.now(),
            changed_by=actor,
            changed_by_name=history.actor_name(actor),
            change_note=change_note,
        )
        _write(
            appointment,
            base_version=None,
            before=before,
            action=HistoryAction.FLOW_STATUS_SET,
            actor=actor,
            note=change_note,
        )
    return event


# --- procedures and providers --------------------------------------------------------


def _check_procedures_editable(appointment: Appointment) -> None:
    if appointment.status not in PROCEDURE_EDIT_STATUSES:
        raise ValidationError(
            {
                "base_version": ValidationError(
                    f"The procedures of a {appointment.status} appointment cannot change.",
                    code="invalid_state",
                )
            }
        )


def _touch(appointment: Appointment, *, base_version: int, action, actor, changes) -> None:
    """A child write: bump the parent's version under ``base_version`` and record it."""
    versioned_update(appointment, base_version=base_version, changes={})
    history.record(appointment, action, actor=actor, changes=changes)


def procedure_add(
    *,
    appointment: Appointment,
    actor,
    base_version: int,
    procedure_code: ProcedureCode,
    provider: Provider | None = None,
    fee: Decimal | None = None,
    item_order: int | None = None,
    charted_procedure_uuid=None,
) -> AppointmentProcedure:
    _check_procedures_editable(appointment)
    with transaction.atomic():
        _touch(
            appointment,
            base_version=base_version,
            action=HistoryAction.PROCEDURE_ADDED,
            actor=actor,
            changes={"procedures": {"old": None, "new": procedure_code.code}},
        )
        if item_order is None:
            last = AppointmentProcedure.objects.filter(
                org_id=appointment.org_id, appointment=appointment
            ).aggregate(last=Max("item_order"))["last"]
            item_order = 0 if last is None else last + 1
        return AppointmentProcedure.objects.create(
            org_id=appointment.org_id,
            appointment=appointment,
            procedure_code=procedure_code,
            provider=provider,
            fee=procedure_code.default_fee if fee is None else fee,
            item_order=item_order,
            charted_procedure_uuid=charted_procedure_uuid,
        )


def procedure_remove(
    *, appointment: Appointment, actor, base_version: int, procedure: AppointmentProcedure
) -> None:
    _check_procedures_editable(appointment)
    with transaction.atomic():
        _touch(
            appointment,
            base_version=base_version,
            action=HistoryAction.PROCEDURE_REMOVED,
            actor=actor,
            changes={"procedures": {"old": procedure.procedure_code.code, "new": None}},
        )
        procedure.delete()


@dataclass(frozen=True)
class ProviderAssignment:
    provider: Provider
    role: str | None = None
    start_time: time | None = None
    end_time: time | None = None


def providers_replace(
    *,
    appointment: Appointment,
    actor,
    base_version: int,
    assignments: list[ProviderAssignment],
) -> Appointment:
    """Replace the provider list; optional wall times lie on the appointment's date."""
    if len({a.provider.pk for a in assignments}) != len(assignments):
        raise ValidationError(
            {"providers": ValidationError("A provider is listed twice.", code="duplicate")}
        )
    wall = local_wall_times(appointment)
    links = []
    for order, assignment in enumerate(assignments):
        start = end = None
        if assignment.start_time is not None or assignment.end_time is not None:
            if wall is None:
                raise ValidationError(
                    {
                        "providers": ValidationError(
                            "Provider times need an appointment with a date.", code="no_date"
                        )
                    }
                )
            try:
                start, end = local_interval(
                    appointment.location,
                    WallTimes(
                        wall.schedule_date,
                        assignment.start_time or wall.start_time,
                        assignment.end_time or wall.end_time,
                    ),
                )
            except ValidationError as error:  # name the row: providers[order].start_time
                raise serializers.ValidationError(
                    {"providers": {order: serializers.as_serializer_error(error)}}
                ) from error
            if start < appointment.start_at or end > appointment.end_at:
                raise serializers.ValidationError(
                    {
                        "providers": {
                            order: {
                                "start_time": [
                                    serializers.ErrorDetail(
                                        "A provider's time lies within the appointment's.",
                                        code="outside_appointment",
                                    )
                                ]
                            }
                        }
                    }
                )
        links.append(
            AppointmentProvider(
                org_id=appointment.org_id,
                appointment=appointment,
                provider=assignment.provider,
                role=assignment.role
                or (
                    ProviderRole.HYGIENIST
                    if assignment.provider.is_hygienist
                    else ProviderRole.PRIMARY
                ),
                start_at=start,
                end_at=end,
                item_order=order,
            )
        )
    old = [
        str(uuid)
        for uuid in AppointmentProvider.objects.filter(
            org_id=appointment.org_id, appointment=appointment
        ).values_list("provider__uuid", flat=True)
    ]
    with transaction.atomic():
        _touch(
            appointment,
            base_version=base_version,
            action=HistoryAction.PROVIDERS_REPLACED,
            actor=actor,
            changes={"providers": {"old": old, "new": [str(a.provider.uuid) for a in assignments]}},
        )
        AppointmentProvider.objects.filter(
            org_id=appointment.org_id, appointment=appointment
        ).delete()
        AppointmentProvider.objects.bulk_create(links)
    return appointment


# --- delete --------------------------------------------------------------------------


def appointment_delete(*, appointment: Appointment, actor) -> None:
    """Delete for good; the history (with a final ``deleted`` entry) stays."""
    with transaction.atomic():
        history.record(
            appointment,
            HistoryAction.DELETED,
            actor=actor,
        )
        appointment.delete()
