"""The framework's floors of ``make bench``: what Django, DRF and the bearer token's check
cost on this machine before the project reads or renders anything.

Served by gunicorn with the same settings as the project, under ``config.bench_settings``
(the project's settings with this urlconf; never the project's own routes), each view
answers the floor app's body (``config.bench_floor``, as long as a detail):

- ``framework/django``: a Django view (the project's middleware, URL resolution, an
  ``HttpResponse``);
- ``framework/drf``: a DRF ``APIView`` with no authentication (its ``Request``, content
  negotiation, the project's renderer);
- ``framework/token``: the same with the project's authentication and permission (the
  bearer token's statement: one round trip), as every API call has them;
- ``framework/write`` (POST): the same, validating a small JSON body with a serializer,
  then one committed write (the token's ``last_used_at``, in a transaction: three more
  statements), as a create's least. Every connection updates that one row, so under
  several at once the writes queue on its lock: its throughput is a hot row's.

Their paths are under ``/api/v1/`` so the project's middleware treats them as API calls.
"""

from __future__ import annotations

import os

import orjson
from django.db import transaction
from django.http import HttpResponse
from django.urls import path
from django.utils import timezone
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.bench_floor import DEFAULT_BYTES, body
from scheduling.models import ApiToken

BODY = body(int(os.environ.get("BENCH_FLOOR_BYTES") or DEFAULT_BYTES))
DATA = orjson.loads(BODY)


def django_view(request):
    return HttpResponse(BODY, content_type="application/json")


class DrfView(APIView):
    authentication_classes = ()
    permission_classes = ()

    def get(self, request):
        return Response(DATA)


class TokenView(APIView):
    """The project's default authentication and permission classes."""

    def get(self, request):
        return Response(DATA)


class WriteInput(serializers.Serializer):
    note = serializers.CharField(max_length=200)
    start_at = serializers.DateTimeField()
    end_at = serializers.DateTimeField()


class WriteView(APIView):
    def post(self, request):
        data = WriteInput(data=request.data)
        data.is_valid(raise_exception=True)
        with transaction.atomic():
            ApiToken.objects.filter(pk=request.auth.pk).update(last_used_at=timezone.now())
        return Response(DATA, status=status.HTTP_201_CREATED)


urlpatterns = [
    path("api/v1/framework/django", django_view),
    path("api/v1/framework/drf", DrfView.as_view()),
    path("api/v1/framework/token", TokenView.as_view()),
    path("api/v1/framework/write", WriteView.as_view()),
]
