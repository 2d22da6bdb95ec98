"""The floor of ``make bench``: a bare WSGI app answering every request with the same JSON.

Served by gunicorn with the project's settings, it measures what HTTP, gunicorn and the
measuring client cost on this machine before any Django, DRF or database work: the
project's figures are read as ratios to it. The body is shaped like an appointment and
``BENCH_FLOOR_BYTES`` long (the bench passes the size of a real appointment detail).
"""

from __future__ import annotations

import json
import os

DEFAULT_BYTES = 1500

SAMPLE = {
    "id": "3f0c6a4e-8a51-4c39-9a3b-1d2f0b7c5e11",
    "version": 1,
    "status": "scheduled",
    "location_id": "0b1e2f7c-62f4-4f0e-9d2c-5a7b8c9d0e1f",
    "operatory_id": "6c7d8e9f-0a1b-4c2d-8e3f-4a5b6c7d8e9f",
    "patient_id": "9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d",
    "appointment_type_id": "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
    "start_at": "2024-03-04T14:00:00Z",
    "end_at": "2024-03-04T14:30:00Z",
    "schedule_date": "2024-03-04",
    "start_time": "08:00:00",
    "end_time": "08:30:00",
    "providers": [{"id": "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e", "role": "primary"}],
    "procedures": [],
    "tags": [],
    "note": "",
    "created_at": "2024-02-19T14:00:00Z",
    "updated_at": "2024-02-19T14:00:00Z",
}


def body(size: int) -> bytes:
    """The sample appointment as JSON, its note padded so the whole is ``size`` bytes (or
    the bare sample, when that is longer)."""
    bare = json.dumps(SAMPLE, separators=(",", ":")).encode()
    padded = {**SAMPLE, "note": "x" * max(0, size - len(bare))}
    return json.dumps(padded, separators=(",", ":")).encode()


BODY = body(int(os.environ.get("BENCH_FLOOR_BYTES") or DEFAULT_BYTES))
HEADERS = [("Content-Type", "application/json"), ("Content-Length", str(len(BODY)))]


def application(environ, start_response):
    start_response("200 OK", HEADERS)
    return [BODY]
