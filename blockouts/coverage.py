"""What new blockouts cover, as told by the apps above this one.

Creating a no-schedule blockout over booked appointments is allowed, but the front desk
should hear about it. The blockouts app cannot import appointments (dependencies point
the other way), so it asks whoever registered here: the appointments app registers a
reporter in its ``AppConfig.ready()`` that names the live appointments a batch of new
blockouts lands on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from blockouts.models import Blockout

#: Given blockouts just created (type and operatory loaded), warnings for the response.
CoverageReporter = Callable[[Sequence[Blockout]], list[str]]

_reporters: list[CoverageReporter] = []


def register_coverage_reporter(reporter: CoverageReporter) -> None:
    if reporter not in _reporters:
        _reporters.append(reporter)


def coverage_warnings(blockouts: Sequence[Blockout]) -> list[str]:
    """Every registered reporter's warnings about ``blockouts``, in registration order."""
    if not blockouts:
        return []
    return [warning for reporter in _reporters for warning in reporter(blockouts)]
