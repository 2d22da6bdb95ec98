from typing import Any

from blockouts.models import BlockoutType
from scheduling.models import Organization

BLOCKOUT_TYPES = [
    # name, abbreviation, colour, no-schedule, do-not-copy, holiday
    ("Lunch", "LUN", "#BDBDBD", True, False, False),
    ("Staff meeting", "MTG", "#8D6E63", True, False, False),
    ("Crowns only", "CRN", "#FFB300", False, False, False),
    ("Emergency hold", "EMR", "#E53935", False, True, False),
    ("Holiday", "HOL", "#26A69A", True, True, True),
]


def seed_blockout_types(org: Organization, out: dict[str, Any]) -> None:
    types = []
    for order, (name, abbrev, color, no_schedule, do_not_copy, holiday) in enumerate(
        BLOCKOUT_TYPES
    ):
        blockout_type, _ = BlockoutType.objects.get_or_create(
            org=org,
            name=name,
            defaults={
                "abbreviation": abbrev,
                "color": color,
                "is_no_schedule": no_schedule,
                "is_do_not_copy": do_not_copy,
                "is_holiday": holiday,
                "item_order": order,
            },
        )
        types.append(blockout_type)
    out["blockout_types"] = [
        {
            "id": str(t.uuid),
            "name": t.name,
            "is_no_schedule": t.is_no_schedule,
            "is_do_not_copy": t.is_do_not_copy,
        }
        for t in types
    ]
