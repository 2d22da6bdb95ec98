"""Practice configuration of the Schedule section: flow statuses and production goals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from scheduling.exceptions import NotFound
from scheduling.models import FlowStatus, Organization, ProductionGoal
from scheduling.services import unique_violations, update_versioned

# --- Flow statuses ---------------------------------------------------------------------
# The steps of patient flow a practice tracks (arrived, seated, checked out …): org
# configuration. A status's slug is its name slugified, unique among the org's live
# statuses: the partial unique constraint ``flow_status_org_slug`` decides, so two
# concurrent creates (or renames) to "Seated" cannot both win, and ``unique_violations``
# turns its verdict into a 409 ``DUPLICATE_NAME``. Deleting is irreversible but keeps the
# row (``deleted_at``): the appointments and patient-flow events that name the status
# keep showing it, while ``FlowStatus.objects`` (lists, lookups, ids in bodies) no longer
# finds it, and its slug is free for a new status.

UNIQUE_FLOW_STATUS_SLUG = {
    "flow_status_org_slug": (
        "DUPLICATE_NAME",
        "A flow status with this name (or one with the same slug) already exists.",
    )
}
SLUG_LENGTH = FlowStatus._meta.get_field("slug").max_length


def flow_status_slug(name: str) -> str:
    """The slug of ``name`` (Django's ``slugify``: ASCII letters, digits, hyphens).

    A name with nothing to make a slug of ("!!!", a name in a non-Latin script) is a 422
    on ``name``: the slug is how clients and integrations name a status.
    """
    slug = slugify(name)[:SLUG_LENGTH].strip("-")
    if not slug:
        raise ValidationError(
            {
                "name": ValidationError(
                    "The name needs at least one Latin letter or digit (its slug is made of them).",
                    code="no_slug",
                )
            }
        )
    return slug


def flow_status_create(*, org: Organization, name: str, **fields) -> FlowStatus:
    """Create a status; its slug comes from the name and must be free (409 otherwise)."""
    flow_status = FlowStatus(org=org, name=name, slug=flow_status_slug(name), **fields)
    flow_status.full_clean(exclude=["org"], validate_unique=False, validate_constraints=False)
    with unique_violations(UNIQUE_FLOW_STATUS_SLUG):
        flow_status.save()
    return flow_status


def flow_status_update(*, flow_status: FlowStatus, base_version: int, **changes) -> FlowStatus:
    """A rename moves the slug with the name (409 when another live status has it)."""
    if "name" in changes:
        changes["slug"] = flow_status_slug(changes["name"])
    return update_versioned(
        flow_status, base_version=base_version, changes=changes, unique=UNIQUE_FLOW_STATUS_SLUG
    )


def flow_status_delete(*, flow_status: FlowStatus) -> None:
    """Delete a status for good (the API's DELETE, irreversible as the reference says).

    The row stays, marked deleted and inactive, because appointments and their flow
    events point at it (the database protects them) and must keep showing its name; it
    is gone from every list and lookup, cannot be named in a request again, and frees
    its slug. Deleting a deleted status changes nothing.
    """
    now = timezone.now()
    FlowStatus.objects.filter(pk=flow_status.pk).update(
        deleted_at=now, is_active=False, updated_at=now, version=F("version") + 1
    )


# --- Production goals ------------------------------------------------------------------
# What a provider is expected to produce at a location on a date: org configuration,
# shown against the day's production. One goal per provider, location and date, kept by
# the unique constraint ``production_goal_day``: a second create is a 422 naming
# ``goal_date`` (the reference calls it invalid input, not a conflict), even when two
# creates race, and the upsert takes the row it finds or inserts inside that constraint,
# so concurrent upserts of one day leave one row.

UNIQUE_GOAL_DAY = {
    "production_goal_day": lambda: ValidationError(
        {
            "goal_date": ValidationError(
                "The provider already has a goal at this location on this date; change "
                "that one, or upsert.",
                code="duplicate",
            )
        }
    )
}


def _validate_goal(goal: ProductionGoal) -> None:
    goal.full_clean(exclude=["org"], validate_unique=False, validate_constraints=False)


def production_goal_create(
    *, org: Organization, provider, location, goal_date: date, goal_amount: Decimal
) -> ProductionGoal:
    """Create the day's goal; a second one for the provider, location and date is a 422."""
    goal = ProductionGoal(
        org=org, provider=provider, location=location, goal_date=goal_date, goal_amount=goal_amount
    )
    _validate_goal(goal)
    with unique_violations(UNIQUE_GOAL_DAY):
        goal.save()
    return goal


def production_goal_upsert(
    *, org: Organization, provider, location, goal_date: date, goal_amount: Decimal
) -> tuple[ProductionGoal, bool]:
    """Set the goal of a provider at a location on a date, creating it if there is none.

    Returns the goal and whether it was created. The row is read under a row lock, or
    inserted; an insert that loses a race to another upsert fails on the unique
    constraint and reads (and locks) the winner's row instead, so either way one row
    results and each amount is written in turn. An unchanged amount writes nothing.
    """
    _validate_goal(
        ProductionGoal(
            org=org,
            provider=provider,
            location=location,
            goal_date=goal_date,
            goal_amount=goal_amount,
        )
    )
    with transaction.atomic():
        goal, created = ProductionGoal.objects.select_for_update().get_or_create(
            org=org,
            provider=provider,
            location=location,
            goal_date=goal_date,
            defaults={"goal_amount": goal_amount},
        )
        if not created:
            goal = update_versioned(
                goal, base_version=goal.version, changes={"goal_amount": goal_amount}
            )
    return goal, created


def production_goal_update(
    *, goal: ProductionGoal, goal_amount: Decimal, base_version: int | None = None
) -> ProductionGoal:
    """``base_version`` is optional (the reference gives goals none); when sent, it is
    checked like everywhere else, else the amount is simply written."""
    with transaction.atomic():
        if base_version is None:  # the row as it is now, locked until the write
            goal = ProductionGoal.objects.select_for_update().filter(pk=goal.pk).first()
            if goal is None:
                raise NotFound("Production goal not found.")
            base_version = goal.version
        return update_versioned(
            goal, base_version=base_version, changes={"goal_amount": goal_amount}
        )


def production_goal_delete(*, goal: ProductionGoal) -> None:
    """Goals are plain configuration with nothing pointing at them: deleted for good."""
    goal.delete()
