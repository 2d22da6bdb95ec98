"""Columns of the appointments' read statements that the apps above this one provide.

An appointment shows the recall it fulfils (``recall``), and a calendar card may show the
patient's next recall due date (the Tier 2 ``next_recall_due``). Both are recalls' data,
but the appointments app cannot import recalls (dependencies point the other way), and
both must be read by the appointments' own statements: the display SELECT
(``appointments.serializers.display``) and the card SELECT
(``appointments.services.calendars``), one round trip whatever the number of rows.

So the app that owns the data registers, in its ``AppConfig.ready()``, the SQL of each
column as a scalar subquery over the appointment row (given the alias the statement
reads it as). The statements are composed once, on first use, after every app is
ready; a column nobody registered reads as a typed ``NULL``.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum


class Column(Enum):
    """A column an app above may provide, and the SQL type its subquery yields."""

    #: ``json_build_array(uuid, name)`` of the recall the appointment fulfils, or NULL.
    RECALL = ("recall", "json")
    #: The next recall due date of the appointment's patient, or NULL.
    NEXT_RECALL_DUE = ("next_recall_due", "date")

    @property
    def sql_type(self) -> str:
        return self.value[1]


#: Given the alias of the appointments table in the statement, a scalar subquery.
ColumnSql = Callable[[str], str]

_columns: dict[Column, ColumnSql] = {}


def register_column(column: Column, sql: ColumnSql) -> None:
    _columns[column] = sql


def column_sql(column: Column, alias: str) -> str:
    """The SQL expression of ``column`` for the appointment row ``alias``."""
    sql = _columns.get(column)
    return f"NULL::{column.sql_type}" if sql is None else f"({sql(alias)})"
