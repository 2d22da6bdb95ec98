"""Patients' scheduling preferences learned from their completed appointments
(``manage.py learn_preferences``).

What a practice would read off a patient's chart, from their completed visits (status
``complete``, with a time), each at its location's wall clock:

- nothing, below ``MIN_VISITS`` visits: a habit shows after a few recalls, not one;
- the provider: the one on the most visits, if on at least half of them (and two), and
  still active; of two as frequent, the one seen last;
- the operatory: the same rule, for chairs;
- the weekdays: each day with at least a third of the visits (and two); none may qualify
  (a patient who comes any day has no preferred day);
- the time window: from the 25th percentile of the visits' local start times, rounded
  down to the quarter hour, to the 75th percentile of their local end times, rounded up
  (nearest-rank percentiles): where most visits fall, a typical visit fitting inside.

Contact method and notes are not learned. The history is read in two statements (the
visits with their location's zone and chair, then their active providers), the rest is
computed here, and ``preferences_apply_learned`` writes it in a few more: it creates
what patients lack, updates what was learned before and never touches a preference a
person entered. Dependencies point one way: this app reads appointments and writes the
``scheduling`` app's preferences; the scheduling app knows nothing of appointments.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, time

from appointments.models import Appointment, AppointmentProvider, AppointmentStatus
from scheduling.models import Organization
from scheduling.schedule.preferences import LearnedPreference
from scheduling.schedule.services import LearnSummary, preferences_apply_learned
from scheduling.timezones import to_local

#: Completed visits needed before anything is learned.
MIN_VISITS = 3
#: A provider or chair is preferred on at least this share of the visits; a weekday on at
#: least ``DAY_SHARE``; each on at least ``MIN_REPEATS`` visits.
CHOICE_SHARE = 1 / 2
DAY_SHARE = 1 / 3
MIN_REPEATS = 2
#: The window's ends are rounded outwards to this many seconds (a quarter hour).
QUARTER_HOUR = 15 * 60
LAST_WALL_TIME = time(23, 59)


@dataclass
class Visit:
    """One completed appointment, as learning reads it."""

    start: datetime  # local wall clock at the location
    end: datetime
    operatory_id: int | None  # None: no chair, or an inactive one
    provider_ids: set[int] = field(default_factory=set)  # active providers only


@dataclass
class LearningResult:
    summary: LearnSummary
    learned: int  # patients with enough history
    too_little_history: int  # patients with completed visits, but fewer than MIN_VISITS


def preferences_learn(*, org: Organization) -> LearningResult:
    """Learn every patient's preference from their history and store it (see the module)."""
    visits = completed_visits(org)
    learned = [learn(patient_id, own) for patient_id, own in visits.items()]
    found = [item for item in learned if item is not None]
    summary = preferences_apply_learned(org=org, learned=found)
    return LearningResult(summary, len(found), len(learned) - len(found))


def completed_visits(org: Organization) -> dict[int, list[Visit]]:
    """Each patient's completed visits, oldest first (two statements for the whole org)."""
    rows = (
        Appointment.objects.filter(
            org=org,
            status=AppointmentStatus.COMPLETE,
            start_at__isnull=False,
            end_at__isnull=False,
        )
        .order_by("start_at", "id")
        .values_list(
            "id",
            "patient_id",
            "operatory_id",
            "operatory__is_active",
            "start_at",
            "end_at",
            "location__timezone",
        )
    )
    by_appointment: dict[int, Visit] = {}
    by_patient: dict[int, list[Visit]] = defaultdict(list)
    for pk, patient_id, operatory_id, operatory_active, start, end, zone in rows:
        visit = Visit(
            start=to_local(start, zone),
            end=to_local(end, zone),
            operatory_id=operatory_id if operatory_active else None,
        )
        by_appointment[pk] = visit
        by_patient[patient_id].append(visit)
    providers = AppointmentProvider.objects.filter(
        org=org,
        appointment__status=AppointmentStatus.COMPLETE,
        provider__is_active=True,
    ).values_list("appointment_id", "provider_id")
    for appointment_id, provider_id in providers:
        visit = by_appointment.get(appointment_id)
        if visit is not None:
            visit.provider_ids.add(provider_id)
    return by_patient


def learn(patient_id: int, visits: list[Visit]) -> LearnedPreference | None:
    """What ``visits`` (oldest first) say the patient prefers; None below ``MIN_VISITS``."""
    count = len(visits)
    if count < MIN_VISITS:
        return None
    start, end = window(visits)
    return LearnedPreference(
        patient_id=patient_id,
        provider_id=favourite([v.provider_ids for v in visits], count),
        operatory_id=favourite([{v.operatory_id} - {None} for v in visits], count),
        days=preferred_days(visits),
        time_start=start,
        time_end=end,
        visits=count,
    )


def favourite(per_visit: list[set[int]], count: int) -> int | None:
    """The id on the most visits, if on at least ``CHOICE_SHARE`` of them (and
    ``MIN_REPEATS``); of two as frequent, the one on the later visit."""
    seen: Counter[int] = Counter()
    last: dict[int, int] = {}
    for index, ids in enumerate(per_visit):
        for pk in ids:
            seen[pk] += 1
            last[pk] = index
    if not seen:
        return None
    best = max(seen, key=lambda pk: (seen[pk], last[pk]))
    return best if seen[best] >= max(MIN_REPEATS, math.ceil(count * CHOICE_SHARE)) else None


def preferred_days(visits: list[Visit]) -> tuple[int, ...]:
    """Weekdays (0 = Monday) with at least ``DAY_SHARE`` of the visits (and two)."""
    days = Counter(visit.start.weekday() for visit in visits)
    needed = max(MIN_REPEATS, math.ceil(len(visits) * DAY_SHARE))
    return tuple(sorted(day for day, seen in days.items() if seen >= needed))


def window(visits: list[Visit]) -> tuple[time, time]:
    """From the 25th percentile of local starts (down to the quarter hour) to the 75th of
    local ends (up to the quarter hour; a visit ending after midnight ends at 24:00)."""
    starts = sorted(_seconds(visit.start) for visit in visits)
    ends = sorted(
        _seconds(visit.end) if visit.end.date() == visit.start.date() else 24 * 3600
        for visit in visits
    )
    first = _percentile(starts, 0.25) // QUARTER_HOUR * QUARTER_HOUR
    last = -(-_percentile(ends, 0.75) // QUARTER_HOUR) * QUARTER_HOUR
    return _wall_time(first), _wall_time(last)


def _seconds(moment: datetime) -> int:
    return moment.hour * 3600 + moment.minute * 60 + moment.second


def _percentile(ordered: list[int], share: float) -> int:
    """The nearest-rank percentile of a sorted, non-empty list."""
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _wall_time(seconds: int) -> time:
    if seconds >= 24 * 3600:
        return LAST_WALL_TIME
    return time(seconds // 3600, seconds % 3600 // 60)
