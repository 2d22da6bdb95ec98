"""Who is acting inside one org: a member's role and permitted locations, or an operator.

A domain object, not an API one: views resolve it from the token and the path, and
services, selectors and management commands take it as it is (``Access.operator(org)``
for a command acting for the whole practice). Reading rows for a caller always goes
through ``Model.objects.restrict(access)``.
"""

from __future__ import annotations

from datetime import datetime
from functools import cached_property
from uuid import UUID

from django.db.models import JSONField, Subquery
from django.db.models.functions import JSONObject

from scheduling.exceptions import Forbidden, NotFound
from scheduling.models import Membership, MembershipLocation, Organization, Role

#: ``Access.member`` was not handed a prefetched membership.
NOT_READ = object()


def _membership_from(data: dict | None, user) -> Membership | None:
    if data is None:
        return None
    org = Organization(
        id=data["org_id"],
        uuid=UUID(data["org_uuid"]),
        name=data["org_name"],
        created_at=datetime.fromisoformat(data["org_created_at"]),
    )
    membership = Membership(
        id=data["id"],
        org=org,
        user=user,
        role=data["role"],
        all_locations=data["all_locations"],
        created_at=datetime.fromisoformat(data["created_at"]),
    )
    membership._state.adding = False
    membership._state.db = "default"
    org._state.adding = False
    org._state.db = "default"
    return membership


class Access:
    """The caller's membership of one org, and the locations it opens."""

    def __init__(self, org: Organization, membership: Membership | None = None):
        self.org = org
        self.membership = membership

    @classmethod
    def member(cls, user, org_uuid: UUID, *, prefetched=NOT_READ) -> Access:
        """The user's access to the org with ``org_uuid``; 404 for non-members.

        ``prefetched`` is what ``membership_subquery`` read along with the caller's token
        (a dict, or None for no membership), which spares the request a round trip.
        """
        if prefetched is NOT_READ:
            membership = (
                Membership.objects.select_related("org")
                .filter(user=user, org__uuid=org_uuid)
                .first()
            )
        else:
            membership = _membership_from(prefetched, user)
        if membership is None:
            # Not a member and no such org look the same: org ids are not revealed.
            raise NotFound("Organization not found.")
        return cls(membership.org, membership)

    @staticmethod
    def membership_subquery(user_ref, org_uuid: UUID) -> Subquery:
        """The membership of ``user_ref``'s user in the org as one JSON value, to be read in
        the same query as something else (the bearer token); see ``member``."""
        return Subquery(
            Membership.objects.filter(user=user_ref, org__uuid=org_uuid).values(
                data=JSONObject(
                    id="id",
                    role="role",
                    all_locations="all_locations",
                    created_at="created_at",
                    org_id="org_id",
                    org_uuid="org__uuid",
                    org_name="org__name",
                    org_created_at="org__created_at",
                )
            )[:1],
            output_field=JSONField(),
        )

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
