"""``manage.py bench_appointments`` (``make bench``): the Appointments API with 100,000
appointments in one org.

It fills a dedicated org ("Bench Dental", made by ``seed_demo``) with five years of a
five-chair practice loaded by COPY, then times requests through the whole HTTP stack
(URL routing, middleware, token authentication, DRF, serializers) against the
configured database: create, detail, list pages, cursor page 1 against page 1,000, and a
500-row bulk import. For each it prints the median wall time and the query count.

Run it again and it reuses the loaded appointments (``--reset`` reloads them). What the
timed requests write is deleted at the end, so every run measures the same data.
"""

from __future__ import annotations

import os
import platform
import statistics
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as wall_time
from types import SimpleNamespace

import django
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models, reset_queries, transaction
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from appointments.models import (
    Appointment,
    AppointmentHistory,
    AppointmentProcedure,
    AppointmentProvider,
    AppointmentStatus,
    AppointmentTag,
    AppointmentType,
    PatientFlowEvent,
)
from appointments.views.appointments import CURSOR
from scheduling.demo import seed_demo
from scheduling.models import Operatory, Organization, Patient, ProcedureCode, Provider
from scheduling.timezones import to_utc

ORG_NAME = "Bench Dental"
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


@dataclass
class Measurement:
    label: str
    times: list[float]
    queries: list[int]
    note: str = ""

    @property
    def median_ms(self) -> float:
        return statistics.median(self.times) * 1000

    @property
    def query_count(self) -> str:
        low, high = min(self.queries), max(self.queries)
        return str(low) if low == high else f"{low}–{high}"


class Command(BaseCommand):
    help = (
        "Load 100,000 appointments into the org 'Bench Dental' (once; --reset reloads) and "
        "print the median time and query count of create, detail, list, cursor page 1 and "
        "page 1,000, and a 500-row bulk import, measured through the HTTP stack on the "
        "configured database (not a test database)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--appointments", type=int, default=100_000, metavar="N")
        parser.add_argument("--repeat", type=int, default=20, help="Runs per request (20).")
        parser.add_argument("--bulk-repeat", type=int, default=3, help="Bulk imports (3).")
        parser.add_argument("--bulk-rows", type=int, default=500, help="Rows per import.")
        parser.add_argument(
            "--reset", action="store_true", help="Delete the org's appointments and reload."
        )

    def handle(self, *args, appointments, repeat, bulk_repeat, bulk_rows, reset, **options):
        if appointments < CURSOR_PAGE * CURSOR_PAGE_SIZE:
            raise CommandError(
                f"--appointments must be at least {CURSOR_PAGE * CURSOR_PAGE_SIZE:,} "
                f"(cursor page {CURSOR_PAGE:,} of {CURSOR_PAGE_SIZE})"
            )
        org = Organization.objects.filter(name=ORG_NAME).first()
        if org is not None and reset:
            self.say(f"deleting the appointments of {ORG_NAME} ...")
            _delete_appointments(org)
        demo = seed_demo(ORG_NAME)
        org = Organization.objects.get(uuid=demo["org_id"])
        bench = Bench(org, demo["token"], say=self.say)
        bench.ensure_patients()
        bench.ensure_appointments(appointments)
        bench.delete_timed()
        try:
            results = bench.run(repeat=repeat, bulk_repeat=bulk_repeat, bulk_rows=bulk_rows)
        finally:
            bench.delete_timed()
        self.stdout.write(report(bench, results, repeat=repeat))

    def say(self, message: str) -> None:
        self.stderr.write(message)
        self.stderr.flush()


# --- loading -------------------------------------------------------------------------


def _delete_appointments(org: Organization) -> None:
    """Every appointment of the org, with everything hanging off it (fast, in SQL)."""
    with transaction.atomic(), connection.cursor() as cursor:
        for model in (
            AppointmentTag,
            AppointmentProvider,
            AppointmentProcedure,
            PatientFlowEvent,
            AppointmentHistory,
            Appointment,
        ):
            cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE org_id = %s", [org.pk])


def copy_rows(model: type[models.Model], rows: Iterable[dict]) -> int:
    """COPY ``rows`` (field attname → value) into ``model``'s table; unnamed fields get
    their defaults (``id`` from the sequence unless given)."""
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return 0
    fields = [
        f for f in model._meta.concrete_fields if not (f.primary_key and f.attname not in first)
    ]
    missing = [f for f in fields if f.attname not in first]
    dynamic = [f for f in missing if f.has_default() and callable(f.default)]  # uuid4
    static = {f.attname: f.get_default() for f in missing if f not in dynamic}
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    count = 0
    statement = f"COPY {model._meta.db_table} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in _chain(first, rows):
            values = {**static, **{f.attname: f.default() for f in dynamic}, **row}
            copy.write_row([values[f.attname] for f in fields])
            count += 1
    return count


def _chain(first, rest) -> Iterator:
    yield first
    yield from rest


class Bench:
    def __init__(self, org: Organization, token: str, *, say: Callable[[str], None]):
        self.org = org
        self.say = say
        self.client = APIClient()
        self.client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        self.operatories = list(
            Operatory.objects.filter(org=org, is_active=True)
            .select_related("location")
            .order_by("location_id", "item_order", "id")
        )
        self.providers = list(Provider.objects.filter(org=org, is_active=True).order_by("id"))
        self.types = list(
            AppointmentType.objects.filter(org=org, status="active").order_by("item_order", "id")
        )
        self.codes = {c.code: c for c in ProcedureCode.objects.filter(org=org)}
        # Timed bookings use a type that adds procedures, like most real bookings.
        self.booked_type = next((t for t in self.types if t.procedure_codes_to_add), self.types[0])
        self.loaded_in: float | None = None

    def url(self, path: str) -> str:
        return f"/api/v1/{self.org.uuid}/{path}"

    # --- data --------------------------------------------------------------------------

    def ensure_patients(self) -> None:
        have = set(
            Patient.objects.filter(org=self.org, external_id__startswith="bench-pat-").values_list(
                "external_id", flat=True
            )
        )
        Patient.objects.bulk_create(
            [
                Patient(
                    org=self.org,
                    external_id=f"bench-pat-{n}",
                    first_name=f"Bench{n}",
                    last_name=("Nguyen", "Smith", "Garcia", "Kim", "Okafor")[n % 5],
                )
                for n in range(PATIENTS)
                if f"bench-pat-{n}" not in have
            ],
            batch_size=1000,
        )
        self.patients = list(Patient.objects.filter(org=self.org).order_by("id"))

    def loaded(self):
        return Appointment.objects.filter(org=self.org, external_id__startswith=LOADED)

    def ensure_appointments(self, target: int) -> None:
        count = self.loaded().count()
        if count == target:
            self.say(f"reusing {count:,} loaded appointments of {ORG_NAME}")
            return
        if count:
            self.say(f"{count:,} loaded appointments, not {target:,}: reloading")
            _delete_appointments(self.org)
            seed_demo(ORG_NAME)  # puts the demo's own appointments back
        self.say(f"loading {target:,} appointments into {ORG_NAME} ...")
        started = time.perf_counter()
        with transaction.atomic():
            self._load(target)
        with connection.cursor() as cursor:
            for model in (Appointment, AppointmentProvider, AppointmentProcedure):
                cursor.execute(f"ANALYZE {model._meta.db_table}")
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
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [Appointment._meta.db_table, target],
            )
            ids = [row[0] for row in cursor.fetchall()]
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

    # --- measuring ---------------------------------------------------------------------

    def measure(
        self, label: str, request: Callable[[int], object], runs: int, note: str = ""
    ) -> Measurement:
        request(-1)  # warm up: imports, caches, the token's last_used_at
        times, queries = [], []
        for run in range(runs):
            queries.append(len(self.captured(lambda run=run: times.append(timed(request, run)))))
        measurement = Measurement(label, times, queries, note)
        self.say(f"  {label}: {measurement.median_ms:.1f} ms, {measurement.query_count} queries")
        return measurement

    def call(self, method: str, path: str, data=None, expect: int = 200):
        if method == "get":
            response = self.client.get(self.url(path), data)
        else:
            response = self.client.post(self.url(path), data, format="json")
        if response.status_code != expect:
            raise CommandError(
                f"{method.upper()} {path}: {response.status_code} {response.content[:500]!r}"
            )
        return response

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

    def run(self, *, repeat: int, bulk_repeat: int, bulk_rows: int) -> list[Measurement]:
        self.say(f"measuring ({repeat} runs each, {bulk_repeat} bulk imports) ...")
        slots = self.free_slots()
        loaded = list(
            self.loaded()
            .exclude(start_at=None)
            .order_by("-start_at")
            .values_list("uuid", flat=True)[: repeat + 1]
        )
        first_location = self.operatories[0].location
        last_day = next(self.history_days())
        week = {
            "location_uuid": str(first_location.uuid),
            "date_from": (last_day - timedelta(days=6)).isoformat(),
            "date_to": last_day.isoformat(),
            "status": "complete,scheduled",
            "page_size": 50,
        }
        after = self.cursor_after(CURSOR_PAGE - 1)
        self.check_cursor_page(after)  # before the timed creates add rows
        results = [
            self.measure(
                "create (POST /appointments)",
                lambda run: self.call(
                    "post", "appointments", self.row(next(slots), f"{TIMED}c{run}"), expect=201
                ),
                repeat,
                "type, provider, chair; conflict check",
            ),
            self.measure(
                "detail (GET /appointments/{id})",
                lambda run: self.call("get", f"appointments/{loaded[run]}"),
                repeat,
            ),
            self.measure(
                "list page 1 (GET /appointments?page_size=50)",
                lambda run: self.call("get", "appointments", {"page_size": 50}),
                repeat,
                "with the total",
            ),
            self.measure(
                "list, filtered (one location, a week, two statuses)",
                lambda run: self.call("get", "appointments", week),
                repeat,
            ),
            self.measure(
                "list page 1,000 (page=1000&page_size=50)",
                lambda run: self.call("get", "appointments", {"page": 1000, "page_size": 50}),
                repeat,
                "OFFSET 49,950, for comparison",
            ),
            self.measure(
                "cursor page 1 (GET /appointments/cursor?first=100)",
                lambda run: self.call("get", "appointments/cursor", {"first": CURSOR_PAGE_SIZE}),
                repeat,
            ),
            self.measure(
                f"cursor page {CURSOR_PAGE:,} (first=100&after=…)",
                lambda run: self.call(
                    "get", "appointments/cursor", {"first": CURSOR_PAGE_SIZE, "after": after}
                ),
                repeat,
                f"rows {PAGE_OFFSET + 1:,}–{PAGE_OFFSET + CURSOR_PAGE_SIZE:,}",
            ),
        ]
        bulk = self.measure(
            f"bulk import, {bulk_rows} new rows (POST /appointments/bulk)",
            lambda run: self.bulk(
                [self.row(next(slots), f"{TIMED}b{run}-{i}") for i in range(bulk_rows)]
            ),
            bulk_repeat,
        )
        bulk.note = (
            f"{bulk.median_ms / bulk_rows:.1f} ms and "
            f"{statistics.median(bulk.queries) / bulk_rows:.1f} queries per row"
        )
        results.append(bulk)
        self.bulk_breakdown = self.breakdown(
            [self.row(next(slots), f"{TIMED}x-{i}") for i in range(bulk_rows)]
        )
        return results

    def bulk(self, rows: list[dict]):
        response = self.call("post", "appointments/bulk", {"rows": rows})
        body = response.json()
        if body["created"] != len(rows):
            failed = [r for r in body["results"] if r["status"] != "created"][:3]
            raise CommandError(f"bulk import: {body['created']} of {len(rows)} created: {failed}")
        return response

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
            raise CommandError(f"the walk saw {len(seen):,} distinct rows in {pages:,} pages")
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
        body = self.call(
            "get", "appointments/cursor", {"first": CURSOR_PAGE_SIZE, "after": after}
        ).json()
        if [item["id"] for item in body["data"]] != self.walked_page:
            raise CommandError(f"cursor page {CURSOR_PAGE:,} is not the page the walk reached")

    def breakdown(self, rows: list[dict]) -> list[tuple[str, float]]:
        """Queries of one bulk import by kind, per row."""
        kinds = Counter(_kind(q["sql"]) for q in self.captured(lambda: self.bulk(rows)))
        return [(kind, count / len(rows)) for kind, count in kinds.most_common()]

    @staticmethod
    def captured(work: Callable[[], object]) -> list[dict]:
        """The queries ``work`` runs on the default connection (with BEGIN and COMMIT, which
        Django logs as well)."""
        reset_queries()  # the log keeps at most 9,000 queries
        with CaptureQueriesContext(connection) as captured:
            work()
        if len(connection.queries_log) == connection.queries_log.maxlen:
            raise CommandError("more queries than Django's query log keeps: count unknown")
        return captured.captured_queries


def timed(request: Callable[[int], object], run: int) -> float:
    started = time.perf_counter()
    request(run)
    return time.perf_counter() - started


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


# --- report --------------------------------------------------------------------------


def machine() -> str:
    memory = ""
    try:
        with open("/proc/meminfo") as meminfo:
            kib = int(next(line for line in meminfo if line.startswith("MemTotal")).split()[1])
        memory = f", {kib / 1024 / 1024:.0f} GB RAM"
    except (OSError, StopIteration, ValueError):
        pass
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0].split()[0]
    where = "embedded" if not os.environ.get("DATABASE_URL") else "DATABASE_URL"
    return (
        f"{os.cpu_count()} CPUs{memory}, {platform.system()} {platform.machine()}; "
        f"PostgreSQL {server} ({where}); Python {platform.python_version()}, "
        f"Django {django.get_version()}; load average {os.getloadavg()[0]:.2f}"
    )


def report(bench: Bench, results: list[Measurement], *, repeat: int) -> str:
    total = Appointment.objects.filter(org=bench.org).count()
    loaded = f"loaded in {bench.loaded_in:.1f} s" if bench.loaded_in is not None else "reused"
    lines = [
        "",
        f"{ORG_NAME}: {total:,} appointments ({loaded}), {len(bench.operatories)} chairs, "
        f"{len(bench.patients):,} patients",
        f"machine: {machine()}",
        f"DEBUG={'on' if settings.DEBUG else 'off'}; in-process HTTP "
        "(DRF APIClient, bearer token); median of "
        f"{repeat} runs (bulk: {len(results[-1].times)})",
        "",
        "| request | median | queries | |",
        "|---|---:|---:|---|",
    ]
    for m in results:
        lines.append(f"| {m.label} | {m.median_ms:.1f} ms | {m.query_count} | {m.note} |")
    lines += ["", "Queries of one bulk import, per row:"]
    lines += [f"  {per_row:5.2f}  {kind}" for kind, per_row in bench.bulk_breakdown]
    return "\n".join(lines) + "\n"
