"""Writes of the appointments domain. Views, admin and commands all come through here.

``appointments`` books, changes, moves and deletes; ``lifecycle`` runs the status machine,
confirmation and patient flow; ``details`` the procedures and providers; ``conflicts`` is
the conflict engine; ``bulk`` the bulk import; ``history`` the audit trail.
"""

from appointments.services.appointment_types import (
    appointment_type_archive,
    appointment_type_create,
    appointment_type_update,
)

__all__ = ["appointment_type_archive", "appointment_type_create", "appointment_type_update"]
