"""Recall types and their triggers: the org's recall configuration.

In the practice's words: a recall type ("Prophy", every six months) says how long after
a visit a patient is due again and which appointment type brings them back; its triggers
are the procedure codes whose completion starts the next cycle (D1110 → Prophy).

Names are unique among the org's types (case aside) and a procedure code triggers a
type once: the database's named constraints decide both, so two concurrent creates of
one name cannot both pass (``unique_violations`` turns the loser into a 409). A type
that patient recalls still use cannot be deleted (409 ``RECALL_TYPE_IN_USE``): the
delete locks the type's row first, so a patient recall created concurrently either
commits before the check (and is seen) or waits for the delete (and then fails on the
foreign key), never leaving a recall whose type is gone.

Patient recalls are written here by hand (the front desk's corrections); the recall
engine that opens and closes cycles from completed procedures is another module.

A patient has at most one open cycle per recall type. Two desks opening the same recall
at once are decided by the database (the partial unique constraint
``patient_recall_one_open``): one creates it, the other gets 409 ``DUPLICATE_RECALL``.

- A new recall with no history is due now: ``date_due`` defaults to the practice's today.
- ``interval`` is the patient's own; ``{}`` (or leaving it out on create) means the
  type's default, which then follows the type when its default changes.
- ``status`` is derived (``recalls.selectors``); the one status a person
  sets is ``completed``, which closes the cycle (for good: the next cycle is a new recall).
- A recall switched back on without a due date (the engine records visits on disabled
  recalls but sets none) is due one interval after its ``date_previous``.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone

from recalls.engine import add_interval
from recalls.models import PatientRecall, RecallTrigger, RecallType
from recalls.selectors import RecallStatus
from scheduling.exceptions import Conflict
from scheduling.models import Organization, Patient, ProcedureCode
from scheduling.services import unique_violations, update_versioned

__all__ = [
    "DEFAULT_INTERVAL",
    "RecallTypeInUse",
    "recall_trigger_create",
    "recall_trigger_delete",
    "recall_type_create",
    "recall_type_delete",
    "recall_type_update",
]

#: A type created without an interval recalls every six months, the common cleaning.
DEFAULT_INTERVAL = {"months": 6}

UNIQUE_NAME = {
    "recall_type_org_name": ("DUPLICATE_NAME", "A recall type with this name already exists."),
}
UNIQUE_TRIGGER = {
    "recall_trigger_pair": (
        "DUPLICATE_TRIGGER",
        "This procedure code already triggers this recall type.",
    ),
}


class RecallTypeInUse(Conflict):
    code = "RECALL_TYPE_IN_USE"
    default_detail = "Patient recalls use this recall type; deactivate it instead."


def _validate(row) -> None:
    row.full_clean(exclude=["org"], validate_unique=False, validate_constraints=False)


def recall_type_create(*, org: Organization, name: str, **fields) -> RecallType:
    """Create a recall type; names are unique among the org's types (409 otherwise)."""
    fields.setdefault("default_interval", dict(DEFAULT_INTERVAL))
    recall_type = RecallType(org=org, name=name, **fields)
    _validate(recall_type)
    with unique_violations(UNIQUE_NAME):
        recall_type.save()
    return recall_type


def recall_type_update(*, recall_type: RecallType, base_version: int, **changes) -> RecallType:
    """Change a recall type if nobody changed it since ``base_version``.

    Open patient recalls without an interval of their own follow the new default.
    """
    return update_versioned(
        recall_type, base_version=base_version, changes=changes, unique=UNIQUE_NAME
    )


@transaction.atomic
def recall_type_delete(*, recall_type: RecallType) -> None:
    """Delete a type for good, with its triggers (the API's DELETE, irreversible).

    Patient recalls, open or completed, keep showing their type, so a type any of them
    uses stays (``RecallTypeInUse``); deactivating it (``is_active: false``) retires it
    instead. Nothing else shows a type's name, so an unused one is really deleted.
    """
    RecallType.objects.select_for_update().filter(pk=recall_type.pk).first()
    if PatientRecall.objects.filter(recall_type=recall_type).exists():
        raise RecallTypeInUse()
    try:
        recall_type.delete()
    except ProtectedError as exc:  # the database's own word, should the check miss one
        raise RecallTypeInUse() from exc


def recall_trigger_create(
    *, org: Organization, recall_type: RecallType, procedure_code: ProcedureCode
) -> RecallTrigger:
    """Make completing ``procedure_code`` start a cycle of ``recall_type`` (once: 409)."""
    trigger = RecallTrigger(org=org, recall_type=recall_type, procedure_code=procedure_code)
    _validate(trigger)
    with unique_violations(UNIQUE_TRIGGER):
        trigger.save()
    return trigger


def recall_trigger_delete(*, trigger: RecallTrigger) -> None:
    """Remove a trigger; recalls it started stay."""
    trigger.delete()


# --- Patient recalls ---


__all__ = ["patient_recall_create", "patient_recall_update"]

UNIQUE_RECALL = {
    "patient_recall_one_open": (
        "DUPLICATE_RECALL",
        "The patient already has an open recall of this type; change that one instead.",
    )
}


def _own_interval(interval: dict | None) -> dict | None:
    """``{}`` is "the type's default", stored as none."""
    return interval or None


def patient_recall_create(
    *,
    org: Organization,
    patient: Patient,
    recall_type: RecallType,
    interval: dict | None = None,
    date_due: date | None = None,
    note: str = "",
) -> PatientRecall:
    """A new open cycle (409 ``DUPLICATE_RECALL`` when the patient has one of the type)."""
    errors = {}
    if not patient.is_active:
        errors["patient_uuid"] = ValidationError("The patient is inactive.", code="inactive")
    if not recall_type.is_active:
        errors["recall_type_uuid"] = ValidationError(
            "The recall type is inactive.", code="inactive"
        )
    if errors:
        raise ValidationError(errors)
    recall = PatientRecall(
        org=org,
        patient=patient,
        recall_type=recall_type,
        interval=_own_interval(interval),
        date_due=date_due or org.local_today(),
        note=note,
    )
    recall.full_clean(exclude=["org"], validate_unique=False, validate_constraints=False)
    with unique_violations(UNIQUE_RECALL):
        recall.save()
    return recall


def patient_recall_update(
    *, recall: PatientRecall, base_version: int, status: str | None = None, **changes
) -> PatientRecall:
    """Changes the fields given under ``base_version`` (stale: 409); ``status="completed"``
    closes an open cycle now (an already closed one keeps its completion time)."""
    if "interval" in changes:
        changes["interval"] = _own_interval(changes["interval"])
    switched_on = recall.is_disabled and changes.get("is_disabled") is False
    undated = recall.date_due is None and "date_due" not in changes
    if switched_on and undated and recall.date_previous:
        # The engine recorded a visit while it was off: due one interval after it.
        interval = changes.get("interval", recall.interval) or recall.recall_type.default_interval
        changes["date_due"] = add_interval(recall.date_previous, interval)
    if status == RecallStatus.COMPLETED and recall.completed_at is None:
        changes["completed_at"] = timezone.now()
    return update_versioned(recall, base_version=base_version, changes=changes)
