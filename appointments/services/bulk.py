"""Bulk import: many appointment rows, each validated and written on its own.

``POST /appointments/bulk`` and ``manage.py import_appointments`` share this path. A row
goes through the same serializer and services as a single create, conflicts included,
in its own transaction: one bad row fails alone. A row whose ``external_id`` exists
updates that appointment (``updated``), or changes nothing (``skipped``). With
``dry_run`` the whole batch is carried out in one transaction that is rolled back at the
end (``validated``): later rows see earlier ones, so the verdicts are those of the real
import, and nothing is kept.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, DataError, transaction
from rest_framework import exceptions
from rest_framework.fields import get_error_detail

from appointments.models import Appointment, HistoryAction
from appointments.services.appointments import appointment_create, appointment_update
from appointments.services.conflicts import SchedulingConflict, rehearsal
from scheduling.api.exceptions import CODES, error_items
from scheduling.api.relations import ResolutionCache
from scheduling.exceptions import DomainError

logger = logging.getLogger(__name__)

ROW_STATUSES = ("created", "updated", "validated", "skipped", "failed")
CREATED, UPDATED, VALIDATED, SKIPPED, FAILED = ROW_STATUSES


@dataclass
class RowResult:
    index: int
    status: str
    id: UUID | None = None
    external_id: str = ""
    code: str | None = None
    errors: list[dict] = field(default_factory=list)
    conflicts: dict | None = None


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


def _existing(request, external_id: str) -> Appointment | None:
    if not external_id:
        return None
    found = (
        Appointment.objects.select_related("location", "operatory", "appointment_type", "patient")
        .filter(org=request.org, external_id=external_id)
        .first()
    )
    if found is not None:
        request.access.check_location(found.location_id)
    return found


def _write_row(request, data: dict, actor) -> tuple[str, Appointment]:
    existing = _existing(request, data.get("external_id", ""))
    if existing is None:
        appointment = appointment_create(
            org=request.org, actor=actor, action=HistoryAction.IMPORTED, **data
        )
        return CREATED, appointment
    for key in ("location", "patient", "status", "providers", "confirmation_status"):
        data.pop(key, None)  # an update keeps who, where and the status (see README)
    data.pop("external_id", None)
    version = existing.version
    appointment = appointment_update(
        appointment=existing, actor=actor, base_version=version, skip_unchanged=True, **data
    )
    return (SKIPPED if appointment.version == version else UPDATED), appointment


def import_row(request, index: int, row: Any, *, actor, serializer_class) -> RowResult:
    """Validate and write one row; every failure becomes the row's result."""
    result = RowResult(index=index, status=FAILED)
    if isinstance(row, dict):
        result.external_id = str(row.get("external_id") or "")
    loc = ["body", "rows", index]
    try:
        serializer = serializer_class(data=row, context={"request": request})
        if not serializer.is_valid():
            result.code = "VALIDATION_ERROR"
            result.errors = error_items(serializer.errors, loc)
            return result
        data = dict(serializer.validated_data)
        status, appointment = _write_row(request, data, actor)  # one transaction per row
        result.status, result.id = status, appointment.uuid
    except DjangoValidationError as exc:
        result.code = "VALIDATION_ERROR"
        result.errors = error_items(get_error_detail(exc), loc)
    except SchedulingConflict as exc:
        result.code = exc.code
        result.errors = [{"loc": loc, "msg": exc.detail, "type": exc.code}]
        result.conflicts = exc.extra.get("conflicts")
    except DomainError as exc:
        result.code = exc.code
        result.errors = [{"loc": loc, "msg": exc.detail, "type": exc.code}]
    except exceptions.APIException as exc:  # 404 / 403 of a referenced id
        result.code = CODES.get(type(exc), "ERROR")
        result.errors = [{"loc": loc, "msg": str(exc.detail), "type": result.code}]
    except DatabaseError as exc:  # a value or race the checks missed: this row fails alone
        logger.warning("bulk row %s failed in the database", index, exc_info=exc)
        result.code = "VALIDATION_ERROR" if isinstance(exc, DataError) else "CONFLICT"
        message = "A value is out of range." if isinstance(exc, DataError) else str(exc).strip()
        result.errors = [{"loc": loc, "msg": message.splitlines()[0], "type": result.code}]
    return result


def bulk_import(
    request, rows: Iterable[Any], *, dry_run: bool, actor, serializer_class
) -> BulkResult:
    """Import ``rows`` one by one (see the module's docstring)."""
    result = BulkResult(dry_run=dry_run)
    # Rows name the same locations, chairs, patients and types again and again.
    request.resolution_cache = ResolutionCache()
    # A real import commits row by row, so each row's chair lock is released at once; only
    # a dry run is one transaction (rolled back), so that rows see the rows before them.
    with (
        transaction.atomic() if dry_run else contextlib.nullcontext(),
        rehearsal() if dry_run else contextlib.nullcontext(),
    ):
        for index, row in enumerate(rows):
            result.results.append(
                import_row(request, index, row, actor=actor, serializer_class=serializer_class)
            )
        if dry_run:
            transaction.set_rollback(True)
            for row_result in result.results:  # would be created or updated
                if row_result.status == CREATED:
                    row_result.status, row_result.id = VALIDATED, None
                elif row_result.status == UPDATED:
                    row_result.status = VALIDATED
    return result
