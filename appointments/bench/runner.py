"""``make bench`` from end to end: the data, the floors, the project under gunicorn, the
import, the report.

1. Load the data (``data.Bench``: 100,000 appointments by COPY, once; the free-time
   search's scene, ``free_time.Scene``, once a week; the calendars' busy month,
   ``calendars.CalendarScene``, once) and count each request's queries in-process (DRF's
   test client, ``CaptureQueriesContext``).
2. Time the database floors in-process, psycopg directly with prepared statements: the
   detail's row by org and uuid, the calendar's card SELECT over its day and its week,
   and the monthly summary's per-day aggregate.
3. Start three gunicorns with the same settings (``servers.GUNICORN_SETTINGS``): the bare
   WSGI floor app (``config.bench_floor``, a body as long as a real detail), the project
   with ``DEBUG=false``, a secret key, ``CONN_MAX_AGE=60`` and the loader's database
   (``DATABASE_URL`` passed explicitly, so they start no embedded server), and the
   framework's floors (``framework``: Django, DRF and the token's check answering the
   floor's body) with the same environment.
4. Measure over HTTP with keep-alive (``client``): the floor app, the framework's floors,
   then the project, then the floor app again (the better of its two figures is the
   floor); latency = median and p90 of sequential requests, throughput = requests/s over
   ``connections`` connections.
5. Stop the servers (also on Ctrl-C, SIGTERM or an error), time
   ``manage.py import_appointments`` of ``import_rows`` rows with the same environment,
   delete what the timed requests wrote, print the report.
"""

from __future__ import annotations

import contextlib
import csv
import os
import random
import secrets
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import psycopg
from django.conf import settings
from django.db import connection

from appointments.bench import calendars, client, framework, free_time, report, scenes
from appointments.bench.client import Call, Latency, Throughput
from appointments.bench.data import (
    CURSOR_PAGE,
    CURSOR_PAGE_SIZE,
    ORG_NAME,
    PAGE_OFFSET,
    TIMED,
    Bench,
    Requests,
)
from appointments.bench.free_time import Scene
from appointments.bench.loading import delete_appointments
from appointments.bench.report import Row, Target
from appointments.bench.servers import GUNICORN_SETTINGS, HOST, Gunicorn
from appointments.models import Appointment
from scheduling.demo import seed_demo
from scheduling.models import Organization

BASE_DIR = Path(settings.BASE_DIR)
WORK_DIR = BASE_DIR / ".data" / "bench"
#: The issue's yardstick for the import: 100,000 rows in at most a minute.
IMPORT_TARGET_ROWS = 100_000
DETAIL_IDS = 2000  # distinct appointments the detail requests cycle through


@dataclass
class Options:
    appointments: int = 100_000
    reset: bool = False
    repeat: int = 50  # sequential requests per latency figure
    duration: float = 10.0  # seconds per throughput figure
    connections: int = 8
    bulk_repeat: int = 3
    bulk_rows: int = 500
    import_rows: int = 10_000
    query_runs: int = 3  # in-process runs per query count


def production_env(database_url: str) -> dict[str, str]:
    """The project's environment as production would set it, on the loader's database."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "CONN_MAX_AGE": "60",
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "WARNING",
    }


class Run:
    def __init__(self, options: Options, say: Callable[[str], None]):
        self.options = options
        self.say = say
        self.load_before = report.load_average()
        self.started = time.monotonic()

    # --- 1. data and query counts ----------------------------------------------------

    def prepare(self) -> None:
        options = self.options
        org = Organization.objects.filter(name=ORG_NAME).first()
        if org is not None and options.reset:
            self.say(f"deleting the appointments of {ORG_NAME} ...")
            delete_appointments(org)
        demo = seed_demo(ORG_NAME)  # the admin's token: a fresh ApiToken.issue each run
        self.token = demo["token"]
        org = Organization.objects.get(uuid=demo["org_id"])
        self.bench = bench = Bench(org, self.token, say=self.say)
        bench.ensure_patients()
        bench.ensure_appointments(options.appointments)
        bench.delete_timed()
        self.scene = Scene(org, bench.patients, say=self.say)
        self.scene.ensure()
        self.calendar = calendars.CalendarScene(org, bench.patients, say=self.say)
        self.calendar.ensure()
        # The apps' scenes (``scenes``): recalls, the waitlist.
        self.app_scenes = scenes.scenes(org, self.say, repeat=options.repeat)
        for scene in self.app_scenes:
            scene.ensure()
        self.scene_timed = [timed for scene in self.app_scenes for timed in scene.timed()]
        uuids = [
            str(u)
            for u in bench.loaded()
            .exclude(start_at=None)
            .order_by("id")
            .values_list("uuid", flat=True)
        ]
        self.detail_ids = random.Random(10).sample(uuids, min(DETAIL_IDS, len(uuids)))
        after = bench.cursor_after(CURSOR_PAGE - 1)
        bench.check_cursor_page(after)  # before the timed creates add rows
        self.requests = Requests(
            bench,
            detail_ids=self.detail_ids,
            after=after,
            bulk_rows=options.bulk_rows,
            free_time=self.scene.call,
            calendar=self.calendar,
        )

    def count_queries(self) -> None:
        self.say(f"counting queries in-process ({self.options.query_runs} runs each) ...")
        requests, runs = self.requests, self.options.query_runs
        count = self.bench.query_counts
        self.queries = {
            name: count(getattr(requests, name), runs)
            for name in (
                "detail",
                "page",
                "filtered",
                "offset_page",
                "cursor_first",
                "cursor_deep",
                "create",
                "free_time",
                "daily",
                "weekly",
                "monthly",
            )
        }
        for timed in self.scene_timed:
            self.queries[timed.name] = count(timed.make, runs)
        total, self.bulk_breakdown = self.bench.breakdown(requests.bulk(0))
        self.queries["bulk"] = [total]
        self.detail_bytes = len(self.bench.send(requests.detail(0)).content)
        self.framework_queries = framework.query_counts(self.token, runs)

    # --- 2. the raw reads -------------------------------------------------------------

    def time_statement(
        self,
        sql: str,
        params: Callable[[int], Sequence],
        rows: Callable[[list], str | None],
        *,
        binary: bool = False,
        then: tuple[str, Sequence] | None = None,
    ) -> Latency:
        """``sql`` with ``params(0)`` … ``params(repeat - 1)`` by psycopg directly, prepared,
        after three untimed runs (``params(-1)`` …: prepare, caches); ``rows`` looks at
        what each run read and names what is wrong with it (a floor that reads the wrong
        rows is no floor). ``then``: a batch of statements sent after it in one round trip
        (as ``scheduling.db.run_together`` sends them), timed with it."""
        with (
            psycopg.connect(settings.DATABASE_URL, autocommit=True) as conn,
            conn.cursor() as cur,
            psycopg.ClientCursor(conn) as batch,
        ):

            def read(run: int) -> list:
                cur.execute(sql, params(run), prepare=True, binary=binary)
                found = cur.fetchall()
                if then is not None:
                    batch.execute(*then)
                    while True:
                        if batch.description is not None:
                            batch.fetchall()
                        if not batch.nextset():
                            break
                return found

            for run in range(-1, -4, -1):
                read(run)
            times = []
            for run in range(self.options.repeat):
                started = time.perf_counter()
                found = read(run)
                times.append(time.perf_counter() - started)
                if problem := rows(found):
                    raise client.BenchError(f"the raw read {sql[:60]}…: {problem}")
        return Latency(times)

    def raw_read(self) -> Latency:
        """The detail's row by org and uuid."""
        table = connection.ops.quote_name(Appointment._meta.db_table)
        sql = f"SELECT * FROM {table} WHERE org_id = %s AND uuid = %s"
        org, ids = self.bench.org.pk, self.detail_ids
        return self.time_statement(
            sql,
            lambda run: (org, ids[run % len(ids)]),
            lambda read: None if len(read) == 1 else f"{len(read)} rows, not 1",
        )

    def raw_calendars(self) -> None:
        """The calendars' reads: the card SELECT over the day and over the week (as the
        calendar runs it: binary results) and the statements of their other reads, and the
        month's per-day aggregate."""
        scene = self.calendar

        def cards(days: int) -> Latency:
            sql, params = scene.card_statement(days)
            expected = scene.cards(days)
            return self.time_statement(
                sql,
                lambda run: params,
                lambda read: None if len(read) == expected else f"{len(read)} cards",
                binary=True,
                then=scene.schedule_statements(days),
            )

        def month(read: list) -> str | None:
            counted = sum(row[1] for row in read)
            return None if counted == scene.total else f"{counted} appointments"

        self.raw_day = cards(1)
        self.raw_week = cards(calendars.WEEK_DAYS)
        sql, params = scene.month_statement()
        self.raw_month = self.time_statement(sql, lambda run: params, month, binary=True)
        for name, result in (("day", self.raw_day), ("week", self.raw_week)):
            self.say(f"  raw {name} cards: median {report.ms(result.median)}")
        self.say(f"  raw month aggregate: median {report.ms(self.raw_month.median)}")
        for scene in self.app_scenes:
            scene.floors(self.time_statement)

    # --- 3./4. over HTTP -----------------------------------------------------------------

    def over_http(self) -> None:
        env = production_env(settings.DATABASE_URL)
        floor_env = {**env, "BENCH_FLOOR_BYTES": str(self.detail_bytes)}
        with contextlib.ExitStack() as servers:
            self.say("starting gunicorn: the floor app and the project ...")
            floor_server = servers.enter_context(
                Gunicorn(
                    "config.bench_floor:application",
                    env=floor_env,
                    log=WORK_DIR / "gunicorn-floor.log",
                    cwd=BASE_DIR,
                )
            )
            project_server = servers.enter_context(
                Gunicorn(
                    "config.wsgi:application",
                    env=env,
                    log=WORK_DIR / "gunicorn-project.log",
                    cwd=BASE_DIR,
                )
            )
            framework_server = servers.enter_context(
                framework.server(floor_env, WORK_DIR / "gunicorn-framework.log", BASE_DIR)
            )
            floor = client.Target(HOST, floor_server.port)
            project = client.Target(
                HOST,
                project_server.port,
                prefix=f"/api/v1/{self.bench.org.uuid}/",
                headers=(("Authorization", f"Bearer {self.token}"),),
            )
            self.measure(floor, project, framework.target(framework_server.port, self.token))

    def measure(self, floor: client.Target, project: client.Target, frame: client.Target) -> None:
        options, requests = self.options, self.requests
        constant = Call("GET", "/")  # the floor app answers every path alike

        def floor_call(run: int) -> Call:
            return constant

        def lat(target, make, label: str, n: int = options.repeat, warmup: int = 2) -> Latency:
            result = client.latency(target, make, n, warmup=warmup)
            self.say(f"  {label}: median {report.ms(result.median)}, p90 {report.ms(result.p90)}")
            return result

        def tput(target, make, label: str) -> Throughput:
            result = client.throughput(
                target, make, connections=options.connections, duration=options.duration
            )
            self.say(f"  {label}: {result.per_second:,.0f} requests/s ({result.requests:,})")
            return result

        self.say(
            f"measuring over HTTP: latency over {options.repeat} sequential requests, "
            f"throughput over {options.connections} connections × {options.duration:g} s ..."
        )
        client.warm(floor, floor_call, connections=options.connections)
        floor_latency = [lat(floor, floor_call, "floor app")]
        floor_throughput = [tput(floor, floor_call, "floor app")]
        # Before the project's writes (its creates wake autovacuum): as the floor app is.
        self.framework = framework.measure(
            frame, lat, tput, connections=options.connections, queries=self.framework_queries
        )

        for name in (
            "detail",
            "page",
            "filtered",
            "offset_page",
            "cursor_first",
            "cursor_deep",
            "free_time",
            "daily",
            "weekly",
            "monthly",
        ):
            client.warm(project, getattr(requests, name), connections=options.connections)
        for timed in self.scene_timed:
            if timed.repeatable:
                client.warm(project, timed.make, connections=options.connections)
        client.warm(project, requests.create, connections=options.connections, each=1)
        client.warm(
            project,
            lambda run: Call("POST", "appointments/bulk", {"rows": requests.rows(20, "w")}),
            connections=2,
            each=1,
        )
        self.latency = {
            "detail": lat(project, requests.detail, "detail"),
            "free_time": lat(project, requests.free_time, "free-time search"),
            "daily": lat(project, requests.daily, "daily calendar"),
            "weekly": lat(project, requests.weekly, "weekly calendar"),
            "monthly": lat(project, requests.monthly, "monthly calendar"),
            "page": lat(project, requests.page, "list page 1"),
            "filtered": lat(project, requests.filtered, "list, filtered"),
            "offset_page": lat(
                project, requests.offset_page, "list page 1,000", n=max(5, options.repeat // 5)
            ),
            "cursor_first": lat(project, requests.cursor_first, "cursor page 1"),
            "cursor_deep": lat(project, requests.cursor_deep, f"cursor page {CURSOR_PAGE:,}"),
            "create": lat(project, requests.create, "create"),
            "bulk": lat(project, requests.bulk, "bulk", n=options.bulk_repeat, warmup=0),
        }
        for timed in self.scene_timed:
            warmup = 2 if timed.repeatable else 0
            self.latency[timed.name] = lat(project, timed.make, timed.label, warmup=warmup)
        self.throughput = {
            "detail": tput(project, requests.detail, "detail"),
            "page": tput(project, requests.page, "list page 1"),
            "cursor_first": tput(project, requests.cursor_first, "cursor page 1"),
            "create": tput(project, requests.create, "create"),
        }
        floor_latency.append(lat(floor, floor_call, "floor app, again"))
        floor_throughput.append(tput(floor, floor_call, "floor app, again"))
        self.floor_latencies = floor_latency
        self.floor_throughputs = floor_throughput
        self.floor_latency = min(floor_latency, key=lambda result: result.median)
        self.floor_throughput = max(floor_throughput, key=lambda result: result.per_second)

    # --- 5. the import ---------------------------------------------------------------------

    def time_import(self) -> None:
        rows = self.options.import_rows
        self.import_seconds = None
        if rows <= 0:
            return
        self.say(f"timing manage.py import_appointments of {rows:,} rows ...")
        WORK_DIR.mkdir(parents=True, exist_ok=True)
        path = WORK_DIR / "import.csv"
        records = self.requests.rows(rows, "i")
        with open(path, "w", newline="") as out:
            writer = csv.DictWriter(out, fieldnames=list(records[0]))
            writer.writeheader()
            for record in records:
                writer.writerow({**record, "provider_uuids": ";".join(record["provider_uuids"])})
        command = [
            sys.executable,
            str(BASE_DIR / "manage.py"),
            "import_appointments",
            str(path),
            "--org",
            str(self.bench.org.uuid),
            "--no-progress",
        ]
        started = time.perf_counter()
        done = subprocess.run(
            command,
            env=production_env(settings.DATABASE_URL),
            cwd=BASE_DIR,
            capture_output=True,
            text=True,
            check=False,
        )
        self.import_seconds = time.perf_counter() - started
        created = Appointment.objects.filter(
            org=self.bench.org, external_id__startswith=f"{TIMED}i"
        ).count()
        if done.returncode != 0 or created != rows:
            raise client.BenchError(
                f"import_appointments: exit {done.returncode}, {created:,} of {rows:,} created:\n"
                f"{done.stdout[-1000:]}{done.stderr[-2000:]}"
            )
        self.say(f"  {rows:,} rows in {self.import_seconds:.1f} s")

    # --- everything ------------------------------------------------------------------------

    def run(self) -> str:
        self.prepare()
        try:
            self.count_queries()
            self.raw = self.raw_read()
            self.say(f"  raw read: median {report.ms(self.raw.median)}")
            self.raw_calendars()
            self.over_http()
            self.time_import()
            for scene in self.app_scenes:
                scene.after_http(production_env(settings.DATABASE_URL))
        finally:
            self.say("deleting what the timed requests wrote ...")
            self.bench.delete_timed()
            for scene in getattr(self, "app_scenes", ()):
                scene.cleanup()
        self.load_after = report.load_average()
        return self.report()

    def report(self) -> str:
        options, q = self.options, self.queries
        lat, tp = self.latency, self.throughput
        http_floor = self.floor_latency.median
        detail = lat["detail"].median
        detail_floor = http_floor + self.raw.median
        floor_row = Row(
            "**floor**: bare WSGI app (constant JSON, "
            f"{self.detail_bytes:,} bytes) under the same gunicorn",
            http_floor,
            self.floor_latency.p90,
        )
        raw_row = Row(
            "**floor**: the row read directly (psycopg, prepared SELECT by org + uuid)",
            self.raw.median,
            sorted(self.raw.times)[round(0.9 * (len(self.raw.times) - 1))],
            queries=[1],
        )

        def raw_floor(label: str, result: Latency) -> Row:
            return Row(f"**floor**: {label}", result.median, result.p90, queries=[1])

        def calendar(name: str, label: str, raw: Latency, floor_label: str, target: Target) -> Row:
            return Row(
                label,
                lat[name].median,
                lat[name].p90,
                http_floor + raw.median,
                floor_label,
                target,
                q[name],
            )

        scene = self.calendar
        day_cards, week_cards = scene.cards(1), scene.cards(calendars.WEEK_DAYS)
        staffed = f"{scene.chair_count} chairs, {len(scene.providers)} providers"

        def info(name: str, label: str, floor_label: str = "HTTP floor") -> Row:
            return Row(
                label, lat[name].median, lat[name].p90, http_floor, floor_label, None, q[name]
            )

        bulk = lat["bulk"]
        latency_rows = [
            floor_row,
            *framework.latency_rows(self.framework, http_floor),
            raw_row,
            raw_floor(
                f"the day's {day_cards} cards read directly (psycopg, the calendar's prepared "
                "card SELECT), then its schedules, blockouts, note and chairs (its other "
                "statements, one round trip)",
                self.raw_day,
            ),
            raw_floor(f"the week's {week_cards:,} cards read directly (the same)", self.raw_week),
            raw_floor(
                f"the month's per-day aggregate over {scene.total:,} appointments read "
                "directly (psycopg, prepared)",
                self.raw_month,
            ),
            Row(
                "detail `GET /appointments/{id}`",
                detail,
                lat["detail"].p90,
                detail_floor,
                "HTTP floor + raw read",
                Target(3, text="≤ 3×"),
                q["detail"],
            ),
            Row(
                f"free-time search `GET /schedule/free-time`, {free_time.DAYS} days, "
                f"{free_time.PROVIDERS} providers, {free_time.CHAIRS} chairs, "
                f"{self.scene.booked:,} live appointments, {self.scene.blocked} blockouts "
                "(60 min, every quarter hour)",
                lat["free_time"].median,
                lat["free_time"].p90,
                None,
                "",
                Target(0.100, text="≤ 100 ms"),
                q["free_time"],
            ),
            calendar(
                "daily",
                f"daily calendar `GET /schedule/calendar/daily`, {day_cards} appointments, "
                f"{staffed}",
                self.raw_day,
                "HTTP floor + raw day",
                Target(3, text="≤ 3×"),
            ),
            calendar(
                "weekly",
                f"weekly calendar `GET /schedule/calendar/weekly`, {week_cards:,} appointments "
                f"over 7 days, {staffed}",
                self.raw_week,
                "HTTP floor + raw week",
                Target(3, text="≤ 3×"),
            ),
            calendar(
                "monthly",
                f"monthly calendar `GET /schedule/calendar/monthly`, {scene.total:,} "
                f"appointments over {len(scene.counts)} days",
                self.raw_month,
                "HTTP floor + raw month",
                Target(0.050, absolute=True, text="≤ 50 ms"),
            ),
            Row(
                "list page 1 `GET /appointments?page_size=50` (with the total)",
                lat["page"].median,
                lat["page"].p90,
                detail,
                "detail",
                Target(2, text="≤ 2× detail"),
                q["page"],
            ),
            Row(
                "create `POST /appointments` (type, provider, conflict check)",
                lat["create"].median,
                lat["create"].p90,
                detail,
                "detail",
                Target(3, max_queries=10, text="≤ 3× detail, ≤ 10 queries"),
                q["create"],
            ),
            Row(
                f"bulk `POST /appointments/bulk`, {options.bulk_rows} new rows "
                f"(median of {len(bulk.times)}; p90 column: slowest)",
                bulk.median,
                max(bulk.times),
                None,
                "",
                Target(1.0, text="≤ 1 s") if options.bulk_rows == 500 else None,
                q["bulk"],
                f"{q['bulk'][0] / options.bulk_rows:.1f} per row",
            ),
        ]
        if self.import_seconds is not None:
            scale = IMPORT_TARGET_ROWS / options.import_rows
            estimate = self.import_seconds * scale
            label = f"`manage.py import_appointments`, {IMPORT_TARGET_ROWS:,} rows"
            if options.import_rows != IMPORT_TARGET_ROWS:
                label += (
                    f": **extrapolated** ×{scale:g} (linearly) from {options.import_rows:,} "
                    f"rows in {self.import_seconds:.1f} s"
                )
            per_row = self.import_seconds / options.import_rows
            latency_rows.append(
                Row(
                    label,
                    estimate,
                    None,
                    None,
                    "",
                    Target(60.0, text="≤ 60 s"),
                    None,
                    f"{report.ms(per_row)} per row, start-up included",
                )
            )
        figures = scenes.Figures(lat, q, http_floor=http_floor, detail=detail)
        for scene in self.app_scenes:
            latency_rows += scene.rows(figures)
        latency_rows += [
            info("filtered", "list, one location and a week, two statuses"),
            info("offset_page", "list page 1,000 (`page=1000`, OFFSET 49,950)"),
            info(
                "cursor_first", f"cursor page 1 (`/appointments/cursor?first={CURSOR_PAGE_SIZE}`)"
            ),
            info(
                "cursor_deep",
                f"cursor page {CURSOR_PAGE:,} (rows {PAGE_OFFSET + 1:,}–"
                f"{PAGE_OFFSET + CURSOR_PAGE_SIZE:,})",
            ),
        ]
        floor_rate = self.floor_throughput.per_second
        throughput_rows = [
            Row("**floor**: bare WSGI app under the same gunicorn", floor_rate),
            *framework.throughput_rows(self.framework, floor_rate),
            Row(
                "detail",
                tp["detail"].per_second,
                floor=floor_rate,
                target=Target(0.25, at_least=True, text="≥ 25% of the floor"),
            ),
            Row("list page 1 (page_size=50)", tp["page"].per_second, floor=floor_rate),
            Row(
                f"cursor page 1 (first={CURSOR_PAGE_SIZE})",
                tp["cursor_first"].per_second,
                floor=floor_rate,
            ),
            Row("create", tp["create"].per_second, floor=floor_rate),
        ]
        total = Appointment.objects.filter(org=self.bench.org).count()
        loaded = (
            f"loaded in {self.bench.loaded_in:.1f} s"
            if self.bench.loaded_in is not None
            else "reused"
        )
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            server = cursor.fetchone()[0].split()[0]
        where = "DATABASE_URL" if os.environ.get("DATABASE_URL") else "embedded"
        floors = ", ".join(report.ms(r.median) for r in self.floor_latencies)
        rates = ", ".join(report.rate(r.per_second) for r in self.floor_throughputs)
        minutes = (time.monotonic() - self.started) / 60
        lines = [
            "",
            f"machine: {report.machine(server, where)}",
            f"load average (1 / 5 / 15 min): {self.load_before} before the run, "
            f"{self.load_after} after it ({minutes:.1f} min)",
            f"{ORG_NAME}: {total:,} appointments ({loaded}), {len(self.bench.operatories)} "
            f"chairs, {len(self.bench.patients):,} patients",
            f"servers: gunicorn {' '.join(GUNICORN_SETTINGS)} on {HOST}, one for the project "
            "(DEBUG=false, CONN_MAX_AGE=60, a real bearer token), one for the floor app and one "
            "for the framework's floors (the project's settings, their own routes)",
            f"client: http.client, keep-alive; latency = {options.repeat} sequential requests "
            f"(list page 1,000: {len(lat['offset_page'].times)}); throughput = "
            f"{options.connections} connections for {options.duration:g} s; the floor app is "
            f"measured before and after the project (latency {floors}; throughput {rates}) "
            "and the better figure is its floor",
            f"queries: counted in-process (DRF test client) over {options.query_runs} runs; "
            "bulk: one import",
            "",
            *report.latency_table(latency_rows),
            "",
            *report.throughput_table(throughput_rows),
            "",
            f"Queries of one {options.bulk_rows}-row bulk import, per row:",
            *(f"  {per_row:6.3f}  {kind}" for kind, per_row in self.bulk_breakdown),
        ]
        return "\n".join(lines) + "\n"
