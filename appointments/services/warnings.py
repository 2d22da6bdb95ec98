"""What a successful write should tell the front desk, though nothing blocked it.

- a provider booked in another chair at the same time (``PROVIDER_OVERLAP``): normal in
  dentistry, never blocking, but said in the write's ``warnings``;
- a no-schedule blockout laid over booked appointments: allowed (the front desk moves
  them), but each appointment it covers is named (registered with
  ``blockouts.coverage``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import Q

from appointments.models import LIVE_STATUSES, Appointment, AppointmentProvider
from appointments.services.conflicts import (
    PROVIDER_OVERLAP,
    ProviderOverlap,
    Slot,
    provider_overlaps,
)
from scheduling.timezones import to_local


@dataclass(frozen=True)
class SchedulingWarning:
    """What a successful write should tell the front desk (``warnings`` of the response).

    ``PROVIDER_OVERLAP``: a provider of the appointment is booked in another chair
    meanwhile (normal in dentistry, never blocking, but said); ``appointment`` is the other
    one. ``COMPLETED_IN_FUTURE``: the appointment was completed before its time.
    """

    code: str
    message: str = ""
    provider: object | None = None
    appointment: Appointment | None = None


def provider_overlap_warnings(
    appointment: Appointment, provider_ids: Iterable[int] | None = None
) -> list[SchedulingWarning]:
    """``PROVIDER_OVERLAP`` for each other live appointment booking one of this live
    appointment's providers at the same time (every location of the org: the API shows
    those the caller may not see without their details)."""
    if appointment.status not in LIVE_STATUSES or appointment.start_at is None:
        return []
    slot = Slot.of(appointment)
    if provider_ids is None:  # the appointment's own (callers that know them pass them)
        provider_ids = AppointmentProvider.objects.filter(
            org=appointment.org_id, appointment=appointment
        ).values_list("provider", flat=True)
    return overlap_warnings(provider_overlaps(slot, provider_ids))


def overlap_warnings(overlaps: Iterable[ProviderOverlap]) -> list[SchedulingWarning]:
    """``PROVIDER_OVERLAP`` for each of ``overlaps``."""
    return [
        SchedulingWarning(
            PROVIDER_OVERLAP, provider=overlap.provider, appointment=overlap.appointment
        )
        for overlap in overlaps
    ]


def appointments_under_blockouts(blockouts: Sequence) -> list[str]:
    """Warnings naming the live appointments that new no-schedule blockouts land on.

    Registered with ``blockouts.coverage``: laying a blockout over booked appointments is
    allowed (the front desk reschedules them), but it is said. One query for the batch.
    """
    blocking = [b for b in blockouts if b.blockout_type.is_no_schedule]
    if not blocking:
        return []
    covers = Q()
    for blockout in blocking:
        covers |= _covered_by(blockout)
    found = list(
        Appointment.objects.filter(covers, org=blocking[0].org_id, status__in=LIVE_STATUSES)
        .select_related("patient", "operatory", "location")
        .order_by("start_at", "id")
    )
    warnings = []
    for blockout in blocking:
        hits = [a for a in found if _overlaps(blockout, a)]
        if hits:
            tz = blockout.location.timezone
            names = ", ".join(
                f"{a.patient.name} {to_local(a.start_at, tz):%H:%M}–{to_local(a.end_at, tz):%H:%M}"
                f" in {a.operatory.name} ({a.uuid})"
                for a in hits
            )
            where = blockout.operatory.name if blockout.operatory_id else "every operatory"
            warnings.append(
                f"{blockout.blockout_type.name} on {blockout.schedule_date.isoformat()} "
                f"({where}) covers booked appointments: {names}."
            )
    return warnings


def _covered_by(blockout) -> Q:
    q = Q(location=blockout.location_id, start_at__lt=blockout.end_at, end_at__gt=blockout.start_at)
    if blockout.operatory_id is not None:
        q &= Q(operatory=blockout.operatory_id)
    return q


def _overlaps(blockout, appointment: Appointment) -> bool:
    return (
        appointment.location_id == blockout.location_id
        and (blockout.operatory_id is None or appointment.operatory_id == blockout.operatory_id)
        and appointment.start_at < blockout.end_at
        and appointment.end_at > blockout.start_at
    )
