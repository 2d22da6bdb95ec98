"""Request body parsing: DRF's JSON parser, never a 500 whatever the body."""

from __future__ import annotations

import codecs
import io
import re

from rest_framework import parsers
from rest_framework.exceptions import ParseError

#: A ``\uD800``–``\uDFFF`` escape in the raw body: half of a surrogate pair, or alone.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


class JSONParser(parsers.JSONParser):
    """DRF's, except that two kinds of malformed input are a 422 ``json_invalid``, not
    a 500: JSON nested deeper than Python's decoder recurses (a few thousand ``[`` fit
    in any body), and a string holding a lone surrogate (``"\\ud800"``: valid JSON
    syntax, but no Unicode text; stored, it could never be written back as UTF-8). An
    escaped surrogate pair (an emoji as ``"\\ud83d\\ude00"``) is one character and fine.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read() if stream is not None else b""
        try:
            data = super().parse(io.BytesIO(raw), media_type, parser_context)
        except RecursionError as exc:
            raise ParseError("JSON parse error - nested too deeply.") from exc
        encoding = (parser_context or {}).get("encoding", "utf-8")
        # The raw bytes name an escape only in an ASCII-compatible encoding (UTF-8, the
        # rule); in another (``charset=utf-16``) every string is looked at.
        utf8 = codecs.lookup(encoding).name == "utf-8"
        if (not utf8 or _SURROGATE_ESCAPE.search(raw)) and _holds_lone_surrogate(data):
            raise ParseError(
                "JSON parse error - a string holds a lone surrogate escape (\\ud800-\\udfff "
                "without its pair): not Unicode text."
            )
        return data


def _holds_lone_surrogate(value) -> bool:
    if isinstance(value, str):
        return _SURROGATE.search(value) is not None
    if isinstance(value, dict):
        return any(_holds_lone_surrogate(k) or _holds_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_lone_surrogate(item) for item in value)
    return False
