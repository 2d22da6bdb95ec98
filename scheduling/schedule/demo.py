"""The demo practice's provider schedules and a day note (``manage.py seed_demo``)."""

from __future__ import annotations

from datetime import time, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from scheduling.access import Access
from scheduling.demo import demo_username
from scheduling.models import (
    ContactMethod,
    Location,
    Membership,
    Operatory,
    Organization,
    OverrideReason,
    Patient,
    PatientPreference,
    ProductionGoal,
    Provider,
    ProviderScheduleTemplate,
    SavedSearch,
    ScheduleNote,
    ScheduleView,
    User,
    ViewType,
    ViewVisibility,
)
from scheduling.schedule import services
from scheduling.schedule.view_layouts import PRESET_TEMPLATES

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


# --- Schedule views ----------------------------------------------------------------------


def seed_schedule_views(org: Organization, out: dict[str, Any]) -> None:
    """Two views at the first location, made by the demo admin through the services: a
    shared day of every chair (the practice's, on Ctrl+1 for the admin) and the admin's
    own hygiene week (their default there). Seeded once per org."""
    if ScheduleView.objects.filter(org=org).exists():
        return
    location = Location.objects.filter(org=org).order_by("id").first()
    membership = Membership.objects.filter(
        org=org, user__username=demo_username(org, "token")
    ).first()
    if location is None or membership is None:
        return
    access = Access(org, membership)
    chairs = list(Operatory.objects.filter(org=org, location=location, is_active=True))
    providers = list(Provider.objects.filter(org=org, is_active=True).order_by("id"))
    templates = {template["key"]: template for template in PRESET_TEMPLATES}
    day = services.schedule_view_create(
        access=access,
        location=location,
        name="All chairs",
        visibility=ViewVisibility.SHARED,
        time_increment=10,
        operatories=chairs,
        providers=providers,
        **_layouts(templates["standard"]),
    )
    hygiene = services.schedule_view_create(
        access=access,
        location=location,
        name="My hygiene week",
        view_type=ViewType.WEEKLY,
        time_increment=15,
        start_time=time(7, 0),
        end_time=time(16, 0),
        operatories=[chair for chair in chairs if chair.is_hygiene] or chairs[:1],
        providers=[provider for provider in providers if provider.is_hygienist],
        **_layouts(templates["hygiene"]),
    )
    services.schedule_view_set_shortcut(access=access, view=day, shortcut=1)
    services.schedule_view_set_default(access=access, view=hygiene)


def _layouts(template: dict) -> dict:
    return {name: template[name] for name in ("card_layout", "bubble_layout", "color_config")}


# --- Saved searches and patient preferences ---

DEMO_SEARCH_NAME = "Hour-long mornings"


def seed_saved_searches_and_preferences(org: Organization, out: dict[str, Any]) -> None:
    """The demo admin's default free-time search (an hour in the mornings with the first
    dentist at the first location), and the preferences of the first three demo patients
    (a dentist on Monday and Wednesday mornings, a chair on Friday afternoons, a
    hygienist). Only what is missing is added: the search by name, a preference per
    patient, so running again adds nothing and keeps what was changed since."""
    admin = User.objects.filter(username=demo_username(org, "token")).first()
    location = Location.objects.filter(org=org).order_by("id").first()
    providers = list(Provider.objects.filter(org=org, is_active=True).order_by("id"))
    patients = list(Patient.objects.filter(org=org).order_by("id")[:3])
    if admin is None or location is None or not providers or not patients:
        return
    dentist = next((p for p in providers if not p.is_hygienist), providers[0])
    hygienist = next((p for p in providers if p.is_hygienist), dentist)
    if not SavedSearch.objects.filter(org=org, user=admin, name=DEMO_SEARCH_NAME).exists():
        services.saved_search_create(
            org=org,
            user=admin,
            name=DEMO_SEARCH_NAME,
            criteria={
                "location_uuid": str(location.uuid),
                "provider_uuids": [str(dentist.uuid)],
                "duration_minutes": 60,
                "time_from": "08:00",
                "time_to": "12:00",
            },
            is_default=not SavedSearch.objects.filter(
                org=org, user=admin, search_type=services.DEFAULT_SEARCH_TYPE, is_default=True
            ).exists(),
        )
    chair = (
        Operatory.objects.filter(org=org, location=location, is_active=True).order_by("id").first()
    )
    wishes = [
        {
            "preferred_provider": dentist,
            "preferred_days": [0, 2],
            "preferred_time_start": time(8, 0),
            "preferred_time_end": time(12, 0),
            "preferred_contact_method": ContactMethod.SMS,
            "notes": "Mornings, before work.",
        },
        {
            "preferred_operatory": chair,
            "preferred_days": [4],
            "preferred_time_start": time(14, 0),
            "preferred_contact_method": ContactMethod.EMAIL,
            "notes": "After school on Fridays; likes the window chair.",
        },
        {
            "preferred_provider": hygienist,
            "preferred_contact_method": ContactMethod.PHONE,
            "notes": "Call, do not text.",
        },
    ]
    existing = set(
        PatientPreference.objects.filter(org=org, patient__in=patients).values_list(
            "patient_id", flat=True
        )
    )
    for patient, wish in zip(patients, wishes, strict=False):
        if patient.pk not in existing:
            services.patient_preference_create(org=org, patient=patient, **wish)
