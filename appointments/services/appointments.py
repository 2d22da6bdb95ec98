"""Booking, changing, moving and deleting appointments.

Every write here runs in one transaction that (1) takes the chair's lock and checks the
slot when the appointment holds one (``conflicts.ensure_slot_free``), (2) writes under
the version the client read (``versioned_update``), and (3) leaves a history entry.
Views, the bulk import and the import command all come through these functions; the
status machine is in ``lifecycle``, procedures and providers in ``details``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, TextField
from django.utils import timezone

from appointments.models import (
    Appointment,
    AppointmentProcedure,
    AppointmentProvider,
    AppointmentStatus,
    AppointmentTag,
    AppointmentType,
    HistoryAction,
    ProcedureStatus,
    ProviderRole,
)
from appointments.services import history
from appointments.services.conflicts import Conflicts, Slot, find_conflicts
from appointments.services.events import (
    AppointmentEvent,
    HeldSlot,
    announce,
    change_event,
    created_event,
    first_reads,
    held_slot,
)
from appointments.services.rules import (
    FINAL_STATUSES,
    ask_to_arrive,
    check_arrival,
    check_operatory_location,
    check_slot_fields,
    check_type,
    hold_slot,
)
from appointments.services.times import (
    WallTimes,
    local_interval,
    local_wall_times,
    set_interval,
)
from appointments.services.warnings import overlap_warnings, provider_overlap_warnings
from scheduling.db import Composed, equals_any, insert_together, new_ids, run_together
from scheduling.exceptions import InvalidState
from scheduling.models import Definition, Location, Operatory, Organization, ProcedureCode, Provider
from scheduling.services import check_version, unique_violations, versioned_update

S = AppointmentStatus


# --- create --------------------------------------------------------------------------


def procedure_codes_by_code(org_id: int, codes: Iterable[str]) -> dict[str, ProcedureCode]:
    """The org's procedure codes among ``codes``, by code (one query, composed once)."""
    statement = procedure_codes_statement(org_id, codes)
    if statement is None:
        return {}
    (rows,) = run_together([statement])
    return procedure_codes_read(rows)


def procedure_codes_statement(org_id: int, codes: Iterable[str]) -> tuple[str, list] | None:
    """``procedure_codes_by_code``'s statement, to send with other reads (None: no codes,
    nothing to read); ``procedure_codes_read`` reads its rows."""
    codes = set(codes)
    return _CODES.statement(org=org_id, codes=sorted(codes)) if codes else None


def procedure_codes_read(rows: list[tuple]) -> dict[str, ProcedureCode]:
    return {code.code: code for code in _CODES.read(rows)}


def _codes(v: dict):
    return ProcedureCode.objects.filter(equals_any("code", v["codes"], TextField()), org=v["org"])


_CODES = Composed(_codes, org=1_000_000_001, codes=["composed-sentinel"])


def wanted_procedure_codes(appointment: Appointment, extra_codes: Iterable[str]) -> list[str]:
    """The type's procedure codes, then ``extra_codes`` not among them (an import's own)."""
    wanted = list(getattr(appointment.appointment_type, "procedure_codes_to_add", None) or [])
    wanted += [code for code in extra_codes if code not in wanted]
    return wanted


def initial_procedure_rows(
    appointment: Appointment,
    extra_codes: Iterable[str],
    codes: Mapping[str, ProcedureCode] | None = None,
) -> list[dict]:
    """The procedures a new (saved) appointment starts with (``wanted_procedure_codes``),
    as the field values of their rows.

    ``codes``: the org's codes already read (a batch's); else they are read here.
    """
    wanted = wanted_procedure_codes(appointment, extra_codes)
    if not wanted:
        return []
    if codes is None:
        codes = procedure_codes_by_code(appointment.org_id, wanted)
    # An appointment created complete (an import of history) did its procedures.
    done = appointment.status == S.COMPLETE
    completed_at = timezone.now() if done else None
    return [
        {
            "org_id": appointment.org_id,
            "appointment_id": appointment.pk,
            "procedure_code_id": codes[code].pk,
            "fee": codes[code].default_fee,
            "item_order": order,
            "status": ProcedureStatus.COMPLETE if done else ProcedureStatus.PLANNED,
            "completed_at": completed_at,
        }
        for order, code in enumerate(wanted)
        if code in codes
    ]


def provider_link_rows(appointment: Appointment, providers: Iterable[Provider]) -> list[dict]:
    """The (saved) appointment's providers in order, as the field values of their links."""
    return [
        {
            "org_id": appointment.org_id,
            "appointment_id": appointment.pk,
            "provider_id": provider.pk,
            "role": ProviderRole.HYGIENIST if provider.is_hygienist else ProviderRole.PRIMARY,
            "item_order": order,
        }
        for order, provider in enumerate(providers)
    ]


def tag_rows(appointment: Appointment, tags: Iterable[Definition]) -> list[dict]:
    """The (saved) appointment's tags, as the field values of their rows."""
    return [
        {"org_id": appointment.org_id, "appointment_id": appointment.pk, "definition_id": tag.pk}
        for tag in tags
    ]


def _set_tags(appointment: Appointment, tags: Iterable[Definition], *, replace=True) -> None:
    if replace:
        AppointmentTag.objects.filter(org_id=appointment.org_id, appointment=appointment).delete()
    AppointmentTag.objects.bulk_create(AppointmentTag(**row) for row in tag_rows(appointment, tags))


UNIQUE_EXTERNAL_ID = {
    "appointment_org_external_id": (
        "DUPLICATE_EXTERNAL_ID",
        "An appointment with this external_id already exists.",
    )
}


def build_appointment(
    *,
    org: Organization,
    location: Location,
    patient,
    schedule_date: date | None = None,
    start_time: time | None = None,
    end_time: time | None = None,
    ask_to_arrive_time: time | None = None,
    **fields,
) -> Appointment:
    """A new appointment as a booking asks for it, checked on its own (the chair is at the
    location, the type is active and offered there, the times make sense, a live one has a
    time and a chair); not saved, and its slot not yet judged. ``appointment_create`` and
    the bulk import both start here."""
    appointment = Appointment(org=org, location=location, patient=patient, **fields)
    check_operatory_location(location, appointment.operatory)
    check_type(location, appointment.appointment_type)
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
    appointment.ask_to_arrive_at = ask_to_arrive(location, schedule_date, ask_to_arrive_time)
    check_arrival(appointment)
    check_slot_fields(appointment)
    return appointment


def creation_changes(
    appointment: Appointment, providers: Sequence[Provider], tags: Sequence[Definition]
) -> dict:
    """The history entry's ``changes`` of a new appointment: every tracked field it has,
    and its providers and tags."""
    changes = history.diff({}, history.snapshot(appointment))
    for name, related in (("providers", providers), ("tags", tags)):
        if related:
            changes[name] = {"old": None, "new": [str(obj.uuid) for obj in related]}
    return changes


def appointment_create(
    *,
    org: Organization,
    actor,
    allow_overlap: bool = False,
    providers: Iterable[Provider] = (),
    tags: Iterable[Definition] = (),
    procedure_codes: Iterable[str] = (),
    action: HistoryAction = HistoryAction.CREATED,
    **fields,
) -> Appointment:
    """Book an appointment; a live one takes its chair or fails with 409.

    Its procedures are its type's, then ``procedure_codes`` (CDT codes of the org).
    """
    providers, tags = list(providers), list(tags)
    appointment = build_appointment(org=org, **fields)
    # Its id and the codes of its procedures, in one round trip before the transaction,
    # so that it is inserted with everything that names it.
    reads = [new_ids(Appointment)]
    codes = procedure_codes_statement(org.pk, wanted_procedure_codes(appointment, procedure_codes))
    if codes is not None:
        reads.append(codes)
    ((new_id,),), *code_rows = run_together(reads)
    codes_by_code = procedure_codes_read(code_rows[0]) if code_rows else {}
    # Its own from now on: the slot's checks leave it out (as its providers' other
    # appointments, read after it is inserted).
    appointment.pk = new_id
    with unique_violations(UNIQUE_EXTERNAL_ID):  # one transaction (and savepoint)
        held = hold_slot(
            appointment, allow_overlap=allow_overlap, provider_ids=[p.pk for p in providers]
        )
        changes = creation_changes(appointment, providers, tags)
        event = created_event(appointment)
        listener_reads = first_reads(event, [appointment])
        then = list(listener_reads.values())
        if held.providers_read is not None:  # its providers' other appointments meanwhile
            then.append(held.providers_read.statement)
        # It, its providers, tags, procedures and history entry, then what the listeners
        # read first (and the providers' other appointments): one round trip.
        found = insert_together(
            [
                [appointment],
                *(
                    [model(**row) for row in rows]
                    for model, rows in (
                        (AppointmentProvider, provider_link_rows(appointment, providers)),
                        (AppointmentTag, tag_rows(appointment, tags)),
                        (
                            AppointmentProcedure,
                            initial_procedure_rows(appointment, procedure_codes, codes_by_code),
                        ),
                    )
                ),
                [history.entry(appointment, action, actor=actor, changes=changes)],
            ],
            then=then,
        )
        if held.providers_read is not None:
            held.providers = held.providers_read.overlaps(found.pop())
        announce(event, [appointment], read=dict(zip(listener_reads, found, strict=True)))
    appointment.warnings = overlap_warnings(held.providers)
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
    set_interval(
        appointment,
        *local_interval(
            appointment.location, WallTimes(day, start, end), duration_minutes=duration
        ),
    )


def write(
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
    held_before: HeldSlot | None = None,
) -> Appointment:
    """The one path of every change to an appointment row (call inside a transaction).

    Checks the slot when asked, writes the changed fields under ``base_version`` (None:
    unconditionally, one atomic increment), and records the history entry. A write that
    may change the status, chair or time passes ``held_before``, the chair time held
    when ``before`` was taken (``events.held_slot``): the listeners hear what it gave up.
    """
    if check_slot:
        hold_slot(appointment, allow_overlap=allow_overlap)
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
    event = change_event(before.get("status"), appointment, changes)
    if event is not None:
        announce(event, [appointment], held_before=[held_before])
    if check_slot:
        appointment.warnings = provider_overlap_warnings(appointment)
    return appointment


def appointment_update(
    *,
    appointment: Appointment,
    actor,
    base_version: int,
    allow_overlap: bool = False,
    tags: Iterable[Definition] | None = None,
    **changes,
) -> Appointment:
    """Change details, time or chair; a change of time, chair or type re-checks the slot.

    A change that changes nothing writes nothing: no version, no history entry (a
    re-import, a client re-sending what it read). ``base_version`` is still checked.
    """
    before, held_before = history.snapshot(appointment), held_slot(appointment)
    slot_before = (appointment.start_at, appointment.end_at, appointment.operatory_id)
    type_before = appointment.appointment_type_id
    times = {key: changes.pop(key) for key in TIME_INPUTS if key in changes}
    ask_to_arrive_time = changes.pop("ask_to_arrive_time", None)
    for field, value in changes.items():
        setattr(appointment, field, value)
    check_operatory_location(appointment.location, appointment.operatory)
    if appointment.appointment_type_id != type_before:
        check_type(appointment.location, appointment.appointment_type)
    if times:
        _retime(appointment, times, keep_duration=True)
    # Only a real change of time or chair is a move (re-sending the same values is not).
    moves = (appointment.start_at, appointment.end_at, appointment.operatory_id) != slot_before
    if moves and appointment.status in FINAL_STATUSES:
        raise InvalidState(f"A {appointment.status} appointment cannot be moved.")
    if ask_to_arrive_time is not None:
        wall = local_wall_times(appointment)
        appointment.ask_to_arrive_at = ask_to_arrive(
            appointment.location, wall and wall.schedule_date, ask_to_arrive_time
        )
        check_arrival(appointment)
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
    if tags is None and not history.diff(before, history.snapshot(appointment)):
        check_version(appointment, base_version)
        return appointment
    with transaction.atomic():
        write(
            appointment,
            base_version=base_version,
            before=before,
            action=HistoryAction.MOVED if moves else HistoryAction.UPDATED,
            actor=actor,
            allow_overlap=allow_overlap,
            check_slot=slot_changed,
            extra_changes=tag_change,
            held_before=held_before,
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
    return put_in_slot(
        appointment,
        actor=actor,
        base_version=base_version,
        wall=WallTimes(schedule_date, start_time, end_time),
        operatory=operatory,
        action=HistoryAction.MOVED,
        allow_overlap=allow_overlap,
        note=note,
    )


def put_in_slot(
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
    before, held_before = history.snapshot(appointment), held_slot(appointment)
    if operatory is not None:
        check_operatory_location(appointment.location, operatory)
        appointment.operatory = operatory
    if status is not None:
        appointment.status = status
    set_interval(appointment, *local_interval(appointment.location, wall))
    with transaction.atomic():
        return write(
            appointment,
            base_version=base_version,
            before=before,
            action=action,
            actor=actor,
            note=note,
            allow_overlap=allow_overlap,
            check_slot=True,
            held_before=held_before,
        )


# --- delete --------------------------------------------------------------------------


def appointment_delete(*, appointment: Appointment, actor) -> None:
    """Delete for good; the history (with a final ``deleted`` entry) stays."""
    with transaction.atomic():
        history.record(
            appointment,
            HistoryAction.DELETED,
            actor=actor,
        )
        held_before = held_slot(appointment)
        appointment.delete()
        announce(AppointmentEvent.DELETED, [appointment], held_before=[held_before])


# --- preview -------------------------------------------------------------------------


@dataclass
class SlotPreview:
    conflicts: Conflicts
    start: datetime
    end: datetime
    location_timezone: str


def appointment_check_conflicts(
    *,
    org: Organization,
    location: Location,
    operatory: Operatory,
    wall: WallTimes,
    excluded: Appointment | None = None,
    appointment_type: AppointmentType | None = None,
    providers: Iterable[Provider] | None = None,
    visible_location_ids: frozenset[int] | None = None,
) -> SlotPreview:
    """What a proposed slot collides with, written nowhere (``check-conflicts``).

    ``excluded`` is the appointment being moved: it is left out, and its type and
    providers stand in for those not given.
    """
    check_operatory_location(location, operatory)
    start, end = local_interval(location, wall)
    appointment_type = appointment_type or getattr(excluded, "appointment_type", None)
    if providers is None and excluded is not None:
        providers = [link.provider for link in excluded.provider_links.select_related("provider")]
    conflicts = find_conflicts(
        Slot(
            org_id=org.pk,
            location_id=location.pk,
            operatory_id=operatory.pk,
            start=start,
            end=end,
            appointment_type_id=getattr(appointment_type, "pk", None),
            exclude_appointment_id=getattr(excluded, "pk", None),
        ),
        provider_ids=[provider.pk for provider in providers or []],
        location_ids=visible_location_ids,
    )
    return SlotPreview(conflicts, start, end, location.timezone)
