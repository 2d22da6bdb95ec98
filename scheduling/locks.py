"""Transaction-level advisory locks: how writers of the schedule take turns.

Every lock lives until the transaction that took it ends, so a check and the write it
allows are one step for everyone else. Namespaces keep the keys of different resources
apart (the first key of ``pg_advisory_xact_lock(int, int)``):

- ``OPERATORY_BOOKINGS``: one booking of a chair at a time (the appointment conflict
  engine);
- ``LOCATION_BLOCKOUTS``: blockout writes at a location take it exclusively; bookings
  take it shared, so a booking and a new no-schedule blockout cannot miss each other,
  while bookings of different chairs still run side by side;
- ``PROVIDER_SCHEDULE``: one writer of a provider's templates and overrides at a time, so
  the check that keeps a provider in one place at a time sees every other write;
- ``SCHEDULE_VIEW_CHOICES``: one writer of a user's default view and shortcuts at a time,
  so "clear the old one, set the new one" leaves exactly one of each per location.
- ``SAVED_SEARCH_DEFAULT``: one writer of a user's default saved search of a search type
  at a time (keyed by ``saved_search_default_key``), so "make this my default" unsets
  the previous default before anyone else can set theirs.
- ``PATIENT_RECALLS``: one completion of a patient's trigger procedures at a time (the
  recall engine), so two visits completed at once cannot both open the patient's cycle
  of a type: the second reads the cycle the first opened and brings it round.
- ``APPOINTMENT_TALLY``: one fold of an org's appointment tally at a time (tried, never
  waited for: a reader that does not get it leaves the folding to the one that did).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection

from scheduling.db import run_together

OPERATORY_BOOKINGS = 0x4F50  # "OP"
LOCATION_BLOCKOUTS = 0x424C  # "BL"
PROVIDER_SCHEDULE = 0x5053  # "PS"
SCHEDULE_VIEW_CHOICES = 0x5643  # "VC"
SAVED_SEARCH_DEFAULT = 0x5353  # "SS"
PATIENT_RECALLS = 0x5052  # "PR"
APPOINTMENT_TALLY = 0x4154  # "AT"


@dataclass(frozen=True)
class Lock:
    namespace: int
    key: int
    shared: bool = False

    @property
    def args(self) -> tuple[int, int]:
        """The two ``int`` arguments of PostgreSQL's advisory lock functions."""
        return self.namespace, self.key % 2**31


def xact_locks(locks: Sequence[Lock], *, then: tuple[str, Sequence] | None = None) -> list:
    """Take ``locks`` in the order given, in one round trip, until the transaction ends.

    One ``SELECT`` evaluates its lock calls left to right, so the order is the one a
    caller relies on to avoid deadlocks (e.g. a location's lock before its chairs').
    ``then``: a statement ``(sql, params)`` to run once the locks are held, in the same
    round trip (``run_together``: it reads on a snapshot taken after the locks were
    granted, so it sees every write of those who held them before); its rows are returned.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("advisory locks must be taken inside the writing transaction")
    statements = [then] if then is not None else []
    if locks:
        calls = ", ".join(
            f"pg_advisory_xact_lock{'_shared' if lock.shared else ''}(%s, %s)" for lock in locks
        )
        params = [value for lock in locks for value in lock.args]
        statements.insert(0, (f"SELECT {calls}", params))
    results = run_together(statements)
    return results[-1] if then is not None else []


def xact_lock(namespace: int, keys: Iterable[int], *, shared: bool = False) -> None:
    """Lock ``keys`` of ``namespace`` until the current transaction ends.

    Keys are locked in ascending order, so two writers that lock several keys cannot
    deadlock each other.
    """
    xact_locks([Lock(namespace, key, shared) for key in sorted(set(keys))])


def saved_search_default_key(user_id: int, search_type: str) -> int:
    """The ``SAVED_SEARCH_DEFAULT`` key of a user's search type: a stable hash (CRC-32, the
    same in every process, unlike ``hash()``). Two pairs that collide only take turns."""
    return zlib.crc32(f"{user_id}:{search_type}".encode())
