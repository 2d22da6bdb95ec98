"""What a patient's scheduling preference says about a slot, and what their history says
about their preference.

A preference names, each optionally, the provider and the operatory a patient likes, the
weekdays (0 = Monday) and a time window (local wall times at the slot's location, open on
one side when only one end is set). A front desk offering free time shows the slots that
fit best first: the free-time search ranks slots that start at the same time by
``preference_fit`` (higher fits better), reading the patient's preference once with
``preference_for``.

The weights make the order of importance strict, as a front desk would put it: the
provider counts more than everything else together (patients follow their dentist), then
the weekday, then the time window (wholly inside beats overlapping it), then the chair.
A preference that names nothing (or no preference) fits every slot the same: 0.

A preference is entered by a person, or learned from the patient's completed appointments
(``learned_from_history``, ``manage.py learn_preferences``), which never overwrites one a
person entered. ``LearnedPreference`` is what learning found for one patient.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time

from scheduling.models import PatientPreference

FIT_PROVIDER = 16
FIT_WEEKDAY = 8
FIT_INSIDE_WINDOW = 4
FIT_OVERLAPS_WINDOW = 2
FIT_OPERATORY = 1
#: The best fit there is: every part of the preference met.
FIT_MAX = FIT_PROVIDER + FIT_WEEKDAY + FIT_INSIDE_WINDOW + FIT_OPERATORY


def preference_for(org_id: int, patient_id: int) -> PatientPreference | None:
    """The patient's preference (one query), or None when nobody entered or learned one."""
    return PatientPreference.objects.filter(org_id=org_id, patient_id=patient_id).first()


def preference_fit(
    preference: PatientPreference | None,
    *,
    provider_id: int | None,
    operatory_id: int | None,
    local_date: date,
    local_start: time,
    local_end: time,
) -> int:
    """How well a slot fits the patient's preference: 0 (nothing preferred is met) to
    ``FIT_MAX``. Pure: no query (the preference's foreign keys are compared by id).

    The slot is ``[local_start, local_end)`` on ``local_date``, wall times at its location.
    """
    if preference is None:
        return 0
    fit = 0
    if provider_id is not None and preference.preferred_provider_id == provider_id:
        fit += FIT_PROVIDER
    if local_date.weekday() in (preference.preferred_days or ()):
        fit += FIT_WEEKDAY
    fit += _window_fit(preference, local_start, local_end)
    if operatory_id is not None and preference.preferred_operatory_id == operatory_id:
        fit += FIT_OPERATORY
    return fit


def _window_fit(preference: PatientPreference, start: time, end: time) -> int:
    window_start, window_end = preference.preferred_time_start, preference.preferred_time_end
    if window_start is None and window_end is None:
        return 0
    after_start = window_start is None or start >= window_start
    before_end = window_end is None or end <= window_end
    if after_start and before_end:
        return FIT_INSIDE_WINDOW
    # Half-open intervals: a slot ending as the window starts does not overlap it.
    overlaps = (window_end is None or start < window_end) and (
        window_start is None or end > window_start
    )
    return FIT_OVERLAPS_WINDOW if overlaps else 0


@dataclass(frozen=True)
class LearnedPreference:
    """What a patient's completed appointments say they prefer (ids of the org's rows)."""

    patient_id: int
    provider_id: int | None = None
    operatory_id: int | None = None
    days: tuple[int, ...] = field(default=())
    time_start: time | None = None
    time_end: time | None = None
    visits: int = 0  # how many completed appointments it was learned from

    def fields(self) -> dict:
        """The preference's model fields as learning sets them (contact method and notes
        are not learned: they stay empty)."""
        return {
            "preferred_provider_id": self.provider_id,
            "preferred_operatory_id": self.operatory_id,
            "preferred_days": list(self.days),
            "preferred_time_start": self.time_start,
            "preferred_time_end": self.time_end,
            "learned_from_history": True,
        }
