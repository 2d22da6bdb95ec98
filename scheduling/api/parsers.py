"""Request body parsing: DRF's JSON parser, never a 500 whatever the body."""

from __future__ import annotations

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    """DRF's, except that JSON nested deeper than Python's decoder recurses (a few
    thousand ``[`` fit in any body) is malformed input (422 ``json_invalid``), not the
    ``RecursionError`` DRF lets through as a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError("JSON parse error - nested too deeply.") from exc
