"""The framework's floors over HTTP: Django, DRF and the bearer token's check, each
answering the floor app's body (``config.bench_framework``), timed as the project is.

The issue's targets are ratios to the floor app (no framework at all); these rows show
how much of each figure the required stack takes before the project reads or renders
anything, measured in the same run, beside the same HTTP floor. They have no targets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.test import override_settings

from appointments.bench import client
from appointments.bench.client import Call, Latency, Throughput
from appointments.bench.data import InProcess
from appointments.bench.report import Row
from appointments.bench.servers import HOST, Gunicorn

SETTINGS = "config.bench_settings"
URLCONF = "config.bench_framework"
PREFIX = "/api/v1/framework/"


@dataclass(frozen=True)
class Rung:
    name: str
    label: str
    call: Call


RUNGS = (
    Rung(
        "django",
        "Django: a view answering the floor's body (the project's middleware, URL resolution)",
        Call("GET", "django"),
    ),
    Rung(
        "drf",
        "DRF: an `APIView` answering it without authentication (its request, content "
        "negotiation, the project's renderer)",
        Call("GET", "drf"),
    ),
    Rung(
        "token",
        "DRF with the bearer token's check (the project's authentication and permission)",
        Call("GET", "token"),
    ),
    Rung(
        "write",
        "the same, `POST`: a three-field JSON body validated, one `UPDATE` committed",
        Call(
            "POST",
            "write",
            {"note": "bench", "start_at": "2026-01-05T14:00:00Z", "end_at": "2026-01-05T14:30Z"},
            expect=201,
        ),
    ),
)


def server(env: dict[str, str], log: Path, cwd: Path) -> Gunicorn:
    """The project's WSGI application under ``config.bench_settings``."""
    return Gunicorn(
        "config.wsgi:application",
        env={**env, "DJANGO_SETTINGS_MODULE": SETTINGS},
        log=log,
        cwd=cwd,
    )


def target(port: int, token: str) -> client.Target:
    return client.Target(HOST, port, prefix=PREFIX, headers=(("Authorization", f"Bearer {token}"),))


def query_counts(token: str, runs: int) -> dict[str, list[int]]:
    """Each floor's queries in-process (DRF's test client), after one untimed call."""
    calls = InProcess(token, PREFIX)
    with override_settings(ROOT_URLCONF=URLCONF):
        return {
            rung.name: calls.query_counts(lambda run, call=rung.call: call, runs) for rung in RUNGS
        }


@dataclass
class Figures:
    latency: dict[str, Latency]
    throughput: dict[str, Throughput]
    queries: dict[str, list[int]]


def measure(
    framework: client.Target,
    lat: Callable[..., Latency],
    tput: Callable[..., Throughput],
    *,
    connections: int,
    queries: dict[str, list[int]],
) -> Figures:
    """Each rung's latency (``lat``) and throughput (``tput``), as the runner times the
    project's requests."""
    for rung in RUNGS:
        client.warm(framework, lambda run, call=rung.call: call, connections=connections)
    latency = {
        rung.name: lat(framework, lambda run, call=rung.call: call, f"framework: {rung.name}")
        for rung in RUNGS
    }
    throughput = {
        rung.name: tput(framework, lambda run, call=rung.call: call, f"framework: {rung.name}")
        for rung in RUNGS
    }
    return Figures(latency, throughput, queries)


def latency_rows(figures: Figures, http_floor: float) -> list[Row]:
    return [
        Row(
            f"**framework**: {rung.label}",
            figures.latency[rung.name].median,
            figures.latency[rung.name].p90,
            http_floor,
            "HTTP floor",
            queries=figures.queries[rung.name],
        )
        for rung in RUNGS
    ]


def throughput_rows(figures: Figures, floor_rate: float) -> list[Row]:
    return [
        Row(
            f"**framework**: {rung.label}",
            figures.throughput[rung.name].per_second,
            floor=floor_rate,
        )
        for rung in RUNGS
    ]
