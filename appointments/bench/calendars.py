"""The calendars' scene in the bench org: a busy month at a location of its own.

A location of its own ("Bench calendar", America/Chicago, external ids ``bench-cal-…``)
with 10 chairs and 12 providers (a dentist in each chair, two hygienists moving between
them) who work every day 07:00–19:00, each with a daily production goal, and 10,000 live
appointments in October 2026, 20 minutes each, with their providers (a hygienist too on
every fourth) and their type's procedures: 300 on each day of the week of Wednesday
14 October (the day and the week the daily and weekly calendars show), the rest spread
evenly over the month's other days (about 330 a day) for the monthly summary. A group
practice open all week, then: the timed day is an ordinary one of its month, not an
outlier.

The month is fixed and past, so the scene is built once (by COPY, a few seconds) and
every later run reuses it; it is rebuilt whole when its appointments are not all there
(``--reset`` deleted them, say). The bench's own practice leaves its chairs and providers
out (``data.SCENES``), so the other figures measure what they always measured; the
org's appointment count (the list's ``total``) does include its 10,000.

The floors of the calendars are their reads done directly: the calendar's own card
SELECT over the day or the week (``card_statement``) followed by the statements of its
other reads (``schedule_statements``: schedules, blockouts, notes, chairs), and the
monthly summary's per-day aggregate written out in SQL (``month_statement``).
"""

from __future__ import annotations

from calendar import monthrange
from datetime import date, datetime, timedelta
from datetime import time as wall_time
from decimal import Decimal
from urllib.parse import urlencode

from django.db import connection, transaction

from appointments.bench.client import Call
from appointments.bench.loading import (
    analyze,
    copy_rows,
    delete_appointments,
    next_ids,
    replace_templates,
    scene_chair,
    scene_provider,
)
from appointments.models import (
    LIVE_STATUSES,
    Appointment,
    AppointmentProcedure,
    AppointmentProvider,
    AppointmentStatus,
    AppointmentType,
    ProviderRole,
)
from appointments.services.calendars import WEEK_DAYS, card_statement, schedule_reads
from appointments.services.production import COMPLETED_STATUSES, SCHEDULED_STATUSES
from scheduling.models import (
    Definition,
    DefinitionCategory,
    Location,
    Operatory,
    Organization,
    Patient,
    ProcedureCode,
    ProductionGoal,
    Provider,
    ProviderScheduleTemplate,
)
from scheduling.timezones import local_day_bounds, to_utc

SCENE = "bench-cal-"  # external_id prefix of the scene's location, chairs and providers
NAME = "Bench calendar"
TIMEZONE = "America/Chicago"
CHAIRS = 10
HYGIENISTS = 2
MONTH = date(2026, 10, 1)  # past, and clear of daylight-saving changes (1 November)
DAY = date(2026, 10, 14)  # a Wednesday: the daily calendar's day
WEEK_START = DAY - timedelta(days=DAY.weekday())  # its Monday: the weekly calendar's
DAY_APPOINTMENTS = 300  # on the day, and on each day of its week
MONTH_APPOINTMENTS = 10_000
#: A chair's day: 20-minute appointments back to back from 07:00, at most 36 (to 19:00).
OPENS, CLOSES = wall_time(7), wall_time(19)
LENGTH = 20
SLOTS = (CLOSES.hour - OPENS.hour) * 60 // LENGTH
#: Outcomes in a past month: mostly complete, some never closed out, a few planned.
STATUSES = (
    AppointmentStatus.COMPLETE,
    AppointmentStatus.COMPLETE,
    AppointmentStatus.SCHEDULED,
    AppointmentStatus.COMPLETE,
    AppointmentStatus.PLANNED,
)
DENTIST_GOAL, HYGIENIST_GOAL = Decimal("2400.00"), Decimal("1100.00")


def day_counts(
    month: date, *, week_start: date, per_day: int, total: int, chairs: int
) -> dict[date, int]:
    """How many appointments each day of ``month`` holds: ``per_day`` on each of the seven
    days from ``week_start``, the rest of ``total`` shared evenly by the other days (the
    first ones one more while the division leaves some), in date order.

    Refused (``ValueError``) when the week does not lie in the month, the week alone
    holds more than ``total``, or a day would hold more than its ``chairs`` can.
    """
    days = [month.replace(day=n) for n in range(1, monthrange(month.year, month.month)[1] + 1)]
    week = [week_start + timedelta(days=n) for n in range(WEEK_DAYS)]
    if not set(week) <= set(days):
        raise ValueError(f"the week of {week_start} is not in {month:%Y-%m}")
    others = [day for day in days if day not in week]
    left = total - per_day * len(week)
    if left < 0:
        raise ValueError(f"{per_day} a day for a week is more than {total}")
    share, extra = divmod(left, len(others))
    counts = dict.fromkeys(week, per_day)
    for index, day in enumerate(others):
        counts[day] = share + (index < extra)
    counts = dict(sorted(counts.items()))
    if max(counts.values()) > chairs * SLOTS:
        raise ValueError(f"{max(counts.values())} a day is more than {chairs} chairs hold")
    return counts


class CalendarScene:
    """The scene of one bench org; ``ensure`` builds what is missing; ``daily``,
    ``weekly`` and ``monthly`` are the timed requests and ``card_statement`` and
    ``month_statement`` their floors. The sizes are parameters so a test can build a
    small one."""

    def __init__(
        self,
        org: Organization,
        patients: list[Patient],
        say,
        *,
        chairs: int = CHAIRS,
        per_day: int = DAY_APPOINTMENTS,
        total: int = MONTH_APPOINTMENTS,
    ):
        self.org, self.patients, self.say = org, patients, say
        self.chair_count = chairs
        self.counts = day_counts(
            MONTH, week_start=WEEK_START, per_day=per_day, total=total, chairs=chairs
        )
        self.total = total
        self.last = max(self.counts)

    # --- building --------------------------------------------------------------------

    def ensure(self) -> None:
        with transaction.atomic():
            self.location, _ = Location.objects.get_or_create(
                org=self.org,
                external_id=f"{SCENE}location",
                defaults={"name": NAME, "timezone": TIMEZONE},
            )
            self.chairs = [self._chair(n) for n in range(self.chair_count)]
            self.providers = [self._provider(n) for n in range(self.chair_count + HYGIENISTS)]
            self._templates()
            self._goals()
            if self._appointments().count() == self.total:
                self.say(f"reusing the calendar scene ({MONTH:%Y-%m}, {self.total:,})")
                return
            self.say(f"building the calendar scene ({MONTH:%Y-%m}, {self.total:,}) ...")
            delete_appointments(self.org, self.location)
            self._book()
        analyze(Appointment, AppointmentProvider, AppointmentProcedure)

    def _chair(self, n: int) -> Operatory:
        return scene_chair(self.org, self.location, SCENE, n, f"Cal Op {n + 1}")

    def _provider(self, n: int) -> Provider:
        """Providers 0 … chairs − 1 are the chairs' dentists, the others hygienists."""
        last_name = ("Alvarez", "Brooks", "Chen", "Dubois", "Eze")[n % 5]
        return scene_provider(
            self.org, SCENE, n, first_name=f"Cal{n}", last_name=last_name,
            hygienist=n >= self.chair_count,
        )  # fmt: skip

    def _templates(self) -> None:
        """Every provider works every day 07:00–19:00, a dentist in a chair of their own."""
        replace_templates(
            self.org,
            self.location,
            [
                ProviderScheduleTemplate(
                    org=self.org,
                    provider=provider,
                    location=self.location,
                    operatory=self.chairs[n] if n < self.chair_count else None,
                    day_of_week=weekday,
                    start_time=OPENS,
                    end_time=CLOSES,
                    effective_from=date(2020, 1, 1),
                )
                for n, provider in enumerate(self.providers)
                for weekday in range(7)
            ],
        )

    def _goals(self) -> None:
        """A production goal for every provider on every day of the month."""
        goals = ProductionGoal.objects.filter(org=self.org, location=self.location)
        if goals.count() == len(self.providers) * len(self.counts):
            return
        goals.delete()
        ProductionGoal.objects.bulk_create(
            ProductionGoal(
                org=self.org,
                provider=provider,
                location=self.location,
                goal_date=day,
                goal_amount=DENTIST_GOAL if n < self.chair_count else HYGIENIST_GOAL,
            )
            for n, provider in enumerate(self.providers)
            for day in self.counts
        )

    def _appointments(self):
        return Appointment.objects.filter(org=self.org, location=self.location)

    def plan(self) -> list[tuple[date, int, datetime]]:
        """``(day, chair index, start)`` of each appointment: each day's chairs filled
        slot by slot from 07:00 (the first slot of every chair, then the second …)."""
        return [
            (day, i % self.chair_count, self._at(day, i // self.chair_count))
            for day, count in self.counts.items()
            for i in range(count)
        ]

    def _at(self, day: date, slot: int) -> datetime:
        minute = OPENS.hour * 60 + slot * LENGTH
        return to_utc(day, wall_time(minute // 60, minute % 60), TIMEZONE)

    def _book(self) -> None:
        """The month's appointments, their providers and procedures, by COPY."""
        types = list(
            AppointmentType.objects.filter(org=self.org, status="active").order_by(
                "item_order", "id"
            )
        ) or [None]
        codes = {code.code: code for code in ProcedureCode.objects.filter(org=self.org)}
        confirmations = list(
            Definition.objects.filter(
                org=self.org, category=DefinitionCategory.APPT_CONFIRMED
            ).order_by("item_order", "id")
        )
        plan = self.plan()
        ids = next_ids(Appointment, len(plan))
        appointments, links, procedures = [], [], []
        for n, (pk, (day, chair, start)) in enumerate(zip(ids, plan, strict=True)):
            status = STATUSES[n % len(STATUSES)]
            kind = types[n % len(types)]
            end = start + timedelta(minutes=LENGTH)
            stamp = start - timedelta(days=14)
            common = {"org_id": self.org.pk, "created_at": stamp, "updated_at": stamp}
            appointments.append(
                {
                    **common,
                    "id": pk,
                    "location_id": self.location.pk,
                    "operatory_id": self.chairs[chair].pk,
                    "patient_id": self.patients[(n * 7919) % len(self.patients)].pk,
                    "appointment_type_id": kind.pk if kind else None,
                    "status": status,
                    "start_at": start,
                    "end_at": end,
                    "confirmation_status_id": (
                        confirmations[n % len(confirmations)].pk
                        if confirmations and status != AppointmentStatus.PLANNED
                        else None
                    ),
                    "production_override": Decimal(95 + n % 9 * 25) if n % 10 == 0 else None,
                    "is_new_patient": n % 25 == 0,
                    "note": "Premedicate" if n % 12 == 0 else "",
                    "external_id": f"{SCENE}{day.isoformat()}-{n}",
                }
            )
            links.append({**common, "appointment_id": pk, "provider_id": self.providers[chair].pk})
            if n % 4 == 0:
                hygienist = self.providers[self.chair_count + n % HYGIENISTS]
                links.append(
                    {
                        **common,
                        "appointment_id": pk,
                        "provider_id": hygienist.pk,
                        "role": ProviderRole.HYGIENIST,
                        "item_order": 1,
                    }
                )
            codes_to_add = kind.procedure_codes_to_add[:2] if kind else []
            for order, code in enumerate(c for c in codes_to_add if c in codes):
                done = status == AppointmentStatus.COMPLETE
                procedures.append(
                    {
                        **common,
                        "appointment_id": pk,
                        "procedure_code_id": codes[code].pk,
                        "fee": codes[code].default_fee,
                        "item_order": order,
                        "status": "complete" if done else "planned",
                        "completed_at": end if done else None,
                    }
                )
        copy_rows(Appointment, appointments)
        copy_rows(AppointmentProvider, links)
        copy_rows(AppointmentProcedure, procedures)

    # --- the timed requests ----------------------------------------------------------

    def daily(self, run: int) -> Call:
        query = urlencode({"location_uuid": str(self.location.uuid), "target_date": DAY})
        return Call("GET", f"schedule/calendar/daily?{query}", check=self._cards_check(1))

    def weekly(self, run: int) -> Call:
        query = urlencode({"location_uuid": str(self.location.uuid), "week_start": WEEK_START})
        return Call("GET", f"schedule/calendar/weekly?{query}", check=self._cards_check(WEEK_DAYS))

    def monthly(self, run: int) -> Call:
        query = urlencode({"location_uuid": str(self.location.uuid), "month": f"{MONTH:%Y-%m}"})
        return Call("GET", f"schedule/calendar/monthly?{query}", check=self._month_check)

    def cards(self, days: int) -> int:
        """The cards of the day (``days=1``) or the week (``days=7``)."""
        first = DAY if days == 1 else WEEK_START
        return sum(self.counts[first + timedelta(days=n)] for n in range(days))

    def _cards_check(self, days: int):
        expected = self.cards(days)

        def check(body: dict) -> str | None:
            shown = sum(len(day["appointments"]) for day in body.get("days", [body]))
            return None if shown == expected else f"{shown} cards, not {expected}"

        return check

    def _month_check(self, body: dict) -> str | None:
        counted = sum(day["appointment_count"] for day in body["days"])
        return None if counted == self.total else f"{counted} appointments, not {self.total}"

    # --- the floors ------------------------------------------------------------------

    def card_statement(self, days: int) -> tuple[str, list]:
        """The calendar's own card SELECT over the day or the week, as the calendar runs it
        (same text, same parameters)."""
        first = DAY if days == 1 else WEEK_START
        start = local_day_bounds(first, TIMEZONE)[0]
        end = local_day_bounds(first + timedelta(days=days - 1), TIMEZONE)[1]
        return card_statement(location=self.location, start=start, end=end)

    def schedule_statements(self, days: int) -> tuple[str, list]:
        """What else the calendar reads over the day or the week (its schedules,
        blockouts, notes and chairs: ``schedule_reads``), as one batch of the statements
        the calendar sends in its second round trip (same text, same parameters)."""
        first = DAY if days == 1 else WEEK_START
        reads = schedule_reads(
            location=self.location, first=first, last=first + timedelta(days=days - 1)
        )
        statements = [read.query.sql_with_params() for read in reads]
        return "; ".join(sql for sql, _ in statements), [p for _, ps in statements for p in ps]

    def month_statement(self) -> tuple[str, list]:
        """The monthly summary's appointments per local date (count, scheduled and
        completed production) in one aggregate, the least SQL that reads them: each
        appointment's production (its override, else its procedures' fees) is computed
        once, where the ORM's statement computes it once per sum. Its goals and holidays
        (two small statements) are left out."""
        quote = connection.ops.quote_name
        appointments = quote(Appointment._meta.db_table)
        procedures = quote(AppointmentProcedure._meta.db_table)
        sql = (
            "SELECT day, count(*),"
            " COALESCE(SUM(production) FILTER (WHERE status = ANY(%s::text[])), 0),"
            " COALESCE(SUM(production) FILTER (WHERE status = ANY(%s::text[])), 0)"
            " FROM (SELECT (a.start_at AT TIME ZONE %s::text)::date AS day, a.status,"
            " COALESCE(a.production_override, (SELECT SUM(pc.fee)"
            f" FROM {procedures} pc WHERE pc.appointment_id = a.id), 0) AS production"
            f" FROM {appointments} a WHERE a.org_id = %s AND a.location_id = %s"
            " AND a.status = ANY(%s::text[]) AND a.start_at >= %s AND a.start_at < %s) AS a"
            " GROUP BY day ORDER BY day"
        )
        params = [
            [str(status) for status in SCHEDULED_STATUSES],
            [str(status) for status in COMPLETED_STATUSES],
            TIMEZONE,
            self.org.pk,
            self.location.pk,
            sorted(str(status) for status in LIVE_STATUSES),
            local_day_bounds(MONTH, TIMEZONE)[0],
            local_day_bounds(self.last, TIMEZONE)[1],
        ]
        return sql, params
