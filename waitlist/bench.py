"""The waitlist's scene of ``make bench`` (``appointments.bench.scenes``).

A location of its own ("Bench waitlist", America/Chicago, external ids
``bench-scene-wl-…``) with four chairs and a dentist, and 5,000 active ASAP entries of the
bench practice's patients (who hold its five years of appointments, so quick-fill's
"already booked" test reads real schedules): for each patient an entry for each of the
first two appointment types, homed at the scene's location, or reaching it with
``any`` or ``selected``; every urgency, the demo's priorities, date ranges, preferred
days and hours and lengths of all kinds, so that about a third of them match the timed
opening (a weekday morning hour ten days ahead, with the dentist) and the rest fail one
criterion or another. Loaded once by COPY and reused while all 5,000 are there.

Timed over HTTP: ``POST /waitlist/quick-fill`` for that opening (the issue's target:
50 ms median), and ``POST /appointments/{id}/cancel`` of appointments in the scene's
chairs: a few days ahead, where the cancellation records an opening with its quick-fill
matches among the 5,000, and a month ahead (beyond the 14 days), where it records none
(the target: the first at most twice the second). Each cancel takes an appointment booked
for it when the scene is ensured; what they leave (the appointments, the openings) is
deleted after the run.
"""

from __future__ import annotations

import threading
from datetime import date, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from appointments.bench.client import BenchError, Call
from appointments.bench.data import PRACTICE_PATIENTS
from appointments.bench.loading import (
    analyze,
    copy_rows,
    delete_appointments,
    next_ids,
    scene_chair,
    scene_provider,
)
from appointments.bench.report import Row, Target
from appointments.bench.scenes import APP_SCENES, Figures, Say, Timed, TimeStatement, register_scene
from appointments.models import Appointment, AppointmentProvider, AppointmentStatus, AppointmentType
from scheduling.models import Definition, DefinitionCategory, Location, Organization, Patient
from scheduling.timezones import to_utc
from waitlist.models import (
    EntryStatus,
    LocationMatch,
    Opening,
    Urgency,
    WaitlistEntry,
    WaitlistEntryLocation,
)

SCENE = f"{APP_SCENES}wl-"
NAME = "Bench waitlist"
TIMEZONE = "America/Chicago"
CHAIRS = 4
ENTRIES = 5_000
TYPES = 2  # entries per patient: one for each of the org's first two appointment types
#: The timed opening: ten days ahead (moved to a Tuesday), 10:00–11:00.
OPENING_IN_DAYS = 10
OPENING = (time(10), time(11))
#: The cancelled appointments: from this many days ahead (an opening: within the 14 days
#: of ``waitlist.openings.HORIZON``) and from this many (beyond them: none), 30 minutes in
#: the scene's chairs from 08:00.
CANCEL_NEAR_DAYS, CANCEL_FAR_DAYS = 2, 30
CANCEL_SLOTS = [time(h, m) for h in range(8, 17) for m in (0, 30)]
CANCEL_LENGTH = timedelta(minutes=30)
URGENCIES = [Urgency.URGENT, Urgency.SOON, Urgency.ROUTINE, Urgency.FLEXIBLE]
ACTIVE = (EntryStatus.WAITING, EntryStatus.CONTACTED)
#: Any day, weekdays, or Mondays and Fridays only (not the opening's Tuesday).
PREFERRED_DAYS = [[], [], [0, 1, 2, 3, 4], [0, 4], []]


def opening_day(today: date) -> date:
    day = today + timedelta(days=OPENING_IN_DAYS)
    return day + timedelta(days=(1 - day.weekday()) % 7)  # a Tuesday


class WaitlistScene:
    def __init__(self, org: Organization, say: Say, *, repeat: int, entries: int = ENTRIES):
        self.org, self.say = org, say
        self.entry_count = entries
        self.recorded = self.kept = 0
        # Each timed cancel uses an appointment up: the runs, the query counts, a margin.
        self.cancels_needed = repeat + 10
        self._lock = threading.Lock()

    # --- data -------------------------------------------------------------------------

    def ensure(self) -> None:
        with transaction.atomic():
            self.location, _ = Location.objects.get_or_create(
                org=self.org,
                external_id=f"{SCENE}location",
                defaults={"name": NAME, "timezone": TIMEZONE},
            )
            self.chairs = [
                scene_chair(self.org, self.location, SCENE, n, f"WL Op {n + 1}")
                for n in range(CHAIRS)
            ]
            self.dentist = scene_provider(
                self.org, SCENE, 0, first_name="Wendy", last_name="Lister", hygienist=False
            )
            self.types = list(
                AppointmentType.objects.filter(org=self.org, status="active").order_by(
                    "item_order", "id"
                )[:TYPES]
            )
            self.elsewhere = (
                Location.objects.filter(org=self.org)
                .exclude(pk=self.location.pk)
                .order_by("id")
                .first()
            )
            if len(self.types) < TYPES or self.elsewhere is None:
                raise BenchError("the bench org lacks the demo's appointment types or locations")
            mine = WaitlistEntry.objects.filter(org=self.org, note__startswith=SCENE)
            if mine.filter(status__in=ACTIVE).count() == self.entry_count:
                self.say(f"reusing the waitlist scene's {self.entry_count:,} ASAP entries")
            else:
                self.say(f"loading {self.entry_count:,} ASAP entries ...")
                mine.delete()
                self._load()
        analyze(WaitlistEntry, WaitlistEntryLocation)
        self.day = opening_day(self.org.local_today())
        self.cleanup()
        self.to_cancel = {
            "near": iter(self._book("near", CANCEL_NEAR_DAYS)),
            "far": iter(self._book("far", CANCEL_FAR_DAYS)),
        }

    def _book(self, kind: str, days_ahead: int) -> list[str]:
        """``cancels_needed`` scheduled appointments with the dentist from ``days_ahead``
        days on, chair by chair, by COPY; their ids."""
        first = self.org.local_today() + timedelta(days=days_ahead)
        per_day = len(self.chairs) * len(CANCEL_SLOTS)
        patients = self._practice_patients()[: self.cancels_needed]
        ids = next_ids(Appointment, self.cancels_needed)
        now = timezone.now()
        rows, links = [], []
        for n, pk in enumerate(ids):
            day = first + timedelta(days=n // per_day)
            slot = CANCEL_SLOTS[n % per_day // len(self.chairs)]
            start = to_utc(day, slot, TIMEZONE)
            rows.append(
                {
                    "id": pk,
                    "org_id": self.org.pk,
                    "created_at": now,
                    "updated_at": now,
                    "location_id": self.location.pk,
                    "operatory_id": self.chairs[n % len(self.chairs)].pk,
                    "patient_id": patients[n % len(patients)],
                    "appointment_type_id": self.types[0].pk,
                    "status": AppointmentStatus.SCHEDULED,
                    "start_at": start,
                    "end_at": start + CANCEL_LENGTH,
                    "external_id": f"{SCENE}cancel-{kind}-{n}",
                }
            )
            links.append(
                {"org_id": self.org.pk, "created_at": now, "updated_at": now,
                 "appointment_id": pk, "provider_id": self.dentist.pk}
            )  # fmt: skip
        copy_rows(Appointment, rows)
        copy_rows(AppointmentProvider, links)
        return [
            str(uuid)
            for uuid in Appointment.objects.filter(pk__in=ids)
            .order_by("id")
            .values_list("uuid", flat=True)
        ]

    def _practice_patients(self) -> list[int]:
        """The ids of the bench practice's own patients (who hold its appointments)."""
        return list(
            Patient.objects.filter(org=self.org, external_id__startswith=PRACTICE_PATIENTS)
            .order_by("id")
            .values_list("id", flat=True)
        )

    def _load(self) -> None:
        patients = self._practice_patients()
        if len(patients) * TYPES < self.entry_count:
            raise BenchError(f"{len(patients)} practice patients: too few for the entries")
        priorities = [None] + list(
            Definition.objects.filter(
                org=self.org, category=DefinitionCategory.WAITLIST_PRIORITY
            ).values_list("id", flat=True)
        )
        ids = next_ids(WaitlistEntry, self.entry_count)
        today, now = self.org.local_today(), timezone.now()
        rows, named = [], []
        for n, entry_id in enumerate(ids):
            reach = (LocationMatch.HOME_ONLY, LocationMatch.HOME_ONLY, LocationMatch.ANY,
                     LocationMatch.SELECTED)[n % 4]  # fmt: skip
            home = self.location if reach == LocationMatch.HOME_ONLY else self.elsewhere
            if reach == LocationMatch.SELECTED:
                named.append(
                    {"org_id": self.org.pk, "entry_id": entry_id, "location_id": self.location.pk,
                     "created_at": now, "updated_at": now}
                )  # fmt: skip
            rows.append(
                {
                    "id": entry_id,
                    "org_id": self.org.pk,
                    "created_at": now - timedelta(days=n % 90, minutes=n),
                    "updated_at": now,
                    "patient_id": patients[n % len(patients)],
                    "location_id": home.pk,
                    "reach": reach,
                    "appointment_type_id": self.types[n // len(patients)].pk,
                    "provider_id": self.dentist.pk if n % 3 == 0 else None,
                    # One in ten ended before the opening; the rest cover it.
                    "date_range_start": today - timedelta(days=n % 30),
                    "date_range_end": today + timedelta(days=3 if n % 10 == 0 else 40 + n % 60),
                    "preferred_days": PREFERRED_DAYS[n % len(PREFERRED_DAYS)],
                    "preferred_time_start": time(8) if n % 5 == 1 else (
                        time(13) if n % 5 == 2 else None),
                    "preferred_time_end": time(12) if n % 5 == 1 else (
                        time(17) if n % 5 == 2 else None),
                    "estimated_duration_mins": (30, 60, 90, None)[n % 4],
                    "urgency": URGENCIES[n % len(URGENCIES)],
                    "priority_id": priorities[n % len(priorities)],
                    "treatment_value": Decimal(100 + (n * 37) % 2400),
                    "status": EntryStatus.CONTACTED if n % 10 == 7 else EntryStatus.WAITING,
                    "note": f"{SCENE}{n}",
                }
            )  # fmt: skip
        copy_rows(WaitlistEntry, rows)
        copy_rows(WaitlistEntryLocation, named)

    # --- timed ------------------------------------------------------------------------

    def quick_fill(self, run: int) -> Call:
        start, end = OPENING
        return Call(
            "POST",
            "waitlist/quick-fill",
            {
                "location_uuid": str(self.location.uuid),
                "slot_date": self.day.isoformat(),
                "slot_start_time": start.isoformat(),
                "slot_end_time": end.isoformat(),
                "provider_uuid": str(self.dentist.uuid),
                "appointment_type_uuid": str(self.types[0].uuid),
                "max_results": 10,
            },
            check=self._matches_check,
        )

    def _matches_check(self, body) -> str | None:
        if not 0 < len(body["matches"]) <= 10 or body["total_matches"] < self.entry_count // 10:
            return f"{len(body['matches'])} matches of {body['total_matches']}"
        return None

    def cancel(self, kind: str):
        def make(run: int) -> Call:
            with self._lock:
                appointment = next(self.to_cancel[kind])
            return Call("POST", f"appointments/{appointment}/cancel", {"base_version": 1})

        return make

    def timed(self) -> list[Timed]:
        return [
            Timed("quick_fill", "quick-fill", self.quick_fill),
            Timed("cancel_far", "cancel, no opening", self.cancel("far"), repeatable=False),
            Timed(
                "cancel_near", "cancel, records an opening", self.cancel("near"), repeatable=False
            ),
        ]

    def floors(self, time_statement: TimeStatement) -> None:
        """Quick-fill's target is absolute (50 ms)."""

    def after_http(self, env: dict[str, str]) -> None:
        """Everything is timed over HTTP; what the near cancels recorded is counted here,
        before ``cleanup`` deletes it."""
        recorded = Opening.objects.filter(org=self.org, location=self.location)
        self.recorded = recorded.count()
        self.kept = max((len(opening.matches) for opening in recorded), default=0)

    def rows(self, figures: Figures) -> list[Row]:
        lat, q = figures.latency, figures.queries
        return [
            Row(
                f"quick-fill `POST /waitlist/quick-fill` over {self.entry_count:,} active ASAP "
                f"entries (a one-hour opening {OPENING_IN_DAYS}+ days ahead, provider and type)",
                lat["quick_fill"].median,
                lat["quick_fill"].p90,
                figures.detail,
                "detail",
                Target(0.050, absolute=True, text="≤ 50 ms"),
                q["quick_fill"],
            ),
            Row(
                f"cancel `POST /appointments/{{id}}/cancel` {CANCEL_FAR_DAYS} days ahead (no "
                "opening)",
                lat["cancel_far"].median,
                lat["cancel_far"].p90,
                figures.detail,
                "detail",
                None,
                q["cancel_far"],
            ),
            Row(
                f"cancel {CANCEL_NEAR_DAYS}+ days ahead, recording an opening with its "
                f"quick-fill matches ({self.recorded} recorded, {self.kept} matches kept of "
                f"up to {self.entry_count:,} entries)",
                lat["cancel_near"].median,
                lat["cancel_near"].p90,
                lat["cancel_far"].median,
                "cancel, no opening",
                Target(2, text="≤ 2× without"),
                q["cancel_near"],
            ),
        ]

    def cleanup(self) -> None:
        """The openings the timed cancels recorded and the appointments they cancelled."""
        Opening.objects.filter(org=self.org, location=self.location).delete()
        delete_appointments(self.org, self.location)


register_scene(WaitlistScene)
