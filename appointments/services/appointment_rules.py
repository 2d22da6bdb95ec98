"""Creating, changing and deleting appointment rules (org configuration).

In the practice's words: a rule says whether appointments of two kinds may share a
chair at the same time (a quick exam seated while a long crown appointment waits on
its impression). Without a rule they may not. The pair is unordered (exam + cleaning
is cleaning + exam), a type may be paired with itself (two quick exams side by side),
and a rule for one location overrides the org-wide rule of the pair there. The
conflict engine (``appointments.services.conflicts``) reads the rules when it judges a
slot, so a change applies to the next booking.

Races: one rule per pair and location is the unique constraint ``appointment_rule_pair``
(with ``NULLS NOT DISTINCT``, so also one org-wide rule per pair); of two concurrent
creates the database lets one win and the other is a 409 ``DUPLICATE_RULE``. An update
is one conditional UPDATE under ``base_version``.
"""

from __future__ import annotations

from django.db import transaction

from appointments.models import AppointmentRule, AppointmentType
from scheduling.exceptions import NotFound
from scheduling.models import Location, Organization
from scheduling.services import unique_violations, update_versioned

UNIQUE_PAIR = {
    "appointment_rule_pair": (
        "DUPLICATE_RULE",
        "A rule for this pair of appointment types at this location already exists.",
    ),
}


def appointment_rule_create(
    *,
    org: Organization,
    appointment_type_a: AppointmentType,
    appointment_type_b: AppointmentType,
    allow_overlap: bool,
    location: Location | None = None,
) -> AppointmentRule:
    """Create the rule of a pair of types, at ``location`` or (None) everywhere.

    The pair is stored in one order (the lower id first, as the model's check constraint
    requires), so (A, B) after (B, A) meets the unique constraint: 409 ``DUPLICATE_RULE``.
    """
    low, high = sorted((appointment_type_a, appointment_type_b), key=lambda t: t.pk)
    rule = AppointmentRule(
        org=org,
        appointment_type_a=low,
        appointment_type_b=high,
        location=location,
        allow_overlap=allow_overlap,
    )
    rule.full_clean(exclude=["org"], validate_unique=False, validate_constraints=False)
    with unique_violations(UNIQUE_PAIR):  # a transaction: the database decides races
        rule.save()
    return rule


def appointment_rule_update(
    *, rule: AppointmentRule, base_version: int, allow_overlap: bool
) -> AppointmentRule:
    """Change whether the pair may overlap, if nobody changed the rule since ``base_version``.

    The pair and the location are what the rule is: to move it, delete it and create
    another.
    """
    return update_versioned(
        rule, base_version=base_version, changes={"allow_overlap": allow_overlap}
    )


@transaction.atomic
def appointment_rule_delete(*, rule: AppointmentRule) -> None:
    """Delete the rule for good; its pair falls back to the org-wide rule, or to no rule
    (appointments of the two types may then not share a chair).

    Existing appointments are left as they are: a rule is judged when a slot is taken.
    Of two concurrent deletes the second finds nothing: 404.
    """
    deleted, _per_model = AppointmentRule.objects.filter(pk=rule.pk).delete()
    if not deleted:
        raise NotFound("Appointment rule not found.")
