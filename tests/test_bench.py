"""The pieces of ``make bench``: the floor app, the measuring client against it under a real
gunicorn, and the PASS/FAIL arithmetic. No test asserts a time."""

from __future__ import annotations

import json
import os
from pathlib import Path

import psutil
import pytest

from appointments.bench import client
from appointments.bench.report import Row, Target, latency_table, throughput_table
from appointments.bench.servers import Gunicorn
from config import bench_floor


def call_wsgi(app, path="/"):
    seen = {}

    def start_response(status, headers):
        seen["status"], seen["headers"] = status, dict(headers)

    body = b"".join(app({"REQUEST_METHOD": "GET", "PATH_INFO": path}, start_response))
    return seen["status"], seen["headers"], body


def test_floor_app_answers_json():
    status, headers, body = call_wsgi(bench_floor.application, "/api/v1/anything")
    assert status == "200 OK"
    assert headers["Content-Type"] == "application/json"
    assert int(headers["Content-Length"]) == len(body)
    assert json.loads(body)["status"] == "scheduled"


@pytest.mark.parametrize("size", [0, 1500, 4000])
def test_floor_body_has_the_size_asked_for(size):
    body = bench_floor.body(size)
    assert json.loads(body)["id"]
    assert len(body) == max(size, len(bench_floor.body(0)))


def test_client_against_the_floor_app_under_gunicorn(tmp_path):
    call = client.Call("GET", "/")
    with Gunicorn(
        "config.bench_floor:application",
        env={**os.environ, "BENCH_FLOOR_BYTES": "800"},
        log=tmp_path / "gunicorn.log",
        cwd=Path(bench_floor.__file__).resolve().parents[1],
    ) as server:
        master = psutil.Process(server.process.pid)
        workers = master.children(recursive=True)
        target = client.Target("127.0.0.1", server.port)
        latency = client.latency(target, lambda run: call, 20)
        assert len(latency.times) == 20
        assert latency.median <= latency.p90
        done = client.throughput(target, lambda run: call, connections=3, duration=0.5)
        assert done.requests > 0 and done.per_second > 0
        capped = client.throughput(
            target, lambda run: call, connections=2, duration=60, max_requests=10
        )
        assert capped.requests == 10
        with pytest.raises(client.BenchError, match="status 200, not 201"):
            client.latency(target, lambda run: client.Call("GET", "/", expect=201), 1, warmup=0)
    assert not master.is_running()
    assert not any(worker.is_running() for worker in workers)


def test_targets_pass_and_fail():
    detail = Row("detail", 0.030, floor=0.010, target=Target(3, text="≤ 3×"))
    assert detail.result == "PASS"
    assert Row("detail", 0.031, floor=0.010, target=Target(3)).result == "FAIL"
    create = Target(3, max_queries=10)
    assert Row("create", 0.02, floor=0.01, target=create, queries=[10]).result == "PASS"
    assert Row("create", 0.02, floor=0.01, target=create, queries=[9, 11]).result == "FAIL"
    rate = Target(0.25, at_least=True, text="≥ 25%")
    assert Row("detail", 250, floor=1000, target=rate).result == "PASS"
    assert Row("detail", 249, floor=1000, target=rate).result == "FAIL"
    assert Row("bulk", 1.2, target=Target(1.0)).result == "FAIL"
    assert "| 3.00× | ≤ 3× | PASS |" in "\n".join(latency_table([detail]))
    assert "| 25% | ≥ 25% | PASS |" in "\n".join(
        throughput_table([Row("d", 250, floor=1000, target=rate)])
    )
