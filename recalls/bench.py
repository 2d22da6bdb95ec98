"""The recalls' scene of ``make bench`` (``appointments.bench.scenes``).

100,000 patient recalls in the bench org: 25,000 patients of the scene's own, each with an
open cycle of each of the three demo types (Prophy, Perio Maintenance, Bitewings) due
somewhere in the year before or after today (one in fifty switched off), and a completed
Prophy cycle before that: about 37,000 recalls on the due list. Loaded once by COPY and
reused while all 100,000 are there; the due dates are relative to the day the scene was
loaded, so a later run finds a few more overdue, as a practice would.

Timed over HTTP: the due list's first page (the issue's target: 30 ms median, reported
beside the appointment detail), the recall list filtered to ``overdue``, both with their
totals; the floor of the due page is its own SELECT read directly. After the servers
stop, ``manage.py recalls_sync`` runs over the bench practice's five years of completed
procedures and builds its patients' recalls from scratch (the scene's patients have no
visits: it leaves them alone); they are deleted again afterwards, as they are before each
run, so that the practice's patients never hold recalls while its requests are timed.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from appointments.bench.client import BenchError, Call
from appointments.bench.loading import analyze, copy_rows
from appointments.bench.report import Row, Target
from appointments.bench.scenes import (
    SCENE_PATIENTS,
    Figures,
    Say,
    Timed,
    TimeStatement,
    register_scene,
    scene_patients,
)
from appointments.models import AppointmentProcedure, AppointmentStatus
from recalls import selectors
from recalls.models import PatientRecall, RecallTrigger, RecallType
from scheduling.models import Organization

SCENE = "recall-"
PREFIX = f"{SCENE_PATIENTS}{SCENE}"  # the external ids of the scene's patients
PATIENTS = 25_000
TYPES = ("Prophy", "Perio Maintenance", "Bitewings")
PER_PATIENT = len(TYPES) + 1  # an open cycle of each type, a completed Prophy
DISABLED_EVERY = 50
PAGE_SIZE = 50
#: The issue's yardstick for recalls_sync: 100,000 completed procedures in at most 60 s.
SYNC_TARGET = 60.0


class RecallScene:
    def __init__(self, org: Organization, say: Say, *, repeat: int, patients: int = PATIENTS):
        self.org, self.say = org, say
        self.patients = patients
        self.recalls = patients * PER_PATIENT
        self.sync_seconds: float | None = None

    # --- data -------------------------------------------------------------------------

    def ensure(self) -> None:
        # By name, case aside (as the demo finds them: an older demo said "maintenance").
        types = {t.name.lower(): t for t in RecallType.objects.filter(org=self.org)}
        if missing := [name for name in TYPES if name.lower() not in types]:
            raise BenchError(f"the bench org lacks the demo recall types {', '.join(missing)}")
        self.types = [types[name.lower()] for name in TYPES]
        # The practice's own patients have no recalls: every run books and cancels for
        # them alike (a booking that links a recall costs the engine's writes), and the
        # sync rebuilds theirs from scratch.
        self._practice_recalls().delete()
        patients = scene_patients(self.org, SCENE, self.patients)
        mine = PatientRecall.objects.filter(org=self.org, patient__external_id__startswith=PREFIX)
        if mine.count() == self.recalls:
            self.say(f"reusing the recall scene's {self.recalls:,} patient recalls")
        else:
            self.say(f"loading {self.recalls:,} patient recalls for {self.patients:,} patients")
            mine.delete()
            copy_rows(PatientRecall, self._recalls([p.pk for p in patients]))
            analyze(PatientRecall)
        self.today = self.org.local_today()
        self.overdue = (
            selectors.patient_recalls(org=self.org)
            .filter(selectors.status_q(selectors.RecallStatus.OVERDUE, org=self.org))
            .count()
        )
        self.due = (
            selectors.due_patient_recalls(
                selectors.patient_recalls(org=self.org), org=self.org, due_on=self.today
            )
        ).count()

    def _recalls(self, patient_ids: list[int]):
        today, now = self.org.local_today(), timezone.now()
        for n, patient_id in enumerate(patient_ids):
            for k, recall_type in enumerate(self.types):
                due = today + timedelta(days=(n * 7 + k * 131) % 730 - 365)
                yield {
                    "org_id": self.org.pk,
                    "patient_id": patient_id,
                    "recall_type_id": recall_type.pk,
                    "date_previous": due - timedelta(days=182),
                    "date_due": due,
                    "is_disabled": n % DISABLED_EVERY == k,
                    "completed_at": None,
                    "created_at": now,
                    "updated_at": now,
                }
            previous = today - timedelta(days=400 + n % 200)
            yield {
                "org_id": self.org.pk,
                "patient_id": patient_id,
                "recall_type_id": self.types[0].pk,
                "date_previous": previous - timedelta(days=182),
                "date_due": previous,
                "is_disabled": False,
                "completed_at": now,
                "created_at": now,
                "updated_at": now,
            }

    # --- timed ------------------------------------------------------------------------

    def timed(self) -> list[Timed]:
        return [
            Timed(
                "recalls_due",
                "due list",
                lambda run: Call(
                    "GET",
                    f"recalls/patient-recalls/due?page_size={PAGE_SIZE}",
                    check=self._page_check(self.due, "overdue", "due"),
                ),
            ),
            Timed(
                "recalls_overdue",
                "recall list, overdue",
                lambda run: Call(
                    "GET",
                    f"recalls/patient-recalls?status=overdue&page_size={PAGE_SIZE}",
                    check=self._page_check(self.overdue, "overdue"),
                ),
            ),
        ]

    @staticmethod
    def _page_check(counted: int, *statuses: str):
        """A full first page in the statuses, most overdue first, and about the total
        counted when the scene was loaded: the bench's timed bookings (of its practice's
        patients) may link a few recalls meanwhile, and those leave the lists."""

        def check(body) -> str | None:
            items, total = body["items"], body["total"]
            dues = [item["date_due"] for item in items]
            if (
                len(items) != PAGE_SIZE
                or not counted - 1000 <= total <= counted
                or dues != sorted(dues)
                or {item["status"] for item in items} - set(statuses)
            ):
                return f"total {total} (counted {counted}), {len(items)} items"
            return None

        return check

    def floors(self, time_statement: TimeStatement) -> None:
        page = selectors.due_patient_recalls(
            selectors.patient_recalls(org=self.org), org=self.org, due_on=self.today
        )[:PAGE_SIZE]
        sql, params = page.query.sql_with_params()
        self.raw_due = time_statement(
            sql,
            lambda run: params,
            lambda read: None if len(read) == PAGE_SIZE else f"{len(read)} rows",
        )

    # --- recalls_sync -------------------------------------------------------------------

    def after_http(self, env: dict[str, str]) -> None:
        self.procedures = AppointmentProcedure.objects.filter(
            org=self.org, appointment__status=AppointmentStatus.COMPLETE
        ).count()
        trigger_codes = RecallTrigger.objects.filter(org=self.org).values("procedure_code")
        self.trigger_procedures = AppointmentProcedure.objects.filter(
            org=self.org,
            appointment__status=AppointmentStatus.COMPLETE,
            procedure_code__in=trigger_codes,
        ).count()
        self.say(f"timing manage.py recalls_sync over {self.procedures:,} completed procedures ...")
        command = [
            sys.executable,
            str(settings.BASE_DIR / "manage.py"),
            "recalls_sync",
            "--org",
            str(self.org.uuid),
        ]
        started = time.perf_counter()
        done = subprocess.run(
            command, env=env, cwd=settings.BASE_DIR, capture_output=True, text=True, check=False
        )
        self.sync_seconds = time.perf_counter() - started
        created = re.search(r"(\d+) created", done.stdout)
        if done.returncode != 0 or created is None or int(created.group(1)) == 0:
            raise BenchError(
                f"recalls_sync: exit {done.returncode}:\n{done.stdout[-1000:]}{done.stderr[-2000:]}"
            )
        self.sync_summary = done.stdout.strip()
        self.say(f"  {self.sync_summary} in {self.sync_seconds:.1f} s")
        self._practice_recalls().delete()  # the next run measures the same data

    def _practice_recalls(self):
        """The recalls of everyone but the scene's patients."""
        return PatientRecall.objects.filter(org=self.org).exclude(
            patient__external_id__startswith=PREFIX
        )

    # --- report -----------------------------------------------------------------------

    def rows(self, figures: Figures) -> list[Row]:
        lat, q = figures.latency, figures.queries
        rows = [
            Row(
                f"**floor**: the due list's first {PAGE_SIZE} rows read directly (psycopg, "
                "its prepared SELECT)",
                self.raw_due.median,
                self.raw_due.p90,
                queries=[1],
            ),
            Row(
                f"recall due list `GET /recalls/patient-recalls/due`, page 1 of "
                f"{self.due:,} due among {self.recalls:,} patient recalls (with the total)",
                lat["recalls_due"].median,
                lat["recalls_due"].p90,
                figures.detail,
                "detail",
                Target(0.030, absolute=True, text="≤ 30 ms"),
                q["recalls_due"],
            ),
            Row(
                "recall list `?status=overdue`, page 1 (with the total)",
                lat["recalls_overdue"].median,
                lat["recalls_overdue"].p90,
                figures.detail,
                "detail",
                None,
                q["recalls_overdue"],
            ),
        ]
        if self.sync_seconds is not None:
            rows.append(
                Row(
                    f"`manage.py recalls_sync` over {self.procedures:,} completed procedures "
                    f"({self.trigger_procedures:,} with trigger codes)",
                    self.sync_seconds,
                    target=Target(SYNC_TARGET, text="≤ 60 s"),
                    note=f"{self.sync_summary}, start-up included",
                )
            )
        return rows

    def cleanup(self) -> None:
        """The timed requests only read."""


register_scene(RecallScene)
