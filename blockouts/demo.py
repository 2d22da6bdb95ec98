"""The demo practice's blockout types, blockouts in the weeks around today, and a template."""

from datetime import time, timedelta
from typing import Any

from django.utils import timezone

from blockouts.models import BlockoutTemplate, BlockoutTemplateItem, BlockoutType
from blockouts.services import blockouts_create
from scheduling.models import Location, Operatory, Organization
from scheduling.timezones import zone

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


LUNCH = ("Lunch", time(12, 0), time(13, 0))
STAFF_MEETING = ("Staff meeting", time(7, 0), time(8, 0))
CROWNS_ONLY = ("Crowns only", time(14, 0), time(17, 0))
TEMPLATE_NAME = "Standard day"


def seed_blockouts(org: Organization, out: dict[str, Any]) -> None:
    """Lunch on the weekdays of this week and next, a staff meeting, a crowns-only chair,
    and one template, at the first location, in the weeks around today.

    Made through the create service, which skips blockouts that exist already, so a
    second run on the same day adds nothing.
    """
    location = Location.objects.get(org=org, uuid=out["locations"][0]["id"])
    types = {t.name: t for t in BlockoutType.objects.filter(org=org, status="active")}
    first_chair = Operatory.objects.filter(org=org, location=location).order_by("item_order")[0]
    today = timezone.now().astimezone(zone(location.timezone)).date()
    monday = today - timedelta(days=today.weekday())

    def block(name, start, end, day, operatories=(), note=""):
        blockouts_create(
            org=org,
            location=location,
            blockout_type=types[name],
            schedule_date=day,
            start_time=start,
            end_time=end,
            operatories=operatories,
            note=note,
        )

    for day in (monday + timedelta(days=n) for n in (*range(5), *range(7, 12))):
        block(*LUNCH, day)
    block(*STAFF_MEETING, monday + timedelta(days=1), note="Monthly team huddle")
    block(*CROWNS_ONLY, monday + timedelta(days=3), operatories=[first_chair])

    template, _ = BlockoutTemplate.objects.get_or_create(
        org=org,
        name=TEMPLATE_NAME,
        location=location,
        defaults={"description": "Lunch for everyone, crowns in the first chair after lunch."},
    )
    for order, (name, start, end, operatory) in enumerate(
        [(*LUNCH, None), (*CROWNS_ONLY, first_chair)]
    ):
        BlockoutTemplateItem.objects.get_or_create(
            org=org,
            template=template,
            blockout_type=types[name],
            operatory=operatory,
            start_time=start,
            end_time=end,
            defaults={"item_order": order},
        )
    out["blockout_templates"] = [{"id": str(template.uuid), "name": template.name}]
