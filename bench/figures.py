"""Latency and throughput figures from timed samples."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any


def percentile(samples: list[float], pct: float) -> float:
    """Nearest-rank percentile: the smallest sample with at least pct% of samples at or below it."""
    ordered = sorted(samples)
    rank = max(1, -(-len(ordered) * pct // 100))  # ceiling, in integers
    return ordered[int(rank) - 1]


@dataclass
class Latency:
    name: str
    requests: int
    median_ms: float
    p95_ms: float
    max_ms: float
    queries: int | None = None
    sql_ms: float | None = None  # time in the database during one (separate) request
    errors: int = 0
    notes: str = ""

    @classmethod
    def of(cls, name: str, seconds: list[float], **extra: Any) -> Latency:
        """The figures of the timings; extra gives the other fields (queries, sql_ms, errors, notes)."""
        ms = [s * 1000 for s in seconds]
        return cls(
            name=name,
            requests=len(ms),
            median_ms=round(statistics.median(ms), 1),
            p95_ms=round(percentile(ms, 95), 1),
            max_ms=round(max(ms), 1),
            **extra,
        )


@dataclass
class Throughput:
    name: str
    seconds: float
    requests: int
    errors: int
    requests_per_second: float
    median_ms: float
    p95_ms: float
    clients: int
    workers: int
    client_cpu_percent: float  # of one core, used by this process's client threads
    notes: str = ""
    status_counts: dict[str, int] = field(default_factory=dict)
