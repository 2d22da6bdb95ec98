"""The Django admin as a practice administrator sees it: only the orgs they administer.

A superuser sees and changes everything. Any other staff user (``is_staff``) works
through their memberships: every org where they hold the ``admin`` role is theirs, and
the admin shows, offers and accepts rows of those orgs only. A staff user without an
admin membership sees an empty admin.

Permissions come from memberships, not from Django's per-model permissions
(``auth.Permission``): a practice administrator needs no per-model permission setup,
and granting one cannot widen what they see. Every ``has_*_permission`` below is
decided by :func:`admin_org_ids`.

Three rules keep tenants apart in forms:

* every foreign-key and many-to-many choice is limited to rows of the user's admin
  orgs (users: members of those orgs), see :func:`scope_choices`;
* a row never moves to another org: ``org`` is fixed once the row exists;
* a saved form never links rows of two orgs: :class:`OrgConsistentForm` checks that
  every related object belongs to the row's org (the model's own ``clean()`` runs too,
  as in every ``ModelForm``).

Versioned rows are written as versioned writes (``scheduling.services.versioned_update``):
an admin edit bumps ``version`` like an API write, and the change form carries the
version it showed, so an edit made meanwhile by someone else is refused, not overwritten.

Rows that belong to a location (appointments, blockouts) are also limited to the
locations the caller's admin membership opens (``scoped_by_location``, following the
model's declared ``location_scope``), as in the API.
Appointments and blockouts are written by the front desk through the API and its
services; the admin shows them read-only (:class:`ReadOnlyOrgAdmin`), with their times
in the wall time of their location (:func:`local_interval`).
"""

from scheduling.admin_base.access import *  # noqa: F403
from scheduling.admin_base.admins import *  # noqa: F403
from scheduling.admin_base.display import *  # noqa: F403
from scheduling.admin_base.forms import *  # noqa: F403
