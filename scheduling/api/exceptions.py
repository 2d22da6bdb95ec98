"""One exception handler for the whole API: every error leaves in the envelope of
CONVENTIONS.md.

- validation errors (body, query, path, malformed JSON) → 422
  ``{"detail": [{"loc": [...], "msg": ..., "type": ...}]}``
- everything else → ``{"detail": "...", "code": "MACHINE_CODE", ...extra}``
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.exceptions import ErrorDetail
from rest_framework.fields import get_error_detail
from rest_framework.response import Response
from rest_framework.views import set_rollback

from scheduling.exceptions import DomainError, FieldError

logger = logging.getLogger(__name__)

CODES = {
    exceptions.NotAuthenticated: "NOT_AUTHENTICATED",
    exceptions.AuthenticationFailed: "AUTHENTICATION_FAILED",
    exceptions.PermissionDenied: "PERMISSION_DENIED",
    exceptions.NotFound: "NOT_FOUND",
    exceptions.MethodNotAllowed: "METHOD_NOT_ALLOWED",
    exceptions.NotAcceptable: "NOT_ACCEPTABLE",
    exceptions.UnsupportedMediaType: "UNSUPPORTED_MEDIA_TYPE",
    exceptions.Throttled: "THROTTLED",
}


class RequestValidationError(exceptions.ValidationError):
    """A validation error that knows where in the request it was found."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY

    def __init__(self, detail: Any, *, location: str = "body"):
        super().__init__(detail)
        self.location = location


def error_items(detail: Any, loc: list) -> list[dict]:
    """Flatten DRF's nested error structure into ``loc``/``msg``/``type`` items."""
    if isinstance(detail, dict):
        items = []
        for key, value in detail.items():
            sub = loc if key in ("non_field_errors", "__all__") else [*loc, key]
            items.extend(error_items(value, sub))
        return items
    if isinstance(detail, list):
        if all(isinstance(d, (str, ErrorDetail)) for d in detail):
            return [item for d in detail for item in error_items(d, loc)]
        items = []
        for index, value in enumerate(detail):
            items.extend(error_items(value, [*loc, index]))
        return items
    code = getattr(detail, "code", None) or "invalid"
    return [{"loc": loc, "msg": str(detail), "type": code}]


def error_body(detail: str, code: str, **extra: Any) -> dict:
    return {"detail": detail, "code": code, **extra}


#: How a domain object carried in an error's ``extra`` is rendered (type → function),
#: registered by the app that owns its serializer (``register_renderer``).
RENDERERS: dict[type, Callable[[Any], Any]] = {}


def register_renderer(kind: type, render: Callable[[Any], Any]) -> None:
    RENDERERS[kind] = render


def render_extra(value: Any) -> Any:
    render = next((r for kind, r in RENDERERS.items() if isinstance(value, kind)), None)
    return render(value) if render else value


@dataclass
class ErrorDescription:
    """An error as the API tells it: status, machine code, message, the fields it names
    (``loc``/``msg``/``type`` items) and extra payload (what a conflict collides with)."""

    status: int
    code: str
    detail: str
    items: list[dict] = field(default_factory=list)
    extra: dict = field(default_factory=dict)

    @property
    def is_validation(self) -> bool:
        return self.status == status.HTTP_422_UNPROCESSABLE_ENTITY

    def body(self) -> dict:
        if self.is_validation:
            return {"detail": self.items}
        if self.items:
            return error_body(self.detail, self.code, errors=self.items, **self.extra)
        return error_body(self.detail, self.code, **self.extra)


def _validation(items: list[dict]) -> ErrorDescription:
    if items and all(item["type"] == "not_found" for item in items):
        return ErrorDescription(404, "NOT_FOUND", " ".join(i["msg"] for i in items), items)
    detail = "; ".join(i["msg"] for i in items) or "Invalid input."
    return ErrorDescription(422, "VALIDATION_ERROR", detail, items)


def describe_error(exc: Exception, loc: list | None = None) -> ErrorDescription | None:
    """The one mapping from an exception to what a client is told.

    The exception handler answers with it; a bulk import describes each failed row
    with it (``loc`` then points into the row), so both say the same thing the same way.
    Returns None for what is not a client's error (a bug: the handler lets it be a 500).
    """
    if isinstance(exc, FieldError):
        base = loc or ["body"]
        return _validation([{"loc": [*base, *exc.path], "msg": exc.detail, "type": exc.type}])
    if isinstance(exc, DomainError):
        extra = {key: render_extra(value) for key, value in exc.extra.items()}
        items = extra.pop("errors", [])
        return ErrorDescription(exc.status_code, exc.code, exc.detail, items, extra)
    if isinstance(exc, exceptions.ValidationError):
        return _validation(error_items(exc.detail, loc or [getattr(exc, "location", "body")]))
    if isinstance(exc, DjangoValidationError):
        return _validation(error_items(get_error_detail(exc), loc or ["body"]))
    if isinstance(exc, exceptions.ParseError):
        items = [{"loc": loc or ["body"], "msg": str(exc.detail), "type": "json_invalid"}]
        return ErrorDescription(422, "VALIDATION_ERROR", str(exc.detail), items)
    if isinstance(exc, DataError):
        # A value the column cannot hold slipped past validation: still the client's input.
        logger.warning("DataError reached the API boundary", exc_info=exc)
        message = "A value is out of range or malformed."
        return _validation([{"loc": loc or ["body"], "msg": message, "type": "invalid"}])
    if isinstance(exc, IntegrityError):
        # A race the checks could not see (a unique row written meanwhile).
        logger.warning("%s reached the API boundary", type(exc).__name__, exc_info=exc)
        return ErrorDescription(409, "CONFLICT", "The request conflicts with existing data.")
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, exceptions.APIException):
        code = next(
            (c for cls, c in CODES.items() if isinstance(exc, cls)),
            str(exc.default_code).upper(),
        )
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.default_detail)
        return ErrorDescription(exc.status_code, code, str(detail))
    return None


def exception_handler(exc: Exception, context: dict) -> Response | None:
    set_rollback()
    description = describe_error(exc)
    if description is None:
        return None
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    return Response(description.body(), status=description.status, headers=headers)


def not_found_view(request, exception=None):
    """Django-level 404 (no route matched, e.g. a malformed id in the path)."""
    return JsonResponse(error_body("Not found.", "NOT_FOUND"), status=404)


def server_error_view(request):
    return JsonResponse(error_body("Internal server error.", "SERVER_ERROR"), status=500)


def bad_request_view(request, exception=None):
    return JsonResponse(error_body("Bad request.", "BAD_REQUEST"), status=400)
