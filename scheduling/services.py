"""Writes shared by every domain: versioned updates and unique-constraint translation."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.utils import timezone

from scheduling.exceptions import Conflict, VersionConflict

#: What breaking a named constraint means: ``(code, message)`` of a 409, or a function
#: returning the exception to raise instead (a 422 naming a field, where the reference
#: calls a duplicate invalid input rather than a conflict).
Verdict = tuple[str, str] | Callable[[], Exception]


def versioned_update(
    instance: models.Model, *, base_version: int, changes: Mapping[str, Any]
) -> models.Model:
    """Write ``changes`` to ``instance`` only if its version is still ``base_version``.

    One conditional UPDATE decides: it bumps the version and writes the fields in the
    same statement, so two writers holding the same ``base_version`` can never both
    succeed; the loser gets ``VersionConflict`` (409). The instance is updated in place.
    """
    model = type(instance)
    now = timezone.now()
    rows = model._base_manager.filter(pk=instance.pk, version=base_version).update(
        **changes, version=F("version") + 1, updated_at=now
    )
    if rows == 0:
        current = model._base_manager.filter(pk=instance.pk).values_list("version", flat=True)
        raise VersionConflict(current_version=next(iter(current), None), base_version=base_version)
    for field, value in changes.items():
        setattr(instance, field, value)
    instance.version = base_version + 1
    instance.updated_at = now
    return instance


def update_versioned(
    instance: models.Model,
    *,
    base_version: int,
    changes: Mapping[str, Any],
    unique: Mapping[str, Verdict] | None = None,
) -> models.Model:
    """The update of every plain resource: apply, validate, write under ``base_version``.

    Only fields whose value really changes are written; a change that changes nothing
    writes nothing and bumps no version (``base_version`` is still checked). The row is
    validated as a whole (model rules, 422), a named unique constraint it breaks is a 409
    (``unique``), and the write is one conditional UPDATE (``versioned_update``).
    """
    changed = {name: value for name, value in changes.items() if getattr(instance, name) != value}
    for name, value in changed.items():
        setattr(instance, name, value)
    instance.full_clean(exclude=["org"], validate_unique=False, validate_constraints=False)
    if not changed:
        check_version(instance, base_version)
        return instance
    with unique_violations(unique or {}):
        return versioned_update(instance, base_version=base_version, changes=changed)


def check_version(instance: models.Model, base_version: int) -> None:
    """For a write that turns out to change nothing: the client must still have read the
    current version (409 otherwise), though nothing is written."""
    if instance.version != base_version:
        raise VersionConflict(current_version=instance.version, base_version=base_version)


@contextmanager
def unique_violations(messages: Mapping[str, Verdict]) -> Iterator[None]:
    """Turn the violation of a named unique constraint into a 409 with a clear message.

    ``messages`` maps constraint names to ``(code, message)`` (or to a function making
    the exception to raise, see ``Verdict``). The database is the referee (two concurrent
    creates of one name cannot both pass a check-then-write), this only translates its
    verdict.
    """
    try:
        with transaction.atomic():
            yield
    except IntegrityError as exc:
        constraint = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None)
        if constraint in messages:
            verdict = messages[constraint]
            if callable(verdict):
                raise verdict() from exc
            code, message = verdict
            raise Conflict(message, code=code) from exc
        raise
