"""Bulk import: many appointment rows, each written on its own.

``POST /appointments/bulk`` and ``manage.py import_appointments`` share this path. Each
row arrives validated by its caller (the create body's serializer) or with the error
that validation found; a valid row goes through the same services as a single create,
conflicts included, in its own transaction: one bad row fails alone. A row whose
``external_id`` exists updates that appointment (``updated``), or changes nothing
(``skipped``). With ``dry_run`` the whole batch is carried out in one transaction that
is rolled back at the end (``validated``): later rows see earlier ones, so the verdicts
are those of the real import, and nothing is kept.

A failed row keeps its exception; the API describes it the way the exception handler
describes a failed request (``scheduling.api.exceptions.describe_error``).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from uuid import UUID

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, transaction

from appointments.models import Appointment, HistoryAction
from appointments.services.appointments import appointment_create, appointment_update
from appointments.services.conflicts import rehearsal
from scheduling.access import Access
from scheduling.exceptions import DomainError

logger = logging.getLogger(__name__)

ROW_STATUSES = ("created", "updated", "validated", "skipped", "failed")
CREATED, UPDATED, VALIDATED, SKIPPED, FAILED = ROW_STATUSES


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


def _existing(access: Access, external_id: str) -> Appointment | None:
    if not external_id:
        return None
    found = (
        Appointment.objects.select_related("location", "operatory", "appointment_type", "patient")
        .filter(org=access.org, external_id=external_id)
        .first()
    )
    if found is not None:
        access.check_location(found.location_id)
    return found


def _write_row(access: Access, data: dict, actor) -> tuple[str, Appointment]:
    existing = _existing(access, data.get("external_id", ""))
    if existing is None:
        appointment = appointment_create(
            org=access.org, actor=actor, action=HistoryAction.IMPORTED, **data
        )
        return CREATED, appointment
    for key in (
        "location",
        "patient",
        "status",
        "providers",
        "confirmation_status",
        "procedure_codes",
    ):
        data.pop(key, None)  # an update keeps who, where, the status and procedures (README)
    data.pop("external_id", None)
    version = existing.version
    appointment = appointment_update(
        appointment=existing, actor=actor, base_version=version, **data
    )
    return (SKIPPED if appointment.version == version else UPDATED), appointment


def import_row(access: Access, row: ImportRow, *, actor) -> RowResult:
    """Write one validated row; every failure becomes the row's result."""
    result = RowResult(index=row.index, status=FAILED, external_id=row.external_id)
    if row.error is not None:
        result.error = row.error
        return result
    try:
        status, appointment = _write_row(access, dict(row.data), actor)  # one transaction
        result.status, result.id = status, appointment.uuid
    except (DjangoValidationError, DomainError) as exc:
        result.error = exc
    except DatabaseError as exc:  # a value or race the checks missed: this row fails alone
        logger.warning("bulk row %s failed in the database", row.index, exc_info=exc)
        result.error = exc
    return result


def appointments_import(
    *, access: Access, rows: Iterable[ImportRow], dry_run: bool, actor
) -> BulkResult:
    """Import ``rows`` one by one (see the module's docstring)."""
    result = BulkResult(dry_run=dry_run)
    # A real import commits row by row, so each row's chair lock is released at once; only
    # a dry run is one transaction (rolled back), so that rows see the rows before them.
    with (
        transaction.atomic() if dry_run else contextlib.nullcontext(),
        rehearsal() if dry_run else contextlib.nullcontext(),
    ):
        for row in rows:
            result.results.append(import_row(access, row, actor=actor))
        if dry_run:
            transaction.set_rollback(True)
            for row_result in result.results:  # would be created or updated
                if row_result.status == CREATED:
                    row_result.status, row_result.id = VALIDATED, None
                elif row_result.status == UPDATED:
                    row_result.status = VALIDATED
    return result
