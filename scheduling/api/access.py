"""The role check every API view runs (the caller's ``Access`` is resolved by the view)."""

from __future__ import annotations

from rest_framework import permissions

from scheduling.models import Role


class RolePermission(permissions.BasePermission):
    """Reads are open to every member; writes need the view's ``write_role``.

    A view may lower or raise the role for one action (``action_roles``), e.g. a POST
    that only reads, such as a conflict check. The access is read from the view, not the
    request, so a cloned request (DRF's OPTIONS metadata) is judged the same way.
    """

    message = "Your role does not allow this operation."

    def has_permission(self, request, view) -> bool:
        access = getattr(view, "access", None)
        if access is None:
            return False
        action_roles = getattr(view, "action_roles", {})
        action = getattr(view, "action", None)
        if action in action_roles:
            required = action_roles[action]
        elif request.method in permissions.SAFE_METHODS:
            required = Role.VIEWER
        else:
            required = getattr(view, "write_role", Role.STAFF)
        return access.has_role(required)
