"""The API's JSON renderer: DRF's bytes, written by orjson.

A day's calendar is ~220 KB of JSON and a week's ~1.5 MB, polled every few seconds;
``json.dumps`` spends milliseconds on them that orjson spends tenths of. What the API
writes (text, integers, booleans, null, money and times as strings) comes out byte for
byte as DRF's renderer writes it: compact separators, UTF-8 as is (``UNICODE_JSON``),
U+2028 and U+2029 escaped, and every value orjson would write its own way (dates, times
and datetimes; anything it does not know) handed to DRF's ``JSONEncoder.default``, as
``json.dumps`` would hand it. Two differences no answer meets: a float may be spelled
otherwise (``0.00001`` for ``1e-05``, the same number), and NaN is ``null`` where DRF's
strict renderer would raise. An indented answer (``Accept: application/json;
indent=4``), and one orjson cannot write (an integer beyond 64 bits), are left to DRF's
renderer; a lone surrogate (which no UTF-8 can hold) is written as its escape,
``\\udb18``.
"""

from __future__ import annotations

import json

import orjson
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS
_encoder = JSONEncoder()


class FastJSONRenderer(JSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if data is None:
            return b""
        if self.get_indent(accepted_media_type, renderer_context or {}) is not None:
            return super().render(data, accepted_media_type, renderer_context)
        try:
            body = orjson.dumps(data, default=_encoder.default, option=_OPTIONS)
        except orjson.JSONEncodeError:
            # What orjson will not write (an integer beyond 64 bits, kept in a JSON field
            # as a client sent it), json.dumps may: DRF's renderer has the last word.
            try:
                return super().render(data, accepted_media_type, renderer_context)
            except UnicodeEncodeError:
                # A lone surrogate stored before the parser refused them: written as the
                # \u escape it came in as (ASCII JSON), never a 500.
                return json.dumps(
                    data, cls=JSONEncoder, ensure_ascii=True, separators=(",", ":"),
                    allow_nan=False,
                ).encode()  # fmt: skip
        # As DRF does: JSON that is also a strict JavaScript subset.
        return body.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")
