"""Page pagination: ``?page=1&page_size=50`` → ``{items, page, page_size, total}``."""

from __future__ import annotations

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
    if raw is None or raw == "":
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
        self.page, self.page_size = self.parse(request)
        self.total = queryset.count()
        offset = (self.page - 1) * self.page_size
        return list(queryset[offset : offset + self.page_size])

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
