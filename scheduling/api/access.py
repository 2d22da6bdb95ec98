"""Who the caller is inside the org of the path: membership, role, locations.

Resolved once per request by the base view (``OrgScopedMixin.initial``) and kept on
the request as ``request.org`` and ``request.access``.
"""

from __future__ import annotations

from functools import cached_property
from uuid import UUID

from django.db.models import Q, QuerySet
from rest_framework import exceptions, permissions

from scheduling.models import Membership, MembershipLocation, Organization, Role


class Access:
    """The caller's membership of one org, and the locations it opens."""

    def __init__(self, membership: Membership):
        self.membership = membership
        self.org: Organization = membership.org

    @classmethod
    def resolve(cls, user, org_uuid: UUID) -> Access:
        membership = (
            Membership.objects.select_related("org").filter(user=user, org__uuid=org_uuid).first()
        )
        if membership is None:
            # Not a member and no such org look the same: org ids are not revealed.
            raise exceptions.NotFound("Organization not found.")
        return cls(membership)

    @property
    def role(self) -> Role:
        return Role(self.membership.role)

    def has_role(self, role: Role) -> bool:
        return self.membership.has_role(role)

    @cached_property
    def location_ids(self) -> frozenset[int] | None:
        """Primary keys of the permitted locations, or None for every location."""
        if self.membership.all_locations:
            return None
        return frozenset(
            MembershipLocation.objects.filter(org=self.org, membership=self.membership).values_list(
                "location_id", flat=True
            )
        )

    def can_access_location(self, location_id: int | None) -> bool:
        return self.location_ids is None or location_id in self.location_ids

    def check_location(self, location_id: int | None) -> None:
        """A request that names a forbidden location is refused outright (403)."""
        if location_id is not None and not self.can_access_location(location_id):
            raise exceptions.PermissionDenied("You do not have access to this location.")

    def scope(self, queryset: QuerySet, location_lookup: str | None) -> QuerySet:
        """Limit ``queryset`` to rows at permitted locations (others are invisible).

        Rows with no location (``location_lookup`` is NULL) are org-wide and visible.
        """
        if location_lookup is None or self.location_ids is None:
            return queryset
        if location_lookup == "pk":
            return queryset.filter(pk__in=self.location_ids)
        return queryset.filter(
            Q(**{f"{location_lookup}__in": self.location_ids})
            | Q(**{f"{location_lookup}__isnull": True})
        )


class OperatorAccess(Access):
    """An operator's command (imports, seeding) acts for the whole org: every location.

    Used where a service expects a caller's ``Access`` but no API member is calling.
    """

    def __init__(self, org: Organization):
        self.membership = None
        self.org = org

    @property
    def role(self) -> Role:
        return Role.ADMIN

    def has_role(self, role: Role) -> bool:
        return True

    @property
    def location_ids(self) -> None:
        return None


class RolePermission(permissions.BasePermission):
    """Reads are open to every member; writes need the view's ``write_role``.

    A view may lower or raise the role for one action (``action_roles``), e.g. a POST
    that only reads, such as a conflict check.
    """

    message = "Your role does not allow this operation."

    def has_permission(self, request, view) -> bool:
        access: Access = request.access
        action_roles = getattr(view, "action_roles", {})
        action = getattr(view, "action", None)
        if action in action_roles:
            required = action_roles[action]
        elif request.method in permissions.SAFE_METHODS:
            required = Role.VIEWER
        else:
            required = getattr(view, "write_role", Role.STAFF)
        return access.has_role(required)
