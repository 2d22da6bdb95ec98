"""The procedures and providers of an appointment (children that bump its version)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from appointments.models import (
    Appointment,
    AppointmentProcedure,
    AppointmentProvider,
    AppointmentStatus,
    HistoryAction,
    ProviderRole,
)
from appointments.services import history
from appointments.services.events import AppointmentEvent, announce
from appointments.services.times import WallTimes, local_interval, local_wall_times
from appointments.services.warnings import provider_overlap_warnings
from scheduling.exceptions import FieldError
from scheduling.models import ProcedureCode, Provider
from scheduling.services import versioned_update

S = AppointmentStatus

#: Statuses in which the procedure list may still change.
PROCEDURE_EDIT_STATUSES = frozenset({S.PLANNED, S.SCHEDULED, S.UNSCHEDULED, S.PINBOARD, S.BROKEN})

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
        procedure = AppointmentProcedure.objects.create(
            org_id=appointment.org_id,
            appointment=appointment,
            procedure_code=procedure_code,
            provider=provider,
            fee=procedure_code.default_fee if fee is None else fee,
            item_order=item_order,
            charted_procedure_uuid=charted_procedure_uuid,
        )
        announce(AppointmentEvent.CHANGED, [appointment])
        return procedure


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
        announce(AppointmentEvent.CHANGED, [appointment])


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
                name, (first, *_) = next(iter(error.error_dict.items()))
                raise FieldError(
                    ("providers", order, name), first.messages[0], type=first.code or "invalid"
                ) from error
            if start < appointment.start_at or end > appointment.end_at:
                raise FieldError(
                    ("providers", order, "start_time"),
                    "A provider's time lies within the appointment's.",
                    type="outside_appointment",
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
    appointment.warnings = provider_overlap_warnings(appointment)
    return appointment
