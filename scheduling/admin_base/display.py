"""How the admin shows values: colour swatches, flags, local wall times, and the
local-day filters and search of the read-only pages."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from functools import reduce
from operator import or_

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.db import models
from django.db.models import QuerySet, Value
from django.utils import timezone
from django.utils.html import format_html

from scheduling.admin_base.access import _ZONE_CACHE_ATTR, admin_org_ids, visible_locations_q
from scheduling.models import (
    Location,
)
from scheduling.timezones import LocalDayStart, to_local, zone

# --- Display ----------------------------------------------------------------------------

_HEX_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")


def color_swatch(value: str | None, label: str | None = None):
    """A small square of ``value`` (``#RRGGBB``) followed by ``label`` (default: the hex).

    Only a well-formed hex colour reaches the ``style`` attribute; anything else (an
    unvalidated ``color_override``) is shown as escaped text without a swatch.
    """
    if not value:
        return label or None  # None: the admin's "-" for an empty value
    if not _HEX_COLOR.match(value):
        return label or value
    return format_html(
        '<span class="cs-swatch" style="white-space:nowrap"><span title="{}" style="'
        "display:inline-block;width:0.9rem;height:0.9rem;margin-right:0.4rem;"
        "vertical-align:-0.15rem;border-radius:3px;box-shadow:inset 0 0 0 1px rgba(0,0,0,.25);"
        'background:{}"></span>{}</span>',
        value,
        value,
        label if label is not None else value,
    )


def flag_column(field: str, description: str):
    """A yes/no ``list_display`` column with a short header ("hidden", not "is hidden")."""

    @admin.display(description=description, boolean=True, ordering=field)
    def column(obj):
        return getattr(obj, field)

    column.__name__ = f"{field}_flag"
    return column


def flag_filter(field: str, title: str):
    """A yes/no ``list_filter`` entry titled ``title`` ("By hidden", not "By is hidden")."""

    class TitledBooleanFilter(admin.BooleanFieldListFilter):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.title = title

    return (field, TitledBooleanFilter)


def swatch_column(field: str, description: str = "color"):
    """A ``list_display`` column showing the colour in ``field`` as :func:`color_swatch`."""

    @admin.display(description=description, ordering=field)
    def column(obj):
        return color_swatch(getattr(obj, field))

    column.__name__ = f"{field}_swatch"
    return column


def short_day(day: date, *, year: bool = True) -> str:
    """``Mon 4 Mar 2030`` (``Mon 4 Mar`` without the year)."""
    text = f"{day:%a} {day.day} {day:%b}"
    return f"{text} {day.year}" if year else text


def local_interval(
    start: datetime | None, end: datetime | None, tz_name: str, *, zone_name: bool = True
) -> str | None:
    """``Mon 4 Mar 2030 09:00–10:00 (America/Chicago)``: a UTC interval in the wall time of
    the zone ``tz_name`` (a location's), as the front desk booked it. ``zone_name=False``
    gives the zone's abbreviation instead (``CST``), for narrow list columns."""
    if start is None:
        return None
    local_start = to_local(start, tz_name)
    text = f"{short_day(local_start.date())} {local_start:%H:%M}"
    if end is not None:
        local_end = to_local(end, tz_name)
        text += f"–{local_end:%H:%M}"
        if local_end.date() != local_start.date():
            text += f" ({short_day(local_end.date())})"
    if zone_name:
        return f"{text} ({tz_name})"
    return f"{text} {start.astimezone(zone(tz_name)):%Z}"


def practice_zone(request) -> str:
    """The practice's time zone for times that belong to no location (a token's last use,
    "today"): the zone of the caller's first visible location by name, else UTC."""
    if not hasattr(request, _ZONE_CACHE_ATTR):
        locations = Location.objects.order_by("name", "id")
        org_ids = admin_org_ids(request)
        if org_ids is not None:
            visible = visible_locations_q(request, location_lookup="pk")
            locations = locations.filter(org_id__in=org_ids)
            if visible is not None:
                locations = locations.filter(visible)
        tz_name = locations.values_list("timezone", flat=True).first() or "UTC"
        setattr(request, _ZONE_CACHE_ATTR, tz_name)
    return getattr(request, _ZONE_CACHE_ATTR)


def practice_today(request) -> date:
    """Today at the practice (see :func:`practice_zone`): where the day filter starts."""
    return timezone.now().astimezone(zone(practice_zone(request))).date()


def practice_time(request, instant: datetime | None) -> str | None:
    """``Fri 27 Nov 2026 22:36 CST``: an instant in :func:`practice_zone`, zone named."""
    return local_interval(instant, None, practice_zone(request), zone_name=False)


def practice_time_column(request, field: str, description: str):
    """A ``list_display`` column (from ``get_list_display``) showing the instant in
    ``field`` as :func:`practice_time` for this request's caller."""

    @admin.display(description=description, ordering=field)
    def column(obj):
        return practice_time(request, getattr(obj, field))

    column.__name__ = f"{field}_local"
    return column


# --- Days -------------------------------------------------------------------------------


def _us_date(text: str) -> date:
    month, day, year = (int(part) for part in text.split("/"))
    return date(year, month, day)


_DATE_TERMS = (
    (re.compile(r"^\d{4}-\d{2}-\d{2}$"), date.fromisoformat),
    (re.compile(r"^\d{1,2}/\d{1,2}/\d{4}$"), _us_date),  # the US 3/4/2030
)


def split_dates(search_term: str) -> tuple[list[date], str]:
    """The dates in a search (``2030-03-04``, ``3/4/2030``) and the remaining words."""
    days, words = [], []
    for word in search_term.split():
        day = None
        for pattern, parse in _DATE_TERMS:
            if pattern.match(word):
                try:
                    day = parse(word)
                except ValueError:
                    day = None
                break
        if day is None:
            words.append(word)
        else:
            days.append(day)
    return days, " ".join(words)


class LocalDayFilter(admin.SimpleListFilter):
    """One calendar day at each row's own location (``?day=2030-03-04``).

    A day in Chicago and a day in New York are different instants, so this filter, not a
    ``date_hierarchy`` (which cuts days in the server's zone, UTC), decides what a day is.
    The choices are today and the week around the chosen day, with links to the weeks
    before and after; any other day is one search away (see :class:`LocalDaySearchMixin`).
    Subclasses say how a row's local day is stored (``filter_day``).
    """

    title = "day"
    parameter_name = "day"

    def chosen_day(self) -> date | None:
        value = self.value()
        if value is None:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError as exc:
            raise IncorrectLookupParameters(f"{value!r} is not a date (YYYY-MM-DD).") from exc

    def lookups(self, request, model_admin):
        today = practice_today(request)
        try:
            selected = self.chosen_day() or today
        except IncorrectLookupParameters:
            selected = today
        monday = selected - timedelta(days=selected.weekday())
        week = [monday + timedelta(days=offset) for offset in range(7)]

        def label(day: date) -> str:
            return short_day(day, year=day.year != today.year)

        choices = [] if today in week else [(today.isoformat(), f"Today ({label(today)})")]
        choices.append(((monday - timedelta(days=7)).isoformat(), "‹ previous week"))
        choices += [
            (day.isoformat(), f"{label(day)} (today)" if day == today else label(day))
            for day in week
        ]
        choices.append(((monday + timedelta(days=7)).isoformat(), "next week ›"))
        return choices

    def queryset(self, request, queryset):
        day = self.chosen_day()
        return queryset if day is None else self.filter_day(queryset, day)

    @classmethod
    def filter_day(cls, queryset: QuerySet, day: date) -> QuerySet:
        raise NotImplementedError


class InstantDayFilter(LocalDayFilter):
    """Rows stored as a UTC ``start_at`` at a ``location`` (appointments): the day runs
    from local midnight to local midnight at each row's location (23 or 25 hours on DST
    days), cut by PostgreSQL with the location's zone, as the API's date filters do."""

    @classmethod
    def filter_day(cls, queryset, day):
        return queryset.filter(
            start_at__gte=LocalDayStart(models.F("location__timezone"), Value(day)),
            start_at__lt=LocalDayStart(
                models.F("location__timezone"), Value(day + timedelta(days=1))
            ),
        )


class ScheduleDateDayFilter(LocalDayFilter):
    """Rows that store their local ``schedule_date`` (blockouts)."""

    @classmethod
    def filter_day(cls, queryset, day):
        return queryset.filter(schedule_date=day)


class OperatoryListFilter(admin.RelatedOnlyFieldListFilter):
    """The operatories of the rows listed, each with its location (two locations often
    both have an "Op 1"). ``empty_label`` names the rows without one."""

    empty_label: str | None = None

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        if self.empty_label:
            self.empty_value_display = self.empty_label

    def field_choices(self, field, request, model_admin):
        listed = model_admin.get_queryset(request).values(f"{self.field_path}__pk")
        operatories = (
            field.related_model._default_manager.filter(pk__in=listed)
            .select_related("location")
            .order_by("location__name", "item_order", "name", "id")
        )
        return [(op.pk, f"{op.name} · {op.location.name}") for op in operatories]


class LocalDaySearchMixin:
    """A date in the search box (``2030-03-04`` or ``3/4/2030``) shows that local day, so an
    administrator can look any day up; the other words search as usual. Set
    ``day_filter`` to the list's :class:`LocalDayFilter`."""

    day_filter: type[LocalDayFilter]

    def get_search_results(self, request, queryset, search_term):
        days, words = split_dates(search_term)
        if days:
            queryset = reduce(or_, (self.day_filter.filter_day(queryset, day) for day in days))
        return super().get_search_results(request, queryset, words)
