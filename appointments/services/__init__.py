"""Writes of the appointments domain. Views, admin and commands all come through here.

``appointments`` books, changes, moves and deletes; ``lifecycle`` runs the status machine,
confirmation and patient flow; ``details`` the procedures and providers; ``conflicts`` is
the conflict engine; ``appointment_rules`` the pairs of types it lets share a chair;
``bulk`` the bulk import; ``history`` the audit trail.
"""

from appointments.services.appointment_rules import (
    appointment_rule_create,
    appointment_rule_delete,
    appointment_rule_update,
)
from appointments.services.appointment_types import (
    appointment_type_archive,
    appointment_type_create,
    appointment_type_update,
)

__all__ = [
    "appointment_rule_create",
    "appointment_rule_delete",
    "appointment_rule_update",
    "appointment_type_archive",
    "appointment_type_create",
    "appointment_type_update",
]
