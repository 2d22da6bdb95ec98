"""Appointments as the API shows them, at the speed of the database.

Every calendar, list and detail reads appointments, so this path is built for speed:
one SQL statement, composed once, fetches every field ``AppointmentSerializer``
declares (the references, the ordered providers and tags as JSON aggregates, the
procedure total), and ``render`` turns each row into the response dict with plain
Python: no model instances, no per-request query compilation, no DRF field machinery.
The unfiltered list (``display_listing``) is one statement too: the page's keys from the
org's index, their rows, and the total from the tally (``appointments.tally``).

``AppointmentSerializer`` stays the declaration (the OpenAPI schema, the field list);
``tests/appointments/test_display.py`` holds the two to the same output for appointments
with every field set and unset, and the schema validation of every test response
guards the rest.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from functools import cache

from django.db import DEFAULT_DB_ALIAS, connection
from django.db.models import QuerySet

from appointments import tally
from appointments.columns import Column, column_sql
from appointments.models import (
    Appointment,
    AppointmentProcedure,
    AppointmentProvider,
    AppointmentTag,
    AppointmentType,
)
from scheduling.access import Access
from scheduling.api.authentication import Companion
from scheduling.api.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from scheduling.db import prepared_cursor
from scheduling.models import (
    Definition,
    FlowStatus,
    Location,
    Operatory,
    Patient,
    Provider,
)
from scheduling.models.base import Restriction
from scheduling.timezones import zone as tz_zone

#: The columns read for each appointment, in the order ``render`` unpacks them.
#: Uuids are read as text: the response wants text, and a ``UUID`` made then written is
#: a third of ``render``'s time on a page.
_COLUMNS = (
    "a.id, a.uuid::text, a.status, a.start_at, a.end_at, a.ask_to_arrive_at, a.cancelled_by,"
    " a.is_new_patient, a.is_time_locked, a.item_order, a.priority, a.note,"
    " a.color_override, a.production_override, a.estimated_insurance,"
    " a.estimated_patient_portion, a.external_id, a.created_at, a.updated_at, a.version,"
    " l.uuid::text, l.name, l.timezone, o.uuid::text, o.name, p.uuid::text, p.first_name,"
    " p.last_name, t.uuid::text, t.name, {confirmation}, {flow}, {cancel}, {broken},"
    " {providers} AS providers, {tags} AS tags, {total} AS total, {recall} AS recall"
)


@cache
def _tables() -> dict:
    return {
        model: connection.ops.quote_name(model._meta.db_table)
        for model in (
            Appointment,
            AppointmentProvider,
            AppointmentTag,
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


@cache
def _lists() -> dict[str, tuple[str, str, str]]:
    """The appointment's ordered lists (providers, tags): each an aggregate, the tables
    it reads and the column naming the appointment."""
    table = _tables()
    return {
        "providers": (
            "json_agg(json_build_array(pr.uuid, pr.first_name, pr.last_name, pr.suffix)"
            " ORDER BY ap.item_order, ap.id)",
            f"{table[AppointmentProvider]} ap JOIN {table[Provider]} pr ON pr.id = ap.provider_id",
            "ap.appointment_id",
        ),
        "tags": (
            "json_agg(json_build_array(d.uuid, d.name) ORDER BY d.item_order, d.name, d.id)",
            f"{table[AppointmentTag]} tg JOIN {table[Definition]} d ON d.id = tg.definition_id",
            "tg.appointment_id",
        ),
    }


def _lists_of_page() -> str:
    """CTEs ``page_providers`` and ``page_tags``: the lists of the appointments of a CTE
    ``page`` (``id``), in one aggregate pass each (for 50 rows, a quarter of a
    millisecond less than a subquery run per row)."""
    return ", ".join(
        f"page_{name} AS (SELECT {key} AS appointment_id, {aggregate} AS {name}"
        f" FROM {tables} WHERE {key} IN (SELECT id FROM page) GROUP BY {key})"
        for name, (aggregate, tables, key) in _lists().items()
    )


@cache
def _parts(of_page: bool = False) -> tuple[str, str]:
    """The display SELECT's columns and its joined tables (the appointment is ``a``),
    composed once from the models' tables. ``of_page``: the lists are read from
    ``_lists_of_page`` (joined to ``a``), not by a subquery per row."""
    table = _tables()
    lists = {
        name: (
            f"page_{name}.{name}"
            if of_page
            else f"(SELECT {aggregate} FROM {tables} WHERE {key} = a.id)"
        )
        for name, (aggregate, tables, key) in _lists().items()
    }
    total = (
        f"(SELECT SUM(pc.fee) FROM {table[AppointmentProcedure]} pc WHERE pc.appointment_id = a.id)"
    )

    # The four references most appointments leave empty are read as scalar subqueries:
    # joined, they cost PostgreSQL more to plan (3.2 ms for nine tables) than to run. An
    # empty one runs none (a generic plan reads a small table whole for each row).
    def ref(model, column: str) -> str:
        return (
            f"CASE WHEN a.{column} IS NOT NULL THEN (SELECT json_build_array(r.uuid, r.name)"
            f" FROM {table[model]} r WHERE r.id = a.{column}) END"
        )

    columns = _COLUMNS.format(
        confirmation=ref(Definition, "confirmation_status_id"),
        flow=ref(FlowStatus, "flow_status_id"),
        cancel=ref(Definition, "cancel_reason_id"),
        broken=ref(Definition, "broken_reason_id"),
        providers=lists["providers"],
        tags=lists["tags"],
        total=total,
        # The recall the appointment fulfils lives in the recalls app, above this one: it
        # registers the subquery (``appointments.columns``), so this app imports nothing
        # of it and the statement stays one round trip.
        recall=column_sql(Column.RECALL, "a"),
    )
    joined = (
        f"{table[Appointment]} a"
        f" JOIN {table[Location]} l ON l.id = a.location_id"
        f" JOIN {table[Patient]} p ON p.id = a.patient_id"
        f" LEFT JOIN {table[Operatory]} o ON o.id = a.operatory_id"
        f" LEFT JOIN {table[AppointmentType]} t ON t.id = a.appointment_type_id"
    )
    if of_page:
        joined += "".join(
            f" LEFT JOIN page_{name} ON page_{name}.appointment_id = a.id" for name in lists
        )
    return columns, joined


@cache
def _select() -> str:
    """The display SELECT without its WHERE, composed once from the models' tables."""
    columns, joined = _parts()
    return f"SELECT {columns} FROM {joined}"


def display_rows(ids: Sequence[int]) -> list[dict]:
    """The appointments with primary keys ``ids``, rendered, in the order of ``ids``."""
    if not ids:
        return []
    with prepared_cursor() as cursor:
        cursor.execute(f"{_select()} WHERE a.id = ANY(%s::bigint[])", [list(ids)])
        rows = {row[0]: render(row) for row in cursor.fetchall()}
    return [rows[pk] for pk in ids if pk in rows]


_RESTRICTION = Restriction(Appointment, "k")


@cache
def _ordering() -> str:
    """The model's ordering (``Appointment._meta.ordering``) as the ORM writes it over the
    unaliased table (the expression its index holds), values inlined: constant SQL."""
    compiler = Appointment.objects.all().query.get_compiler(DEFAULT_DB_ALIAS)
    return ", ".join(
        connection.ops.compose_sql(sql, params)
        for _expression, (sql, params, _is_ref) in compiler.get_order_by()
    )


#: The pages' sizes the listing is prepared for: a page takes the first that holds it.
#: A constant LIMIT, not a parameter: PostgreSQL's generic plan guesses a tenth of the
#: table for a LIMIT it does not know, and joins that many rows by hash (~6 ms).
_BOUNDS = (DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)


@cache
def _select_listing(bound: int) -> str:
    """A page of every appointment the caller may see, with the total, in one statement.

    ``page`` takes the page's keys in the model's order from the org's index (an index
    range that stops at the page's end, ``bound`` rows at most) and numbers them;
    ``tally`` is the caller's total (``appointments.tally``). The tally's row is always
    there, joined to the page's rows if any: a page past the end is one row of total and
    NULLs.
    """
    columns, joined = _parts(of_page=True)
    table = connection.ops.quote_name(Appointment._meta.db_table)
    ordering = _ordering()
    restriction = Restriction(Appointment, table)
    return (
        f"WITH page AS (SELECT id, n FROM (SELECT {table}.id,"
        f" row_number() OVER (ORDER BY {ordering}) AS n FROM {table} WHERE {restriction.sql}"
        f" ORDER BY {ordering} LIMIT {bound} OFFSET %s::bigint) numbered"
        f" WHERE n <= %s::bigint),"
        f" {_lists_of_page()},"
        f" tally AS ({tally.TOTAL_SQL})"
        f" SELECT tally.*, {columns}"
        f" FROM tally LEFT JOIN (page JOIN ({joined}) ON a.id = page.id) ON TRUE"
        f" ORDER BY page.n"
    )


def display_listing(access: Access, offset: int, limit: int) -> tuple[list[dict], int]:
    """Rows ``offset`` to ``offset + limit`` of ``Appointment.objects.restrict(access)``
    (the model's order) rendered, and how many there are; one prepared statement."""
    bound = next((bound for bound in _BOUNDS if limit <= bound), None)
    if bound is None:
        raise ValueError(f"a page holds {MAX_PAGE_SIZE} appointments at most")
    # (a Restriction's parameters are the same whatever alias its SQL names)
    params = [*_RESTRICTION.params(access), offset, offset + limit]
    params += tally.total_params(access)
    with prepared_cursor() as cursor:
        cursor.execute(_select_listing(bound), params)
        rows = cursor.fetchall()
    total, surplus = rows[0][:2]
    items = [render(row[2:]) for row in rows if row[2] is not None]
    return items, tally.read_total(access, total, surplus)


def _select_one(org: str, locations: str) -> str:
    """The display SELECT of one appointment the caller may see, named by its uuid, with
    the caller's org and locations as SQL expressions: the key is found first (a scalar
    subquery on the org's uuid index), so the statement reads one row. (As ``IN
    (subquery)`` the planner joined the whole table.)"""
    table = connection.ops.quote_name(Appointment._meta.db_table)
    return (
        f"{_select()} WHERE a.id = (SELECT k.id FROM {table} k"
        f" WHERE k.uuid = %s::uuid AND {_RESTRICTION.over(org, locations)})"
    )


@cache
def _select_one_for_params() -> str:
    return _select_one("%s", "%s::bigint[]")


def display_one(access: Access, uuid) -> dict | None:
    """The appointment ``uuid`` rendered, if ``access`` may see it; one prepared statement."""
    with prepared_cursor() as cursor:
        cursor.execute(_select_one_for_params(), [uuid, *_RESTRICTION.params(access)])
        row = cursor.fetchone()
    return None if row is None else render(row)


@cache
def _select_one_with_token() -> str:
    return _select_one(Companion.ORG, Companion.LOCATIONS)


def display_one_with_token(uuid) -> Companion:
    """``display_one`` as a read sent with the caller's token (its row: ``render``)."""
    return Companion(_select_one_with_token(), (uuid,))


def instant_text(value: datetime | None) -> str | None:
    """As DRF writes a UTC date-time: ISO 8601, ``Z`` for UTC."""
    if value is None:
        return None
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def money_text(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def ref_dict(uuid, name) -> dict | None:
    return None if uuid is None else {"id": str(uuid), "name": name}


def provider_name(first: str, last: str, suffix: str) -> str:
    full = f"{first} {last}".strip()
    return f"{full}, {suffix}" if suffix else full


def render(row: tuple, warnings: Iterable[dict] = ()) -> dict:
    """One row of the display SELECT as ``AppointmentSerializer`` declares it."""
    (
        _pk, uuid, status, start_at, end_at, arrive_at, cancelled_by,
        is_new_patient, is_time_locked, item_order, priority, note,
        color_override, production_override, estimated_insurance,
        estimated_patient_portion, external_id, created_at, updated_at, version,
        location_uuid, location_name, tz_name, operatory_uuid, operatory_name,
        patient_uuid, patient_first, patient_last, type_uuid, type_name,
        confirmation, flow, cancel, broken, providers, tags, total, recall,
    ) = row  # fmt: skip
    providers = [
        {"id": str(pid), "name": provider_name(first, last, suffix)}
        for pid, first, last, suffix in (providers or ())
    ]
    if start_at is not None:
        zone = tz_zone(tz_name)
        local_start = start_at.astimezone(zone).isoformat()  # YYYY-MM-DDTHH:MM:SS…
        schedule_date, local_start_time = local_start[:10], local_start[11:19]
    else:
        zone = schedule_date = local_start_time = None
    local_end_time = None
    if end_at is not None:
        local_end_time = end_at.astimezone(zone or tz_zone(tz_name)).isoformat()[11:19]
    amount = production_override if production_override is not None else (total or Decimal(0))
    return {
        "id": str(uuid),
        "status": status,
        "location": {"id": str(location_uuid), "name": location_name},
        "location_timezone": tz_name,
        "operatory": ref_dict(operatory_uuid, operatory_name),
        "patient": {"id": str(patient_uuid), "name": f"{patient_first} {patient_last}".strip()},
        "appointment_type": ref_dict(type_uuid, type_name),
        "provider": providers[0] if providers else None,
        "providers": providers,
        "schedule_date": schedule_date,
        "start_time": instant_text(start_at),
        "end_time": instant_text(end_at),
        "local_start_time": local_start_time,
        "local_end_time": local_end_time,
        "datetime_ask_to_arrive": instant_text(arrive_at),
        "confirmation_status": ref_dict(*(confirmation or (None, None))),
        "confirmation_status_label": confirmation[1] if confirmation else None,
        "flow_status": ref_dict(*(flow or (None, None))),
        "cancel_reason": ref_dict(*(cancel or (None, None))),
        "broken_reason": ref_dict(*(broken or (None, None))),
        "cancelled_by": cancelled_by or None,
        "is_new_patient": is_new_patient,
        "is_time_locked": is_time_locked,
        "item_order": item_order,
        "priority": priority,
        "note": note,
        "color_override": color_override,
        "tags": [{"id": str(tag_uuid), "name": name} for tag_uuid, name in (tags or ())],
        "recall": ref_dict(*(recall or (None, None))),
        "production_amount": f"{amount:.2f}",
        "estimated_insurance": money_text(estimated_insurance),
        "estimated_patient_portion": money_text(estimated_patient_portion),
        "external_id": external_id,
        "created_at": instant_text(created_at),
        "updated_at": instant_text(updated_at),
        "version": version,
        "warnings": list(warnings),
    }


class AppointmentDisplayMixin:
    """For views answering appointments: the display path instead of DRF serialization.

    ``get_queryset`` reads the model for writes (the row and the references services
    use); what is answered comes from ``display_rows``/``display_one``.
    """

    def display(self, appointment: Appointment) -> dict:
        """One appointment after a write, with what the write had to say (``warnings``)."""
        from appointments.serializers.entries import SchedulingWarningSerializer

        (row,) = display_rows([appointment.pk])
        warnings = getattr(appointment, "warnings", ())
        if warnings:
            context = self.get_serializer_context()
            row["warnings"] = SchedulingWarningSerializer(warnings, many=True, context=context).data
        return row

    def display_page(self, queryset: QuerySet):
        """A page of ``queryset`` (its order kept): the count and the ids first, then one
        display query. (Every appointment the caller may see: ``display_listing``.)"""
        ids = self.paginator.paginate_queryset(
            queryset.values_list("id", flat=True), self.request, view=self
        )
        return self.get_paginated_response(display_rows(ids))
