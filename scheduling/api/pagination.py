"""Page pagination: ``?page=1&page_size=50`` → ``{items, page, page_size, total}``."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from datetime import datetime
from uuid import UUID

from django.db.models import F, Q
from rest_framework.exceptions import ErrorDetail
from rest_framework.pagination import BasePagination
from rest_framework.response import Response

from scheduling.api.exceptions import RequestValidationError

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
# Far beyond any real list, and small enough that the offset always fits PostgreSQL's bigint.
MAX_PAGE = 1_000_000


def _bounded_int(request, name: str, default: int, maximum: int, errors: dict) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if raw == "":
        errors[name] = [ErrorDetail("Give a number, or leave the parameter out.", code="empty")]
        return default
    try:
        value = int(raw)
    except ValueError:
        errors[name] = [ErrorDetail("Must be an integer.", code="int_parsing")]
        return default
    if not 1 <= value <= maximum:
        errors[name] = [ErrorDetail(f"Must be between 1 and {maximum}.", code="out_of_range")]
    return value


class PagePagination(BasePagination):
    """Offset pages with a total; out-of-range parameters are a 422, never clamped.

    A page past the end is an empty page (the total still tells the client where the
    end is), not an error.
    """

    def parse(self, request) -> tuple[int, int]:
        errors: dict = {}
        page = _bounded_int(request, "page", 1, MAX_PAGE, errors)
        page_size = _bounded_int(request, "page_size", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, errors)
        if errors:
            raise RequestValidationError(errors, location="query")
        return page, page_size

    def paginate_queryset(self, queryset, request, view=None):
        """The page's rows, and the queryset's count for the total."""

        def read(offset: int, limit: int) -> tuple[list, int]:
            return list(queryset[offset : offset + limit]), queryset.count()

        return self.paginate_read(request, read)

    def paginate_read(self, request, read: Callable[[int, int], tuple[list, int]]) -> list:
        """The page's rows as ``read(offset, limit)`` answers them with the total, for a
        caller that reads both its own way (one statement, say); called once the
        parameters are valid. A page past the end is ``[]`` with the real total."""
        self.page, self.page_size = self.parse(request)
        rows, self.total = read((self.page - 1) * self.page_size, self.page_size)
        return rows

    def get_paginated_response(self, data):
        return Response(
            {"items": data, "page": self.page, "page_size": self.page_size, "total": self.total}
        )

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["items", "page", "page_size", "total"],
            "properties": {
                "items": schema,
                "page": {"type": "integer", "minimum": 1},
                "page_size": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
                "total": {"type": "integer", "minimum": 0},
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": "page",
                "in": "query",
                "required": False,
                "description": "Page number (1-based).",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1},
            },
            {
                "name": "page_size",
                "in": "query",
                "required": False,
                "description": f"Items per page (1–{MAX_PAGE_SIZE}).",
                "schema": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": MAX_PAGE_SIZE,
                    "default": DEFAULT_PAGE_SIZE,
                },
            },
        ]


class KeysetPagination:
    """Cursor pages on (sort key, public id): ``?first=&after=&sort_by=&sort_dir=``.

    The cursor is opaque (base64 of the last row's sort value and public ``uuid``, with the
    sort it belongs to; the internal primary key never leaves the database). The next page
    is ``key >= value AND (key > value OR uuid > u)``: one index range scan on
    ``(org, key, uuid)`` that starts at the cursor, so page 1,000 costs what page 1 costs,
    in one query, and rows inserted meanwhile are neither skipped before the cursor nor
    seen twice.

    ``keys`` maps a nullable field to a NULL-free sort expression the model indexes (e.g.
    ``COALESCE(start_at, 'infinity')``: rows without a value sort last ascending and first
    descending); other fields sort as they are.
    """

    def __init__(self, sort_fields: dict[str, str], default_sort: str, keys=None):
        self.sort_fields = sort_fields  # API name → model field
        self.default_sort = default_sort
        self.keys = keys or {}  # model field → NULL-free sort expression

    def for_request(self) -> KeysetPagination:
        """A fresh paginator with this configuration (a paginator holds one request's state)."""
        return KeysetPagination(self.sort_fields, self.default_sort, self.keys)

    def parse(self, request) -> None:
        errors: dict = {}
        params = request.query_params
        self.first = _bounded_int(request, "first", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, errors)
        self.sort_by = params.get("sort_by") or self.default_sort
        if self.sort_by not in self.sort_fields:
            errors["sort_by"] = [
                ErrorDetail(f"One of: {', '.join(self.sort_fields)}.", code="enum")
            ]
        self.sort_dir = params.get("sort_dir") or "asc"
        if self.sort_dir not in ("asc", "desc"):
            errors["sort_dir"] = [ErrorDetail("One of: asc, desc.", code="enum")]
        self.after = None
        if not errors and params.get("after"):
            self.after = self._decode(params["after"], errors)
        if errors:
            raise RequestValidationError(errors, location="query")

    @property
    def field(self) -> str:
        return self.sort_fields[self.sort_by]

    def _decode(self, cursor: str, errors: dict):
        try:
            padded = cursor + "=" * (-len(cursor) % 4)
            data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
            sort_by, sort_dir, value, tiebreak = data["s"], data["d"], data["v"], UUID(data["i"])
            if value is not None:
                value = self._parse_value(value)
            elif self.field not in self.keys:
                raise ValueError
        except (
            ValueError,
            KeyError,
            TypeError,
            AttributeError,
            UnicodeError,
            RecursionError,
            binascii.Error,
        ):
            errors["after"] = [ErrorDetail("Malformed cursor.", code="cursor_invalid")]
            return None
        if (sort_by, sort_dir) != (self.sort_by, self.sort_dir):
            errors["after"] = [
                ErrorDetail(
                    "The cursor belongs to another sort_by/sort_dir.", code="cursor_mismatch"
                )
            ]
            return None
        return value, tiebreak

    def _parse_value(self, value):
        if not isinstance(value, str) or "\x00" in value or len(value) > 100:
            raise ValueError
        if self.field.endswith("_at"):
            parsed = datetime.fromisoformat(value)
            if parsed.tzinfo is None:
                raise ValueError
            return parsed
        return value

    def _encode(self, row) -> str:
        value = getattr(row, self.field)
        if isinstance(value, datetime):
            value = value.isoformat()
        raw = json.dumps({"s": self.sort_by, "d": self.sort_dir, "v": value, "i": str(row.uuid)})
        return base64.urlsafe_b64encode(raw.encode()).decode("ascii").rstrip("=")

    def _rows(self, queryset, limit: int) -> list:
        key_expression = self.keys.get(self.field)
        key = "_sort_key" if key_expression is not None else self.field
        if key_expression is not None:
            queryset = queryset.alias(_sort_key=key_expression)
        asc = self.sort_dir == "asc"
        if self.after is not None:
            value, tiebreak = self.after
            if value is None:  # a row without a value: its place in the key order
                value = key_expression.get_source_expressions()[-1]  # COALESCE(field, v)
            beyond, at_least = ("gt", "gte") if asc else ("lt", "lte")
            queryset = queryset.filter(
                Q(**{f"{key}__{at_least}": value}),
                Q(**{f"{key}__{beyond}": value}) | Q(**{f"uuid__{beyond}": tiebreak}),
            )
        ordering = [F(key).asc(), F("uuid").asc()] if asc else [F(key).desc(), F("uuid").desc()]
        return list(queryset.order_by(*ordering)[:limit])

    def paginate(self, queryset, request) -> list:
        """The page's rows; sets ``end_cursor`` and ``has_next_page``."""
        self.parse(request)
        rows = self._rows(queryset, self.first + 1)
        self.has_next_page = len(rows) > self.first
        rows = rows[: self.first]
        self.end_cursor = self._encode(rows[-1]) if rows else None
        return rows

    def page_info(self) -> dict:
        return {"end_cursor": self.end_cursor, "has_next_page": self.has_next_page}
