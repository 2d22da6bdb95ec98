"""How many appointments a caller may see, without counting them.

The appointment list answers ``total`` with every page. Counted, that is a scan of
every appointment of the org's index (111,000 rows in the bench data: more than the page
itself costs). The database keeps the number instead: statement triggers on the
appointments table write *deltas* into ``AppointmentTally`` (migration
``0008_appointment_tally``), one row per (org, location) an INSERT or DELETE statement
touched, two per appointment moved to another location. The total is their sum over
the locations the caller may see; it is exact (the triggers run in the writing
transaction, so a delta commits or rolls back with its rows), and every writer is
counted, whatever path it takes to the table.

Writers only insert delta rows, so concurrent bookings share no row of the tally, wait
for nothing and cannot deadlock over it. The rows grow with the writes; a read that
finds more than ``FOLD_ABOVE`` of them for its org beyond one per location folds them into
one per location.

Why a fold keeps the sum exact under READ COMMITTED, with writers and other folds
running: the fold is one statement, ``DELETE … RETURNING`` the deltas it removed and
``INSERT`` of their sum per location, so both halves commit (or roll back) together and
any reader's snapshot sees the deltas either before or after, never half. The DELETE sees
the deltas committed when it starts; a writer's delta committed later is not in its
snapshot and stays untouched, to be counted beside the folded row. A delta is deleted at
most once: a DELETE that meets a row another fold deleted waits for that fold and, once
it commits, skips the row (PostgreSQL rechecks the row, finds it gone), so no value is
folded twice or lost; had the other fold rolled back, the row is still there and this
one folds it. Deltas are never updated, so there is no update to lose. On top of that,
a fold first *tries* the org's ``APPOINTMENT_TALLY`` advisory lock and does nothing
without it, so two folds never even wait on each other's rows (nor deadlock, whatever
order their scans take).

Why the fold is in the read and not in the triggers: in a trigger it would delete rows
inside the writing transaction, holding their locks until a bulk import commits, and
bookings folding at once would queue behind each other (what the deltas exist to
avoid). In the read it is its own short statement (a savepoint when the read is inside a
transaction), after the total is known: if it fails (a read-only replica or transaction,
a statement timeout), the GET still answers its exact total and a later read folds.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError, connection, transaction

from appointments.models import Appointment, AppointmentTally
from scheduling.access import Access
from scheduling.db import prepared_cursor
from scheduling.locks import APPOINTMENT_TALLY, Lock
from scheduling.models.base import Restriction

logger = logging.getLogger(__name__)

#: More delta rows than this for an org beyond one per location, and the read folds them.
FOLD_ABOVE = 64

_TABLE = AppointmentTally._meta.db_table

# The tally's org_id and location_id columns are the appointment's own, so the WHERE that
# ``Appointment.objects.restrict(access)`` is (``Restriction``) applies to the deltas as
# written: a member limited to some locations sums theirs, which count exactly the rows
# they may list. (An appointment always has a location: no NULL case to mirror.)
_RESTRICTION = Restriction(Appointment, "t")

# The second column: the deltas a fold would remove (beyond one per location), so an org
# with many locations does not fold again at every read.
_SUM = (
    f"SELECT COALESCE(SUM(t.n) FILTER (WHERE {_RESTRICTION.sql}), 0)::bigint,"
    f" COUNT(*) - COUNT(DISTINCT t.location_id) FROM {_TABLE} t WHERE t.org_id = %s"
)

_FOLD = f"""
WITH turn AS (SELECT pg_try_advisory_xact_lock(%s, %s) AS ours),
gone AS (
    DELETE FROM {_TABLE} t WHERE t.org_id = %s AND (SELECT ours FROM turn)
    RETURNING t.location_id, t.n
)
INSERT INTO {_TABLE} (org_id, location_id, n)
SELECT %s, location_id, SUM(n) FROM gone GROUP BY location_id HAVING SUM(n) <> 0
"""


#: The caller's total and the org's number of deltas, as one row: a statement of its own,
#: or a CTE of another read sent with it (``total_params``, then ``read_total``).
TOTAL_SQL = _SUM


def total_params(access: Access) -> list:
    return [*_RESTRICTION.params(access), access.org.pk]


def read_total(access: Access, total: int, surplus: int) -> int:
    """The total ``TOTAL_SQL`` read, once its row is in (folding the deltas if many)."""
    if surplus > FOLD_ABOVE:
        fold(access.org.pk)
    return total


def appointment_total(access: Access) -> int:
    """How many appointments ``access`` may see: ``Appointment.objects.restrict(access)
    .count()``, read from the tally (one statement; a second now and then folds it)."""
    with prepared_cursor() as cursor:
        cursor.execute(TOTAL_SQL, total_params(access))
        total, surplus = cursor.fetchone()
    return read_total(access, total, surplus)


def fold(org_id: int) -> None:
    """Replace the org's deltas by one row per location (none where they sum to zero).

    Housekeeping: the sum is the same before and after (see the module docstring), so a
    fold that cannot run now (another one holds the org's turn, or the database refuses
    writes) is left for a later read.
    """
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(_FOLD, [*Lock(APPOINTMENT_TALLY, org_id).args, org_id, org_id])
    except DatabaseError:
        logger.warning("Could not fold the appointment tally of org %s", org_id, exc_info=True)


_RECOUNT = f"""
WITH gone AS (DELETE FROM {_TABLE} WHERE org_id = %s)
INSERT INTO {_TABLE} (org_id, location_id, n)
SELECT org_id, location_id, COUNT(*) FROM {connection.ops.quote_name(Appointment._meta.db_table)}
WHERE org_id = %s GROUP BY org_id, location_id
"""


def recount(org_id: int) -> None:
    """Replace the org's tally by a count of its appointments: the repair for writes the
    triggers did not see (a data-only restore with triggers disabled, rows loaded under
    ``session_replication_role = replica``, a ``loaddata`` of the tally itself). Writers
    of the org's appointments wait while it counts (a SHARE lock on the table), so no
    write is counted twice or missed."""
    with transaction.atomic(), connection.cursor() as cursor:
        table = connection.ops.quote_name(Appointment._meta.db_table)
        cursor.execute(f"LOCK TABLE {table} IN SHARE MODE")
        cursor.execute(_RECOUNT, [org_id, org_id])
