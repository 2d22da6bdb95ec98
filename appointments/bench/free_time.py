"""The free-time search's scene in the bench org: a busy location over two weeks to come.

A location of its own ("Bench free time", external ids ``bench-ft-…``) with 6 chairs and
10 providers who work weekdays 08:00–12:00 and 13:00–17:00 (half of them in a chair of
their own, half in any), about 1,000 live appointments (one provider each) and 200
blockouts (a location-wide lunch and chair blockouts, some of them no-schedule) over the
14 days from the second Monday ahead. Built once and reused while its window holds; a
new window (a week later) rebuilds the appointments and blockouts, and a broken scene is
rebuilt whole. The bench's own chairs and providers leave these out (``SCENE``), so the
other figures measure what they always measured.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from datetime import time as wall_time
from urllib.parse import urlencode

from django.db import transaction
from django.utils import timezone

from appointments.bench.client import Call
from appointments.bench.loading import replace_templates, scene_chair, scene_provider
from appointments.models import Appointment, AppointmentProvider, AppointmentType
from blockouts.models import Blockout, BlockoutType
from scheduling.models import (
    Location,
    Operatory,
    Organization,
    Patient,
    Provider,
    ProviderScheduleTemplate,
)
from scheduling.timezones import to_utc

SCENE = "bench-ft-"  # external_id prefix of the scene's location, chairs and providers
NAME = "Bench free time"
TIMEZONE = "America/Chicago"
DAYS = 14
CHAIRS = 6
PROVIDERS = 10
APPOINTMENTS = 1000
BLOCKOUTS = 200
#: The providers' weekday hours (two templates each: morning and afternoon).
HOURS = [(wall_time(8), wall_time(12)), (wall_time(13), wall_time(17))]
#: A chair's day: appointments from 07:30 to 18:30 of these lengths (minutes), cycled,
#: each after the gap before it: a busy day with an hour free now and then.
LENGTHS = [20, 30, 20, 40, 20, 30, 30, 20]
GAPS = [0, 10, 0, 60, 0, 10, 0, 20]
DAY_START, DAY_END = 7 * 60 + 30, 18 * 60 + 30


def window(today: date | None = None) -> tuple[date, date]:
    """The 14 days from the second Monday ahead: clear of the demo's bookings (today ± a
    week), and the same window all week long."""
    today = today or timezone.localdate()
    next_monday = today + timedelta(days=(7 - today.weekday()) % 7 or 7)
    first = next_monday + timedelta(days=7)
    return first, first + timedelta(days=DAYS - 1)


class Scene:
    """The scene of one bench org; ``ensure`` builds what is missing, ``call`` is the
    timed search."""

    booked: int  # live appointments in the window
    blocked: int  # blockouts in the window

    def __init__(self, org: Organization, patients: list[Patient], say):
        self.org, self.patients, self.say = org, patients, say
        self.first, self.last = window()

    # --- building --------------------------------------------------------------------

    def ensure(self) -> None:
        with transaction.atomic():
            self.location, _ = Location.objects.get_or_create(
                org=self.org,
                external_id=f"{SCENE}location",
                defaults={"name": NAME, "timezone": TIMEZONE},
            )
            self.chairs = [self._chair(n) for n in range(CHAIRS)]
            self.providers = [self._provider(n) for n in range(PROVIDERS)]
            self._templates()
            plan = self._plan()
            booked = self._appointments().filter(start_at__gte=self._at(self.first, 0)).count()
            blocked = Blockout.objects.filter(org=self.org, location=self.location).count()
            self.booked = len(plan)
            if booked == len(plan) and blocked == BLOCKOUTS:
                self.blocked = blocked
                self.say(f"reusing the free-time scene ({self.first} … {self.last})")
                return
            self.say(f"building the free-time scene ({self.first} … {self.last}) ...")
            AppointmentProvider.objects.filter(
                org=self.org, appointment__location=self.location
            ).delete()
            self._appointments().delete()
            Blockout.objects.filter(org=self.org, location=self.location).delete()
            self._book(plan)
            self.blocked = self._block()

    def _chair(self, n: int) -> Operatory:
        return scene_chair(self.org, self.location, SCENE, n, f"FT Op {n + 1}")

    def _provider(self, n: int) -> Provider:
        last_name = ("Ito", "Moreau", "Patel", "Quinn", "Rossi")[n % 5]
        return scene_provider(
            self.org, SCENE, n, first_name=f"Free{n}", last_name=last_name, hygienist=n % 2 == 1
        )

    def _templates(self) -> None:
        replace_templates(
            self.org,
            self.location,
            [
                ProviderScheduleTemplate(
                    org=self.org,
                    provider=provider,
                    location=self.location,
                    # Even providers keep to a chair of their own, odd ones use any.
                    operatory=self.chairs[n % CHAIRS] if n % 2 == 0 else None,
                    day_of_week=weekday,
                    start_time=start,
                    end_time=end,
                    effective_from=date(2020, 1, 1),
                )
                for n, provider in enumerate(self.providers)
                for weekday in range(5)
                for start, end in HOURS
            ],
        )

    def _appointments(self):
        return Appointment.objects.filter(org=self.org, location=self.location)

    def _weekdays(self) -> list[date]:
        days = (self.first + timedelta(days=n) for n in range(DAYS))
        return [day for day in days if day.weekday() < 5]

    def _plan(self) -> list[tuple[date, Operatory, int, int, int]]:
        """``(day, chair, chair index, start minute, length)`` of each appointment: every
        chair's weekdays filled from 07:30 with the cycled lengths and gaps, until the
        scene holds its appointments (about 17 a chair a day)."""
        rows: list[tuple[date, Operatory, int, int, int]] = []
        lengths, gaps = itertools.cycle(LENGTHS), itertools.cycle(GAPS)
        for day in self._weekdays():
            for index, chair in enumerate(self.chairs):
                minute = DAY_START
                while len(rows) < APPOINTMENTS:
                    minute += next(gaps)
                    length = next(lengths)
                    if minute + length > DAY_END:
                        break
                    rows.append((day, chair, index, minute, length))
                    minute += length
        return rows

    def _book(self, rows: list[tuple[date, Operatory, int, int, int]]) -> None:
        types = list(AppointmentType.objects.filter(org=self.org, status="active"))
        appointments = Appointment.objects.bulk_create(
            Appointment(
                org=self.org,
                location=self.location,
                operatory=chair,
                patient=self.patients[(n * 7919) % len(self.patients)],
                appointment_type=types[n % len(types)] if types else None,
                start_at=self._at(day, minute),
                end_at=self._at(day, minute + length),
                external_id=f"{SCENE}{day.isoformat()}-{n}",
            )
            for n, (day, chair, _index, minute, length) in enumerate(rows)
        )
        AppointmentProvider.objects.bulk_create(
            AppointmentProvider(
                org=self.org,
                appointment=appointment,
                provider=self.providers[(index + n) % PROVIDERS],
            )
            for n, (appointment, (_day, _chair, index, _minute, _length)) in enumerate(
                zip(appointments, rows, strict=True)
            )
        )

    def _block(self) -> int:
        """A location-wide no-schedule lunch each weekday, the rest chair blockouts of 10–30
        minutes through the day, every third no-schedule."""
        kinds = list(BlockoutType.objects.filter(org=self.org, status="active"))
        blocking = next((k for k in kinds if k.is_no_schedule), None)
        informing = next((k for k in kinds if not k.is_no_schedule), None)
        if blocking is None or informing is None:
            return 0  # the demo's types make both
        weekdays = self._weekdays()
        rows = [(day, None, 12 * 60, 60, blocking) for day in weekdays]
        n = 0
        while len(rows) < BLOCKOUTS:
            day = weekdays[n % len(weekdays)]
            chair = self.chairs[n % CHAIRS]
            start = 8 * 60 + (n * 47) % (9 * 60)
            kind = blocking if n % 3 == 0 else informing
            rows.append((day, chair, start, 10 + (n % 3) * 10, kind))
            n += 1
        return len(
            Blockout.objects.bulk_create(
                Blockout(
                    org=self.org,
                    location=self.location,
                    operatory=chair,
                    blockout_type=kind,
                    schedule_date=day,
                    start_time=self._wall(start),
                    end_time=self._wall(start + length),
                    start_at=self._at(day, start),
                    end_at=self._at(day, start + length),
                )
                for day, chair, start, length, kind in rows
            )
        )

    @staticmethod
    def _wall(minute: int) -> wall_time:
        return wall_time(minute // 60, minute % 60)

    def _at(self, day: date, minute: int) -> datetime:
        return to_utc(day, self._wall(minute), TIMEZONE)

    # --- the timed request -------------------------------------------------------------

    def query(self) -> str:
        """The search the bench times: an hour for any provider in any chair, every start
        on the quarter hour, over the whole 14 days (``limit`` high enough that the search
        goes through every day: the most it ever reads and computes)."""
        return urlencode(
            {
                "location_uuid": str(self.location.uuid),
                "date_from": self.first.isoformat(),
                "date_to": self.last.isoformat(),
                "duration_minutes": 60,
                "increment_minutes": 15,
                "limit": 500,
            }
        )

    def call(self, run: int) -> Call:
        return Call("GET", f"schedule/free-time?{self.query()}", check=_found_slots)


def _found_slots(body: dict) -> str | None:
    return None if body.get("slots") else "no free slot found in the scene"
