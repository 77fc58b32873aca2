"""The machine a run measured on, and the tables printed at the end."""

from __future__ import annotations

import os
import platform
import re
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench.data import OTHER_PROGRAM_NAME, PROGRAM_NAME
from bench.figures import Latency, Throughput
from bench.throughput import GUNICORN_LOG


def machine() -> dict:
    import django
    from django.db import connection

    def first_match(path: str, pattern: str) -> str:
        file = Path(path)
        found = re.search(pattern, file.read_text()) if file.exists() else None
        return found.group(1).strip() if found else ""

    memory_kb = int(first_match("/proc/meminfo", r"MemTotal:\s+(\d+)") or 0)
    settings = {}
    with connection.cursor() as cursor:
        for name in ("server_version", "shared_buffers", "work_mem", "synchronous_commit"):
            cursor.execute(f"SHOW {name}")
            settings[name] = cursor.fetchone()[0]
    return {
        "cpus": os.cpu_count(),
        "memory_gb": round(memory_kb / 1024 / 1024, 1),
        "cpu": first_match("/proc/cpuinfo", r"model name\s*:\s*(.+)") or platform.processor(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgresql": settings,
    }


def print_table(title: str, headers: list[str], rows: list[list]) -> None:
    widths = [max(len(str(h)), *(len(str(row[i])) for row in rows)) for i, h in enumerate(headers)]
    print(f"\n{title}")
    for cells in [headers, ["-" * w for w in widths], *rows]:
        print("  ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip())


def report(result: dict) -> None:
    shape, other = result["data"], result["other_program"]
    print(
        f"\n{PROGRAM_NAME}: {shape['referrals']:,} referrals received {shape['received_from']} to "
        f"{shape['received_to']}, {shape['open']:,} open ({shape['overdue']:,} overdue), "
        f"{shape['participants']:,} participants, {shape['supervisors']} supervisors, "
        f"{shape['peers']} peers, {shape['agencies']} agencies."
    )
    print(f"{OTHER_PROGRAM_NAME}: {other['referrals']:,} referrals, {other['open']:,} open.")
    load = result["load_average"]
    busy = load["before"] > 1.5  # "after" includes the throughput run's own load
    print(
        f"Load average {load['before']} before and {load['after']} after measuring, on "
        f"{result['machine']['cpus']} CPUs" + (" (busy: other work competed for the CPUs)." if busy else ".")
    )
    headers = ["", "n", "median ms", "p95 ms", "max ms", "queries", "SQL ms", "errors"]
    for title, key in (("Queue pages (in-process, warm)", "queue"), ("Intake API (in-process)", "intake")):
        print_table(
            title,
            headers,
            [[r.name, r.requests, r.median_ms, r.p95_ms, r.max_ms, r.queries, r.sql_ms, r.errors] for r in result[key]],
        )
    print_table(
        "Throughput over HTTP (gunicorn on 127.0.0.1)",
        [
            "",
            "rate limit counted in",
            "workers",
            "clients",
            "s",
            "requests",
            "req/s",
            "median ms",
            "p95 ms",
            "errors",
            "client CPU %",
        ],
        [
            [
                t.name,
                t.notes,
                t.workers,
                t.clients,
                t.seconds,
                t.requests,
                t.requests_per_second,
                t.median_ms,
                t.p95_ms,
                t.errors,
                t.client_cpu_percent,
            ]
            for t in result["throughput"]
        ],
    )
    failed = sum(t.errors for t in result["throughput"])
    if failed:
        print(f"\n{failed} HTTP requests failed; the server's errors are in {GUNICORN_LOG}.")


def load_average() -> float:
    return round(os.getloadavg()[0], 2)


def to_json(value: object) -> dict[str, Any]:
    if isinstance(value, Latency | Throughput):
        return asdict(value)
    raise TypeError(type(value))
