"""The demo practice's provider schedules and a day note (``manage.py seed_demo``)."""

from __future__ import annotations

from datetime import time, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from scheduling.models import (
    Location,
    Operatory,
    Organization,
    OverrideReason,
    ProductionGoal,
    Provider,
    ProviderScheduleTemplate,
    ScheduleNote,
)
from scheduling.schedule import services

#: Every demo provider's week at their location: Monday to Friday, with a lunch break.
WORKDAY = [(time(8, 0), time(12, 0)), (time(13, 0), time(17, 0))]


def seed_provider_schedules(org: Organization, out: dict[str, Any]) -> None:
    """Templates for each demo provider at one location (the first hygienist in the
    location's hygiene chair), a vacation day and a Saturday of extra hours in the weeks
    around today, and a note on today's calendar. Seeded once per org."""
    if ProviderScheduleTemplate.objects.filter(org=org).exists():
        return
    locations = list(Location.objects.filter(org=org).order_by("id"))
    providers = list(Provider.objects.filter(org=org, is_active=True).order_by("id"))
    if not (locations and providers):
        return
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    hygienist_placed = False
    placed: list[tuple[Provider, Location]] = []
    for index, provider in enumerate(providers):
        location = locations[index % len(locations)]
        chair = None
        if provider.is_hygienist and not hygienist_placed:
            chair = Operatory.objects.filter(org=org, location=location, is_hygiene=True).first()
            hygienist_placed = chair is not None
        for weekday in range(5):
            for start, end in WORKDAY:
                services.template_create(
                    org=org,
                    provider=provider,
                    location=location,
                    operatory=chair,
                    day_of_week=weekday,
                    start_time=start,
                    end_time=end,
                    effective_from=monday - timedelta(weeks=8),
                )
        placed.append((provider, location))
    (dentist, at), *others = placed
    services.override_create(
        org=org,
        provider=dentist,
        location=at,
        override_date=monday + timedelta(days=11),  # next week's Friday
        is_unavailable=True,
        override_reason=OverrideReason.VACATION,
        note="Family trip",
    )
    if others:
        provider, location = others[0]
        services.override_create(
            org=org,
            provider=provider,
            location=location,
            override_date=monday + timedelta(days=5),  # this week's Saturday
            start_time=time(9, 0),
            end_time=time(13, 0),
            override_reason=OverrideReason.EXTRA_HOURS,
            note="Saturday clinic",
        )
    ScheduleNote.objects.get_or_create(
        org=org,
        location=at,
        note_date=today,
        defaults={"note": f"{dentist.name} is on vacation next Friday: rebook from Monday."},
    )


# --- Production goals ---

#: A demo provider's daily goal: a dentist's day produces more than a hygienist's.
DENTIST_GOAL, HYGIENIST_GOAL = Decimal("3200.00"), Decimal("1400.00")
#: Goals cover last week, this week and next week, like the demo appointments.
GOAL_WEEKS = range(-1, 2)


def seed_production_goals(org: Organization, out: dict[str, Any]) -> None:
    """A goal for each demo provider at the location they work at (their templates) on
    each weekday of the weeks around today. Only days without a goal get one, so running
    again adds nothing (or only the days a new week brought) and keeps amounts changed
    since."""
    pairs = {
        (template.provider, template.location)
        for template in ProviderScheduleTemplate.objects.filter(org=org).select_related(
            "provider", "location"
        )
    }
    if not pairs:
        return
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    days = [monday + timedelta(weeks=week, days=n) for week in GOAL_WEEKS for n in range(5)]
    existing = set(
        ProductionGoal.objects.filter(org=org, goal_date__in=days).values_list(
            "provider_id", "location_id", "goal_date"
        )
    )
    for provider, location in sorted(pairs, key=lambda pair: (pair[0].pk, pair[1].pk)):
        amount = HYGIENIST_GOAL if provider.is_hygienist else DENTIST_GOAL
        for day in days:
            if (provider.pk, location.pk, day) not in existing:
                services.production_goal_create(
                    org=org, provider=provider, location=location, goal_date=day, goal_amount=amount
                )
