"""Writes of the appointments domain. Views, admin and commands all come through here."""

from appointments.services.appointment_types import (
    appointment_type_archive,
    appointment_type_create,
    appointment_type_update,
)

__all__ = ["appointment_type_archive", "appointment_type_create", "appointment_type_update"]
