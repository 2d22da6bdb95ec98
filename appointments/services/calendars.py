"""The daily and weekly calendars: what the front desk sees of a location, day by day.

In the practice's words, a day's calendar is its operatories as columns (in their order),
the appointments that hold time in them as cards, the blockouts, each provider's hours
(the same resolution as provider availability: ``scheduling.schedule.resolution``) and
the note pinned atop the day.

- A day is the location's wall-clock day (``local_day_bounds``): 23 hours on the
  spring-forward day, 25 on the fall-back day. An appointment at 23:30 local is on that
  date whatever its UTC date; one that crosses midnight is on both days it holds time in.
- The cards are the appointments that hold or held time that day: ``planned``,
  ``scheduled``, ``complete``, and ``broken`` ones too (the patient did not come: the
  desk sees the hole and can fill it). ``cancelled``, ``pinboard`` and ``unscheduled``
  ones hold no time and are not shown.
- Blockouts are the active ones whose local ``schedule_date`` is the day (a blockout
  lies within one local day).
- The operatories are the location's active ones, and an inactive one only when it holds
  a card that day (a card needs its column).

Tier 2 fields (``TIER2_FIELDS``) are what a card may also show of the patient; they are
read by the same statement as the cards (patient columns and two correlated subqueries,
evaluated only when asked for), so asking for them costs no query per card. The next
recall due date is the recalls app's: it provides that subquery (``appointments.columns``).

Cost: two round trips for a day or a week, whatever the number of appointments,
providers and days: the cards' constant SELECT (``card_rows``, a prepared statement:
planning it costs more than running it), and the schedules, blockouts, notes and
operatories sent together (``fetch_together``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import NamedTuple

from django.db import connection
from django.db.models import QuerySet

from appointments.columns import Column, column_sql
from appointments.models import (
    Appointment,
    AppointmentProcedure,
    AppointmentProvider,
    AppointmentStatus,
    AppointmentType,
)
from blockouts.models import Blockout, BlockoutStatus
from scheduling.db import fetch_together, prepared_cursor
from scheduling.models import (
    Definition,
    FlowStatus,
    Location,
    Operatory,
    Patient,
    Provider,
    ScheduleNote,
)
from scheduling.schedule.resolution import ProviderDay, days, resolve, schedule_querysets
from scheduling.timezones import earliest_start, local_day_bounds

#: Statuses shown on the calendar: those that hold time, and broken ones (the hole).
CALENDAR_STATUSES = (
    AppointmentStatus.PLANNED,
    AppointmentStatus.SCHEDULED,
    AppointmentStatus.COMPLETE,
    AppointmentStatus.BROKEN,
)

#: The Tier 2 keys a card may carry (``?fields=``), in the order they are documented.
TIER2_FIELDS = (
    "chart_number",
    "mobile_phone",
    "email",
    "birthdate",
    "age",
    "preferred_name",
    "balance_due",
    "next_recall_due",
    "last_visit_date",
)

WEEK_DAYS = 7


class CardRow(NamedTuple):
    """One appointment as the card SELECT reads it (``_CARD_COLUMNS``' order)."""

    pk: int
    uuid: object
    status: str
    start_at: datetime
    end_at: datetime
    is_new_patient: bool
    note: str
    color_override: str
    production_override: Decimal | None
    operatory_uuid: object
    operatory_name: str | None
    patient_uuid: object
    patient_first: str
    patient_last: str
    type_uuid: object
    type_name: str | None
    type_color: str | None
    confirmation: list | None  # [uuid, name]
    flow: list | None  # [uuid, name]
    providers: list | None  # [[uuid, first, last, suffix], ...] in the appointment's order
    procedure_total: Decimal | None
    chart_number: str
    mobile_phone: str
    email: str
    birthdate: date | None
    preferred_name: str
    balance_due: Decimal
    last_visit_date: date | None  # None unless asked for
    next_recall_due: date | None  # None unless asked for


@dataclass(frozen=True)
class CalendarDay:
    """One local day of a location's calendar."""

    date: date
    location: Location
    start_at: datetime  # the day's first instant (UTC)
    end_at: datetime  # the next day's first instant
    cards: list[CardRow]
    blockouts: list[Blockout]
    provider_days: list[ProviderDay]
    note: ScheduleNote | None
    operatories: list[Operatory]

    @property
    def day_hours(self) -> int:
        """Wall-clock hours in the day: 23 on spring-forward, 25 on fall-back, else 24."""
        return round((self.end_at - self.start_at).total_seconds() / 3600)


# --- the card SELECT ---------------------------------------------------------------------

_CARD_COLUMNS = (
    "a.id, a.uuid, a.status, a.start_at, a.end_at, a.is_new_patient, a.note,"
    " a.color_override, a.production_override, o.uuid, o.name, p.uuid, p.first_name,"
    " p.last_name, t.uuid, t.name, t.color, {confirmation}, {flow}, {providers}, {total},"
    " p.chart_number, p.mobile_phone, p.email, p.birthdate, p.preferred_name,"
    " p.balance_due, {last_visit}, {next_recall_due}"
)


@cache
def _card_select() -> str:
    """The cards of a location between two instants, composed once from the models'
    tables. Parameters: whether to read the last visit, whether to read the next recall
    due, org, location, statuses, window end, earliest start, window start."""
    table = {
        model: connection.ops.quote_name(model._meta.db_table)
        for model in (
            Appointment,
            AppointmentProvider,
            AppointmentProcedure,
            AppointmentType,
            Location,
            Operatory,
            Patient,
            Provider,
            Definition,
            FlowStatus,
        )
    }

    def ref(model, column: str) -> str:
        return (
            f"(SELECT json_build_array(r.uuid, r.name) FROM {table[model]} r"
            f" WHERE r.id = a.{column})"
        )

    providers = (
        f"(SELECT json_agg(json_build_array(pr.uuid, pr.first_name, pr.last_name, pr.suffix)"
        f" ORDER BY ap.item_order, ap.id) FROM {table[AppointmentProvider]} ap"
        f" JOIN {table[Provider]} pr ON pr.id = ap.provider_id WHERE ap.appointment_id = a.id)"
    )
    total = (
        f"(SELECT SUM(pc.fee) FROM {table[AppointmentProcedure]} pc WHERE pc.appointment_id = a.id)"
    )
    # The patient's latest completed visit, as a local date where it happened; read only
    # when asked (CASE evaluates the subquery lazily), through the (org, patient, start)
    # index.
    last_visit = (
        f"CASE WHEN %s::boolean THEN (SELECT (lv.start_at AT TIME ZONE ll.timezone)::date"
        f" FROM {table[Appointment]} lv JOIN {table[Location]} ll ON ll.id = lv.location_id"
        f" WHERE lv.org_id = a.org_id AND lv.patient_id = a.patient_id"
        f" AND lv.status = '{AppointmentStatus.COMPLETE.value}' AND lv.start_at IS NOT NULL"
        f" ORDER BY lv.start_at DESC, lv.id DESC LIMIT 1) END"
    )
    # The patient's next recall due date, read only when asked (as the last visit): the
    # recalls app, above this one, registers the subquery (``appointments.columns``).
    next_recall_due = f"CASE WHEN %s::boolean THEN {column_sql(Column.NEXT_RECALL_DUE, 'a')} END"
    columns = _CARD_COLUMNS.format(
        confirmation=ref(Definition, "confirmation_status_id"),
        flow=ref(FlowStatus, "flow_status_id"),
        providers=providers,
        total=total,
        last_visit=last_visit,
        next_recall_due=next_recall_due,
    )
    return (
        f"SELECT {columns} FROM {table[Appointment]} a"
        f" JOIN {table[Patient]} p ON p.id = a.patient_id"
        f" LEFT JOIN {table[Operatory]} o ON o.id = a.operatory_id"
        f" LEFT JOIN {table[AppointmentType]} t ON t.id = a.appointment_type_id"
        f" WHERE a.org_id = %s AND a.location_id = %s AND a.status = ANY(%s::text[])"
        f" AND a.start_at < %s AND a.start_at > %s AND a.end_at > %s"
        f" ORDER BY a.start_at, a.id"
    )


def card_statement(
    *,
    location: Location,
    start: datetime,
    end: datetime,
    last_visit: bool = False,
    next_recall_due: bool = False,
) -> tuple[str, list]:
    """The card SELECT of ``card_rows`` and its parameters: one place for both, so the
    bench's database floor (``make bench`` reads the same rows with psycopg directly)
    times exactly the statement the calendars run."""
    params = [
        last_visit,
        next_recall_due,
        location.org_id,
        location.pk,
        [str(status) for status in CALENDAR_STATUSES],
        end,
        earliest_start(start),  # an appointment lasts less than a local day
        start,
    ]
    return _card_select(), params


def card_rows(
    *,
    location: Location,
    start: datetime,
    end: datetime,
    last_visit: bool = False,
    next_recall_due: bool = False,
) -> list[CardRow]:
    """The calendar's appointments at ``location`` holding time in ``[start, end)``, by
    start: one prepared statement (``card_statement``). ``last_visit``,
    ``next_recall_due``: also read each patient's last completed visit, next recall due
    date (Tier 2 fields)."""
    sql, params = card_statement(
        location=location,
        start=start,
        end=end,
        last_visit=last_visit,
        next_recall_due=next_recall_due,
    )
    with prepared_cursor() as cursor:
        cursor.execute(sql, params)
        return [CardRow(*row) for row in cursor.fetchall()]


# --- the days ----------------------------------------------------------------------------


def schedule_reads(*, location: Location, first: date, last: date) -> list[QuerySet]:
    """What a calendar shows besides the cards, for ``first`` … ``last``: the schedule
    templates and overrides, the blockouts, the notes and the operatories, unevaluated
    (``calendar_days`` sends them in one round trip; ``make bench`` times them as its
    floor does the cards)."""
    templates, overrides = schedule_querysets(
        location.org_id, first, last, location_ids=[location.pk]
    )
    return [
        templates,
        overrides,
        Blockout.objects.filter(
            org=location.org_id,
            location=location.pk,
            status=BlockoutStatus.ACTIVE,
            schedule_date__gte=first,
            schedule_date__lte=last,
        )
        .select_related("location", "operatory", "blockout_type")
        .order_by("start_at", "operatory__item_order", "id"),
        ScheduleNote.objects.filter(
            org=location.org_id,
            location=location.pk,
            note_date__gte=first,
            note_date__lte=last,
        ).select_related("location"),
        Operatory.objects.filter(org=location.org_id, location=location.pk).order_by(
            "item_order", "name", "id"
        ),
    ]


def calendar_days(
    *, location: Location, first: date, count: int = 1, fields: Iterable[str] = ()
) -> list[CalendarDay]:
    """``count`` consecutive local days of ``location``'s calendar from ``first``.

    ``fields``: the Tier 2 keys asked for (checked by the caller against
    ``TIER2_FIELDS``); they decide only whether the last visit and the next recall due
    date are read.
    """
    fields = set(fields)
    last = first + timedelta(days=count - 1)
    tz_name = location.timezone
    bounds = [local_day_bounds(day, tz_name) for day in days(first, last)]
    window_start, window_end = bounds[0][0], bounds[-1][1]
    cards = card_rows(
        location=location,
        start=window_start,
        end=window_end,
        last_visit="last_visit_date" in fields,
        next_recall_due="next_recall_due" in fields,
    )
    templates, overrides, blockouts, notes, operatories = fetch_together(
        schedule_reads(location=location, first=first, last=last)
    )
    by_date: dict[date, list[ProviderDay]] = {}
    for provider_day in resolve(templates, overrides, days(first, last)):
        by_date.setdefault(provider_day.date, []).append(provider_day)
    notes_by_date = {note.note_date: note for note in notes}
    result = []
    for day, (start, end) in zip(days(first, last), bounds, strict=True):
        day_cards = [card for card in cards if card.start_at < end and card.end_at > start]
        result.append(
            CalendarDay(
                date=day,
                location=location,
                start_at=start,
                end_at=end,
                cards=day_cards,
                blockouts=[b for b in blockouts if b.schedule_date == day],
                provider_days=by_date.get(day, []),
                note=notes_by_date.get(day),
                operatories=_columns(operatories, day_cards),
            )
        )
    return result


def _columns(operatories: Sequence[Operatory], cards: Sequence[CardRow]) -> list[Operatory]:
    """The day's columns: the active operatories, and an inactive one holding a card."""
    holding = {card.operatory_uuid for card in cards}
    return [o for o in operatories if o.is_active or o.uuid in holding]
