"""One exception handler for the whole API: every error leaves in the envelope of
CONVENTIONS.md.

- validation errors (body, query, path, malformed JSON) → 422
  ``{"detail": [{"loc": [...], "msg": ..., "type": ...}]}``
- everything else → ``{"detail": "...", "code": "MACHINE_CODE", ...extra}``
"""

from __future__ import annotations

import logging
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

from scheduling.exceptions import DomainError

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


def validation_response(detail: Any, location: str) -> Response:
    return Response(
        {"detail": error_items(detail, [location])},
        status=status.HTTP_422_UNPROCESSABLE_ENTITY,
    )


def error_body(detail: str, code: str, **extra: Any) -> dict:
    return {"detail": detail, "code": code, **extra}


def exception_handler(exc: Exception, context: dict) -> Response | None:
    set_rollback()
    if isinstance(exc, DomainError):
        return Response(error_body(exc.detail, exc.code, **exc.extra), status=exc.status_code)
    if isinstance(exc, exceptions.ValidationError):
        return validation_response(exc.detail, getattr(exc, "location", "body"))
    if isinstance(exc, DjangoValidationError):
        return validation_response(get_error_detail(exc), "body")
    if isinstance(exc, exceptions.ParseError):
        return Response(
            {"detail": [{"loc": ["body"], "msg": str(exc.detail), "type": "json_invalid"}]},
            status=status.HTTP_422_UNPROCESSABLE_ENTITY,
        )
    if isinstance(exc, DataError):
        # A value the column cannot hold slipped past validation: still the client's input.
        logger.warning("DataError reached the API boundary", exc_info=exc)
        return validation_response(["A value is out of range or malformed."], "body")
    if isinstance(exc, IntegrityError):
        logger.warning("IntegrityError reached the API boundary", exc_info=exc)
        return Response(
            error_body("The request conflicts with existing data.", "CONFLICT"), status=409
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, exceptions.APIException):
        headers = {}
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait))
        code = next(
            (c for cls, c in CODES.items() if isinstance(exc, cls)),
            str(exc.default_code).upper(),
        )
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.default_detail)
        return Response(error_body(str(detail), code), status=exc.status_code, headers=headers)
    return None


def not_found_view(request, exception=None):
    """Django-level 404 (no route matched, e.g. a malformed id in the path)."""
    return JsonResponse(error_body("Not found.", "NOT_FOUND"), status=404)


def server_error_view(request):
    return JsonResponse(error_body("Internal server error.", "SERVER_ERROR"), status=500)


def bad_request_view(request, exception=None):
    return JsonResponse(error_body("Bad request.", "BAD_REQUEST"), status=400)
