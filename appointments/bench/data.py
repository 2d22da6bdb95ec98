"""The bench's data: 100,000 appointments of one org, and the requests that are timed.

A dedicated org ("Bench Dental", made by ``seed_demo``) gets five years of a five-chair
practice, loaded by COPY (once; ``--reset`` reloads), and two locations of its own: the
free-time search's (``free_time.Scene``) and the calendars' (``calendars.CalendarScene``).
``Requests`` makes the timed requests (detail, list pages, cursor pages, create, bulk,
import rows, the free-time search, the calendars); what they write carries the
external_id prefix ``bench-run-`` and is deleted after each run, so every run measures
the same data. ``Bench.send`` and ``Bench.captured`` run a request in-process (DRF's test
client) to count its queries.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from datetime import time as wall_time
from types import SimpleNamespace
from urllib.parse import urlencode

from django.db import connection, reset_queries, transaction
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from appointments.bench import calendars, free_time
from appointments.bench.client import BenchError, Call
from appointments.bench.loading import analyze, copy_rows, delete_appointments, next_ids
from appointments.bench.scenes import APP_SCENES, SCENE_PATIENTS
from appointments.models import (
    Appointment,
    AppointmentHistory,
    AppointmentProcedure,
    AppointmentProvider,
    AppointmentStatus,
    AppointmentType,
)
from appointments.views.collections import CURSOR
from scheduling.demo import seed_demo
from scheduling.models import Operatory, Organization, Patient, ProcedureCode, Provider
from scheduling.timezones import to_utc

ORG_NAME = "Bench Dental"
PRACTICE_PATIENTS = "bench-pat-"  # external_id prefix of the practice's own patients
LOADED = "bench-load-"  # external_id prefix of the loaded appointments
TIMED = "bench-run-"  # ... and of those the timed requests create (deleted afterwards)
PATIENTS = 3000
#: A day in every chair: 30-minute appointments 08:00–12:00 and 13:00–17:00.
DAY_SLOTS = [wall_time(h, m) for h in (8, 9, 10, 11, 13, 14, 15, 16) for m in (0, 30)]
#: Timed creates and bulk rows go after hours on loaded days, where the chairs are free.
FREE_SLOTS = [wall_time(h, m) for h in (17, 18, 19, 20, 21, 22) for m in (0, 30)]
#: Loaded days end this long before today, clear of the demo's bookings and blockouts.
HISTORY_GAP = timedelta(days=35)
COPY_BATCH = 20_000
CURSOR_PAGE_SIZE = 100
CURSOR_PAGE = 1000
PAGE_OFFSET = (CURSOR_PAGE - 1) * CURSOR_PAGE_SIZE  # rows before cursor page 1,000
#: External-id prefixes of the scenes' chairs and providers: each scene's own, which the
#: bench's practice leaves out so that its figures measure what they always measured.
SCENES = (free_time.SCENE, calendars.SCENE, APP_SCENES)
S = AppointmentStatus
#: Outcomes of past appointments, per 100: what five years of a practice look like.
STATUS_MIX = [
    (84, S.COMPLETE),
    (90, S.CANCELLED),
    (95, S.BROKEN),
    (98, S.SCHEDULED),
    (99, S.UNSCHEDULED),
    (100, S.PINBOARD),
]


def outside_scenes(queryset):
    """Chairs or providers of ``queryset`` that belong to no scene (``SCENES``)."""
    for prefix in SCENES:
        queryset = queryset.exclude(external_id__startswith=prefix)
    return queryset


class InProcess:
    """Calls sent through DRF's test client in this process (paths after ``prefix``), with
    a bearer token, checked as over HTTP; and the queries they make."""

    def __init__(self, token: str, prefix: str):
        self.prefix = prefix
        self.client = APIClient()
        self.client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    def send(self, call: Call):
        """``call`` through DRF's test client, in this process; checked like over HTTP."""
        url = self.prefix + call.path
        if call.method == "GET":
            response = self.client.get(url)
        else:
            body = json.dumps(call.body) if call.body is not None else ""
            response = self.client.generic(call.method, url, body, content_type="application/json")
        problem = None
        if response.status_code != call.expect:
            problem = f"status {response.status_code}, not {call.expect}"
        elif call.check is not None:
            problem = call.check(response.json())
        if problem:
            raise BenchError(
                f"{call.method} {call.path[:120]}: {problem}: {response.content[:300]!r}"
            )
        return response

    def query_counts(self, make: Callable[[int], Call], runs: int) -> list[int]:
        """The queries of ``make(0)`` … ``make(runs - 1)`` in-process, after one untimed
        ``make(-1)`` (imports, caches, the token's last_used_at)."""
        self.send(make(-1))
        return [len(self.captured(lambda run=run: self.send(make(run)))) for run in range(runs)]

    @staticmethod
    def captured(work: Callable[[], object]) -> list[dict]:
        """The queries ``work`` runs on the default connection (with BEGIN and COMMIT, which
        Django logs as well)."""
        reset_queries()  # the log keeps at most 9,000 queries
        with CaptureQueriesContext(connection) as captured:
            work()
        if len(connection.queries_log) == connection.queries_log.maxlen:
            raise BenchError("more queries than Django's query log keeps: count unknown")
        return captured.captured_queries


class Bench(InProcess):
    def __init__(self, org: Organization, token: str, *, say: Callable[[str], None]):
        super().__init__(token, f"/api/v1/{org.uuid}/")
        self.org = org
        self.say = say
        self.operatories = list(
            outside_scenes(Operatory.objects.filter(org=org, is_active=True))
            .select_related("location")
            .order_by("location_id", "item_order", "id")
        )
        self.providers = list(
            outside_scenes(Provider.objects.filter(org=org, is_active=True)).order_by("id")
        )
        self.types = list(
            AppointmentType.objects.filter(org=org, status="active").order_by("item_order", "id")
        )
        self.codes = {c.code: c for c in ProcedureCode.objects.filter(org=org)}
        # Timed bookings use a type that adds procedures, like most real bookings.
        self.booked_type = next((t for t in self.types if t.procedure_codes_to_add), self.types[0])
        self.loaded_in: float | None = None

    # --- data --------------------------------------------------------------------------

    def ensure_patients(self) -> None:
        have = set(
            Patient.objects.filter(
                org=self.org, external_id__startswith=PRACTICE_PATIENTS
            ).values_list("external_id", flat=True)
        )
        Patient.objects.bulk_create(
            [
                Patient(
                    org=self.org,
                    external_id=f"{PRACTICE_PATIENTS}{n}",
                    first_name=f"Bench{n}",
                    last_name=("Nguyen", "Smith", "Garcia", "Kim", "Okafor")[n % 5],
                )
                for n in range(PATIENTS)
                if f"{PRACTICE_PATIENTS}{n}" not in have
            ],
            batch_size=1000,
        )
        self.patients = list(
            Patient.objects.filter(org=self.org)
            .exclude(external_id__startswith=SCENE_PATIENTS)
            .order_by("id")
        )

    def loaded(self):
        return Appointment.objects.filter(org=self.org, external_id__startswith=LOADED)

    def ensure_appointments(self, target: int) -> None:
        count = self.loaded().count()
        if count == target:
            self.say(f"reusing {count:,} loaded appointments of {ORG_NAME}")
            return
        if count:
            self.say(f"{count:,} loaded appointments, not {target:,}: reloading")
            delete_appointments(self.org)
            seed_demo(ORG_NAME)  # puts the demo's own appointments back
        self.say(f"loading {target:,} appointments into {ORG_NAME} ...")
        started = time.perf_counter()
        with transaction.atomic():
            self._load(target)
        analyze(Appointment, AppointmentProvider, AppointmentProcedure)
        self.loaded_in = time.perf_counter() - started
        self.say(f"loaded in {self.loaded_in:.1f} s")

    def history_days(self) -> Iterator[date]:
        """Weekdays going back from a month before today."""
        day = timezone.localdate() - HISTORY_GAP
        while True:
            if day.weekday() < 5:
                yield day
            day -= timedelta(days=1)

    def _load(self, target: int) -> None:
        ids = next_ids(Appointment, target)
        appointments, links, procedures = [], [], []
        slots = self._slots()
        for n, pk in enumerate(ids):
            day, chair_index, operatory, start_wall = next(slots)
            status = next(s for bound, s in STATUS_MIX if (n * 37) % 100 < bound)
            appointment_type = self.types[n % len(self.types)]
            # Unscheduled and pinboard appointments keep the time they were taken off, so
            # the last cursor pages are as full as the first (NULL times sort last).
            start = to_utc(day, start_wall, operatory.location.timezone)
            end = start + timedelta(minutes=30)
            stamp = start - timedelta(days=14)
            appointments.append(
                {
                    "id": pk,
                    "org_id": self.org.pk,
                    "created_at": stamp,
                    "updated_at": stamp,
                    "location_id": operatory.location_id,
                    "operatory_id": operatory.pk,
                    "patient_id": self.patients[(n * 7919) % len(self.patients)].pk,
                    "appointment_type_id": appointment_type.pk,
                    "status": status,
                    "start_at": start,
                    "end_at": end,
                    "external_id": f"{LOADED}{n}",
                }
            )
            provider = self.providers[(chair_index + n) % len(self.providers)]
            links.append(
                {
                    "org_id": self.org.pk,
                    "created_at": stamp,
                    "updated_at": stamp,
                    "appointment_id": pk,
                    "provider_id": provider.pk,
                }
            )
            for order, code in enumerate(appointment_type.procedure_codes_to_add[:2]):
                if code in self.codes:
                    done = status == S.COMPLETE
                    procedures.append(
                        {
                            "org_id": self.org.pk,
                            "created_at": stamp,
                            "updated_at": stamp,
                            "appointment_id": pk,
                            "procedure_code_id": self.codes[code].pk,
                            "fee": self.codes[code].default_fee,
                            "item_order": order,
                            "status": "complete" if done else "planned",
                            "completed_at": end if done else None,
                        }
                    )
            if len(appointments) >= COPY_BATCH:
                self._flush(appointments, links, procedures)
                self.say(f"  {n + 1:,} / {target:,}")
        self._flush(appointments, links, procedures)

    def _slots(self) -> Iterator[tuple[date, int, Operatory, wall_time]]:
        for day in self.history_days():
            for chair_index, operatory in enumerate(self.operatories):
                for start in DAY_SLOTS:
                    yield day, chair_index, operatory, start

    @staticmethod
    def _flush(appointments: list, links: list, procedures: list) -> None:
        copy_rows(Appointment, appointments)
        copy_rows(AppointmentProvider, links)
        copy_rows(AppointmentProcedure, procedures)
        appointments.clear()
        links.clear()
        procedures.clear()

    def delete_timed(self) -> None:
        timed = Appointment.objects.filter(org=self.org, external_id__startswith=TIMED)
        uuids = list(timed.values_list("uuid", flat=True))
        if uuids:
            with transaction.atomic():
                AppointmentHistory.objects.filter(org=self.org, appointment_uuid__in=uuids).delete()
                timed.delete()

    def free_slots(self) -> Iterator[tuple[date, Operatory, wall_time, wall_time]]:
        """After-hours slots on loaded days, in every chair: free, amid booked days."""
        for day in self.history_days():
            for operatory in self.operatories:
                for start in FREE_SLOTS:
                    end = (datetime.combine(day, start) + timedelta(minutes=30)).time()
                    yield day, operatory, start, end

    def row(self, slot, external_id: str) -> dict:
        day, operatory, start, end = slot
        return {
            "location_uuid": str(operatory.location.uuid),
            "operatory_uuid": str(operatory.uuid),
            "patient_uuid": str(
                self.patients[zlib.crc32(external_id.encode()) % len(self.patients)].uuid
            ),
            "appointment_type_uuid": str(self.booked_type.uuid),
            "provider_uuids": [str(self.providers[0].uuid)],
            "schedule_date": day.isoformat(),
            "start_time": start.strftime("%H:%M"),
            "end_time": end.strftime("%H:%M"),
            "external_id": external_id,
        }

    def cursor_after(self, pages: int) -> str:
        """The ``after`` cursor of page ``pages``: walked with the endpoint's own paginator
        (its ordering and keyset filter, ``first=100`` per page), reading no more columns
        than the keyset needs."""
        self.say(f"walking the cursor over {pages:,} pages of {CURSOR_PAGE_SIZE} ...")
        keys = {"id", "uuid", *CURSOR.sort_fields.values()}
        queryset = Appointment.objects.filter(org=self.org).only(*keys)
        after, seen = None, set()
        for _ in range(pages):
            rows, after = self.cursor_page(queryset, after)
            seen.update(row.pk for row in rows)
        if len(seen) != pages * CURSOR_PAGE_SIZE:
            raise BenchError(f"the walk saw {len(seen):,} distinct rows in {pages:,} pages")
        self.walked_page = [str(row.uuid) for row in self.cursor_page(queryset, after)[0]]
        return after

    @staticmethod
    def cursor_page(queryset, after: str | None) -> tuple[list, str]:
        params = QueryDict(mutable=True)
        params["first"] = str(CURSOR_PAGE_SIZE)
        if after:
            params["after"] = after
        paginator = CURSOR.for_request()
        rows = paginator.paginate(queryset, SimpleNamespace(query_params=params))
        return rows, paginator.page_info()["end_cursor"]

    def check_cursor_page(self, after: str) -> None:
        """Page 1,000 through the API is the page the walk reached, after 99,900 distinct
        rows."""
        call = Call(
            "GET", "appointments/cursor?" + urlencode({"first": CURSOR_PAGE_SIZE, "after": after})
        )
        body = self.send(call).json()
        if [item["id"] for item in body["data"]] != self.walked_page:
            raise BenchError(f"cursor page {CURSOR_PAGE:,} is not the page the walk reached")

    def breakdown(self, call: Call) -> tuple[int, list[tuple[str, float]]]:
        """The queries of one bulk import: how many, and by kind, per row."""
        queries = self.captured(lambda: self.send(call))
        kinds = Counter(_kind(q["sql"]) for q in queries)
        rows = len(call.body["rows"])
        return len(queries), [(kind, count / rows) for kind, count in kinds.most_common()]


class Requests:
    """The timed requests, each a function of the run number returning a ``Call``. Creates,
    bulk and import rows take the next free slot (thread-safe), so none conflicts."""

    def __init__(
        self,
        bench: Bench,
        *,
        detail_ids: list[str],
        after: str,
        bulk_rows: int,
        free_time: Callable[[int], Call],
        calendar: calendars.CalendarScene,
    ):
        self.bench = bench
        self.free_time = free_time  # the free-time scene's search (``free_time.Scene.call``)
        # The calendar scene's day, week and month (``calendars.CalendarScene``).
        self.daily, self.weekly, self.monthly = calendar.daily, calendar.weekly, calendar.monthly
        self.detail_ids = detail_ids
        self.after = after
        self.bulk_rows = bulk_rows
        self._slots = bench.free_slots()
        self._serial = itertools.count()
        self._lock = threading.Lock()
        last_day = next(bench.history_days())
        self.week = {
            "location_uuid": str(bench.operatories[0].location.uuid),
            "date_from": (last_day - timedelta(days=6)).isoformat(),
            "date_to": last_day.isoformat(),
            "status": "complete,scheduled",
            "page_size": 50,
        }

    def rows(self, count: int, kind: str) -> list[dict]:
        with self._lock:
            slots = [next(self._slots) for _ in range(count)]
            serials = [next(self._serial) for _ in range(count)]
        return [
            self.bench.row(slot, f"{TIMED}{kind}{n}")
            for slot, n in zip(slots, serials, strict=True)
        ]

    def detail(self, run: int) -> Call:
        return Call("GET", f"appointments/{self.detail_ids[run % len(self.detail_ids)]}")

    def page(self, run: int) -> Call:
        return Call("GET", "appointments?page_size=50")

    def filtered(self, run: int) -> Call:
        return Call("GET", "appointments?" + urlencode(self.week))

    def offset_page(self, run: int) -> Call:
        return Call("GET", "appointments?page=1000&page_size=50")

    def cursor_first(self, run: int) -> Call:
        return Call("GET", f"appointments/cursor?first={CURSOR_PAGE_SIZE}")

    def cursor_deep(self, run: int) -> Call:
        query = urlencode({"first": CURSOR_PAGE_SIZE, "after": self.after})
        return Call("GET", f"appointments/cursor?{query}")

    def create(self, run: int) -> Call:
        return Call("POST", "appointments", self.rows(1, "c")[0], expect=201)

    def bulk(self, run: int) -> Call:
        rows = self.rows(self.bulk_rows, "b")
        return Call("POST", "appointments/bulk", {"rows": rows}, check=_all_created(len(rows)))


def _all_created(count: int) -> Callable[[dict], str | None]:
    def check(body: dict) -> str | None:
        if body.get("created") == count:
            return None
        failed = [r for r in body.get("results", []) if r.get("status") != "created"][:3]
        return f"{body.get('created')} of {count} created: {failed}"

    return check


def _kind(sql: str) -> str:
    words = sql.replace('"', "").split()
    verb = words[0].upper()
    if verb in ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE", "ROLLBACK"):
        return verb
    if verb == "SELECT" and "pg_advisory_xact_lock" in sql:
        return "SELECT pg_advisory_xact_lock"
    table = next(
        (
            words[i + 1].split(".")[0]
            for i, w in enumerate(words[:-1])
            if w.upper() in ("FROM", "INTO", "UPDATE") or (verb == "UPDATE" and i == 0)
        ),
        "?",
    )
    return f"{verb} {table}"
