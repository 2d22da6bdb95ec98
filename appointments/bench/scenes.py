"""Scenes the apps above appointments add to ``make bench`` (recalls, the waitlist).

The bench lives in the appointments app, which cannot import the apps built on it. So
an app that wants its figures in the report writes a ``bench`` module (``recalls/bench.py``)
that calls ``register_scene`` when imported; the runner imports every installed app's
``bench`` module (Django's ``autodiscover_modules``, as the admin finds ``admin``
modules) and runs each registered scene beside its own:

1. ``ensure()`` loads the scene's data in the bench org (once; later runs reuse it);
2. ``timed()`` names the requests to time over HTTP (their queries are counted
   in-process too, before the servers start);
3. ``floors(time_statement)`` times the raw reads the figures are compared with
   (``Run.time_statement``: psycopg, prepared);
4. ``after_http(env)`` times what is not a request (a management command), with the
   project's production environment, after the servers have stopped;
5. ``rows(figures)`` gives the report's rows; ``cleanup()`` removes what the timed
   requests wrote (also when the run fails).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from appointments.bench.client import Call, Latency
from appointments.bench.loading import copy_rows
from appointments.bench.report import Row
from scheduling.models import Organization, Patient

Say = Callable[[str], None]
#: ``time_statement(sql, params, rows, binary=False)``: see ``Run.time_statement``.
TimeStatement = Callable[..., Latency]
#: External-id prefix of everything the apps' scenes make (locations, chairs, providers):
#: the bench's practice leaves them out, as it leaves out its own scenes'.
APP_SCENES = "bench-scene-"
#: ... and of the patients a scene loads for itself, so that the practice's requests
#: keep drawing from the same patients.
SCENE_PATIENTS = f"{APP_SCENES}pat-"


@dataclass(frozen=True)
class Timed:
    """A request a scene times: ``make(run)`` → the call (each run may be a new one)."""

    name: str
    label: str
    make: Callable[[int], Call]
    #: Writes that use up what they act on are neither warmed up nor sent twice.
    repeatable: bool = True


@dataclass(frozen=True)
class Figures:
    """What the report rows of a scene are made of."""

    latency: dict[str, Latency]
    queries: dict[str, list[int]]
    http_floor: float  # the bare WSGI app's median
    detail: float  # the appointment detail's median


class Scene(Protocol):
    def ensure(self) -> None: ...

    def timed(self) -> Sequence[Timed]: ...

    def floors(self, time_statement: TimeStatement) -> None: ...

    def after_http(self, env: dict[str, str]) -> None: ...

    def rows(self, figures: Figures) -> list[Row]: ...

    def cleanup(self) -> None: ...


#: ``factory(org, say, repeat=...)`` → a scene; ``repeat`` is the number of timed runs
#: of each request, so that a scene whose writes use up rows prepares enough of them.
SceneFactory = Callable[..., Scene]

_factories: list[SceneFactory] = []


def register_scene(factory: SceneFactory) -> None:
    if factory not in _factories:
        _factories.append(factory)


def scenes(org: Organization, say: Say, *, repeat: int) -> list[Scene]:
    """One of each registered scene for the bench org."""
    autodiscover_modules("bench")
    return [factory(org, say, repeat=repeat) for factory in _factories]


def scene_patients(org: Organization, scene: str, count: int) -> list[Patient]:
    """The scene's ``count`` patients (made once, by COPY: scenes need tens of thousands),
    in order."""
    prefix = f"{SCENE_PATIENTS}{scene}"
    mine = Patient.objects.filter(org=org, external_id__startswith=prefix)
    have = mine.count()
    if have != count:
        mine.delete()
        now = timezone.now()
        copy_rows(
            Patient,
            (
                {
                    "org_id": org.pk,
                    "external_id": f"{prefix}{n:06d}",
                    "first_name": f"{scene.strip('-').title()}{n}",
                    "last_name": ("Nguyen", "Smith", "Garcia", "Kim", "Okafor")[n % 5],
                    "created_at": now,
                    "updated_at": now,
                }
                for n in range(count)
            ),
        )
    return list(mine.order_by("external_id"))
