"""Demo recall types and their triggers, and patients' recalls around today
(``seed_demo``), created once per org."""

from datetime import timedelta
from typing import Any

from appointments.models import Appointment, AppointmentStatus, AppointmentType
from appointments.services.events import BOOKING_STATUSES, AppointmentEvent
from recalls import engine
from recalls.models import PatientRecall, RecallTrigger, RecallType
from scheduling.models import Organization, Patient, ProcedureCode
from scheduling.timezones import day_start, zone

RECALL_TYPES = [
    # name, description, appointment type, interval, triggering procedure codes
    (
        "Prophy",
        "Adult cleaning and periodic exam",
        "Prophy",
        {"months": 6},
        ["D1110", "D0120"],
    ),
    ("Perio Maintenance", "Periodontal maintenance", "Perio maintenance", {"months": 3}, ["D4910"]),
    ("Bitewings", "Bitewing radiographs", "Prophy", {"months": 12}, ["D0274"]),
]


def seed_recall_types(org: Organization, out: dict[str, Any]) -> None:
    types = []
    for order, (name, description, appointment_type_name, interval, codes) in enumerate(
        RECALL_TYPES
    ):
        appointment_type = AppointmentType.objects.filter(
            org=org, name=appointment_type_name
        ).first()
        # Case aside, as the constraint compares names (an older demo said "maintenance").
        recall_type, _ = RecallType.objects.get_or_create(
            org=org,
            name__iexact=name,
            defaults={
                "name": name,
                "description": description,
                "appointment_type": appointment_type,
                "default_interval": interval,
                "item_order": order,
            },
        )
        for code in ProcedureCode.objects.filter(org=org, code__in=codes):
            RecallTrigger.objects.get_or_create(
                org=org, recall_type=recall_type, procedure_code=code
            )
        types.append(recall_type)
    out["recall_types"] = [{"id": str(t.uuid), "name": t.name} for t in types]


#: Perio maintenance recalls, as days from today to ``date_due`` (None: switched off). The
#: demo books no perio maintenance, so nothing links them: they stay due or overdue.
PERIO_DUE_IN_DAYS = [-45, -10, 5, 40, None]


def seed_patient_recalls(org: Organization, out: dict[str, Any]) -> None:
    """Patients' recalls around today, so the recall lists show every status.

    Perio maintenance: two overdue, two due, one disabled. Prophy, through the engine as
    the front desk would get them: a cycle due on a past completed demo visit, which the
    completion closes (``completed``) and follows with the next one; and a cycle coming
    due for the patient of the next prophy booking, which the booking links
    (``scheduled``). Runs after ``seed_demo_appointments`` (recalls come after
    appointments in INSTALLED_APPS). Seeded once: an org with patient recalls gets no more.
    """
    if PatientRecall.objects.filter(org=org).exists():
        return
    types = {t.name: t for t in RecallType.objects.filter(org=org)}
    patients = list(Patient.objects.filter(org=org).order_by("id"))
    perio, prophy = types.get("Perio Maintenance"), types.get("Prophy")
    if not (perio and prophy and len(patients) >= len(PERIO_DUE_IN_DAYS)):
        return
    today = org.local_today()
    PatientRecall.objects.bulk_create(
        PatientRecall(
            org=org,
            patient=patient,
            recall_type=perio,
            date_previous=today + timedelta(days=(days or 0) - 91),
            date_due=None if days is None else today + timedelta(days=days),
            is_disabled=days is None,
        )
        for patient, days in zip(patients, PERIO_DUE_IN_DAYS, strict=False)
    )

    demo_prophy = Appointment.objects.filter(
        org=org, external_id__startswith="demo-", appointment_type=prophy.appointment_type
    ).select_related("org", "location")
    today_starts = day_start(today, org.local_timezone())
    past = (
        demo_prophy.filter(status=AppointmentStatus.COMPLETE, start_at__lt=today_starts)
        .order_by("-start_at", "id")
        .first()
    )
    if past is not None:
        visit_day = past.start_at.astimezone(zone(past.location.timezone)).date()
        _open(org, past.patient_id, prophy, due=visit_day)
        engine.on_appointment_event(AppointmentEvent.COMPLETED, [past])
    upcoming = demo_prophy.filter(status__in=BOOKING_STATUSES, start_at__gte=today_starts)
    if past is not None:  # another patient: that one's next cycle may be linked already
        upcoming = upcoming.exclude(patient_id=past.patient_id)
    upcoming = upcoming.order_by("start_at", "id").first()
    if upcoming is not None:
        _open(org, upcoming.patient_id, prophy, due=today + timedelta(days=3))
        engine.on_appointment_event(AppointmentEvent.BOOKED, [upcoming])


def _open(org: Organization, patient_id: int, recall_type: RecallType, *, due) -> None:
    previous = engine.add_interval(due, {"months": -6})
    PatientRecall.objects.create(
        org=org,
        patient_id=patient_id,
        recall_type=recall_type,
        date_previous=previous,
        date_due=due,
    )
