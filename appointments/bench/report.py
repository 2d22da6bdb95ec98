"""The bench's report: the machine, then each figure beside its floor, the ratio, the target
and PASS/FAIL (Markdown tables, so the README can quote them as printed)."""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass
from importlib import metadata

import django


@dataclass
class Target:
    """``ratio <= limit`` (or ``>=`` when ``at_least``); with ``floor=None``, or when
    ``absolute`` (a target in milliseconds for a figure still printed beside its floor),
    the measured value itself is compared; ``max_queries`` adds a query budget."""

    limit: float
    at_least: bool = False
    max_queries: int | None = None
    text: str = ""
    absolute: bool = False

    def met(self, value: float, floor: float | None, queries: list[int] | None) -> bool:
        measured = value / floor if floor and not self.absolute else value
        ok = measured >= self.limit if self.at_least else measured <= self.limit
        if self.max_queries is not None:
            ok = ok and queries is not None and max(queries) <= self.max_queries
        return ok


@dataclass
class Row:
    label: str
    value: float  # seconds (latency) or requests/s (throughput)
    p90: float | None = None
    floor: float | None = None
    floor_label: str = ""
    target: Target | None = None
    queries: list[int] | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        return self.value / self.floor if self.floor else None

    @property
    def result(self) -> str:
        if self.target is None:
            return ""
        return "PASS" if self.target.met(self.value, self.floor, self.queries) else "FAIL"


def ms(seconds: float | None) -> str:
    if seconds is None:
        return ""
    milliseconds = seconds * 1000
    if seconds >= 100:
        return f"{seconds:,.0f} s"
    if milliseconds >= 10_000:
        return f"{seconds:.1f} s"
    return f"{milliseconds:.1f} ms" if milliseconds < 100 else f"{milliseconds:.0f} ms"


def rate(per_second: float | None) -> str:
    return "" if per_second is None else f"{per_second:,.0f}/s"


def query_range(queries: list[int] | None) -> str:
    if not queries:
        return ""
    low, high = min(queries), max(queries)
    return f"{low:,}" if low == high else f"{low:,}–{high:,}"


def latency_queries(row: Row) -> str:
    text = query_range(row.queries)
    return f"{text} ({row.note})" if row.note and text else text or row.note


def ratio(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:.2f}×" if value >= 0.1 else f"{value:.2g}×"


def share(value: float | None) -> str:
    """A throughput ratio as a share of the floor's."""
    if value is None:
        return ""
    return f"{value:.0%}" if value >= 0.1 else f"{value * 100:.2g}%"


def latency_table(rows: list[Row]) -> list[str]:
    lines = [
        "| request | median | p90 | floor | × floor | target | result | queries |",
        "|---|---:|---:|---|---:|---|---|---:|",
    ]
    for row in rows:
        floor = f"{row.floor_label} {ms(row.floor)}".strip() if row.floor else row.floor_label
        lines.append(
            f"| {row.label} | {ms(row.value)} | {ms(row.p90)} | {floor} | {ratio(row.ratio)} "
            f"| {row.target.text if row.target else ''} | {row.result} "
            f"| {latency_queries(row)} |"
        )
    return lines


def throughput_table(rows: list[Row]) -> list[str]:
    lines = [
        "| request | throughput | floor | of the floor | target | result |",
        "|---|---:|---:|---:|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row.label} | {rate(row.value)} | {rate(row.floor)} | {share(row.ratio)} "
            f"| {row.target.text if row.target else ''} | {row.result} |"
        )
    return lines


def load_average() -> str:
    try:
        return " / ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def memory() -> str:
    try:
        with open("/proc/meminfo") as meminfo:
            kib = int(next(line for line in meminfo if line.startswith("MemTotal")).split()[1])
        return f"{kib / 1024 / 1024:.0f} GB RAM"
    except (OSError, StopIteration, ValueError):
        return "RAM unknown"


def machine(server_version: str, where: str) -> str:
    try:
        gunicorn = metadata.version("gunicorn")
    except metadata.PackageNotFoundError:
        gunicorn = "?"
    return (
        f"{os.cpu_count()} cores ({cpu_model()}), {memory()}, {platform.system()} "
        f"{platform.machine()}; PostgreSQL {server_version} ({where}); "
        f"Python {platform.python_version()}, Django {django.get_version()}, gunicorn {gunicorn}"
    )
