"""An appointment's life: the status machine, confirmation and patient flow."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from appointments.models import (
    LIVE_STATUSES,
    Appointment,
    AppointmentProcedure,
    AppointmentStatus,
    CancelledBy,
    HistoryAction,
    PatientFlowEvent,
    ProcedureStatus,
)
from appointments.services import history
from appointments.services.appointments import put_in_slot, write
from appointments.services.events import held_slot
from appointments.services.rules import check_slot_fields
from appointments.services.times import WallTimes
from appointments.services.warnings import SchedulingWarning
from scheduling.exceptions import InvalidTransition, VersionConflict
from scheduling.models import Definition, FlowStatus, Operatory

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
COMPLETED_IN_FUTURE = "COMPLETED_IN_FUTURE"

#: Statuses in which the patient can be in the office.
FLOW_STATUSES = frozenset({S.SCHEDULED, S.COMPLETE})

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
    before, held_before = history.snapshot(appointment), held_slot(appointment)
    appointment.status = status
    for field, value in fields.items():
        setattr(appointment, field, value)
    if status == S.CANCELLED and not appointment.cancelled_by:
        appointment.cancelled_by = CancelledBy.PRACTICE  # who clicked is in the history
    entering_slot = status in LIVE_STATUSES and before["status"] not in LIVE_STATUSES
    if entering_slot:
        check_slot_fields(appointment)
    with transaction.atomic():
        write(
            appointment,
            base_version=base_version,
            before=before,
            action=ACTIONS.get(status, HistoryAction.TRANSITIONED),
            actor=actor,
            note=note,
            allow_overlap=allow_overlap,
            check_slot=entering_slot,
            held_before=held_before,
        )
        if status == S.COMPLETE:
            _complete_procedures(appointment)
    if status == S.COMPLETE and appointment.start_at and appointment.start_at > timezone.now():
        # Allowed (imports and corrections need it), but a slip of the front desk's finger
        # is likelier: say so.
        appointment.warnings = [
            SchedulingWarning(
                COMPLETED_IN_FUTURE,
                "The appointment was completed before its start time; it is kept as complete.",
            )
        ]
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
    return put_in_slot(
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
        return write(
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
        write(
            appointment,
            base_version=None,
            before=before,
            action=HistoryAction.FLOW_STATUS_SET,
            actor=actor,
            note=change_note,
        )
    return event
