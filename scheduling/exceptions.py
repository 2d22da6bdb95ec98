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
