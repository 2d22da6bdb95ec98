"""The bulk import's rows as the API takes and answers them.

Each raw row is checked by the create body's serializer (``validated_rows``); the
service writes the valid ones and keeps each failure's exception; ``describe_results``
tells every failure the way the exception handler tells a failed request
(``describe_error``), with ``loc`` pointing into the row.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from functools import cached_property
from typing import Any

from rest_framework import serializers
from rest_framework.fields import empty

from appointments.serializers.appointment_types import ProcedureCodeListField
from appointments.serializers.appointments import AppointmentCreateSerializer
from appointments.services.bulk import BulkResult, ImportRow
from scheduling.access import Access
from scheduling.api.exceptions import describe_error
from scheduling.api.relations import (
    OrgRelatedField,
    OrgRelatedListField,
    ResolutionCache,
    named_ids,
    preresolve,
)
from scheduling.exceptions import DomainError
from scheduling.models import ProcedureCode


class BatchProcedureCodeListField(ProcedureCodeListField):
    """``procedure_codes`` checked against the codes the batch names, read once
    (``known_procedure_codes`` in the context); a row naming an unknown code is refused by
    the create body's own field, with its message."""

    def to_internal_value(self, data):
        known = self.context.get("known_procedure_codes")
        if known is not None:
            values = serializers.ListField.to_internal_value(self, data)
            codes = list(dict.fromkeys(code.strip().upper() for code in values))
            if known.issuperset(codes):
                return codes
        return super().to_internal_value(data)


#: Fields whose verdict on a value is the same for every row of a batch: dates, times and
#: choices, and ids (resolved once per batch, and checked against one caller's access).
SAME_VERDICT_IN_A_BATCH = (
    serializers.DateField,
    serializers.TimeField,
    serializers.ChoiceField,
    serializers.BooleanField,
    OrgRelatedField,
    OrgRelatedListField,
)


def _remembered(run_validation):
    """``run_validation`` that answers a value it has accepted before from memory (the rows
    of a batch repeat their location, chair, type, date and times). A value it refused is
    judged again, so each row still gets its own error."""
    accepted: dict = {}

    def run(data):
        if data is empty:
            return run_validation(data)
        key = tuple(data) if isinstance(data, list) else data
        try:
            value = accepted.get(key, empty)
        except TypeError:  # not hashable: nothing to remember it by
            return run_validation(data)
        if value is empty:
            value = accepted[key] = run_validation(data)
        return list(value) if isinstance(value, list) else value

    return run


class BulkRowSerializer(AppointmentCreateSerializer):
    """A bulk row: the create body, with the batch's procedure codes read once.

    One instance validates row after row (``run_validation``), at a cost a batch pays
    thousands of times, so it does no work whose outcome is known: it visits only the
    fields a row gives and those that say something when it does not (required ones, and
    those with a default), since DRF would skip each of the others; and its fields in
    ``SAME_VERDICT_IN_A_BATCH`` remember the values they accepted (``_remembered``).
    """

    procedure_codes = BatchProcedureCodeListField(required=False, allow_null=True)
    _row: Mapping | None = None

    def to_internal_value(self, data):
        self._row = data if isinstance(data, Mapping) else None
        try:
            return super().to_internal_value(data)
        finally:
            self._row = None

    @cached_property
    def _fields_to_visit(self) -> tuple[list, list]:
        """The writable fields: (those visited whatever a row gives, the others)."""
        always, optional = [], []
        for field in super()._writable_fields:
            if isinstance(field, SAME_VERDICT_IN_A_BATCH):
                field.run_validation = _remembered(field.run_validation)
            speaks = field.required or field.default is not empty
            (always if speaks else optional).append(field)
        return always, optional

    def run_validators(self, value):
        if self.validators:  # none declared: DRF would still assemble the row for them
            super().run_validators(value)

    @property
    def _writable_fields(self):
        always, optional = self._fields_to_visit
        row = self._row
        if row is None:
            return [*always, *optional]
        return [*always, *(field for field in optional if field.field_name in row)]


def _known_codes(rows: list, access: Access) -> set[str]:
    named = {
        code.strip().upper()
        for row in rows
        if isinstance(row.get("procedure_codes"), list)
        for code in row["procedure_codes"]
        if isinstance(code, str)
    }
    if not named:
        return set()
    return set(
        ProcedureCode.objects.filter(org=access.org, code__in=named).values_list("code", flat=True)
    )


def validated_rows(rows: Iterable[Any], *, access: Access) -> Iterator[ImportRow]:
    """Each row as the create body's serializer sees it.

    The batch costs a constant number of queries, not some per row: every id the rows
    name is resolved up front, one query per kind (``preresolve``), and so are their
    procedure codes; then one serializer validates row after row from what was read
    (``run_validation``), each row failing alone with its own errors (a 404 naming each
    unknown id, a 403 for a forbidden location).
    """
    rows = list(rows)
    objects = [row for row in rows if isinstance(row, dict)]
    cache = ResolutionCache()
    serializer = BulkRowSerializer(
        context={
            "access": access,
            "resolution_cache": cache,
            "known_procedure_codes": _known_codes(objects, access),
        }
    )
    preresolve(access, cache, named_ids(objects, serializer.fields))
    for index, row in enumerate(rows):
        external_id = str(row.get("external_id") or "") if isinstance(row, dict) else ""
        try:
            data = serializer.run_validation(row)
        except serializers.ValidationError as error:
            yield ImportRow(
                index, error=serializers.ValidationError(error.detail), external_id=external_id
            )
        except DomainError as error:  # a forbidden location named in the row: 403
            yield ImportRow(index, error=error, external_id=external_id)
        else:
            yield ImportRow(index, dict(data), external_id=external_id)


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
