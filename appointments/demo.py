from datetime import time, timedelta
from typing import Any

from django.utils import timezone

from appointments.models import Appointment, AppointmentRule, AppointmentStatus, AppointmentType
from appointments.services.appointments import appointment_create
from appointments.services.conflicts import SchedulingConflict
from appointments.services.lifecycle import appointment_transition
from scheduling.models import Operatory, Organization, Patient, Provider

APPOINTMENT_TYPES = [
    # name, abbrev, colour, pattern, procedure codes
    ("New patient exam", "NP", "#00ACC1", "/XXXXXXXXX//", ["D0150", "D0210"]),
    ("Prophy", "PRO", "#7CB342", "//XXXXXXXX//", ["D0120", "D1110", "D0274"]),
    ("Perio maintenance", "PM", "#5E35B1", "//XXXXXXXXXX", ["D4910"]),
    ("Crown prep", "CRN", "#FB8C00", "//XXXXXXXXXXXXXX//", ["D2740"]),
    ("Emergency", "EM", "#E53935", "XXXXXX", []),
]


def seed_appointment_types(org: Organization, out: dict[str, Any]) -> None:
    types = []
    for order, (name, abbrev, color, pattern, codes) in enumerate(APPOINTMENT_TYPES):
        appointment_type, _ = AppointmentType.objects.get_or_create(
            org=org,
            name=name,
            status="active",
            defaults={
                "abbrev": abbrev,
                "color": color,
                "time_pattern": pattern,
                "duration_minutes": len(pattern) * 5,
                "procedure_codes_to_add": codes,
                "item_order": order,
            },
        )
        types.append(appointment_type)
    out["appointment_types"] = [
        {"id": str(t.uuid), "name": t.name, "duration_minutes": t.duration_minutes} for t in types
    ]
    # An org-wide rule: an emergency may be squeezed into a chair during a prophy.
    by_name = {t.name: t for t in types}
    low, high = sorted([by_name["Prophy"], by_name["Emergency"]], key=lambda t: t.pk)
    AppointmentRule.objects.get_or_create(
        org=org,
        appointment_type_a=low,
        appointment_type_b=high,
        location=None,
        defaults={"allow_overlap": True},
    )


#: Local wall times of the demo bookings in every chair, with the type they use.
DEMO_SLOTS = [(time(8, 0), 0), (time(9, 30), 1), (time(14, 0), 3)]
DEMO_DAYS_BEFORE, DEMO_DAYS_AFTER = 7, 7


def seed_demo_appointments(org: Organization, out: dict[str, Any]) -> None:
    """Appointments in every chair on the weekdays around today, through the services.

    Past ones are complete (their procedures with them), a few are cancelled, broken or on
    the pinboard. A slot a no-schedule blockout covers is left empty, like a front desk
    would. Seeded once: an org that has demo appointments gets no more.
    """
    if Appointment.objects.filter(org=org, external_id__startswith="demo-").exists():
        return
    types = list(AppointmentType.objects.filter(org=org, status="active").order_by("item_order"))
    patients = list(Patient.objects.filter(org=org).order_by("id"))
    providers = list(Provider.objects.filter(org=org).order_by("id"))
    operatories = list(
        Operatory.objects.filter(org=org, is_active=True).select_related("location").order_by("id")
    )
    if not (types and patients and providers and operatories):
        return
    today = timezone.localdate()
    count = 0
    for offset in range(-DEMO_DAYS_BEFORE, DEMO_DAYS_AFTER + 1):
        day = today + timedelta(days=offset)
        if day.weekday() >= 5:
            continue
        for chair_index, operatory in enumerate(operatories):
            for slot_index, (start, type_index) in enumerate(DEMO_SLOTS):
                count += 1
                appointment_type = types[type_index % len(types)]
                try:
                    appointment = appointment_create(
                        org=org,
                        actor=None,
                        location=operatory.location,
                        operatory=operatory,
                        patient=patients[count % len(patients)],
                        appointment_type=appointment_type,
                        schedule_date=day,
                        start_time=start,
                        providers=[providers[(chair_index + slot_index) % len(providers)]],
                        external_id=f"demo-{day.isoformat()}-{operatory.pk}-{slot_index}",
                    )
                except SchedulingConflict:
                    continue  # a blockout holds the slot
                _age(appointment, offset, count)
    out["appointments_seeded"] = count


def _age(appointment: Appointment, offset: int, count: int) -> None:
    """Give past appointments an outcome, and a few future ones a change of plan."""
    if offset < 0:
        status = AppointmentStatus.BROKEN if count % 13 == 0 else AppointmentStatus.COMPLETE
    elif count % 17 == 0:
        status = AppointmentStatus.CANCELLED
    elif count % 19 == 0:
        status = AppointmentStatus.PINBOARD
    else:
        return
    appointment_transition(
        appointment=appointment, actor=None, base_version=appointment.version, status=status
    )
