"""Writing patient recalls by hand (the front desk's corrections; the recall engine that
opens and closes cycles from completed procedures is another module).

A patient has at most one open cycle per recall type. Two desks opening the same recall
at once are decided by the database (the partial unique constraint
``patient_recall_one_open``): one creates it, the other gets 409 ``DUPLICATE_RECALL``.

- A new recall with no history is due now: ``date_due`` defaults to the practice's today.
- ``interval`` is the patient's own; ``{}`` (or leaving it out on create) means the
  type's default, which then follows the type when its default changes.
- ``status`` is derived (``recalls.patient_recall_selectors``); the one status a person
  sets is ``completed``, which closes the cycle (for good: the next cycle is a new recall).
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone

from recalls.models import PatientRecall, RecallType
from recalls.patient_recall_selectors import RecallStatus, practice_today
from scheduling.models import Organization, Patient
from scheduling.services import unique_violations, update_versioned

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
        date_due=date_due or practice_today(org),
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
    if status == RecallStatus.COMPLETED and recall.completed_at is None:
        changes["completed_at"] = timezone.now()
    return update_versioned(recall, base_version=base_version, changes=changes)
