"""The API's JSON renderer writes DRF's bytes (``scheduling.api.renderers``)."""

import json
import uuid
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal

import pytest
from django.utils.translation import gettext_lazy
from rest_framework.exceptions import ErrorDetail
from rest_framework.renderers import JSONRenderer

from scheduling.api.renderers import FastJSONRenderer

VALUES = [
    {"id": uuid.UUID("12345678-1234-5678-1234-567812345678"), "n": 1, "ok": True, "x": None},
    {"at": datetime(2026, 11, 28, 9, 30, tzinfo=UTC)},
    {"at": datetime(2026, 11, 28, 9, 30, 0, 123456, tzinfo=UTC)},
    {"at": datetime(2026, 3, 8, 3, 0, tzinfo=timezone(timedelta(hours=-5)))},
    {"day": date(2026, 2, 28), "wall": time(8, 0), "wall_us": time(8, 0, 0, 5)},
    {"money": Decimal("12.50"), "ratio": 0.1, "big": 2**53},
    {"text": 'Zoë — 歯科 \u2028 line \u2029 para "quoted" \\ tab\t'},
    {"lazy": gettext_lazy("Not found."), "detail": ErrorDetail("Bad.", code="invalid")},
    {1: "int key", "nested": [[], {}, (1, 2), [{"a": [None]}]]},
    [],
    "plain",
]


@pytest.mark.parametrize("data", VALUES)
def test_the_same_bytes_as_drfs_renderer(data):
    assert FastJSONRenderer().render(data) == JSONRenderer().render(data)


def test_none_is_no_body_and_an_indent_is_drfs():
    assert FastJSONRenderer().render(None) == b""
    data = {"a": [1, {"b": date(2026, 1, 1)}]}
    media = "application/json; indent=4"
    assert FastJSONRenderer().render(data, media) == JSONRenderer().render(data, media)
    assert b"\n    " in FastJSONRenderer().render(data, media)


def test_an_integer_beyond_64_bits_is_written_as_drf_writes_it():
    """A JSON field keeps what a client sent (a saved search's criteria): orjson cannot
    write such an integer, DRF's renderer can."""
    data = {"criteria": {"n": 277805103759756754944, "m": -(2**70)}}
    assert FastJSONRenderer().render(data) == JSONRenderer().render(data)


def test_a_lone_surrogate_is_written_as_its_escape():
    """Stored before the parser refused them, it is answered as the client sent it."""
    body = FastJSONRenderer().render({"s": "a\udb18b", "ok": "Zoë"})
    assert body == b'{"s":"a\\udb18b","ok":"Zo\\u00eb"}'
    assert json.loads(body) == {"s": "a\udb18b", "ok": "Zoë"}


def test_what_neither_knows_is_a_type_error():
    with pytest.raises(TypeError):
        FastJSONRenderer().render({"x": object()})
