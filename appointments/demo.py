from typing import Any

from appointments.models import AppointmentType
from scheduling.models import Organization

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
