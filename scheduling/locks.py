"""Transaction-level advisory locks: how writers of the schedule take turns.

Every lock lives until the transaction that took it ends, so a check and the write it
allows are one step for everyone else. Namespaces keep the keys of different resources
apart (the first key of ``pg_advisory_xact_lock(int, int)``):

- ``OPERATORY_BOOKINGS``: one booking of a chair at a time (the appointment conflict
  engine);
- ``LOCATION_BLOCKOUTS``: blockout writes at a location take it exclusively; bookings
  take it shared, so a booking and a new no-schedule blockout cannot miss each other,
  while bookings of different chairs still run side by side.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection

OPERATORY_BOOKINGS = 0x4F50  # "OP"
LOCATION_BLOCKOUTS = 0x424C  # "BL"


def xact_lock(namespace: int, keys: Iterable[int], *, shared: bool = False) -> None:
    """Lock ``keys`` of ``namespace`` until the current transaction ends.

    Keys are locked in ascending order, so two writers that lock several keys cannot
    deadlock each other.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("advisory locks must be taken inside the writing transaction")
    function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    with connection.cursor() as cursor:
        for key in sorted(set(keys)):
            cursor.execute(f"SELECT {function}(%s, %s)", [namespace, key % 2**31])
