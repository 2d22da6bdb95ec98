"""Conditional GETs for reads a client polls: an ``ETag`` on every answer, ``304`` when the
client's copy is current.

A front desk leaves the calendar open all day and polls it every few seconds; most polls
find nothing changed. ``conditional_response`` lets such a poll cost the server its reads
but not the client a download: the answer carries ``ETag``, and a request whose
``If-None-Match`` names it gets ``304 Not Modified`` with no body.

The ETag is a strong hash of the answer's content (the JSON the answer carries), not of
the rows' versions or timestamps: anything the answer shows changes it (a moved
appointment, a new blockout, a patient's balance asked for as a field) and nothing else
does, with no list of sources to keep in step with the read. The read still runs on
every poll; what is saved is the transfer and the client's re-render.

Usage in a view::

    @extend_schema(parameters=[DayQuery, *CONDITIONAL_PARAMETERS],
                   responses=conditional_responses(DaySerializer))
    def daily(self, request, ...):
        return conditional_response(request, data)
"""

from __future__ import annotations

import hashlib

from django.http import HttpResponse
from django.utils.cache import parse_etags
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import status

from scheduling.api.renderers import FastJSONRenderer

#: ``private``: the answer depends on the caller's token, so no shared cache keeps it;
#: ``no-cache``: a browser may keep it but must ask (with ``If-None-Match``) before use.
CACHE_CONTROL = "private, no-cache"

ETAG_HEADER = OpenApiParameter(
    "ETag",
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    response=[200, 304],
    required=True,
    description="A strong validator of this answer's content: send it back as "
    "`If-None-Match` to get `304` while nothing shown has changed.",
)

#: For ``@extend_schema(parameters=[...])``: the request's ``If-None-Match`` and the
#: answers' ``ETag``.
CONDITIONAL_PARAMETERS = [
    ETAG_HEADER,
    OpenApiParameter(
        "If-None-Match",
        OpenApiTypes.STR,
        location=OpenApiParameter.HEADER,
        required=False,
        description="The `ETag` of the copy the client holds (or several, comma-separated, "
        "or `*`): when it is still current the answer is `304` with no body.",
    ),
]


def conditional_responses(serializer) -> dict:
    """``responses=`` for an operation answered by ``conditional_response``: ``200`` with
    ``serializer``, ``304`` with no body (both with the ``ETag`` header of
    ``CONDITIONAL_PARAMETERS``)."""
    return {
        200: serializer,
        304: OpenApiResponse(
            description="Not modified: the client's copy (`If-None-Match`) is current; no body."
        ),
    }


def conditional_response(request, data) -> HttpResponse:
    """``data`` as a ``200`` with its ``ETag``, or a bodiless ``304`` when the request's
    ``If-None-Match`` names that tag (or is ``*``). Weak tags from the client
    (``W/"…"``) match too, as RFC 9110 asks of ``If-None-Match``.

    The body is rendered once (the JSON renderer's bytes, which a 200 then carries as
    they are) and the tag is their hash: equal content, equal bytes, equal tag.
    """
    body = FastJSONRenderer().render(data)
    etag = f'"{hashlib.sha256(body).hexdigest()[:40]}"'
    held = parse_etags(request.headers.get("If-None-Match", ""))
    if "*" in held or etag in {tag.removeprefix("W/") for tag in held}:
        response = HttpResponse(status=status.HTTP_304_NOT_MODIFIED)
    else:
        response = HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    response["Cache-Control"] = CACHE_CONTROL
    return response
