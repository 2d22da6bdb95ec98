"""Content negotiation: DRF's, without its parsing when there is nothing to negotiate."""

from __future__ import annotations

from rest_framework.negotiation import DefaultContentNegotiation

#: ``Accept`` values every renderer of the API answers as its own JSON.
_PLAIN = frozenset({None, "*/*", "application/json"})


class ContentNegotiation(DefaultContentNegotiation):
    """A call that asks for JSON plainly (no ``Accept``, ``*/*`` or ``application/json``,
    no ``?format=``) gets the first renderer, the JSON one, as DRF would choose it; any
    other ``Accept`` (``text/html``: 406; ``application/json; indent=4``) is DRF's to
    judge. Spares a call DRF's tokenizing and media-type parsing of the header."""

    def select_renderer(self, request, renderers, format_suffix=None):
        first = renderers[0] if renderers else None
        if (
            first is not None
            and first.media_type == "application/json"
            and format_suffix is None
            and request.headers.get("accept") in _PLAIN
            and self.settings.URL_FORMAT_OVERRIDE not in request.query_params
        ):
            return first, first.media_type
        return super().select_renderer(request, renderers, format_suffix)
