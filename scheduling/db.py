"""Constant SQL on the hot paths, run as server-side prepared statements.

Every API call reads its bearer token, and every calendar, list and detail reads
appointments through one constant display SELECT. PostgreSQL spends more time planning
those statements (a dozen subqueries) than running them, so they are prepared once per
connection and executed by name afterwards: with ``CONN_MAX_AGE`` a worker's connection
plans each of them once in its life.

Django binds parameters on the client (the SQL text changes with every value, so nothing
can be prepared); ``prepared_cursor`` hands out a server-binding psycopg cursor wrapped
like any other Django cursor, so ``CaptureQueriesContext``, ``DEBUG`` query logging and
error wrapping see its statements as usual. Statements are keyed by their text and
parameter types; psycopg keeps the most recent 100 of a connection (``prepared_max``).

Behind a pooler in transaction mode (PgBouncer before 1.21), where a prepared statement
may meet another server connection, set ``DATABASE_PREPARED_STATEMENTS=false``: the same
statements then run unprepared.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection
from django.db.backends.postgresql.base import ServerBindingCursor
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.db.models import Model


class _PreparingCursor(ServerBindingCursor):
    """Binds on the server and prepares what it runs from the first time, unless the
    connection's ``prepare_threshold`` is None (``DATABASE_PREPARED_STATEMENTS=false``)."""

    def execute(self, query, params=None, *, prepare=True, binary=None):
        return super().execute(query, params, prepare=prepare, binary=binary)


@contextmanager
def prepared_cursor() -> Iterator:
    """A cursor of the default connection for constant SQL with ``%s`` parameters.

    Only for statements whose text never varies with the values: a statement built per
    call would fill psycopg's cache and evict the ones worth keeping. Parameters are
    typed on the server, so cast what PostgreSQL cannot infer (``%s::bigint[]``).
    """
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    with connection.wrap_database_errors:
        raw = _PreparingCursor(connection.connection)
    wrapper = _LoggedCursor if connection.queries_logged else CursorWrapper
    with wrapper(raw, connection) as cursor:
        yield cursor


class _LoggedCursor(CursorDebugWrapper):
    """Logs a statement with its values in (Django reads them back from a client-binding
    cursor only, and would log None)."""

    def execute(self, sql, params=None):
        with self.debug_sql(self.db.ops.compose_sql(sql, params), params):
            return self._execute_with_wrappers(sql, params, many=False, executor=self._execute)


def column_list(model: type[Model], alias: str) -> str:
    """``alias.col, …`` for the model's concrete fields, in ``from_row``'s order."""
    quote = connection.ops.quote_name
    return ", ".join(f"{alias}.{quote(field.column)}" for field in model._meta.concrete_fields)


def from_row(model: type[Model], values) -> Model:
    """A model instance from the values ``column_list`` selected, as the ORM would load it."""
    names = [field.attname for field in model._meta.concrete_fields]
    return model.from_db(connection.alias, names, values)
