"""Throughput over HTTP: gunicorn serving the bench database, hammered by concurrent clients."""

from __future__ import annotations

import concurrent.futures
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from bench import ROOT
from bench.database import bench_database_url
from bench.figures import Throughput, percentile
from bench.intake import ReferralBodies

if TYPE_CHECKING:
    import httpx

GUNICORN_LOG = ROOT / "var" / "bench-gunicorn.log"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def gunicorn_serving(*, workers: int, env: dict[str, str] | None = None) -> Iterator[str]:
    """gunicorn on a free local port with the bench database; yields its base URL, always stops it."""
    import httpx

    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "port.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--log-level",
        "warning",
    ]
    environment = {
        **os.environ,
        "DATABASE_URL": bench_database_url(),
        "DEBUG": "0",
        "DJANGO_SETTINGS_MODULE": "port.settings",
        **(env or {}),
    }
    with GUNICORN_LOG.open("ab") as log:
        server = subprocess.Popen(  # noqa: S603
            command,
            cwd=ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                raise SystemExit(f"gunicorn exited ({server.returncode}); see {GUNICORN_LOG}.")
            if time.monotonic() > deadline:
                raise SystemExit("gunicorn did not answer within 60 s.")
            try:
                httpx.get(f"{base_url}/accounts/login/", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.25)
        yield base_url
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


def hammer(
    name: str,
    *,
    base_url: str,
    token: str,
    send: Callable[[httpx.Client], httpx.Response],
    seconds: float,
    clients: int,
    workers: int,
    max_requests: int,
    notes: str = "",
) -> Throughput:
    """Send requests from `clients` threads for `seconds` (at most max_requests); count them."""
    import httpx

    lock = threading.Lock()
    issued = [0]

    def client_loop(deadline: float) -> tuple[list[float], dict[str, int]]:
        timings: list[float] = []
        statuses: dict[str, int] = {}
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=base_url, timeout=30, headers=headers) as http:
            while time.perf_counter() < deadline:
                with lock:
                    if issued[0] >= max_requests:
                        break
                    issued[0] += 1
                began = time.perf_counter()
                try:
                    status = str(send(http).status_code)
                except httpx.HTTPError as exc:
                    status = type(exc).__name__
                timings.append(time.perf_counter() - began)
                statuses[status] = statuses.get(status, 0) + 1
        return timings, statuses

    cpu_before, start = time.process_time(), time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(max_workers=clients) as pool:
        futures = [pool.submit(client_loop, start + seconds) for _ in range(clients)]
        outcomes = [future.result() for future in futures]
    elapsed = time.perf_counter() - start
    client_cpu = time.process_time() - cpu_before
    timings = [t * 1000 for outcome in outcomes for t in outcome[0]] or [0.0]
    statuses: dict[str, int] = {}
    for _, counts in outcomes:
        for status, n in counts.items():
            statuses[status] = statuses.get(status, 0) + n
    done = sum(statuses.values())
    ok = statuses.get("200", 0) + statuses.get("201", 0)
    return Throughput(
        name=name,
        seconds=round(elapsed, 1),
        requests=done,
        errors=done - ok,
        requests_per_second=round(ok / elapsed, 1),
        median_ms=round(statistics.median(timings), 1),
        p95_ms=round(percentile(timings, 95), 1),
        clients=clients,
        workers=workers,
        client_cpu_percent=round(100 * client_cpu / elapsed),
        notes=notes,
        status_counts=statuses,
    )


def redis_answers(url: str) -> bool:
    if not url:
        return False
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def measure_throughput(
    *,
    token: str,
    bodies: ReferralBodies,
    status_ids: list[str],
    seconds: float,
    status_seconds: float,
    clients: int,
    workers: int,
    redis_url: str,
) -> list[Throughput]:
    """POST and GET through gunicorn as configured by default (the per-token rate limit counted
    in the database cache), then shorter runs with it counted in Redis (as in production) and
    with it off: what the counting costs."""
    ids = iter(status_ids * 10_000)
    ids_lock = threading.Lock()

    def post_referral(http: httpx.Client) -> httpx.Response:
        return http.post("/api/v1/referrals", json=bodies.next())

    def get_status(http: httpx.Client) -> httpx.Response:
        with ids_lock:
            referral_id = next(ids)
        return http.get(f"/api/v1/referrals/{referral_id}")

    warm_ups = iter(range(10**9))

    def warm_up(http: httpx.Client) -> httpx.Response:
        # Both paths: the first POST in a worker also loads intake's matching and phone metadata.
        return post_referral(http) if next(warm_ups) % 2 else get_status(http)

    configurations: list[tuple[str, dict[str, str], float]] = [("database cache", {}, seconds)]
    if redis_answers(redis_url):
        configurations.append(("Redis cache", {"REDIS_URL": redis_url}, status_seconds))
    else:
        print(f"  No Redis at {redis_url or '(none given)'}: skipping the Redis runs.", flush=True)
    configurations.append(("rate limit off", {"API_RATE_PER_TOKEN": ""}, status_seconds))
    GUNICORN_LOG.write_bytes(b"")  # this run's server errors only
    results: list[Throughput] = []
    for configuration, env, post_seconds in configurations:
        with gunicorn_serving(workers=workers, env=env) as base_url:
            # Every worker imports the app and opens its database connection before the clock.
            hammer(
                "warm-up",
                base_url=base_url,
                token=token,
                send=warm_up,
                seconds=3,
                clients=clients,
                workers=workers,
                max_requests=300,
            )
            results.append(
                hammer(
                    "POST /api/v1/referrals",
                    base_url=base_url,
                    send=post_referral,
                    seconds=post_seconds,
                    max_requests=int(post_seconds * 500),
                    notes=configuration,
                    token=token,
                    clients=clients,
                    workers=workers,
                )
            )
            results.append(
                hammer(
                    "GET /api/v1/referrals/{id}",
                    base_url=base_url,
                    send=get_status,
                    seconds=status_seconds,
                    max_requests=int(status_seconds * 1000),
                    notes=configuration,
                    token=token,
                    clients=clients,
                    workers=workers,
                )
            )
    return results
