"""Domain errors raised by services; the API's exception handler renders them.

Each carries an HTTP status and a machine code, and may carry extra payload (what a
conflict conflicts with), so no view ever builds an error body by hand.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status_code = 400
    code = "BAD_REQUEST"
    default_detail = "The request cannot be carried out."

    def __init__(self, detail: str | None = None, *, code: str | None = None, **extra: Any):
        self.detail = detail or self.default_detail
        if code:
            self.code = code
        self.extra = extra
        super().__init__(self.detail)


class Conflict(DomainError):
    """The request is valid but collides with the current state (409)."""

    status_code = 409
    code = "CONFLICT"
    default_detail = "The request conflicts with the current state."


class VersionConflict(Conflict):
    """``base_version`` is not the object's current version: someone wrote in between."""

    code = "VERSION_CONFLICT"
    default_detail = "The object has changed since base_version; reload it and try again."


class InvalidTransition(Conflict):
    """The status machine does not lead from the current status to the one asked for."""

    code = "INVALID_TRANSITION"
    default_detail = "The status change is not permitted from the current status."


class InvalidState(Conflict):
    """The operation is not possible in the object's current status (e.g. moving a
    completed appointment)."""

    code = "INVALID_STATE"
    default_detail = "The operation is not possible in the current status."


class NotFound(DomainError):
    """No such object in the caller's org and locations (or another org's: the same 404).

    ``errors`` may name each unknown id with where the request gave it (its ``loc``).
    """

    status_code = 404
    code = "NOT_FOUND"
    default_detail = "Not found."


class Forbidden(DomainError):
    """The caller's role or locations do not allow this (a named forbidden location)."""

    status_code = 403
    code = "PERMISSION_DENIED"
    default_detail = "You do not have permission to perform this action."


class FieldError(DomainError):
    """A rule on one input field failed where only the service can tell (422).

    ``path`` is where in the body, e.g. ``("providers", 0, "start_time")``; the API
    renders it as a validation error item with ``loc`` ``["body", *path]``.
    """

    status_code = 422
    code = "VALIDATION_ERROR"

    def __init__(self, path: tuple, detail: str, *, type: str = "invalid"):
        super().__init__(detail)
        self.path = tuple(path)
        self.type = type
