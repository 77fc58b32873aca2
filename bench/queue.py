"""The queue pages, measured in-process, with the queries each page makes and their plans."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from bench.data import BenchCast
from bench.figures import Latency

if TYPE_CHECKING:
    from django.test import Client

    from port.accounts.models import Membership


def logged_in_client(membership_id: int) -> Client:
    from django.test import Client

    from port.accounts.models import Membership

    client = Client()
    client.force_login(Membership.objects.select_related("user").get(pk=membership_id).user)
    return client


def membership(membership_id: int) -> Membership:
    from port.accounts.models import Membership

    return Membership.objects.select_related("program", "user").get(pk=membership_id)


def last_page(membership_id: int) -> int:
    """The supervisor's queue's last page: the deepest OFFSET the page ever runs."""
    from port.referrals.selectors import referral_queue
    from port.referrals.views.queue import PAGE_SIZE

    return max(1, -(-referral_queue(viewer=membership(membership_id)).count() // PAGE_SIZE))


def time_get(client: Client, url: str, *, requests: int, warmup: int) -> tuple[list[float], int]:
    timings: list[float] = []
    errors = 0
    for i in range(warmup + requests):
        started = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - started
        errors += response.status_code != 200
        if i >= warmup:
            timings.append(elapsed)
    return timings, errors


@dataclass
class QueryLog:
    """The queries of one request, timed to the microsecond (Django's own log rounds to ms)."""

    timings: list[tuple[float, str]] = field(default_factory=list)
    count: int = 0  # as CaptureQueriesContext counts (and the tests' query budgets): with COMMITs

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.timings.append((time.perf_counter() - started, sql))

    @property
    def summary(self) -> dict:
        return {"queries": self.count, "sql_ms": round(sum(seconds for seconds, _ in self.timings) * 1000, 1)}

    @property
    def slowest(self) -> dict:
        seconds, sql = max(self.timings, default=(0.0, ""))
        return {"ms": round(seconds * 1000, 1), "sql": sql[:3000]}


def logged_queries(send: Callable[[], object]) -> QueryLog:
    """Run one request and log its queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    log = QueryLog()
    with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(log):
        send()
    log.count = len(captured.captured_queries)
    return log


def queue_plans(cast: BenchCast, deep_page: int) -> dict[str, str]:
    """EXPLAIN ANALYZE of the queue's page query: what to read when a page is slow."""
    from django.utils import timezone

    from port.referrals.selectors import QueueFilters, referral_queue
    from port.referrals.views.queue import PAGE_SIZE

    supervisor, peer = membership(cast.supervisor_id), membership(cast.peer_id)
    now = timezone.now()
    offset = (deep_page - 1) * PAGE_SIZE
    pages = {
        "queue, first page": referral_queue(viewer=supervisor, now=now)[:PAGE_SIZE],
        "queue, overdue only": referral_queue(viewer=supervisor, now=now, filters=QueueFilters(overdue_only=True))[
            :PAGE_SIZE
        ],
        "queue, last page": referral_queue(viewer=supervisor, now=now)[offset : offset + PAGE_SIZE],
        "my queue": referral_queue(viewer=peer, mine=True, now=now)[:PAGE_SIZE],
    }
    return {name: page.explain(analyze=True, buffers=True) for name, page in pages.items()}


def measure_queue(cast: BenchCast, *, requests: int, warmup: int) -> tuple[list[Latency], dict]:
    from django.urls import reverse

    supervisor = logged_in_client(cast.supervisor_id)
    peer = logged_in_client(cast.peer_id)
    neighbour = logged_in_client(cast.other_supervisor_id)
    queue_url, my_queue_url = reverse("referrals:queue"), reverse("referrals:my_queue")
    answer = supervisor.get(queue_url).status_code
    if answer != 200:
        raise SystemExit(f"The queue page answered {answer} to the bench's supervisor.")
    deep_page = last_page(cast.supervisor_id)
    scenarios = [
        ("queue, first page (supervisor)", supervisor, queue_url),
        ("queue, overdue only", supervisor, f"{queue_url}?overdue=on"),
        (f"queue, last page ({deep_page})", supervisor, f"{queue_url}?page={deep_page}"),
        ("my queue (busiest peer)", peer, my_queue_url),
        ("queue, neighbour program", neighbour, queue_url),
    ]
    results: list[Latency] = []
    details: dict[str, object] = {}
    for name, client, url in scenarios:
        timings, errors = time_get(client, url, requests=requests, warmup=warmup)
        log = logged_queries(partial(client.get, url))
        details[name] = {"slowest_query": log.slowest}
        results.append(Latency.of(name, timings, **log.summary, errors=errors, notes=url))
    details["plans"] = queue_plans(cast, deep_page)
    return results, details
