"""The daily and weekly calendars' query parameters and answers
(``GET schedule/calendar/daily``, ``GET schedule/calendar/weekly``).

The serializers here declare the shapes (the OpenAPI components ``CalendarCard``,
``CalendarDay``, ``WeeklyCalendar`` ...). Cards are rendered by ``render_card`` in plain
Python from the card SELECT's rows, as ``appointments.serializers.display`` renders
appointments: a busy day holds a hundred cards, polled every few seconds. Every test
response is validated against the schema, which holds the two to the same shape.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from appointments.models import AppointmentStatus
from appointments.serializers.display import instant_text, provider_name, ref_dict
from appointments.services.calendars import TIER2_FIELDS, CalendarDay, CardRow
from blockouts.serializers import BlockoutSerializer
from scheduling.api.filters import comma_list_schema
from scheduling.api.relations import OrgRelatedField
from scheduling.api.serializers import (
    CalendarDateField,
    LocalTimeField,
    MoneyField,
    RefSerializer,
)
from scheduling.models import Location
from scheduling.schedule.serializers import DailyProviderSerializer, ScheduleNoteSerializer
from scheduling.timezones import zone as tz_zone

# --- the query -----------------------------------------------------------------------------


@extend_schema_field(comma_list_schema([(key, key) for key in TIER2_FIELDS]))
class Tier2FieldsField(serializers.Field):
    """``chart_number,mobile_phone``: the Tier 2 keys each card should also carry, as a
    tuple without repeats; an unknown key is a 422 naming it."""

    default_error_messages = {
        "unknown_field": "Unknown field(s): {unknown}. Allowed: {allowed}.",
    }

    def to_internal_value(self, data) -> tuple[str, ...]:
        if not isinstance(data, str):
            self.fail("unknown_field", unknown=data, allowed=", ".join(TIER2_FIELDS))
        keys = [key.strip() for key in data.split(",") if key.strip()]
        unknown = [key for key in keys if key not in TIER2_FIELDS]
        if unknown:
            self.fail("unknown_field", unknown=", ".join(unknown), allowed=", ".join(TIER2_FIELDS))
        return tuple(dict.fromkeys(keys))

    def to_representation(self, value):
        return ",".join(value)


_FIELDS_HELP = (
    "Comma-separated Tier 2 keys each appointment card should also carry: "
    f"{', '.join(TIER2_FIELDS)}. Unknown keys are a 422 naming them."
)


class CalendarQuery(serializers.Serializer):
    location_uuid = OrgRelatedField(
        Location.objects.all(), source="location", help_text="The location whose calendar."
    )
    fields = Tier2FieldsField(required=False, help_text=_FIELDS_HELP)


class DailyCalendarQuery(CalendarQuery):
    target_date = CalendarDateField(help_text="The local date at the location (YYYY-MM-DD).")


class WeeklyCalendarQuery(CalendarQuery):
    week_start = CalendarDateField(
        help_text="The first of the seven local dates (YYYY-MM-DD; any weekday)."
    )


# --- the answer ----------------------------------------------------------------------------


def _tier2(field_class, **kwargs):
    """A Tier 2 key: present only when asked for (``fields``), null when not recorded."""
    return field_class(required=False, allow_null=True, **kwargs)


class CalendarCardSerializer(serializers.Serializer):
    """An appointment as the calendar draws it in its operatory column. Local times are
    at the location (``location_timezone`` of the day); ``schedule_date`` is the local
    date of the start (a card crossing midnight is on both days)."""

    id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=AppointmentStatus.choices)
    schedule_date = serializers.DateField(help_text="Local date of the start.")
    start_time = LocalTimeField(help_text="Local wall time of the start.")
    end_time = LocalTimeField(help_text="Local wall time of the end.")
    start_at = serializers.DateTimeField(help_text="The start in UTC.")
    end_at = serializers.DateTimeField(help_text="The end in UTC.")
    operatory = RefSerializer(allow_null=True)
    patient = RefSerializer()
    appointment_type = RefSerializer(allow_null=True)
    confirmation_status = RefSerializer(allow_null=True)
    flow_status = RefSerializer(allow_null=True)
    providers = RefSerializer(many=True, help_text="In the appointment's order.")
    production_amount = MoneyField(
        help_text="The production override, else the sum of the procedure fees."
    )
    color = serializers.CharField(
        allow_null=True,
        help_text="The appointment's colour override, else its type's colour, else null.",
    )
    note = serializers.CharField(allow_blank=True)
    is_new_patient = serializers.BooleanField()
    chart_number = _tier2(serializers.CharField, help_text="Tier 2.")
    mobile_phone = _tier2(serializers.CharField, help_text="Tier 2.")
    email = _tier2(serializers.CharField, help_text="Tier 2.")
    birthdate = _tier2(serializers.DateField, help_text="Tier 2.")
    age = _tier2(
        serializers.IntegerField, help_text="Tier 2: whole years on the card's schedule_date."
    )
    preferred_name = _tier2(serializers.CharField, help_text="Tier 2.")
    balance_due = _tier2(MoneyField, help_text="Tier 2: what the patient owes.")
    next_recall_due = _tier2(
        serializers.DateField,
        help_text="Tier 2: the earliest due date of the patient's open, enabled recalls "
        "(null when none).",
    )
    last_visit_date = _tier2(
        serializers.DateField,
        help_text="Tier 2: local date of the patient's latest completed appointment.",
    )

    class Meta:
        ref_name = "CalendarCard"


class CalendarOperatorySerializer(serializers.Serializer):
    """A column of the calendar."""

    id = serializers.UUIDField(source="uuid")
    name = serializers.CharField()
    abbrev = serializers.CharField(allow_blank=True)
    is_hygiene = serializers.BooleanField()
    is_active = serializers.BooleanField(
        help_text="An inactive operatory is a column only on days it holds a card."
    )

    class Meta:
        ref_name = "CalendarOperatory"


class CalendarBlockoutSerializer(BlockoutSerializer):
    """A blockout with what the calendar paints it by."""

    color = serializers.CharField(source="blockout_type.color", read_only=True)
    is_no_schedule = serializers.BooleanField(
        source="blockout_type.is_no_schedule",
        read_only=True,
        help_text="True: no appointment may be booked over it.",
    )

    class Meta(BlockoutSerializer.Meta):
        fields = [*BlockoutSerializer.Meta.fields, "color", "is_no_schedule"]
        read_only_fields = fields
        ref_name = "CalendarBlockout"


class CalendarDaySerializer(serializers.Serializer):
    """One local day of a location's calendar."""

    date = serializers.DateField()
    day_hours = serializers.IntegerField(
        help_text="Wall-clock hours in this day (23 on spring-forward, 25 on fall-back, "
        "24 otherwise)."
    )
    location = RefSerializer()
    location_timezone = serializers.CharField(help_text="IANA zone of the local times.")
    appointments = CalendarCardSerializer(
        many=True,
        help_text="Appointments holding time that day (planned, scheduled, complete, and "
        "broken: the hole to fill), by start.",
    )
    blockouts = CalendarBlockoutSerializer(many=True, help_text="Active blockouts, by start.")
    provider_schedules = DailyProviderSerializer(
        many=True,
        help_text="Each provider's resolved hours at the location (as daily-providers).",
    )
    note = ScheduleNoteSerializer(allow_null=True, help_text="The day's schedule note.")
    operatories = CalendarOperatorySerializer(
        many=True, help_text="The calendar's columns, in their order."
    )

    class Meta:
        ref_name = "CalendarDay"


class WeeklyCalendarSerializer(serializers.Serializer):
    week_start = serializers.DateField()
    location = RefSerializer()
    location_timezone = serializers.CharField(help_text="IANA zone of the local times.")
    days = CalendarDaySerializer(many=True, help_text="Seven consecutive local days.")

    class Meta:
        ref_name = "WeeklyCalendar"


# --- rendering -----------------------------------------------------------------------------


def _blank_null(value: str) -> str | None:
    return value or None


def _age(birthdate: date | None, on: date) -> int | None:
    if birthdate is None:
        return None
    return on.year - birthdate.year - ((on.month, on.day) < (birthdate.month, birthdate.day))


class _Refs:
    """The references one answer repeats (a chair, a type, a provider are on many cards),
    each made once: ``str(uuid)`` and the dict around it are most of a card's cost."""

    def __init__(self):
        self._made: dict = {}

    def __call__(self, uuid, name) -> dict | None:
        if uuid is None:
            return None
        key = (uuid, name)
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = ref_dict(uuid, name)
        return made


def render_card(
    card: CardRow, tz_name: str, fields: tuple[str, ...] = (), refs: _Refs | None = None
) -> dict:
    """One card as ``CalendarCardSerializer`` declares it, with the Tier 2 ``fields``;
    ``refs``: the answer's references made so far."""
    ref = refs or _Refs()
    zone = tz_zone(tz_name)
    # "2026-10-14T07:00:00-05:00": the local date and wall time from one isoformat.
    local_start = card.start_at.astimezone(zone).isoformat()
    local_end = card.end_at.astimezone(zone).isoformat()
    amount = card.production_override
    if amount is None:
        amount = card.procedure_total or Decimal(0)
    rendered = {
        "id": str(card.uuid),
        "status": card.status,
        "schedule_date": local_start[:10],
        "start_time": local_start[11:19],
        "end_time": local_end[11:19],
        "start_at": instant_text(card.start_at),
        "end_at": instant_text(card.end_at),
        "operatory": ref(card.operatory_uuid, card.operatory_name),
        "patient": ref(card.patient_uuid, f"{card.patient_first} {card.patient_last}".strip()),
        "appointment_type": ref(card.type_uuid, card.type_name),
        "confirmation_status": ref(*(card.confirmation or (None, None))),
        "flow_status": ref(*(card.flow or (None, None))),
        "providers": [
            ref(pid, provider_name(first, last, suffix))
            for pid, first, last, suffix in (card.providers or ())
        ],
        "production_amount": f"{amount:.2f}",
        "color": card.color_override or card.type_color or None,
        "note": card.note,
        "is_new_patient": card.is_new_patient,
    }
    for key in fields:
        rendered[key] = _tier2_value(card, key, date.fromisoformat(local_start[:10]))
    return rendered


def _tier2_value(card: CardRow, key: str, on: date):
    if key == "age":
        return _age(card.birthdate, on)
    if key in ("birthdate", "last_visit_date", "next_recall_due"):
        value = getattr(card, key)
        return None if value is None else value.isoformat()
    if key == "balance_due":
        return f"{card.balance_due:.2f}"
    return _blank_null(getattr(card, key))


def render_day(day: CalendarDay, fields: tuple[str, ...] = (), refs: _Refs | None = None) -> dict:
    """One day as ``CalendarDaySerializer`` declares it (``refs``: see ``render_card``)."""
    location = day.location
    tz_name = location.timezone
    refs = refs or _Refs()
    return {
        "date": day.date.isoformat(),
        "day_hours": day.day_hours,
        "location": {"id": str(location.uuid), "name": location.name},
        "location_timezone": tz_name,
        "appointments": [render_card(card, tz_name, fields, refs) for card in day.cards],
        "blockouts": CalendarBlockoutSerializer(day.blockouts, many=True).data,
        "provider_schedules": DailyProviderSerializer(day.provider_days, many=True).data,
        "note": None if day.note is None else ScheduleNoteSerializer(day.note).data,
        "operatories": CalendarOperatorySerializer(day.operatories, many=True).data,
    }


def render_week(week: list[CalendarDay], fields: tuple[str, ...] = ()) -> dict:
    """Seven days as ``WeeklyCalendarSerializer`` declares them."""
    location, refs = week[0].location, _Refs()
    return {
        "week_start": week[0].date.isoformat(),
        "location": {"id": str(location.uuid), "name": location.name},
        "location_timezone": location.timezone,
        "days": [render_day(day, fields, refs) for day in week],
    }
