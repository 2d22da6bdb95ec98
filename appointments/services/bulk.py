"""Bulk import: many appointment rows, judged and written as one batch, each row
succeeding or failing on its own.

``POST /appointments/bulk`` and ``manage.py import_appointments`` share this path. Each
row arrives validated by its caller (the create body's serializer) or with the error
that validation found. A batch is one transaction, and costs a constant number of
queries whatever its size when its rows are new appointments:

1. the appointments named by the rows' ``external_id`` are read in one query; a row
   whose ``external_id`` exists updates that appointment (``updated``), or changes
   nothing (``skipped``), through ``appointment_update`` one row at a time;
2. every chair the batch may book is locked at once, in the conflict engine's order
   (``lock_chairs``: locations, then chairs, each ascending), before anything is read,
   so a concurrent booking or import waits instead of double-booking, and none deadlocks;
3. new rows are built and checked as a single create checks them (``build_appointment``),
   then their slots are judged together, in order, by the conflict engine
   (``judge_slots``): a row colliding with an earlier row of the batch fails naming it,
   exactly as if the two had been sent one after the other;
4. the accepted rows are inserted with one statement per table (appointments, provider
   links, tags, initial procedures, history entries ``imported``). Should the database
   refuse that (a race on a unique ``external_id``), those rows are written again one by
   one through ``appointment_create``, so each still succeeds or fails alone.

Rows keep their order: the new rows before an update are written before it, so every
row sees the rows before it and none after it. With ``dry_run`` the same steps run
without locks (``rehearsal``) and the transaction is rolled back (``validated``): the
verdicts are those of the real import, and nothing is kept.

A failed row keeps its exception (a conflict's ``SchedulingConflict`` carries what it
collides with); the API describes it the way the exception handler describes a failed
request (``scheduling.api.exceptions.describe_error``).
"""

from __future__ import annotations

import contextlib
import itertools
import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import Enum
from operator import attrgetter
from uuid import UUID

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, connection, models, transaction
from django.utils import timezone

from appointments.models import (
    LIVE_STATUSES,
    Appointment,
    AppointmentHistory,
    AppointmentProcedure,
    AppointmentProvider,
    AppointmentTag,
    HistoryAction,
)
from appointments.services import history
from appointments.services.appointments import (
    appointment_create,
    appointment_update,
    build_appointment,
    creation_changes,
    initial_procedure_rows,
    procedure_codes_by_code,
    provider_link_rows,
    tag_rows,
    wanted_procedure_codes,
)
from appointments.services.conflicts import (
    Booking,
    SchedulingConflict,
    Slot,
    judge_slots,
    lock_chairs,
    rehearsal,
)
from appointments.services.events import AppointmentEvent, announce, created_event
from scheduling.access import Access
from scheduling.exceptions import DomainError

logger = logging.getLogger(__name__)

ROW_STATUSES = ("created", "updated", "validated", "skipped", "failed")
CREATED, UPDATED, VALIDATED, SKIPPED, FAILED = ROW_STATUSES

#: What a row's failure may be: its own input, a rule, or the database refusing its write.
ROW_ERRORS = (DjangoValidationError, DomainError, DatabaseError)

#: What an update keeps: who, where, the status and the procedures (README).
KEPT_BY_UPDATES = (
    "location",
    "patient",
    "status",
    "providers",
    "confirmation_status",
    "procedure_codes",
    "external_id",
)


@dataclass
class ImportRow:
    """One row to import: its validated fields, or the error its validation found."""

    index: int
    data: dict | None = None
    error: Exception | None = None
    external_id: str = ""


@dataclass
class RowResult:
    index: int
    status: str
    id: UUID | None = None
    external_id: str = ""
    error: Exception | None = None


@dataclass
class BulkResult:
    dry_run: bool
    results: list[RowResult] = field(default_factory=list)

    def _count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def total(self) -> int:
        return len(self.results)

    @property
    def created(self) -> int:
        return self._count(CREATED)

    @property
    def updated(self) -> int:
        return self._count(UPDATED)

    @property
    def validated(self) -> int:
        return self._count(VALIDATED)

    @property
    def skipped(self) -> int:
        return self._count(SKIPPED)

    @property
    def failed(self) -> int:
        return self._count(FAILED)


@dataclass
class _NewRow:
    """A row that creates an appointment, on its way through the batch."""

    data: dict  # the validated fields, as appointment_create takes them
    result: RowResult
    appointment: Appointment | None = None

    @property
    def providers(self) -> list:
        return list(self.data.get("providers") or ())

    @property
    def tags(self) -> list:
        return list(self.data.get("tags") or ())

    @property
    def procedure_codes(self) -> list[str]:
        return list(self.data.get("procedure_codes") or ())

    def build(self, org) -> None:
        fields = {
            key: value
            for key, value in self.data.items()
            if key not in ("providers", "tags", "procedure_codes", "allow_overlap")
        }
        self.appointment = build_appointment(org=org, **fields)

    def booking(self) -> Booking:
        a = self.appointment
        return Booking(
            Slot.of(a),
            allow_overlap=self.data.get("allow_overlap", False),
            appointment=a,
        )


class _Batch:
    """One batch of rows inside the import's transaction (see the module's docstring)."""

    def __init__(self, access: Access, actor):
        self.access, self.actor = access, actor
        #: external_id → the appointment it names (read, or created earlier in the batch).
        self.existing: dict[str, Appointment] = {}

    def run(self, rows: Sequence[ImportRow]) -> list[RowResult]:
        results = [
            RowResult(index=row.index, status=FAILED, external_id=row.external_id, error=row.error)
            for row in rows
        ]
        valid = [
            (row.data, result)
            for row, result in zip(rows, results, strict=True)
            if row.error is None
        ]
        self.existing = self._read_existing(d.get("external_id") for d, _ in valid)
        lock_chairs(self._chairs([d for d, _ in valid]))
        new: list[_NewRow] = []
        new_external_ids: set[str] = set()
        for data, result in valid:
            external_id = data.get("external_id") or ""
            if external_id in new_external_ids or external_id in self.existing:
                # Rows before an update are written before it; and this row may name an
                # appointment one of them creates.
                self._create(new)
                new, new_external_ids = [], set()
            if external_id in self.existing:
                self._update(external_id, dict(data), result)
            else:
                new.append(_NewRow(dict(data), result))
                if external_id:
                    new_external_ids.add(external_id)
        self._create(new)
        return results

    # --- reading and locking -------------------------------------------------------------

    def _read_existing(self, external_ids: Iterable[str | None]) -> dict[str, Appointment]:
        wanted = {e for e in external_ids if e}
        if not wanted:
            return {}
        found = Appointment.objects.select_related(
            # Everything an update reads (its history snapshot names each by id).
            "location",
            "operatory",
            "appointment_type",
            "patient",
            "confirmation_status",
            "flow_status",
            "cancel_reason",
            "broken_reason",
        ).filter(org=self.access.org, external_id__in=wanted)
        # Spelled out so that the unique index on external_id (partial: not "") serves a
        # long list of ids too; PostgreSQL proves it from the list only up to 100 values.
        found = found.exclude(external_id="")
        return {appointment.external_id: appointment for appointment in found}

    def _chairs(self, rows: list[dict]) -> set[tuple[int, int]]:
        """Every chair a row may book: a new live row's, an updated appointment's own and
        the one a row moves it to. Locked together before the batch reads, so no lock is
        taken out of order afterwards (``appointment_update`` takes its chair's again)."""
        chairs = set()
        for data in rows:
            location, operatory = data["location"], data.get("operatory")
            found = self.existing.get(data.get("external_id") or "")
            if operatory is not None and (data.get("status") in LIVE_STATUSES or found):
                chairs.add((location.pk, operatory.pk))
            if found is not None and found.status in LIVE_STATUSES:
                if not self.access.can_access_location(found.location_id):
                    continue  # the row fails (403): its chair is none of the batch's
                for chair in (found.operatory_id, getattr(operatory, "pk", None)):
                    if chair is not None:
                        chairs.add((found.location_id, chair))
        return chairs

    # --- new appointments ----------------------------------------------------------------

    def _create(self, rows: list[_NewRow]) -> None:
        """Build, judge and insert new rows as one set (see the module's docstring)."""
        built = []
        for row in rows:
            try:
                row.build(self.access.org)
            except ROW_ERRORS as exc:
                row.result.error = exc
            else:
                built.append(row)
        live = [row for row in built if row.appointment.status in LIVE_STATUSES]
        for row, conflicts in zip(live, judge_slots([r.booking() for r in live]), strict=True):
            if conflicts.blocking_codes:
                row.result.error = SchedulingConflict(conflicts, row.appointment.location.timezone)
        accepted = [row for row in built if row.result.error is None]
        if not accepted:
            return
        try:
            with transaction.atomic():
                self._insert(accepted)
        except DatabaseError as exc:  # a race the reads could not see: row by row instead
            logger.warning("bulk batch refused; writing its rows one by one", exc_info=exc)
            for row in built:
                row.result.error = None
                self._create_one(row)
            return
        for row in accepted:
            self._created(row, row.appointment)

    def _insert(self, rows: list[_NewRow]) -> None:
        appointments = [row.appointment for row in rows]
        now = timezone.now()
        for appointment, pk in zip(appointments, _next_ids(Appointment, len(rows)), strict=True):
            appointment.pk = pk  # before the rows that point at it are built
            appointment.created_at = appointment.updated_at = now  # as save sets them
        codes = procedure_codes_by_code(
            self.access.org.pk,
            {
                code
                for row in rows
                for code in wanted_procedure_codes(row.appointment, row.procedure_codes)
            },
        )
        _copy(Appointment, _field_values(Appointment, appointments), with_pk=True)
        for appointment in appointments:
            appointment._state.adding, appointment._state.db = False, connection.alias
        _copy(
            AppointmentProvider,
            (link for row in rows for link in provider_link_rows(row.appointment, row.providers)),
        )
        _copy(AppointmentTag, (tag for row in rows for tag in tag_rows(row.appointment, row.tags)))
        _copy(
            AppointmentProcedure,
            (
                procedure
                for row in rows
                for procedure in initial_procedure_rows(row.appointment, row.procedure_codes, codes)
            ),
        )
        _copy(
            AppointmentHistory,
            (
                history.entry_values(
                    row.appointment,
                    HistoryAction.IMPORTED,
                    actor=self.actor,
                    changes=creation_changes(row.appointment, row.providers, row.tags),
                )
                for row in rows
            ),
        )
        for event in (AppointmentEvent.BOOKED, AppointmentEvent.COMPLETED):
            announce(event, [a for a in appointments if created_event(a) is event])

    def _create_one(self, row: _NewRow) -> None:
        try:
            with transaction.atomic():
                appointment = appointment_create(
                    org=self.access.org, actor=self.actor, action=HistoryAction.IMPORTED, **row.data
                )
        except ROW_ERRORS as exc:
            if isinstance(exc, DatabaseError):
                logger.warning("bulk row %s failed in the database", row.result.index, exc_info=exc)
            row.result.error = exc
        else:
            self._created(row, appointment)

    def _created(self, row: _NewRow, appointment: Appointment) -> None:
        row.result.status, row.result.id = CREATED, appointment.uuid
        if appointment.external_id:
            self.existing[appointment.external_id] = appointment

    # --- updates -------------------------------------------------------------------------

    def _update(self, external_id: str, data: dict, result: RowResult) -> None:
        appointment = self.existing[external_id]
        for key in KEPT_BY_UPDATES:
            data.pop(key, None)
        version = appointment.version
        try:
            self.access.check_location(appointment.location_id)  # not the caller's: 403
        except DomainError as exc:
            result.error = exc
            return
        try:
            with transaction.atomic():
                appointment = appointment_update(
                    appointment=appointment, actor=self.actor, base_version=version, **data
                )
        except ROW_ERRORS as exc:
            if isinstance(exc, DatabaseError):
                logger.warning("bulk row %s failed in the database", result.index, exc_info=exc)
            result.error = exc
            # The failed update may have changed the instance it was given: read it again.
            self.existing.update(self._read_existing([external_id]))
            return
        result.status = SKIPPED if appointment.version == version else UPDATED
        result.id = appointment.uuid


# --- writing many rows -------------------------------------------------------------------


def _next_ids(model: type[models.Model], count: int) -> list[int]:
    """``count`` primary keys from the table's sequence (one query)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, count],
        )
        return [pk for (pk,) in cursor.fetchall()]


def _field_values(model: type[models.Model], objs: list[models.Model]) -> Iterator[dict]:
    """The instances' field values, attname → value (what ``_copy`` takes)."""
    names = [f.attname for f in model._meta.concrete_fields]
    values = attrgetter(*names)
    return (dict(zip(names, values(obj), strict=True)) for obj in objs)


def _copy(model: type[models.Model], rows: Iterable[dict], *, with_pk: bool = False) -> None:
    """INSERT ``rows`` (field values, attname → value) with one ``COPY``.

    Several times faster than ``bulk_create`` for a batch: psycopg formats the rows in C,
    where ``bulk_create`` builds instances and compiles and quotes every value in Python.
    A field a row leaves out gets what ``save`` would give it: its default (a new uuid),
    or now for ``auto_now`` timestamps; the primary key comes from the sequence unless
    ``with_pk``. The statement shows in Django's query log like any other, and a database
    error is Django's (``IntegrityError`` …), as from ``bulk_create``.
    """
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return
    fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
    now = timezone.now()
    fixed, generated, stamped = {}, {}, {}
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            stamped[f.attname] = now
        elif f.has_default() and callable(f.default):
            generated[f.attname] = f.default
        elif not f.primary_key:
            fixed[f.attname] = f.get_default()
    json_fields = [f for f in fields if isinstance(f, models.JSONField)]
    names = [f.attname for f in fields]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    sql = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN"
    with connection.cursor() as cursor:
        logged = cursor.debug_sql(sql) if hasattr(cursor, "debug_sql") else contextlib.nullcontext()
        with logged, connection.wrap_database_errors, cursor.cursor.copy(sql) as copy:
            for row in itertools.chain([first], rows):
                values = {
                    **fixed,
                    **{name: make() for name, make in generated.items() if name not in row},
                    **row,
                }
                for name, stamp in stamped.items():
                    if values.get(name) is None:  # an unsaved instance's: now, as save sets
                        values[name] = stamp
                for f in json_fields:
                    values[f.attname] = f.get_db_prep_save(values[f.attname], connection)
                copy.write_row([_plain(values[name]) for name in names])


def _plain(value):
    """Choices as their values (psycopg would write an Enum's name)."""
    return value.value if isinstance(value, Enum) else value


def appointments_import(
    *, access: Access, rows: Iterable[ImportRow], dry_run: bool, actor
) -> BulkResult:
    """Import ``rows`` as one batch (see the module's docstring)."""
    result = BulkResult(dry_run=dry_run)
    with (
        transaction.atomic(),
        rehearsal() if dry_run else contextlib.nullcontext(),
    ):
        result.results = _Batch(access, actor).run(list(rows))
        if dry_run:
            transaction.set_rollback(True)
            rehearsed = {r.id for r in result.results if r.status == CREATED}
            for row_result in result.results:  # would be created or updated
                if row_result.status in (CREATED, UPDATED):
                    row_result.status = VALIDATED
                if row_result.id in rehearsed:  # exists in the rolled-back batch only
                    row_result.id = None
    return result
