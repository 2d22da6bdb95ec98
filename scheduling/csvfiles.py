"""Reading the CSV files operators import: header checks, line numbers, unreadable rows.

``import_reference`` and ``import_appointments`` read files the same way; what a row
means is theirs.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass


class CsvFileError(Exception):
    """The file as a whole cannot be imported (not UTF-8, not CSV, or a wrong header)."""


@dataclass(frozen=True)
class CsvRecord:
    """One data line: its line number (the header is line 1) and its stripped cells."""

    line: int
    values: dict[str, str]
    problem: str | None = None  # the line cannot be read as a row at all


def read_csv(
    csv_file: Iterable[str], *, columns: Iterable[str], required: Iterable[str], hint: str
) -> tuple[list[str], list[CsvRecord]]:
    """The header (lower-cased) and the non-blank data lines of ``csv_file``.

    A header with unknown, repeated or missing required columns is refused before any
    row is read (``hint`` tells which columns there are); a line with the wrong number
    of fields is a record with a ``problem``.
    """
    reader = csv.reader(csv_file)
    try:
        header = [cell.strip().lstrip("\ufeff").strip().lower() for cell in next(reader, [])]
        _check_header(header, set(columns), list(required), hint)
        records = []
        line = reader.line_num
        for cells in reader:
            start, line = line + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != len(header):
                problem = f"has {len(cells)} fields, the header has {len(header)}"
                records.append(CsvRecord(start, {}, problem))
            else:
                values = {column: cell.strip() for column, cell in zip(header, cells, strict=True)}
                records.append(CsvRecord(start, values))
    except UnicodeDecodeError as exc:
        raise CsvFileError(f"the file is not UTF-8 text ({exc.reason})") from exc
    except csv.Error as exc:
        raise CsvFileError(f"line {reader.line_num}: {exc}") from exc
    return header, records


def _check_header(header: list[str], columns: set[str], required: list[str], hint: str) -> None:
    if not any(header):
        raise CsvFileError("the file has no header row")
    problems = []
    if missing := [column for column in required if column not in header]:
        problems.append(f"missing required column(s): {', '.join(missing)}")
    if unknown := [column for column in header if column not in columns]:
        problems.append(f"unknown column(s): {', '.join(unknown)}")
    if repeated := sorted({column for column in header if header.count(column) > 1}):
        problems.append(f"repeated column(s): {', '.join(repeated)}")
    if problems:
        raise CsvFileError(f"{'; '.join(problems)} ({hint})")
