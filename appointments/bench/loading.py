"""Bulk loading for the bench's data and scenes: COPY straight into a model's table.

The bench loads 100,000 appointments and the calendar scene 10,000 more, with their
providers and procedures; through the ORM that is minutes, by COPY seconds. Rows go in
as the database will hold them, so nothing here runs a service or a model's validation:
the callers build rows that are valid by construction (no two in one chair at a time).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.db import connection, models, transaction

from appointments.models import (
    Appointment,
    AppointmentHistory,
    AppointmentProcedure,
    AppointmentProvider,
    AppointmentTag,
    PatientFlowEvent,
)
from scheduling.models import (
    Location,
    Operatory,
    Organization,
    Provider,
    ProviderScheduleTemplate,
)

#: What hangs off an appointment, deleted before it (children first).
_APPOINTMENT_CHILDREN = (
    AppointmentTag,
    AppointmentProvider,
    AppointmentProcedure,
    PatientFlowEvent,
    AppointmentHistory,
)


def delete_appointments(org: Organization, location: Location | None = None) -> None:
    """Every appointment of the org (or of one of its locations), with everything hanging
    off it (fast, in SQL)."""
    appointments = Appointment._meta.db_table
    where, params = "org_id = %s", [org.pk]
    if location is not None:
        where += " AND location_id = %s"
        params.append(location.pk)
    with transaction.atomic(), connection.cursor() as cursor:
        for model in _APPOINTMENT_CHILDREN:
            if location is None:
                cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE org_id = %s", [org.pk])
            else:
                cursor.execute(
                    f"DELETE FROM {model._meta.db_table} WHERE appointment_id IN"
                    f" (SELECT id FROM {appointments} WHERE {where})",
                    params,
                )
        # Rows of the apps above that merely point at an appointment (a recall's booking,
        # an opening's, an ASAP entry's) forget it, as the ORM's SET_NULL would.
        for relation in Appointment._meta.related_objects:
            if relation.on_delete is models.SET_NULL:
                column = relation.field.column
                cursor.execute(
                    f"UPDATE {relation.related_model._meta.db_table} SET {column} = NULL"
                    f" WHERE {column} IN (SELECT id FROM {appointments} WHERE {where})",
                    params,
                )
        cursor.execute(f"DELETE FROM {appointments} WHERE {where}", params)


def next_ids(model: type[models.Model], count: int) -> list[int]:
    """``count`` ids from ``model``'s sequence: the rows of other tables that point at the
    COPY'd rows need them before the rows exist."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [model._meta.db_table, count],
        )
        return [row[0] for row in cursor.fetchall()]


def copy_rows(model: type[models.Model], rows: Iterable[dict]) -> int:
    """COPY ``rows`` (field attname → value) into ``model``'s table; unnamed fields get
    their defaults (``id`` from the sequence unless given)."""
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return 0
    fields = [
        f for f in model._meta.concrete_fields if not (f.primary_key and f.attname not in first)
    ]
    missing = [f for f in fields if f.attname not in first]
    dynamic = [f for f in missing if f.has_default() and callable(f.default)]  # uuid4
    static = {f.attname: f.get_default() for f in missing if f not in dynamic}
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    count = 0
    statement = f"COPY {model._meta.db_table} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in _chain(first, rows):
            values = {**static, **{f.attname: f.default() for f in dynamic}, **row}
            copy.write_row([values[f.attname] for f in fields])
            count += 1
    return count


def analyze(*models_: type[models.Model]) -> None:
    """Fresh planner statistics after a load, so the first timed statements are planned
    on what the tables now hold rather than on what autovacuum last saw."""
    with connection.cursor() as cursor:
        for model in models_:
            cursor.execute(f"ANALYZE {model._meta.db_table}")


def _chain(first, rest) -> Iterator:
    yield first
    yield from rest


# --- the scenes' fixtures (each scene names its rows ``{scene}chair-{n}`` …) --------------


def scene_chair(org: Organization, location: Location, scene: str, n: int, name: str) -> Operatory:
    """The scene's ``n``-th chair at ``location`` (made once)."""
    chair, _ = Operatory.objects.get_or_create(
        org=org,
        external_id=f"{scene}chair-{n}",
        defaults={"location": location, "name": name, "item_order": n},
    )
    return chair


def scene_provider(
    org: Organization, scene: str, n: int, *, first_name: str, last_name: str, hygienist: bool
) -> Provider:
    """The scene's ``n``-th provider (made once)."""
    provider, _ = Provider.objects.get_or_create(
        org=org,
        external_id=f"{scene}provider-{n}",
        defaults={"first_name": first_name, "last_name": last_name, "is_hygienist": hygienist},
    )
    return provider


def replace_templates(
    org: Organization, location: Location, templates: list[ProviderScheduleTemplate]
) -> None:
    """The location's schedule templates become ``templates``, unless as many are there
    already (a scene reused as it was built)."""
    existing = ProviderScheduleTemplate.objects.filter(org=org, location=location)
    if existing.count() == len(templates):
        return
    existing.delete()
    ProviderScheduleTemplate.objects.bulk_create(templates)
