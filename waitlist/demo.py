"""Demo ASAP entries (``seed_demo``): every urgency and every location scope, one with a
contact history, written through the services as the front desk would; and an open
opening, recorded as any is: a patient cancels an upcoming visit. Seeded once each: an
org with ASAP entries (openings) gets no more."""

from __future__ import annotations

from datetime import time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import F
from django.utils import timezone

from appointments.models import Appointment, AppointmentStatus, AppointmentType, CancelledBy
from appointments.services.events import BOOKING_STATUSES
from appointments.services.lifecycle import appointment_transition
from scheduling.models import Definition, DefinitionCategory, Location, Organization, Patient
from waitlist.models import (
    ContactMethod,
    LocationMatch,
    Opening,
    PatientResponse,
    Source,
    Urgency,
    WaitlistEntry,
)
from waitlist.outreach import entry_contact, entry_response
from waitlist.services import entry_create


def seed_waitlist_entries(org: Organization, out: dict[str, Any]) -> None:
    """Five entries at the first location (one reaching the second too, one any location),
    and one at the second. The soon entry moves an existing booking earlier when the demo
    has one; the last was offered a slot, declined, and was offered another (three rows
    in its contact log, status ``contacted``). Runs after the appointments' and recalls'
    seeders (INSTALLED_APPS order)."""
    if not WaitlistEntry.objects.filter(org=org).exists():
        _seed(org)
    out["waitlist_entries"] = [
        {"id": str(uuid), "urgency": urgency, "location_scope": reach, "status": status}
        for uuid, urgency, reach, status in WaitlistEntry.objects.filter(org=org)
        .order_by("id")
        .values_list("uuid", "urgency", "reach", "status")
    ]


def _seed(org: Organization) -> None:
    locations = list(Location.objects.filter(org=org, external_id__startswith="demo-loc-"))
    locations.sort(key=lambda location: location.external_id)
    patients = list(Patient.objects.filter(org=org, external_id__startswith="demo-pat-"))
    patients.sort(key=lambda patient: int(patient.external_id.rsplit("-", 1)[1]))
    if len(locations) < 2 or len(patients) < 10:
        return
    home, other = locations[0], locations[1]
    priorities = {
        d.name: d
        for d in Definition.objects.filter(org=org, category=DefinitionCategory.WAITLIST_PRIORITY)
    }
    types = {t.name: t for t in AppointmentType.objects.filter(org=org)}
    today = org.local_today()
    booking = (
        Appointment.objects.filter(
            org=org,
            external_id__startswith="demo-",
            location=home,
            status__in=BOOKING_STATUSES,
            start_at__date__gt=today + timedelta(days=7),
        )
        .order_by("start_at", "id")
        .first()
    )
    moving = booking.patient if booking is not None else patients[5]
    others = [patient for patient in patients[4:] if patient != moving]

    entry_create(
        org=org,
        patient=others[0],
        location=home,
        urgency=Urgency.URGENT,
        priority=priorities.get("High"),
        appointment_type=types.get("Crown prep"),
        source=Source.TREATMENT_PLAN,
        treatment_value=Decimal("1250.00"),
        estimated_duration_mins=90,
        note="Broken cusp, temporary filling: first crown prep opening.",
    )
    entry_create(
        org=org,
        patient=moving,
        location=home,
        location_scope=LocationMatch.SELECTED,
        additional_locations=[other],
        urgency=Urgency.SOON,
        priority=priorities.get("Normal"),
        appointment_type=booking.appointment_type if booking else types.get("Prophy"),
        appointment=booking,
        source=Source.APPOINTMENT_FLAG,
        preferred_days=[0, 1, 2],
        preferred_time_start=time(8),
        preferred_time_end=time(12),
        note="Would like an earlier morning visit, either office.",
    )
    entry_create(
        org=org,
        patient=others[1],
        location=home,
        location_scope=LocationMatch.ANY,
        urgency=Urgency.ROUTINE,
        appointment_type=types.get("Prophy"),
        source=Source.MANUAL,
        estimated_duration_mins=60,
    )
    entry_create(
        org=org,
        patient=others[2],
        location=other,
        urgency=Urgency.FLEXIBLE,
        priority=priorities.get("Low"),
        appointment_type=types.get("Perio maintenance"),
        source=Source.ONLINE,
        date_range_start=today,
        date_range_end=today + timedelta(days=60),
        preferred_time_start=time(15),
        preferred_time_end=time(18),
    )
    contacted = entry_create(
        org=org,
        patient=others[3],
        location=home,
        urgency=Urgency.SOON,
        appointment_type=types.get("New patient exam"),
        source=Source.MANUAL,
        estimated_duration_mins=60,
    )
    entry_contact(
        entry=contacted,
        actor=None,
        contact_method=ContactMethod.PHONE,
        slot_date=today + timedelta(days=1),
        slot_start_time=time(10),
        slot_location=home,
    )
    entry_response(
        entry=contacted,
        actor=None,
        patient_response=PatientResponse.DECLINED,
        contact_method=ContactMethod.PHONE,
    )
    entry_contact(
        entry=contacted,
        actor=None,
        contact_method=ContactMethod.SMS,
        slot_date=today + timedelta(days=2),
        slot_start_time=time(14),
        slot_location=home,
    )


def seed_open_opening(org: Organization, out: dict[str, Any]) -> None:
    """An open opening with matches (the demo's own cancellations come before the ASAP
    entries, so theirs have none): the patient of the first upcoming hour-long demo
    visit at the first location (within the openings' 14 days; not one an ASAP entry
    wants moved, nor one a recall is booked on) calls to cancel, and the waitlist records
    the freed time with its matches among the entries above. Runs after
    ``seed_waitlist_entries``."""
    if not Opening.objects.filter(org=org, total_matches__gt=0).exists():
        now = timezone.now()
        wanted = WaitlistEntry.objects.filter(org=org, appointment__isnull=False).values(
            "appointment"
        )
        visit = (
            Appointment.objects.filter(
                org=org,
                external_id__startswith="demo-",
                location__external_id="demo-loc-1",
                status__in=BOOKING_STATUSES,
                start_at__gt=now + timedelta(hours=2),
                start_at__lt=now + timedelta(days=13),
                recalls__isnull=True,
            )
            .alias(length=F("end_at") - F("start_at"))
            .filter(length__gte=timedelta(hours=1))  # the entries above want an hour
            .exclude(pk__in=wanted)
            .order_by("start_at", "id")
            .first()
        )
        if visit is not None:
            appointment_transition(
                appointment=visit,
                actor=None,
                base_version=visit.version,
                status=AppointmentStatus.CANCELLED,
                cancelled_by=CancelledBy.PATIENT,
                note="Patient called: can't make it, will rebook.",
            )
    out["openings"] = [
        {"id": str(uuid), "total_matches": total}
        for uuid, total in Opening.objects.filter(org=org)
        .order_by("id")
        .values_list("uuid", "total_matches")
    ]
