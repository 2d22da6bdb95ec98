"""How a schedule view draws appointments: the card in its column, the bubble on hover,
and the colours. Stored as JSON on the view (``card_layout``, ``bubble_layout``,
``color_config``), described and checked by the serializers here, and offered ready-made
as the six preset templates (``GET /schedule/views/templates``).

In the practice's words:

- a **card** is the appointment's block in its operatory column: a few lines, top to
  bottom, each joining some of the appointment's fields (patient name and age, the
  procedures, the providers ...). Short appointments show only the first lines, so the
  order is the front desk's priority;
- the **bubble** is what pops up over a card: titled sections of fields, with a delay
  so it does not flicker while the mouse crosses the calendar;
- the **colours** paint each card by one thing (its provider, type, confirmation, flow
  status or operatory), the colour of that thing unless the view overrides it, on the
  card's background, border or a side stripe.

A layout is stored as it was validated, so every value has its JSON type: ``"yes"`` is
not a boolean, ``5`` not a string (422 naming the key, as for an unknown key). Each
layout is at most 16 KB as JSON (422): the calendar reads them with every view.
"""

from __future__ import annotations

import json
from collections import Counter

from django.db import models
from rest_framework import serializers

from scheduling.api.serializers import InputSerializer, StrictUUIDField
from scheduling.validators import validate_color

#: The largest layout stored, in bytes of compact JSON.
MAX_LAYOUT_BYTES = 16 * 1024


class AppointmentField(models.TextChoices):
    """What a card line or a bubble section can show of an appointment."""

    PATIENT_NAME = "patient_name", "Patient name"
    PATIENT_PREFERRED_NAME = "patient_preferred_name", "Preferred name"
    PATIENT_INITIALS = "patient_initials", "Patient initials"
    PATIENT_AGE = "patient_age", "Age"
    PATIENT_BIRTHDATE = "patient_birthdate", "Birthdate"
    PATIENT_CHART_NUMBER = "patient_chart_number", "Chart number"
    PATIENT_PHONE = "patient_phone", "Mobile phone"
    PATIENT_EMAIL = "patient_email", "Email"
    APPOINTMENT_TYPE = "appointment_type", "Appointment type"
    PROCEDURE_CODES = "procedure_codes", "Procedure codes"
    PROCEDURE_DESCRIPTIONS = "procedure_descriptions", "Procedures"
    PROVIDERS = "providers", "Providers"
    OPERATORY = "operatory", "Operatory"
    TIME_RANGE = "time_range", "Time"
    DURATION = "duration", "Length"
    PRODUCTION = "production", "Production"
    CONFIRMATION_STATUS = "confirmation_status", "Confirmation"
    FLOW_STATUS = "flow_status", "Patient flow"
    STATUS = "status", "Status"
    TAGS = "tags", "Tags"
    NOTE = "note", "Note"


class ColorBy(models.TextChoices):
    """What decides a card's colour."""

    PROVIDER = "provider", "Provider"
    APPOINTMENT_TYPE = "appointment_type", "Appointment type"
    CONFIRMATION_STATUS = "confirmation_status", "Confirmation status"
    FLOW_STATUS = "flow_status", "Patient flow status"
    OPERATORY = "operatory", "Operatory"


class ColorTarget(models.TextChoices):
    """Which part of the card the colour paints."""

    BACKGROUND = "background", "Background"
    BORDER = "border", "Border"
    STRIPE = "stripe", "Side stripe"


# --- strict JSON values ------------------------------------------------------------------


class JsonBooleanField(serializers.BooleanField):
    """``true`` or ``false`` only (DRF would also read ``"yes"``, ``1`` or ``"on"``)."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class JsonIntegerField(serializers.IntegerField):
    """A JSON integer only (not ``"5"``, ``5.0`` or ``true``)."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class JsonStringField(serializers.CharField):
    """A JSON string only (DRF would turn ``5`` into ``"5"``)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class JsonUUIDField(StrictUUIDField):
    """A UUID string, stored in its canonical form (a layout is plain JSON)."""

    def to_internal_value(self, data):
        return str(super().to_internal_value(data))


def _field_list(**kwargs) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.ChoiceField(choices=AppointmentField.choices),
        allow_empty=False,
        validators=[_no_repeats],
        **kwargs,
    )


def _no_repeats(values: list) -> None:
    repeated = [value for value, count in Counter(values).items() if count > 1]
    if repeated:
        raise serializers.ValidationError(
            f"Listed more than once: {', '.join(map(str, repeated))}.", code="duplicate"
        )


def json_size(value) -> int:
    """Bytes of ``value`` as compact JSON (how the database and the responses hold it)."""
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str).encode())


class LayoutSerializer(InputSerializer):
    """A layout: strict about its keys (an unknown one is a 422 naming it) and its size.

    The size is checked on the raw value first (a megabyte of bubble sections is refused
    before it is read item by item), and again once defaults are filled in.
    """

    default_error_messages = {
        **InputSerializer.default_error_messages,
        "too_large": "At most {limit} bytes as JSON; this one has {size}.",
    }

    def to_internal_value(self, data):
        self._check_size(data)
        value = super().to_internal_value(data)
        self._check_size(value)
        return value

    def _check_size(self, value) -> None:
        size = json_size(value)
        if size > MAX_LAYOUT_BYTES:
            self.fail("too_large", limit=MAX_LAYOUT_BYTES, size=size)


# --- the card ----------------------------------------------------------------------------


class CardLineSerializer(InputSerializer):
    """One line of the card: some fields side by side."""

    fields = _field_list(
        max_length=6, help_text="The fields of this line, left to right, joined by the separator."
    )
    bold = JsonBooleanField(required=False, default=False)
    wrap = JsonBooleanField(
        required=False, default=False, help_text="False: one line, cut with an ellipsis."
    )

    class Meta:
        ref_name = "ScheduleCardLine"


class CardLayoutSerializer(LayoutSerializer):
    """The appointment's card in its operatory column: lines from top to bottom (a short
    appointment shows only the first ones)."""

    lines = CardLineSerializer(
        many=True, allow_empty=False, max_length=12, help_text="1 to 12 lines, top to bottom."
    )
    separator = JsonStringField(
        required=False,
        default=" · ",
        max_length=5,
        trim_whitespace=False,
        help_text="Between the fields of a line.",
    )

    class Meta:
        ref_name = "ScheduleCardLayout"


# --- the bubble --------------------------------------------------------------------------


class BubbleSectionSerializer(InputSerializer):
    """A block of the bubble under its title (Patient, Appointment, Note ...)."""

    title = JsonStringField(
        required=False, allow_blank=True, default="", max_length=60, help_text="Empty: no title."
    )
    fields = _field_list(max_length=21)

    class Meta:
        ref_name = "ScheduleBubbleSection"


class BubbleLayoutSerializer(LayoutSerializer):
    """What pops up over an appointment: titled sections of fields, top to bottom."""

    sections = BubbleSectionSerializer(
        many=True, allow_empty=False, max_length=10, help_text="1 to 10 sections, top to bottom."
    )
    delay_ms = JsonIntegerField(
        required=False,
        default=300,
        min_value=0,
        max_value=5000,
        help_text="How long the pointer rests on a card before the bubble shows.",
    )

    class Meta:
        ref_name = "ScheduleBubbleLayout"


# --- the colours -------------------------------------------------------------------------


class ColorOverrideSerializer(InputSerializer):
    """This view's colour for one provider, type, status or operatory."""

    id = JsonUUIDField(
        help_text="The provider, appointment type, confirmation status (definition), flow "
        "status or operatory, as color_by says. Not looked up: a colour for something since "
        "deleted is simply unused."
    )
    color = JsonStringField(validators=[validate_color], help_text="#RRGGBB")

    class Meta:
        ref_name = "ScheduleColorOverride"


class ColorConfigSerializer(LayoutSerializer):
    """What colours the cards: one thing, in its own colour unless overridden here."""

    color_by = serializers.ChoiceField(choices=ColorBy.choices)
    apply_to = serializers.ChoiceField(
        choices=ColorTarget.choices, required=False, default=ColorTarget.BACKGROUND
    )
    default_color = JsonStringField(
        required=False,
        default="#9E9E9E",
        validators=[validate_color],
        help_text="For a card whose thing has no colour (an unconfirmed appointment ...).",
    )
    overrides = ColorOverrideSerializer(
        many=True,
        required=False,
        default=list,
        max_length=500,
        help_text="Colours that replace the thing's own, one per id (at most 500).",
    )

    class Meta:
        ref_name = "ScheduleColorConfig"

    def validate_overrides(self, overrides: list) -> list:
        _no_repeats([override["id"] for override in overrides])
        return overrides


# --- the preset templates ----------------------------------------------------------------


class ScheduleViewTemplateSerializer(serializers.Serializer):
    """A preset: three layouts that work together, to copy into a view."""

    key = serializers.CharField(help_text="Stable name of the preset (not a UUID: it is code).")
    name = serializers.CharField()
    description = serializers.CharField()
    card_layout = CardLayoutSerializer()
    bubble_layout = BubbleLayoutSerializer()
    color_config = ColorConfigSerializer()

    class Meta:
        ref_name = "ScheduleViewTemplate"


class ScheduleViewTemplatesSerializer(serializers.Serializer):
    templates = ScheduleViewTemplateSerializer(many=True)

    class Meta:
        ref_name = "ScheduleViewTemplates"


F = AppointmentField


def _card(*lines: tuple, separator: str = " · ") -> dict:
    """Lines as ``(fields, bold)``."""
    return {
        "lines": [
            {"fields": [str(f) for f in fields], "bold": bold, "wrap": False}
            for fields, bold in lines
        ],
        "separator": separator,
    }


def _bubble(*sections: tuple, delay_ms: int = 300) -> dict:
    return {
        "sections": [
            {"title": title, "fields": [str(f) for f in fields]} for title, fields in sections
        ],
        "delay_ms": delay_ms,
    }


def _colors(color_by: str, apply_to: str = ColorTarget.BACKGROUND) -> dict:
    return {
        "color_by": str(color_by),
        "apply_to": str(apply_to),
        "default_color": "#9E9E9E",
        "overrides": [],
    }


_PATIENT = ("Patient", [F.PATIENT_NAME, F.PATIENT_AGE, F.PATIENT_PHONE, F.PATIENT_CHART_NUMBER])
_VISIT = ("Appointment", [F.TIME_RANGE, F.APPOINTMENT_TYPE, F.PROVIDERS, F.OPERATORY])

#: The six presets a practice starts from; applying one copies its three layouts into a
#: view (create or PATCH). Checked by the same serializers as a client's layouts.
PRESET_TEMPLATES: list[dict] = [
    {
        "key": "standard",
        "name": "Standard",
        "description": "Who, what and with whom: the everyday front desk card, coloured "
        "by provider.",
        "card_layout": _card(
            ([F.PATIENT_NAME], True),
            ([F.APPOINTMENT_TYPE, F.TIME_RANGE], False),
            ([F.PROVIDERS], False),
            ([F.NOTE], False),
        ),
        "bubble_layout": _bubble(
            _PATIENT, _VISIT, ("Procedures", [F.PROCEDURE_DESCRIPTIONS]), ("Note", [F.NOTE])
        ),
        "color_config": _colors(ColorBy.PROVIDER),
    },
    {
        "key": "hygiene",
        "name": "Hygiene",
        "description": "Recall and perio visits: age, codes and the hygienist up front, "
        "coloured by appointment type.",
        "card_layout": _card(
            ([F.PATIENT_NAME, F.PATIENT_AGE], True),
            ([F.PROCEDURE_CODES], False),
            ([F.PROVIDERS], False),
        ),
        "bubble_layout": _bubble(
            _PATIENT,
            ("Visit", [F.TIME_RANGE, F.PROCEDURE_CODES, F.PROCEDURE_DESCRIPTIONS, F.PROVIDERS]),
            ("Note", [F.NOTE, F.TAGS]),
        ),
        "color_config": _colors(ColorBy.APPOINTMENT_TYPE),
    },
    {
        "key": "confirmations",
        "name": "Confirmations",
        "description": "For the confirmation calls: phone and confirmation status on the "
        "card, coloured by confirmation.",
        "card_layout": _card(
            ([F.PATIENT_NAME], True),
            ([F.PATIENT_PHONE], False),
            ([F.CONFIRMATION_STATUS, F.TIME_RANGE], False),
        ),
        "bubble_layout": _bubble(
            ("Contact", [F.PATIENT_NAME, F.PATIENT_PHONE, F.PATIENT_EMAIL]),
            ("Appointment", [F.TIME_RANGE, F.APPOINTMENT_TYPE, F.CONFIRMATION_STATUS]),
        ),
        "color_config": _colors(ColorBy.CONFIRMATION_STATUS),
    },
    {
        "key": "production",
        "name": "Production",
        "description": "For the dentist's day: procedures and production on every card, "
        "coloured by provider on the border.",
        "card_layout": _card(
            ([F.PATIENT_NAME, F.PRODUCTION], True),
            ([F.PROCEDURE_CODES], False),
            ([F.PROVIDERS, F.DURATION], False),
        ),
        "bubble_layout": _bubble(
            _PATIENT,
            ("Treatment", [F.PROCEDURE_CODES, F.PROCEDURE_DESCRIPTIONS, F.PRODUCTION]),
            ("Note", [F.NOTE]),
        ),
        "color_config": _colors(ColorBy.PROVIDER, ColorTarget.BORDER),
    },
    {
        "key": "patient_flow",
        "name": "Patient flow",
        "description": "Where each patient is (arrived, seated, ready for checkout), "
        "coloured by flow status.",
        "card_layout": _card(
            ([F.PATIENT_NAME], True),
            ([F.FLOW_STATUS, F.OPERATORY], False),
            ([F.TIME_RANGE], False),
        ),
        "bubble_layout": _bubble(
            ("Patient", [F.PATIENT_NAME, F.PATIENT_AGE]),
            ("Flow", [F.FLOW_STATUS, F.STATUS, F.OPERATORY, F.TIME_RANGE]),
            delay_ms=150,
        ),
        "color_config": _colors(ColorBy.FLOW_STATUS, ColorTarget.STRIPE),
    },
    {
        "key": "privacy",
        "name": "Privacy",
        "description": "For a screen patients can see: initials and the appointment type "
        "only, coloured by operatory.",
        "card_layout": _card(([F.PATIENT_INITIALS], True), ([F.APPOINTMENT_TYPE], False)),
        "bubble_layout": _bubble(
            ("", [F.PATIENT_INITIALS, F.APPOINTMENT_TYPE, F.TIME_RANGE]), delay_ms=600
        ),
        "color_config": _colors(ColorBy.OPERATORY),
    },
]
