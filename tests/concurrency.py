"""Run one request body in several real threads at once, each with its own connection."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from django.db import connection

from tests.openapi import openapi_spec

T = TypeVar("T")


def run_concurrently(count: int, work: Callable[[int], T]) -> list[T]:
    """Start ``work(0) … work(count - 1)`` together (a barrier releases them at once).

    Each thread gets Django's per-thread database connection and closes it afterwards.
    Results come back in index order; an exception in a thread fails the caller.
    The OpenAPI schema the test client checks responses against is built first: built
    lazily by two threads at once, drf-spectacular's extension loading is not thread-safe.
    """
    openapi_spec()
    barrier = threading.Barrier(count)
    results: list = [None] * count
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = work(index)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results
