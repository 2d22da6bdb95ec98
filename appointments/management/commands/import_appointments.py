"""``manage.py import_appointments FILE.csv --org ORG``: the bulk endpoint, from a file.

Rows go through ``appointments.services.bulk.appointments_import`` in batches of
``CHUNK_ROWS``, exactly as ``POST /appointments/bulk`` takes them: each row validated by
the create body's rules and judged by the conflict engine on its own (conflicts with the
earlier rows included), so one bad row fails alone; a row whose ``external_id`` exists
updates it. Each batch is one transaction, holding its chairs' locks until it commits (a
dry run: rolled back, without locks). The operator acts for the whole org (every
location, admin) and history records the writes as "system".
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.core.management.base import BaseCommand, CommandError
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail
from tqdm import tqdm

from appointments.models import AppointmentType, AppointmentTypeStatus
from appointments.serializers.appointments import AppointmentCreateSerializer
from appointments.serializers.bulk import describe_results, validated_rows
from appointments.services.bulk import (
    FAILED,
    ROW_STATUSES,
    BulkResult,
    RowResult,
    appointments_import,
)
from scheduling.access import Access
from scheduling.csvfiles import CsvFileError, read_csv
from scheduling.management.orgs import find_organization
from scheduling.models import Location, Operatory, Organization, Patient, Provider

#: Rows per batch: one transaction, its chairs locked until it commits (about a second).
#: Larger batches than the API's 500 save a few seconds per 100,000 rows (README).
CHUNK_ROWS = 2000

#: A cell listing several ids (provider_uuids, tag_uuids): spaces, semicolons or commas.
LIST_SEPARATORS = re.compile(r"[\s;,]+")


@dataclass(frozen=True)
class ForeignKeyColumn:
    """A column naming rows by the practice's own ids (as ``import_reference`` writes them):
    each is turned into the create body's ``*_uuid`` field before the row is validated."""

    column: str
    target: str  # the body field it stands for
    model: type
    key: str = "external_id"
    many: bool = False

    def lookup(self, org: Organization) -> dict[str, str]:
        rows = self.model.objects.filter(org=org)
        if self.model is AppointmentType:
            rows = rows.filter(status=AppointmentTypeStatus.ACTIVE)
            return {name.lower(): str(uuid) for name, uuid in rows.values_list("name", "uuid")}
        pairs = rows.exclude(**{self.key: ""}).values_list(self.key, "uuid")
        return {key: str(uuid) for key, uuid in pairs}


FOREIGN_KEY_COLUMNS = (
    ForeignKeyColumn("location_external_id", "location_uuid", Location),
    ForeignKeyColumn("operatory_external_id", "operatory_uuid", Operatory),
    ForeignKeyColumn("patient_external_id", "patient_uuid", Patient),
    ForeignKeyColumn("provider_external_ids", "provider_uuids", Provider, many=True),
    ForeignKeyColumn("appointment_type_name", "appointment_type_uuid", AppointmentType, "name"),
)
#: Each row names its location and patient, by uuid or by the practice's own id.
REQUIRED_ONE_OF = (
    ("location_uuid", "location_external_id"),
    ("patient_uuid", "patient_external_id"),
)


def row_fields() -> dict[str, serializers.Field]:
    """The columns a file may have: the fields of a bulk row (the create body)."""
    return {
        name: field
        for name, field in AppointmentCreateSerializer().fields.items()
        if not field.read_only
    }


@dataclass(frozen=True)
class Record:
    """One data line of the file: its line number (the header is line 1) and its row."""

    line: int
    row: dict[str, object]
    problem: str | None = None  # the line cannot be read as a row at all
    errors: dict[str, list[ErrorDetail]] | None = None  # columns naming nothing in the org


def _is_list(column: str, fields: dict) -> bool:
    foreign = next((f for f in FOREIGN_KEY_COLUMNS if f.column == column), None)
    return foreign.many if foreign else isinstance(fields[column], serializers.ListField)


def read_records(csv_file: Iterable[str], org: Organization | None = None) -> list[Record]:
    """Rows of the file as bulk rows: an empty cell is "not given", lists are split, and
    the practice's own ids (``*_external_id``, ``appointment_type_name``) become uuids."""
    fields = row_fields()
    columns = [*fields, *(f.column for f in FOREIGN_KEY_COLUMNS)]
    header, lines = read_csv(
        csv_file, columns=columns, required=(), hint=f"columns: {', '.join(columns)}"
    )
    for choices in REQUIRED_ONE_OF:
        if not set(choices) & set(header):
            raise CsvFileError(f"the header needs one of the columns {' or '.join(choices)}")
    foreign = [f for f in FOREIGN_KEY_COLUMNS if f.column in header]
    known = {f.column: f.lookup(org) for f in foreign} if org is not None else {}
    records = []
    for line in lines:
        row: dict[str, object] = {}
        errors: dict[str, list[ErrorDetail]] = {}
        for column, value in line.values.items():
            if not value:
                continue
            value = (
                [p for p in LIST_SEPARATORS.split(value) if p]
                if _is_list(column, fields)
                else value
            )
            row[column] = value
        for f in foreign:
            if f.column not in row:
                continue
            given = row.pop(f.column)
            names = given if f.many else [given]
            lookup_key = (lambda v: v.lower()) if f.key == "name" else (lambda v: v)
            found = [known.get(f.column, {}).get(lookup_key(v)) for v in names]
            missing = [v for v, uuid in zip(names, found, strict=True) if uuid is None]
            if missing:
                label = f.model._meta.verbose_name
                errors[f.column] = [
                    ErrorDetail(f'no {label} "{v}" in this organization', code="not_found")
                    for v in missing
                ]
            elif f.target in row:
                message = f"give {f.column} or {f.target}, not both"
                errors[f.column] = [ErrorDetail(message, code="ambiguous")]
            else:
                row[f.target] = found if f.many else found[0]
        records.append(Record(line.line, row, line.problem, errors or None))
    return records


def import_records(
    org: Organization, records: list[Record], *, dry_run: bool, progress=None
) -> BulkResult:
    """Send the readable records through the bulk import in chunks; unreadable ones fail.

    The operator acts for the whole org (``Access.operator``). ``progress`` (a tqdm bar
    or None) advances as each batch is done.
    """
    access = Access.operator(org)
    result = BulkResult(dry_run=dry_run)
    readable = [(index, r) for index, r in enumerate(records) if r.problem is None and not r.errors]
    for index, record in enumerate(records):
        if record.problem is not None or record.errors:
            error = (
                serializers.ValidationError(record.problem, code="unreadable_row")
                if record.problem is not None
                else serializers.ValidationError(record.errors)
            )
            result.results.append(RowResult(index=index, status=FAILED, error=error))
            if progress is not None:
                progress.update(1)
    for start in range(0, len(readable), CHUNK_ROWS):
        chunk = readable[start : start + CHUNK_ROWS]
        chunk_result = appointments_import(
            access=access,
            rows=validated_rows((r.row for _, r in chunk), access=access),
            dry_run=dry_run,
            actor=None,
        )
        for (index, _), row_result in zip(chunk, chunk_result.results, strict=True):
            row_result.index = index
            result.results.append(row_result)
        if progress is not None:
            progress.update(len(chunk))
    result.results.sort(key=lambda r: r.index)
    return result


def error_lines(records: list[Record], result: BulkResult) -> Iterator[str]:
    """``line N: column: message`` for each failed row (``line N: CODE: message`` when the
    failure is the row's as a whole: a conflict, an unknown or forbidden id)."""
    for row in describe_results(result, loc_prefix=("rows",))["results"]:
        if row["status"] != FAILED:
            continue
        line = records[row["index"]].line
        for error in row["errors"]:
            column = ".".join(str(part) for part in error["loc"][2:])
            where = column or (row["code"] if error["type"] != "unreadable_row" else "")
            yield (
                f"line {line}: {where}: {error['msg']}" if where else f"line {line}: {error['msg']}"
            )


def summary(result: BulkResult) -> str:
    counts = ", ".join(f"{getattr(result, status)} {status}" for status in ROW_STATUSES)
    text = f"appointments: {result.total} rows: {counts}"
    return f"{text} (dry run: nothing was written)" if result.dry_run else text


class Command(BaseCommand):
    help = (
        "Import appointments from a CSV file (UTF-8, header row) through the same path as "
        "POST /appointments/bulk: each row validated and judged on its own, conflicts "
        "included; a row whose external_id exists updates that appointment. Columns are the "
        "bulk row fields (location_uuid and patient_uuid required; operatory_uuid, "
        "appointment_type_uuid, schedule_date, start_time, end_time, status, note, "
        "external_id, provider_uuids, allow_overlap ...). An empty cell means not given; "
        "provider_uuids and tag_uuids list ids separated by spaces or semicolons. Errors "
        "are reported per line (the header is line 1); the exit status is 1 if any row "
        "failed."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path of the CSV file.")
        parser.add_argument("--org", required=True, help="The organization's UUID or exact name.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=f"Check every row as the import would and write nothing. Each batch of "
            f"{CHUNK_ROWS} rows is rolled back before the next: rows see earlier rows of their "
            "batch only.",
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, file, org, dry_run, no_progress, **options):
        organization = find_organization(org)
        try:
            with open(file, encoding="utf-8-sig", newline="") as csv_file:
                records = read_records(csv_file, organization)
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror}") from exc
        except CsvFileError as exc:
            raise CommandError(f"{file}: {exc}") from exc
        with tqdm(
            total=len(records),
            desc="validating rows" if dry_run else "importing rows",
            unit="row",
            file=sys.stderr,
            disable=no_progress or not sys.stderr.isatty(),
        ) as progress:
            result = import_records(organization, records, dry_run=dry_run, progress=progress)
        for line in error_lines(records, result):
            self.stderr.write(line)
        self.stdout.write(summary(result))
        if result.failed:
            raise CommandError(f"{result.failed} of {result.total} row(s) failed")
