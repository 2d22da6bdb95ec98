from typing import Any

from appointments.models import AppointmentType
from recalls.models import RecallType
from scheduling.models import Organization

RECALL_TYPES = [
    ("Prophy", "Adult cleaning and periodic exam", "Prophy", {"months": 6}),
    ("Perio maintenance", "Periodontal maintenance", "Perio maintenance", {"months": 3}),
    ("Bitewings", "Bitewing radiographs", None, {"years": 1}),
]


def seed_recall_types(org: Organization, out: dict[str, Any]) -> None:
    types = []
    for order, (name, description, appointment_type_name, interval) in enumerate(RECALL_TYPES):
        appointment_type = (
            AppointmentType.objects.filter(org=org, name=appointment_type_name).first()
            if appointment_type_name
            else None
        )
        recall_type, _ = RecallType.objects.get_or_create(
            org=org,
            name=name,
            defaults={
                "description": description,
                "appointment_type": appointment_type,
                "default_interval": interval,
                "item_order": order,
            },
        )
        types.append(recall_type)
    out["recall_types"] = [{"id": str(t.uuid), "name": t.name} for t in types]
