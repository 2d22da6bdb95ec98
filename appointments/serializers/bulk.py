"""The bulk import's rows as the API takes and answers them.

Each raw row is checked by the create body's serializer (``validated_rows``); the
service writes the valid ones and keeps each failure's exception; ``describe_results``
tells every failure the way the exception handler tells a failed request
(``describe_error``), with ``loc`` pointing into the row.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from rest_framework import serializers

from appointments.serializers.appointments import AppointmentCreateSerializer
from appointments.services.bulk import BulkResult, ImportRow
from scheduling.access import Access
from scheduling.api.exceptions import describe_error
from scheduling.api.relations import ResolutionCache
from scheduling.exceptions import DomainError


def validated_rows(rows: Iterable[Any], *, access: Access) -> Iterator[ImportRow]:
    """Each row as the create body's serializer sees it (ids of one batch resolved once)."""
    context = {"access": access, "resolution_cache": ResolutionCache()}
    for index, row in enumerate(rows):
        external_id = str(row.get("external_id") or "") if isinstance(row, dict) else ""
        serializer = AppointmentCreateSerializer(data=row, context=context)
        try:
            valid = serializer.is_valid()
        except DomainError as error:  # a forbidden location named in the row: 403
            yield ImportRow(index, error=error, external_id=external_id)
            continue
        if valid:
            yield ImportRow(index, dict(serializer.validated_data), external_id=external_id)
        else:
            error = serializers.ValidationError(serializer.errors)
            yield ImportRow(index, error=error, external_id=external_id)


def describe_results(result: BulkResult, loc_prefix: tuple = ("body", "rows")) -> dict:
    """The result with each failed row's ``code``, ``errors`` and ``conflicts``."""
    rows = []
    for row in result.results:
        described = {
            "index": row.index,
            "status": row.status,
            "id": row.id,
            "external_id": row.external_id,
            "code": None,
            "errors": [],
            "conflicts": None,
        }
        if row.error is not None:
            loc = [*loc_prefix, row.index]
            description = describe_error(row.error, loc)
            if description is None:  # a database failure of this row alone
                described["code"] = "CONFLICT"
                described["errors"] = [
                    {"loc": loc, "msg": str(row.error).strip().splitlines()[0], "type": "CONFLICT"}
                ]
            else:
                described["code"] = description.code
                described["errors"] = description.items or [
                    {"loc": loc, "msg": description.detail, "type": description.code}
                ]
                described["conflicts"] = description.extra.get("conflicts")
        rows.append(described)
    return {
        "total": result.total,
        "created": result.created,
        "updated": result.updated,
        "validated": result.validated,
        "skipped": result.skipped,
        "failed": result.failed,
        "dry_run": result.dry_run,
        "results": rows,
    }
