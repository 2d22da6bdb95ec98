"""Personal settings: a user's saved searches, and patients' scheduling preferences."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from scheduling.exceptions import VersionConflict
from scheduling.locks import SAVED_SEARCH_DEFAULT, saved_search_default_key, xact_lock
from scheduling.models import Organization, PatientPreference, SavedSearch
from scheduling.models.settings import FIND_FREE_TIME
from scheduling.schedule.preferences import LearnedPreference
from scheduling.services import unique_violations, update_versioned

# --- Saved searches --------------------------------------------------------------------
# A search a user repeats (the free-time search's criteria, say), theirs alone: the API
# reads and writes only the caller's. At most one is the user's default per search type:
# making one the default unsets the previous one in the same transaction. Writers of one
# user's search type take turns on a transaction lock (``SAVED_SEARCH_DEFAULT``), so of
# several "make this my default" at once the last one wins and exactly one default is
# left; the partial unique constraint ``saved_search_one_default`` is the backstop for a
# writer that skips the lock (a 409, never two defaults).

#: The type of a saved search that names none: the free-time search's.
DEFAULT_SEARCH_TYPE = FIND_FREE_TIME

UNIQUE_DEFAULT_SEARCH = {
    "saved_search_one_default": (
        "DUPLICATE_DEFAULT",
        "Another saved search of this type became your default meanwhile; try again.",
    )
}


def _take_default(org_id: int, user_id: int, search_type: str, *, keep_pk=None) -> None:
    """Lock the user's search type and unset their current default there (a write to that
    search: its version grows). Call inside the transaction that sets the new default."""
    xact_lock(SAVED_SEARCH_DEFAULT, [saved_search_default_key(user_id, search_type)])
    now = timezone.now()
    SavedSearch.objects.filter(
        org_id=org_id, user_id=user_id, search_type=search_type, is_default=True
    ).exclude(pk=keep_pk).update(is_default=False, version=F("version") + 1, updated_at=now)


def saved_search_create(
    *,
    org: Organization,
    user,
    name: str,
    criteria: dict,
    search_type: str = DEFAULT_SEARCH_TYPE,
    is_default: bool = False,
) -> SavedSearch:
    """Save a search for ``user``; as their default of its type, it replaces the old one."""
    search = SavedSearch(
        org=org,
        user=user,
        name=name,
        criteria=criteria,
        search_type=search_type,
        is_default=is_default,
    )
    search.full_clean(exclude=["org", "user"], validate_unique=False, validate_constraints=False)
    with transaction.atomic():
        if is_default:
            _take_default(org.pk, user.pk, search_type)
        with unique_violations(UNIQUE_DEFAULT_SEARCH):
            search.save()
    return search


def saved_search_update(*, search: SavedSearch, base_version: int, **changes) -> SavedSearch:
    """Change a saved search. Becoming the default (or moving a default to another search
    type) unsets the user's default there, in the same transaction as the version check:
    a stale ``base_version`` (409) leaves the old default alone."""
    becomes_default = changes.get("is_default", search.is_default)
    with transaction.atomic():
        if becomes_default and {"is_default", "search_type"} & changes.keys():
            search_type = changes.get("search_type", search.search_type)
            _take_default(search.org_id, search.user_id, search_type, keep_pk=search.pk)
        return update_versioned(
            search, base_version=base_version, changes=changes, unique=UNIQUE_DEFAULT_SEARCH
        )


def saved_search_delete(*, search: SavedSearch) -> None:
    """Deleted for good; the user simply has no default of its type until they pick one."""
    search.delete()


# --- Patient preferences ---------------------------------------------------------------
# When and with whom a patient likes to be seen: one preference per patient, entered by a
# person or learned from the patient's completed appointments (``learned_from_history``).
# The unique constraint ``patient_preference_one`` decides "one per patient", so of two
# racing creates (POST, or the first PUT by-patient) one wins and the other is a 409
# ``DUPLICATE_PREFERENCE``. A preference a person writes is theirs: it stops being
# learned (``learned_from_history`` false) unless the request says otherwise, and
# ``learn_preferences`` never overwrites it. A provider or operatory named in a write
# must be active (a preference for a chair nobody books helps no one); one deactivated
# later stays on the preference until someone changes it.

UNIQUE_PREFERENCE = {
    "patient_preference_one": (
        "DUPLICATE_PREFERENCE",
        "The patient already has a scheduling preference; change that one (PATCH it, or "
        "PUT by-patient with its base_version).",
    )
}

#: A preference with nothing set: what a PUT leaves of each field it does not give.
PREFERENCE_CLEARED = {
    "preferred_provider": None,
    "preferred_operatory": None,
    "preferred_days": [],
    "preferred_time_start": None,
    "preferred_time_end": None,
    "preferred_contact_method": "",
    "notes": "",
    "learned_from_history": False,
}


def _preference_fields(fields: dict) -> dict:
    """Check the rows a write names (active: 422 otherwise, on the request's field) and
    keep the weekdays in order (Monday first), whatever order they came in."""
    errors = {}
    for name in ("preferred_provider", "preferred_operatory"):
        row = fields.get(name)
        if row is not None and not row.is_active:
            errors[f"{name}_uuid"] = ValidationError(
                f"{type(row)._meta.verbose_name.capitalize()} {row.uuid} is inactive.",
                code="inactive",
            )
    if errors:
        raise ValidationError(errors)
    if fields.get("preferred_days") is not None:
        fields = {**fields, "preferred_days": sorted(fields["preferred_days"])}
    return fields


def patient_preference_create(*, org: Organization, patient, **fields) -> PatientPreference:
    """A new preference for the patient (409 ``DUPLICATE_PREFERENCE`` if they have one)."""
    fields.setdefault("learned_from_history", False)
    preference = PatientPreference(org=org, patient=patient, **_preference_fields(fields))
    preference.full_clean(exclude=["org"], validate_unique=False, validate_constraints=False)
    with unique_violations(UNIQUE_PREFERENCE):
        preference.save()
    return preference


def patient_preference_update(
    *, preference: PatientPreference, base_version: int, **changes
) -> PatientPreference:
    """A person's change (only the fields given); the whole row is validated as it would
    be left (a new start after the stored end is a 422 on ``preferred_time_end``)."""
    changes.setdefault("learned_from_history", False)
    return update_versioned(
        preference, base_version=base_version, changes=_preference_fields(changes)
    )


def patient_preference_upsert(
    *, org: Organization, patient, base_version: int | None = None, **fields
) -> tuple[PatientPreference, bool]:
    """Set the patient's whole preference (a PUT: fields not given are cleared); returns
    it and whether it was created.

    No preference yet: created, and ``base_version`` must not be sent (409: the one the
    client read is gone). A preference exists: ``base_version`` is required (422) and
    checked (409). Two first PUTs at once: the unique constraint lets one create, the
    other is a 409 ``DUPLICATE_PREFERENCE`` (read it, then PUT with its version).
    """
    fields = {**PREFERENCE_CLEARED, **fields}
    existing = (
        PatientPreference.objects.select_related("preferred_provider", "preferred_operatory")
        .filter(org=org, patient=patient)
        .first()
    )
    if existing is None:
        if base_version is not None:
            raise VersionConflict(
                "The patient has no scheduling preference (any more); PUT without "
                "base_version to create one.",
                current_version=None,
                base_version=base_version,
            )
        return patient_preference_create(org=org, patient=patient, **fields), True
    if base_version is None:
        raise ValidationError(
            {
                "base_version": ValidationError(
                    f"The patient has a scheduling preference (version {existing.version}); "
                    "send it as base_version to change it.",
                    code="required",
                )
            }
        )
    preference = patient_preference_update(preference=existing, base_version=base_version, **fields)
    return preference, False


def patient_preference_delete(*, preference: PatientPreference) -> None:
    """Deleted for good; ``learn_preferences`` may learn one again from the history."""
    preference.delete()


@dataclass
class LearnSummary:
    """What ``preferences_apply_learned`` did, per patient it was given."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0  # a person's preference, left alone


#: Rows per statement of the bulk writes.
LEARN_BATCH = 1000


def preferences_apply_learned(
    *, org: Organization, learned: Iterable[LearnedPreference]
) -> LearnSummary:
    """Store what learning found: create the preferences patients lack, update earlier
    learned ones that differ, never touch one a person entered. Set-based: a few
    statements whatever the number of patients (one per ``LEARN_BATCH`` rows written).

    One transaction. The learned preferences it may update are read under row locks, so
    a person's concurrent change waits and then finds its ``base_version`` stale (409),
    never half-overwritten; a preference a person creates meanwhile wins over the
    learned one (the insert skips it on the unique constraint). Values are built valid
    by the caller (weekdays once each, start before end): rows are not validated one by
    one.
    """
    learned = {item.patient_id: item for item in learned}
    summary = LearnSummary()
    now = timezone.now()
    with transaction.atomic():
        earlier = {
            preference.patient_id: preference
            for preference in PatientPreference.objects.filter(org=org, learned_from_history=True)
            .select_for_update()
            .order_by("id")
        }
        entered = set(
            PatientPreference.objects.filter(org=org, learned_from_history=False).values_list(
                "patient_id", flat=True
            )
        )
        to_create, to_update = [], []
        for patient_id, item in learned.items():
            values = item.fields()
            if patient_id in entered:
                summary.skipped += 1
            elif patient_id not in earlier:
                to_create.append(PatientPreference(org=org, patient_id=patient_id, **values))
            else:
                preference = earlier[patient_id]
                if all(getattr(preference, name) == value for name, value in values.items()):
                    summary.unchanged += 1
                    continue
                for name, value in values.items():
                    setattr(preference, name, value)
                preference.version = F("version") + 1
                preference.updated_at = now
                to_update.append(preference)
        PatientPreference.objects.bulk_create(
            to_create, batch_size=LEARN_BATCH, ignore_conflicts=True
        )
        uuids = [preference.uuid for preference in to_create]
        summary.created = sum(
            PatientPreference.objects.filter(org=org, uuid__in=uuids[i : i + LEARN_BATCH]).count()
            for i in range(0, len(uuids), LEARN_BATCH)
        )
        summary.skipped += len(to_create) - summary.created  # entered meanwhile
        PatientPreference.objects.bulk_update(
            to_update,
            [*LearnedPreference(patient_id=0).fields(), "version", "updated_at"],
            batch_size=LEARN_BATCH,
        )
        summary.updated = len(to_update)
    return summary
