"""The measuring client: HTTP/1.1 with keep-alive (``http.client``), threads for concurrency.

* ``latency``: ``n`` requests one after another on one kept-alive connection; each is
  timed from sending the request to having read the whole response body.
* ``throughput``: ``connections`` threads, each with its own kept-alive connection, send
  requests back to back for ``duration`` seconds; requests/s = completed requests over
  the wall time from the start to the last response.

Every response's status is checked (and its body, when the call says how): a benchmark
that times error pages measures nothing. The client is Python, so it shares the machine's
cores (and its own GIL) with the server it measures: the floor app is measured by the
same client, which is why figures are read as ratios to it.
"""

from __future__ import annotations

import contextlib
import http.client
import itertools
import json
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

#: A connection idle this long is replaced before the next request, so a request never
#: meets a connection the server has just closed (gunicorn's keep-alive is longer).
IDLE_RECONNECT = 2.0


class BenchError(Exception):
    pass


@dataclass(frozen=True)
class Call:
    """One request: ``path`` from the target's prefix, query string included."""

    method: str
    path: str
    body: Any = None  # sent as JSON
    expect: int = 200
    #: Looks at the parsed JSON response; returns a problem, or None when it is right.
    check: Callable[[Any], str | None] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Target:
    host: str
    port: int
    prefix: str = ""  # e.g. "/api/v1/<org>/"
    headers: tuple[tuple[str, str], ...] = ()


class Connection:
    """One kept-alive HTTP/1.1 connection to ``target``."""

    def __init__(self, target: Target, timeout: float = 120.0):
        self.target = target
        self.timeout = timeout
        self.conn: http.client.HTTPConnection | None = None
        self.last_used = 0.0
        self.connects = 0

    def _connection(self) -> http.client.HTTPConnection:
        if self.conn is not None and time.monotonic() - self.last_used > IDLE_RECONNECT:
            self.close()
        if self.conn is None:
            self.conn = http.client.HTTPConnection(
                self.target.host, self.target.port, timeout=self.timeout
            )
            self.conn.connect()
            self.connects += 1
        return self.conn

    def send(self, call: Call) -> tuple[int, bytes]:
        body = None if call.body is None else json.dumps(call.body).encode()
        headers = dict(self.target.headers)
        if body is not None:
            headers["Content-Type"] = "application/json"
        conn = self._connection()
        try:
            conn.request(call.method, self.target.prefix + call.path, body, headers)
            response = conn.getresponse()
            data = response.read()
        except (http.client.HTTPException, OSError):
            self.close()
            raise
        self.last_used = time.monotonic()
        if response.will_close:
            self.close()
        return response.status, data

    def checked(self, call: Call) -> bytes:
        status, data = self.send(call)
        problem = None
        if status != call.expect:
            problem = f"status {status}, not {call.expect}"
        elif call.check is not None:
            problem = call.check(json.loads(data))
        if problem:
            raise BenchError(f"{call.method} {call.path[:120]}: {problem}: {data[:300]!r}")
        return data

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


@dataclass
class Latency:
    times: list[float]  # seconds

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def p90(self) -> float:
        ordered = sorted(self.times)
        return ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]


@dataclass
class Throughput:
    requests: int
    seconds: float
    connections: int

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def latency(target: Target, make: Callable[[int], Call], n: int, *, warmup: int = 2) -> Latency:
    """``n`` sequential requests ``make(0)`` … ``make(n - 1)`` on one connection (after
    ``warmup`` untimed ones, ``make(-1)``, ``make(-2)`` …)."""
    connection = Connection(target)
    try:
        for run in range(1, warmup + 1):
            connection.checked(make(-run))
        times = []
        for run in range(n):
            call = make(run)
            started = time.perf_counter()
            connection.checked(call)
            times.append(time.perf_counter() - started)
        return Latency(times)
    finally:
        connection.close()


def throughput(
    target: Target,
    make: Callable[[int], Call],
    *,
    connections: int,
    duration: float,
    max_requests: int | None = None,
) -> Throughput:
    """Requests ``make(0)``, ``make(1)`` … from ``connections`` threads for ``duration``
    seconds (or until ``max_requests``); each thread opens its connection first and sends
    one untimed request on it, then all start together."""
    numbers = itertools.count()  # next() on it is atomic under the GIL
    done = [0] * connections
    errors: list[BaseException] = []
    ready = threading.Barrier(connections + 1)
    finished: list[float] = []

    def work(slot: int) -> None:
        connection = Connection(target)
        try:
            try:
                connection.checked(make(-1 - slot))
            finally:
                ready.wait()
            while not errors and time.perf_counter() < deadline[0]:
                number = next(numbers)
                if max_requests is not None and number >= max_requests:
                    break
                connection.checked(make(number))
                done[slot] += 1
        except threading.BrokenBarrierError:
            pass
        except BaseException as exc:  # reported by the caller
            errors.append(exc)
        finally:
            finished.append(time.perf_counter())
            connection.close()

    deadline = [time.perf_counter() + 3600]  # set for real once every thread is ready
    threads = [
        threading.Thread(target=work, args=(slot,), daemon=True) for slot in range(connections)
    ]
    for thread in threads:
        thread.start()
    with contextlib.suppress(threading.BrokenBarrierError):
        ready.wait(timeout=300)
    started = time.perf_counter()
    deadline[0] = started + duration
    for thread in threads:
        thread.join()
    if errors:
        raise BenchError(f"{len(errors)} of {connections} connections failed: {errors[0]}")
    return Throughput(sum(done), max(finished) - started, connections)


def warm(target: Target, make: Callable[[int], Call], *, connections: int, each: int = 3) -> None:
    """A few untimed requests on ``connections`` connections at once, so that every
    worker has served this kind of request before it is timed."""
    throughput(target, make, connections=connections, duration=60, max_requests=connections * each)
