"""``manage.py bench_appointments`` (``make bench``): the Appointments API as its users meet
it, over HTTP under gunicorn with ``DEBUG=false``, beside floors timed in the same run.

It loads 100,000 appointments into the org "Bench Dental" by COPY (once; ``--reset``
reloads) and the scenes of the free-time search and the calendars, counts each request's
queries in-process, starts gunicorn twice with the same settings (the project, and a bare
WSGI app returning constant JSON: the HTTP floor), times over HTTP detail, list and cursor
pages, create and a 500-row bulk import (latency and throughput), the free-time search
and the daily, weekly and monthly calendars (latency), times the same rows read directly
with psycopg (the database floors), then ``manage.py import_appointments`` of 10,000
rows; it prints each figure beside its floor with the ratio, its target and PASS/FAIL,
and the machine it ran on.
See ``appointments/bench/runner.py``. The servers are stopped however the run ends.
"""

from __future__ import annotations

import signal

from django.core.management.base import BaseCommand, CommandError

from appointments.bench.client import BenchError
from appointments.bench.data import CURSOR_PAGE, CURSOR_PAGE_SIZE
from appointments.bench.runner import Options, Run


def _exit_on_signal(signum, _frame):
    raise SystemExit(128 + signum)  # unwinds: the gunicorns are stopped on the way out


class Command(BaseCommand):
    help = (
        "Load 100,000 appointments into the org 'Bench Dental' (once; --reset reloads), then "
        "time the Appointments API under gunicorn (DEBUG=false, bearer token, over HTTP) "
        "beside a bare WSGI app and a direct read of the row, and print each figure as a "
        "ratio to its floor with the issue-10 targets (PASS/FAIL) and the machine."
    )

    def add_arguments(self, parser):
        defaults = Options()
        parser.add_argument("--appointments", type=int, default=defaults.appointments, metavar="N")
        parser.add_argument(
            "--reset", action="store_true", help="Delete the org's appointments and reload."
        )
        parser.add_argument(
            "--repeat",
            type=int,
            default=defaults.repeat,
            help=f"Sequential requests per latency figure ({defaults.repeat}).",
        )
        parser.add_argument(
            "--duration",
            type=float,
            default=defaults.duration,
            help=f"Seconds per throughput figure ({defaults.duration:g}).",
        )
        parser.add_argument(
            "--connections",
            type=int,
            default=defaults.connections,
            help=f"Concurrent keep-alive connections for throughput ({defaults.connections}).",
        )
        parser.add_argument(
            "--bulk-repeat", type=int, default=defaults.bulk_repeat, help="Bulk imports (3)."
        )
        parser.add_argument(
            "--bulk-rows", type=int, default=defaults.bulk_rows, help="Rows per bulk (500)."
        )
        parser.add_argument(
            "--import-rows",
            type=int,
            default=defaults.import_rows,
            metavar="N",
            help="Rows of the timed manage.py import_appointments (10000; the target is for "
            "100000, extrapolated linearly from N; 0 skips it).",
        )

    def handle(self, *args, appointments, reset, **options):
        if appointments < CURSOR_PAGE * CURSOR_PAGE_SIZE:
            raise CommandError(
                f"--appointments must be at least {CURSOR_PAGE * CURSOR_PAGE_SIZE:,} "
                f"(cursor page {CURSOR_PAGE:,} of {CURSOR_PAGE_SIZE})"
            )
        for sig in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, _exit_on_signal)
        run = Run(
            Options(
                appointments=appointments,
                reset=reset,
                repeat=options["repeat"],
                duration=options["duration"],
                connections=options["connections"],
                bulk_repeat=options["bulk_repeat"],
                bulk_rows=options["bulk_rows"],
                import_rows=options["import_rows"],
            ),
            say=self.say,
        )
        try:
            self.stdout.write(run.run())
        except BenchError as exc:
            raise CommandError(str(exc)) from exc

    def say(self, message: str) -> None:
        self.stderr.write(message)
        self.stderr.flush()
