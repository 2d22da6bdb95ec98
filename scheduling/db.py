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

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import orjson
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.backends.postgresql.base import ServerBindingCursor
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.db.models import BigIntegerField, BooleanField, F, Field, Func, Model, QuerySet, Value
from django.db.models.query import ModelIterable, ValuesListIterable, get_related_populators
from django.db.models.sql import InsertQuery
from psycopg.pq import ExecStatus
from psycopg.types.json import JsonBinaryLoader, JsonLoader


class _OrjsonLoader(JsonLoader):
    _loads = orjson.loads


class _OrjsonBinaryLoader(JsonBinaryLoader):
    _loads = orjson.loads


class _PreparingCursor(ServerBindingCursor):
    """Binds on the server, prepares what it runs from the first time (unless the
    connection's ``prepare_threshold`` is None: ``DATABASE_PREPARED_STATEMENTS=false``) and
    reads results in PostgreSQL's binary format (no text to parse back into timestamps,
    uuids and numbers). The ``json`` its statements build (a card's providers, a
    display's references: hundreds a calendar) is parsed by orjson; ``jsonb`` is left as
    Django reads it (``JSONField`` parses its own)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.adapters.register_loader("json", _OrjsonLoader)
        self.adapters.register_loader("json", _OrjsonBinaryLoader)

    def execute(self, query, params=None, *, prepare=True, binary=True):
        return super().execute(query, params, prepare=prepare, binary=binary)


class prepared_cursor:  # noqa: N801 (used like a function: ``with prepared_cursor() as c``)
    """A cursor of the default connection for constant SQL with ``%s`` parameters.

    Only for statements whose text never varies with the values: a statement built per
    call would fill psycopg's cache and evict the ones worth keeping. Parameters are
    typed on the server, so cast what PostgreSQL cannot infer (``%s::bigint[]``).
    """

    def __enter__(self):
        db = connections[DEFAULT_DB_ALIAS]
        db.close_if_health_check_failed()
        db.ensure_connection()
        db.validate_thread_sharing()
        with db.wrap_database_errors:
            raw = _PreparingCursor(db.connection)
        self.cursor = (_LoggedCursor if db.queries_logged else CursorWrapper)(raw, db)
        return self.cursor

    def __exit__(self, *exc_info):
        self.cursor.close()


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


def from_row(model: type[Model], values, names: Sequence[str] | None = None) -> Model:
    """A model instance from the values ``column_list`` selected, as the ORM would load it;
    or from ``values`` of the fields ``names`` (attnames, in any order), the others
    deferred as ``only()`` leaves them."""
    if names is None:
        names = [field.attname for field in model._meta.concrete_fields]
    else:  # ``from_db`` takes them in the model's field order
        given = dict(zip(names, values, strict=True))
        names = [f.attname for f in model._meta.concrete_fields if f.attname in given]
        if len(names) != len(given):
            raise ValueError(f"{model.__name__} has no fields {sorted(set(given) - set(names))}")
        values = [given[name] for name in names]
    return model.from_db(connection.alias, names, values)


def run_together(statements: Sequence[tuple[str, Sequence]]) -> list[list[tuple]]:
    """Several ``(sql, params)`` in one round trip; the rows of each ([] for a statement
    that returns none).

    They reach PostgreSQL as one multi-statement query: one after the other, each on a
    snapshot of its own taken when it starts (READ COMMITTED), exactly as if sent one by
    one, so a statement sees what an earlier one waited for (a lock) and wrote. Inside a
    transaction they are part of it; outside, the batch is one implicit transaction.
    Django logs the batch as one query.
    """
    if not statements:
        return []
    sql = "; ".join(statement for statement, _ in statements)
    params = [param for _, statement_params in statements for param in statement_params]
    results = []
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(sql, params)
        while True:
            results.append(cursor.fetchall() if _returns_rows(cursor.cursor.pgresult) else [])
            if not cursor.nextset():
                break
    return results


def _returns_rows(result) -> bool:
    """Whether a statement's result has rows to fetch: what ``cursor.description is not
    None`` answers, without making a ``Column`` of each of its columns."""
    return result is not None and bool(result.nfields or result.status == ExecStatus.TUPLES_OK)


def fetch_together(querysets: Sequence[QuerySet]) -> list[list]:
    """The rows of several querysets, read in one round trip (``run_together``).

    Each result set becomes what iterating its queryset would give: instances,
    ``select_related`` and annotations included (not ``prefetch_related``, nor instances
    a related manager already knows), or the tuples of a ``values_list()`` (a read that
    needs no instances: the free-time search reads thousands of intervals so). A queryset
    that can match nothing (``filter(pk__in=[])``) costs nothing.
    """
    compilers, statements = [], []
    for queryset in querysets:
        if queryset._iterable_class not in (ModelIterable, ValuesListIterable):
            raise TypeError("fetch_together reads instances or values_list() tuples only")
        compiler = queryset.query.get_compiler(using=DEFAULT_DB_ALIAS)
        try:
            statements.append(compiler.as_sql())
        except EmptyResultSet:
            compilers.append(None)
            continue
        compilers.append((compiler, queryset._iterable_class is ValuesListIterable))
    fetched = iter(run_together(statements))
    return [[] if c is None else list(_rows(*c, next(fetched))) for c in compilers]


def insert_together(
    groups: Iterable[Sequence[Model]], *, then: Sequence[tuple[str, Sequence]] = ()
) -> list[list[tuple]]:
    """INSERT new instances, each group (of one model) as one multi-row statement, every
    group in one round trip (``run_together``).

    As ``bulk_create`` inserts them (defaults, ``auto_now`` stamps, related objects
    saved first), without reading back primary keys: for rows nobody refers to next
    (links, history entries), or rows that carry theirs (drawn with ``new_ids``), which
    may come in a group before the rows that name them. A database error is Django's, as
    from ``bulk_create``. ``then``: statements ``(sql, params)`` run after the inserts, in
    the same round trip (each sees them); the rows of each are returned.
    """
    groups = [list(group) for group in groups]
    statements = []
    for group in groups:
        if not group:
            continue
        model = type(group[0])
        for obj in group:
            obj._prepare_related_fields_for_save(operation_name="insert_together")
        keyed = [obj.pk is not None for obj in group]
        with_pk = all(keyed)
        if any(keyed) and not with_pk:
            raise ValueError(f"{model.__name__}: a group's rows all carry their keys, or none")
        fields = [
            f
            for f in model._meta.concrete_fields
            if not f.generated and (with_pk or not f.primary_key)
        ]
        query = InsertQuery(model)
        query.insert_values(fields, group)
        statements.extend(query.get_compiler(using=DEFAULT_DB_ALIAS).as_sql())
    results = run_together([*statements, *then])
    for group in groups:
        for obj in group:
            obj._state.adding, obj._state.db = False, DEFAULT_DB_ALIAS
    return results[len(statements) :]


def new_ids(model: type[Model], count: int = 1) -> tuple[str, list]:
    """The statement drawing ``count`` primary keys for new rows of ``model`` from its
    sequence (a row per key), to send with other reads: rows that carry their keys are
    inserted with the rows that name them, in one round trip (``insert_together``)."""
    return (
        "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
        [model._meta.db_table, model._meta.pk.column, count],
    )


def _rows(compiler, values_list: bool, rows: list) -> Iterator:
    if values_list:  # the selected values, converted as Django converts them
        return compiler.results_iter([rows], tuple_expected=True)
    return _instances(compiler, rows)


def _instances(compiler, rows: list) -> Iterator[Model]:
    """As ``ModelIterable`` makes instances from a compiler's rows."""
    return _Instances(compiler)(rows)


class _Instances:
    """What makes instances of a compiler's rows as ``ModelIterable`` does (the columns'
    converters, the related objects' populators), worked out once: a composed statement
    keeps its own for every run."""

    def __init__(self, compiler):
        select, klass_info = compiler.select, compiler.klass_info
        self.compiler, self.model = compiler, klass_info["model"]
        self.start, self.end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        self.init_list = [column[0].target.attname for column in select[self.start : self.end]]
        self.populators = get_related_populators(klass_info, select, DEFAULT_DB_ALIAS)
        self.annotations = list(compiler.annotation_col_map.items())
        self.fields = [column[0] for column in select[0 : compiler.col_count]]
        self.converters = compiler.get_converters(self.fields)
        self.composite = compiler.has_composite_fields(self.fields)

    def __call__(self, rows: list) -> Iterator[Model]:
        if self.converters:  # as ``results_iter`` converts them
            rows = self.compiler.apply_converters(rows, self.converters)
        if self.composite:
            rows = self.compiler.composite_fields_to_tuples(rows, self.fields)
        start, end = self.start, self.end
        for row in rows:
            obj = self.model.from_db(DEFAULT_DB_ALIAS, self.init_list, row[start:end])
            for populator in self.populators:
                populator.populate(row, obj)
            for name, position in self.annotations:
                setattr(obj, name, row[position])
            yield obj


class Composed:
    """A queryset's statement, composed once and run with new values.

    Building and compiling a rich queryset (a score of ``Case``/``When``, a dozen
    filters) costs milliseconds of Python on every call, more than PostgreSQL takes to
    run it. For a hot read whose shape never changes, ``Composed(build, **sentinels)``
    calls ``build(sentinels)`` once, the first time it is run, with a sentinel value in
    the place of each value that varies; compiles it; and notes where each sentinel
    landed among the statement's parameters. ``statement(**values)`` gives that text
    with the values in their places, to send as Django sends its own statements (bound
    on the client, planned with the values: the best plan of a rich statement may depend
    on them), alone (``rows``) or with other reads (``run_together``). The ORM stays the
    one definition of the statement.

    Rules for ``build``: the SQL text must not depend on the values (no ``__in`` list
    of a value, no LIMIT from one: use ``= ANY(%s)`` and a fixed limit); each value
    reaches the parameters as given (not a pattern the ORM makes of it, as
    ``__startswith`` does); each sentinel is a value of the kind the real one will be (a
    date for a date, a list for a list)
    that no constant of the statement equals (it would be taken for the sentinel: pick
    values nobody writes, dates in 1901, ids in the billions; but within the column's
    range: Django drops a comparison no value of the column can fail, and the sentinel
    with it). A sentinel the statement
    does not hold is a ``ValueError`` when composed.
    A ``values_list()`` queryset's rows come back as psycopg reads them (dates, ints,
    text), without Django's converters; a model queryset's as its instances, made as
    ``fetch_together`` makes them (``select_related`` included): ``read(rows)`` turns
    the rows of its statement, sent with others, into them.
    """

    def __init__(self, build: Callable[[dict[str, Any]], QuerySet], **sentinels: Any):
        self._build, self._sentinels = build, sentinels
        self._composed: tuple[str, list, Any] | None = None

    def _compose(self) -> tuple[str, list, Any]:
        queryset = self._build(self._sentinels)
        if queryset._iterable_class not in (ModelIterable, ValuesListIterable):
            raise TypeError("Composed runs model and values_list() querysets only")
        compiler = queryset.query.get_compiler(using=DEFAULT_DB_ALIAS)
        sql, params = compiler.as_sql()
        slots, found = [], set()
        for param in params:
            name = self._sentinel(param)
            if name is None:
                slots.append(("constant", param))
            else:
                # Django types some integers for the server (psycopg's ``Int4``): the
                # values keep that type.
                typed = type(param) if _kind(param) is int and type(param) is not int else None
                slots.append(("value", (name, typed)))
                found.add(name)
        if missing := set(self._sentinels) - found:
            raise ValueError(f"sentinels not among the parameters: {sorted(missing)}")
        # What makes instances of the rows (the compiler keeps the columns' converters).
        instances = _Instances(compiler) if queryset._iterable_class is ModelIterable else None
        return sql, slots, instances

    def _sentinel(self, param: Any) -> str | None:
        for name, sentinel in self._sentinels.items():
            if _kind(param) is _kind(sentinel) and param == sentinel:
                return name
        return None

    def statement(self, **values: Any) -> tuple[str, list]:
        """The composed text and the parameters for ``values`` (one per sentinel)."""
        sql, slots, _instances = self._compiled()
        params = []
        for kind, what in slots:
            if kind == "constant":
                params.append(what)
            else:
                name, typed = what
                value = values[name]
                params.append(typed(value) if typed is not None and value is not None else value)
        return sql, params

    def read(self, rows: list[tuple]) -> list:
        """What the statement's ``rows`` (sent by the caller) stand for: instances of a
        model queryset, else the rows themselves."""
        instances = self._compiled()[2]
        return rows if instances is None else list(instances(rows))

    def rows(self, **values: Any) -> list:
        (rows,) = run_together([self.statement(**values)])
        return self.read(rows)

    def _compiled(self) -> tuple[str, list, Any]:
        if self._composed is None:
            self._composed = self._compose()
        return self._composed


class _EqualsAny(Func):
    output_field = BooleanField()

    def as_sql(self, compiler, connection, **extra_context):
        (field, field_params), (ids, ids_params) = (
            compiler.compile(expression) for expression in self.get_source_expressions()
        )
        return f"{field} = ANY({ids})", [*field_params, *ids_params]


def equals_any(field: str, values: Sequence, of: Field | None = None) -> Func:
    """``field = ANY(values)``, a condition for ``filter()``: the ``field__in=values`` of
    a ``Composed`` statement, whose text does not vary with the number of values (one
    array parameter, of ``of``'s type: ``bigint`` by default)."""
    array = ArrayField(of or BigIntegerField())
    return _EqualsAny(F(field), Value(list(values), output_field=array))


def _kind(value: Any) -> type:
    """The type a sentinel is compared by: integers of any width (not booleans) alike."""
    if isinstance(value, int) and not isinstance(value, bool):
        return int
    return type(value)
