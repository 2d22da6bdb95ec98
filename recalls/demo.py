"""Demo recall types and their triggers (``seed_demo``), created once per org."""

from typing import Any

from appointments.models import AppointmentType
from recalls.models import RecallTrigger, RecallType
from scheduling.models import Organization, ProcedureCode

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
