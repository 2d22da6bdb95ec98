"""The audit trail: every appointment write records who, when, what, and old → new."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db import models

from appointments.models import Appointment, AppointmentHistory, HistoryAction

#: Model field → the name clients know it by (the API's), for the fields history tracks.
TRACKED_FIELDS = {
    "status": "status",
    "location": "location",
    "operatory": "operatory",
    "patient": "patient",
    "appointment_type": "appointment_type",
    "start_at": "start_time",
    "end_at": "end_time",
    "ask_to_arrive_at": "datetime_ask_to_arrive",
    "confirmation_status": "confirmation_status",
    "flow_status": "flow_status",
    "cancel_reason": "cancel_reason",
    "broken_reason": "broken_reason",
    "cancelled_by": "cancelled_by",
    "is_new_patient": "is_new_patient",
    "is_time_locked": "is_time_locked",
    "item_order": "item_order",
    "priority": "priority",
    "note": "note",
    "color_override": "color_override",
    "production_override": "production_amount",
    "estimated_insurance": "estimated_insurance",
    "estimated_patient_portion": "estimated_patient_portion",
    "external_id": "external_id",
}


def json_value(value: Any) -> Any:
    """A field value as history stores it: related rows by public id, instants in UTC."""
    if isinstance(value, models.Model):
        return str(value.uuid)
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, UUID):
        return str(value)
    return value


def snapshot(appointment: Appointment) -> dict[str, Any]:
    """The tracked fields of ``appointment`` (related rows must be loaded or assigned)."""
    return {
        api_name: json_value(getattr(appointment, field))
        for field, api_name in TRACKED_FIELDS.items()
    }


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: {"old": before.get(name), "new": value}
        for name, value in after.items()
        if before.get(name) != value
    }


def actor_name(user) -> str:
    if user is None:
        return "system"
    return user.get_full_name() or user.get_username()


def entry_values(
    appointment: Appointment,
    action: HistoryAction,
    *,
    actor,
    changes: dict[str, dict[str, Any]] | None = None,
    note: str = "",
) -> dict[str, Any]:
    """The field values of the history entry of a write to ``appointment`` (a batch writes
    many entries at once from these)."""
    return {
        "org_id": appointment.org_id,
        "appointment_id": appointment.pk,
        "appointment_uuid": appointment.uuid,
        "action": action,
        "changes": changes or {},
        "note": note or "",
        "actor_id": getattr(actor, "pk", None),
        "actor_name": actor_name(actor),
        "version": appointment.version,
    }


def entry(
    appointment: Appointment,
    action: HistoryAction,
    *,
    actor,
    changes: dict[str, dict[str, Any]] | None = None,
    note: str = "",
) -> AppointmentHistory:
    """The (unsaved) history entry of a write to ``appointment``."""
    return AppointmentHistory(
        **entry_values(appointment, action, actor=actor, changes=changes, note=note)
    )


def record(
    appointment: Appointment,
    action: HistoryAction,
    *,
    actor,
    changes: dict[str, dict[str, Any]] | None = None,
    note: str = "",
) -> AppointmentHistory:
    return AppointmentHistory.objects.create(
        **entry_values(appointment, action, actor=actor, changes=changes, note=note)
    )
