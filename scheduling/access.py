"""Who is acting inside one org: a member's role and permitted locations, or an operator.

A domain object, not an API one: views resolve it from the token and the path, and
services, selectors and management commands take it as it is (``Access.operator(org)``
for a command acting for the whole practice). Reading rows for a caller always goes
through ``Model.objects.restrict(access)``.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property
from uuid import UUID

from scheduling.exceptions import Forbidden, NotFound
from scheduling.models import Membership, MembershipLocation, Organization, Role

#: ``Access.member`` was not handed what was read along with the token.
NOT_READ = object()


class Access:
    """The caller's membership of one org, and the locations it opens."""

    def __init__(
        self,
        org: Organization,
        membership: Membership | None = None,
        *,
        location_ids: Iterable[int] | None | object = NOT_READ,
    ):
        self.org = org
        self.membership = membership
        if location_ids is not NOT_READ:  # read already (with the token)
            self.__dict__["location_ids"] = (
                None if location_ids is None else frozenset(location_ids)
            )

    @classmethod
    def member(cls, user, org_uuid: UUID, *, prefetched=NOT_READ) -> Access:
        """The user's access to the org with ``org_uuid``; 404 for non-members.

        ``prefetched``: the Access read along with the caller's token (or None for no
        membership), which spares the request its round trips.
        """
        if prefetched is not NOT_READ:
            access = prefetched
        else:
            membership = (
                Membership.objects.select_related("org")
                .filter(user=user, org__uuid=org_uuid)
                .first()
            )
            access = None if membership is None else cls(membership.org, membership)
        if access is None:
            # Not a member and no such org look the same: org ids are not revealed.
            raise NotFound("Organization not found.")
        return access

    @classmethod
    def operator(cls, org: Organization) -> Access:
        """An operator's command (imports, seeding): an admin of every location."""
        return cls(org)

    @property
    def user(self):
        return self.membership.user if self.membership else None

    @property
    def role(self) -> Role:
        return Role(self.membership.role) if self.membership else Role.ADMIN

    def has_role(self, role: Role) -> bool:
        return self.role.rank >= Role(role).rank

    @cached_property
    def location_ids(self) -> frozenset[int] | None:
        """Primary keys of the permitted locations, or None for every location."""
        if self.membership is None or self.membership.all_locations:
            return None
        return frozenset(
            MembershipLocation.objects.filter(org=self.org, membership=self.membership).values_list(
                "location_id", flat=True
            )
        )

    def can_access_location(self, location_id: int | None) -> bool:
        """Org-wide things (no location) are open to every member."""
        return self.location_ids is None or location_id is None or location_id in self.location_ids

    def check_location(self, location_id: int | None) -> None:
        """A request that names a forbidden location is refused outright (403)."""
        if not self.can_access_location(location_id):
            raise Forbidden("You do not have access to this location.")
