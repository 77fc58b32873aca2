"""`make bench`: load a large synthetic data set on PostgreSQL, then measure the queue pages and
the intake API: latency in-process (django.test.Client), throughput over HTTP through gunicorn.
Results go to stdout and var/bench-latest.json; docs/benchmarks.md records a run.

    .venv/bin/python -m port.bench [--referrals 100000] [--fresh]

It always uses its own database, `port_bench` on the local PostgreSQL (127.0.0.1:5432, user
postgres), never the test suite's. The first run builds the data with port.core.demo (a few
minutes); later runs reuse it.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import datetime as dt
import json
import logging
import os
import platform
import random
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

PG_SERVER = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
BENCH_DATABASE = "port_bench"
# The test suite owns these; the bench never creates, drops or writes to them.
FORBIDDEN_DATABASES = frozenset({"test", "test_test", "postgres", "template0", "template1"})
PROGRAM_NAME = "Bench PORT"
OTHER_PROGRAM_NAME = "Bench Neighbour PORT"
API_AGENCY_NAME = "Bench API sender"
EXTERNAL_ID_PREFIX = "bench-api-"
ROOT = Path(__file__).resolve().parent.parent
GUNICORN_LOG = ROOT / "var" / "bench-gunicorn.log"


# --- Figures -----------------------------------------------------------------------------------


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
    def of(cls, name: str, seconds: list[float], **extra) -> Latency:
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


# --- The database ------------------------------------------------------------------------------


def bench_database_url() -> str:
    return f"postgres://{PG_SERVER['user']}@{PG_SERVER['host']}:{PG_SERVER['port']}/{BENCH_DATABASE}"


def prepare_database(*, fresh: bool) -> bool:
    """Create (with fresh=True, re-create) the bench database. Returns True if it was created."""
    import psycopg
    from psycopg import sql

    if BENCH_DATABASE in FORBIDDEN_DATABASES:
        raise SystemExit(f"Refusing to use the database {BENCH_DATABASE}.")
    name = sql.Identifier(BENCH_DATABASE)
    with psycopg.connect(dbname="postgres", autocommit=True, **PG_SERVER) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DATABASE])
        exists = found.fetchone() is not None
        if exists and fresh:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(name))
            exists = False
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(name))
            return True
    return False


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", "--noinput", verbosity=0)
    call_command("createcachetable", verbosity=0)


def setup_django() -> None:
    """Point Django at the bench database, as in production (DEBUG off), and migrate it."""
    os.environ["DATABASE_URL"] = bench_database_url()
    os.environ["DEBUG"] = "0"
    # Far above what the bench sends, so nothing is refused, yet every API request still pays for
    # counting its token's use in the shared cache, as in production.
    os.environ["API_RATE_PER_TOKEN"] = "1000000/m"  # noqa: S105 (a rate, not a secret)
    # The default configuration (database cache); the throughput runs add Redis explicitly.
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "port.settings")
    import django
    from django.core.management import call_command

    django.setup()
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one INFO line per request otherwise
    migrate()
    # Pages render with the manifest static storage, as in production.
    call_command("collectstatic", "--noinput", verbosity=0)


def rebuild_database() -> None:
    """Drop and re-create the bench database under a running Django, then migrate it again."""
    from django.db import connections

    connections.close_all()
    prepare_database(fresh=True)
    migrate()


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


# --- The data ----------------------------------------------------------------------------------

# Beyond the demo cast (one supervisor, three peers, four agencies): a large program's team.
EXTRA_SUPERVISORS = 2
EXTRA_PEERS = 22
# The demo generator sends referrals from the first agency of each kind, so this second emergency
# department sends none of them: the bench's own API requests come from it, easy to tell apart.
EXTRA_AGENCIES = (
    (API_AGENCY_NAME, "emergency_department"),
    ("Bench County Police", "law_enforcement"),
    ("Bench St. Example Hospital ED", "emergency_department"),
    ("Bench Recovery Community Center", "recovery"),
    ("Bench Treatment Partners", "treatment"),
    ("Bench Faith Outreach", "faith"),
)


def program_with_team(*, name: str, slug: str, username_prefix: str, large: bool):
    """A program with the demo cast and, for the main program, 3 supervisors, 25 peers and 10
    agencies."""
    from port.accounts.models import Agency, Membership, User
    from port.accounts.roles import Role
    from port.administration.services import program_set_up
    from port.core.demo import demo_cast_create

    program = program_set_up(name=name, slug=slug, time_zone="America/New_York")
    demo_cast_create(program=program, username_prefix=username_prefix)
    if not large:
        return program
    Agency.objects.bulk_create(Agency(program=program, name=n, kind=k) for n, k in EXTRA_AGENCIES)
    extra = [("supervisor", Role.SUPERVISOR, n) for n in range(2, 2 + EXTRA_SUPERVISORS)]
    extra += [("peer", Role.PEER, n) for n in range(4, 4 + EXTRA_PEERS)]
    for kind, role, n in extra:
        # The bench signs in with force_login: no password, so no slow hashing either.
        user = User.objects.create_user(
            username=f"{username_prefix}-{kind}{n}", password=None, first_name=kind.title(), last_name=f"Bench-{n}"
        )
        Membership.objects.create(user=user, program=program, role=role)
    return program


def load_data(*, referrals: int, seed: int) -> float:
    """Build both bench programs with the shared synthetic generator; returns the seconds taken."""
    from port.core.demo import demo_referrals_create

    started = time.perf_counter()
    program = program_with_team(name=PROGRAM_NAME, slug="bench-port", username_prefix="bench", large=True)
    demo_referrals_create(program=program, count=referrals, seed=seed)
    print(f"  {PROGRAM_NAME}: {time.perf_counter() - started:.0f} s", flush=True)
    # A neighbouring program in the same tables: its rows must cost the first one nothing.
    other = program_with_team(name=OTHER_PROGRAM_NAME, slug="bench-neighbour", username_prefix="bench2", large=False)
    demo_referrals_create(program=other, count=max(1000, referrals // 5), seed=seed + 1)
    return time.perf_counter() - started


def program_named(name: str):
    from port.accounts.models import Program

    return Program.objects.filter(name=name).first()


@dataclass
class BenchCast:
    program_id: int
    other_program_id: int
    supervisor_id: int  # Membership ids from here on
    peer_id: int
    other_supervisor_id: int
    api_agency_id: int


def bench_cast() -> BenchCast:
    """Who the bench acts as: the first supervisor, the busiest peer, the API sending agency."""
    from django.db.models import Count, Q

    from port.accounts.models import Agency, Membership
    from port.accounts.roles import Role
    from port.referrals.models import OPEN_STATUSES

    program, other = program_named(PROGRAM_NAME), program_named(OTHER_PROGRAM_NAME)
    active = Membership.objects.filter(is_active=True).order_by("pk")
    open_assigned = Q(user__assigned_referrals__status__in=OPEN_STATUSES, user__assigned_referrals__program=program)
    peer = (
        active.filter(program=program, role=Role.PEER)
        .annotate(open_count=Count("user__assigned_referrals", filter=open_assigned))
        .order_by("-open_count", "pk")[0]
    )
    return BenchCast(
        program_id=program.pk,
        other_program_id=other.pk,
        supervisor_id=active.filter(program=program, role=Role.SUPERVISOR)[0].pk,
        peer_id=peer.pk,
        other_supervisor_id=active.filter(program=other, role=Role.SUPERVISOR)[0].pk,
        api_agency_id=Agency.objects.get(program=program, name=API_AGENCY_NAME).pk,
    )


def close_bench_referrals(cast: BenchCast) -> int:
    """Close what the intake measurements sent, so the queue keeps its shape from run to run.

    A direct update rather than the transition service: these are the bench's own rows.
    """
    from port.referrals.models import ClosingReason, Referral, Status

    sent = Referral.objects.filter(referring_agency_id=cast.api_agency_id, external_id__startswith=EXTERNAL_ID_PREFIX)
    return sent.exclude(status=Status.CLOSED).update(status=Status.CLOSED, closed_reason=ClosingReason.DUPLICATE)


def data_shape(program_id: int) -> dict:
    from django.db.models import Count, Max, Min
    from django.utils import timezone

    from port.accounts.models import Agency, Membership
    from port.accounts.roles import Role
    from port.participants.models import Participant
    from port.referrals.models import CLOCK_RUNNING_STATUSES, OPEN_STATUSES, Referral

    referrals = Referral.objects.filter(program_id=program_id)
    open_referrals = referrals.filter(status__in=OPEN_STATUSES)
    span = referrals.aggregate(first=Min("received_at"), last=Max("received_at"))
    roles = dict(
        Membership.objects.filter(program_id=program_id).values_list("role").annotate(n=Count("pk")).order_by()
    )
    return {
        "referrals": referrals.count(),
        "open": open_referrals.count(),
        "open_by_status": dict(open_referrals.values_list("status").annotate(n=Count("pk")).order_by()),
        "overdue": referrals.filter(status__in=CLOCK_RUNNING_STATUSES, contact_deadline__lt=timezone.now()).count(),
        "participants": Participant.objects.filter(program_id=program_id).count(),
        "agencies": Agency.objects.filter(program_id=program_id).count(),
        "supervisors": roles.get(Role.SUPERVISOR, 0),
        "peers": roles.get(Role.PEER, 0),
        "received_from": span["first"].date().isoformat() if span["first"] else None,
        "received_to": span["last"].date().isoformat() if span["last"] else None,
    }


# --- Queue pages, in-process -------------------------------------------------------------------


def logged_in_client(membership_id: int):
    from django.test import Client

    from port.accounts.models import Membership

    client = Client()
    client.force_login(Membership.objects.select_related("user").get(pk=membership_id).user)
    return client


def membership(membership_id: int):
    from port.accounts.models import Membership

    return Membership.objects.select_related("program", "user").get(pk=membership_id)


def last_page(membership_id: int) -> int:
    """The supervisor's queue's last page: the deepest OFFSET the page ever runs."""
    from port.referrals.selectors import referral_queue
    from port.referrals.views.queue import PAGE_SIZE

    return max(1, -(-referral_queue(viewer=membership(membership_id)).count() // PAGE_SIZE))


def time_get(client, url: str, *, requests: int, warmup: int) -> tuple[list[float], int]:
    timings, errors = [], 0
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

    def __call__(self, execute, sql, params, many, context):
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
    results, details = [], {}
    for name, client, url in scenarios:
        timings, errors = time_get(client, url, requests=requests, warmup=warmup)
        log = logged_queries(lambda client=client, url=url: client.get(url))
        details[name] = {"slowest_query": log.slowest}
        results.append(Latency.of(name, timings, **log.summary, errors=errors, notes=url))
    details["plans"] = queue_plans(cast, deep_page)
    return results, details


# --- The intake API ----------------------------------------------------------------------------

FIRST_NAMES = "Alex Jordan Taylor Morgan Casey Riley Jamie Avery Quinn Rowan Dakota Emerson".split()
LAST_NAMES = "Benchley Testwood Sampleton Mockford Fakeman Placeholt Synthe Fictor Pseudon".split()
SOURCES = ["emergency_department"] * 5 + ["211"] * 2 + ["ems", "fire", "law_enforcement", "family"]
ACUITIES = ["high", "high", "elevated", "standard"]
SUBSTANCES = [["fentanyl"], ["fentanyl", "xylazine"], ["heroin"], ["fentanyl", "cocaine"], []]


class ReferralBodies:
    """API bodies for new referrals: unique external ids; about one in five describes a person
    already on file, so intake's matching finds and links them."""

    def __init__(self, *, known: list[dict], seed: int, run: str, known_share: float = 0.2) -> None:
        self.known, self.known_share = known, known_share
        self.rng, self.run = random.Random(seed), run
        self.counter = 0
        self.lock = threading.Lock()  # the throughput run draws bodies from several threads

    def next(self) -> dict:
        with self.lock:
            self.counter += 1
            n, rng = self.counter, self.rng
            if self.known and rng.random() < self.known_share:
                person = dict(rng.choice(self.known))
            else:
                birth = dt.date(1960, 1, 1) + dt.timedelta(days=rng.randrange(45 * 365))
                person = {
                    "first_name": rng.choice(FIRST_NAMES),
                    "last_name": f"{rng.choice(LAST_NAMES)}-{n}",
                    "date_of_birth": birth.isoformat(),
                    "phone": f"412-555-{rng.randrange(10000):04d}",
                }
            source, acuity = rng.choice(SOURCES), rng.choice(ACUITIES)
            substances, doses = rng.choice(SUBSTANCES), rng.choice([0, 1, 2, 3])
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        return {
            "external_id": f"{EXTERNAL_ID_PREFIX}{self.run}-{n}",
            "source": source,
            "received_at": (now - dt.timedelta(minutes=5)).isoformat(),
            "acuity": acuity,
            "participant": person,
            "overdose": {
                "occurred_at": (now - dt.timedelta(hours=2)).isoformat(),
                "substances": substances,
                "naloxone_doses": doses,
                "naloxone_given_by": "ems" if doses else "",
                "transported": True,
            },
        }


def known_participants(program_id: int, *, limit: int = 200) -> list[dict]:
    """People already on file, as a sender would describe them (name, birth date, phone)."""
    from port.participants.models import Participant

    people = (
        Participant.objects.filter(program_id=program_id, merged_into=None)
        .exclude(first_name="")
        .exclude(last_name="")
        .exclude(date_of_birth=None)
        .prefetch_related("phones")
        .order_by("?")[:limit]
    )
    described = []
    for person in people:
        phones = list(person.phones.all())
        reach = {"phone": phones[0].number} if phones else {"location_notes": "Example St shelter"}
        described.append(
            {
                "first_name": person.first_name,
                "last_name": person.last_name,
                "date_of_birth": person.date_of_birth.isoformat(),
                **reach,
            }
        )
    return described


def issue_token(cast: BenchCast) -> str:
    from port.accounts.models import Agency
    from port.security.accounts import api_token_issue

    _, raw = api_token_issue(agency=Agency.objects.get(pk=cast.api_agency_id), name="make bench")
    return raw


def measure_intake(
    *, token: str, bodies: ReferralBodies, requests: int, warmup: int
) -> tuple[list[Latency], list[str]]:
    """New referrals, retries of them (idempotent), and status reads; returns the new ids too."""
    from django.test import Client

    client = Client(headers={"authorization": f"Bearer {token}"})
    url = "/api/v1/referrals"

    def post(body: dict):
        return client.post(url, body, content_type="application/json")

    def queries_of(send: Callable[[], object]) -> dict:
        """How many queries one more request runs, and their time in the database."""
        return logged_queries(send).summary

    sent, ids, timings, statuses = [], [], [], {}
    for i in range(warmup + requests):
        body = bodies.next()
        started = time.perf_counter()
        response = post(body)
        elapsed = time.perf_counter() - started
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        if response.status_code == 201:
            ids.append(str(response.json()["id"]))
        elif sum(n for code, n in statuses.items() if code != 201) <= 3:
            print(f"  intake answered {response.status_code}: {response.content[:300]!r}", file=sys.stderr)
        if i >= warmup:
            timings.append(elapsed)
            sent.append(body)
    if not ids:
        raise SystemExit("The intake API created no referral; see the answers above.")
    results = [
        Latency.of(
            "POST new referral",
            timings,
            **queries_of(lambda: post(bodies.next())),
            errors=requests + warmup - statuses.get(201, 0),
            notes=f"answers {statuses}; ~{bodies.known_share:.0%} describe a known participant",
        )
    ]

    timings, errors = [], 0
    for body in sent:
        started = time.perf_counter()
        errors += post(body).status_code != 200
        timings.append(time.perf_counter() - started)
    results.append(
        Latency.of(
            "POST retry, same external_id",
            timings,
            **queries_of(lambda: post(sent[0])),
            errors=errors,
            notes="idempotent: answers 200 with the referral made first",
        )
    )

    timings, errors = [], 0
    for referral_id in ids:
        started = time.perf_counter()
        errors += client.get(f"{url}/{referral_id}").status_code != 200
        timings.append(time.perf_counter() - started)
    results.append(
        Latency.of("GET referral status", timings, errors=errors, **queries_of(lambda: client.get(f"{url}/{ids[0]}")))
    )
    return results, ids


# --- Throughput through gunicorn ---------------------------------------------------------------


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
    send: Callable,
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
        timings, statuses = [], {}
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

    def post_referral(http):
        return http.post("/api/v1/referrals", json=bodies.next())

    def get_status(http):
        with ids_lock:
            referral_id = next(ids)
        return http.get(f"/api/v1/referrals/{referral_id}")

    warm_ups = iter(range(10**9))

    def warm_up(http):
        # Both paths: the first POST in a worker also loads intake's matching and phone metadata.
        return post_referral(http) if next(warm_ups) % 2 else get_status(http)

    configurations = [("database cache", {}, seconds)]
    if redis_answers(redis_url):
        configurations.append(("Redis cache", {"REDIS_URL": redis_url}, status_seconds))
    else:
        print(f"  No Redis at {redis_url or '(none given)'}: skipping the Redis runs.", flush=True)
    configurations.append(("rate limit off", {"API_RATE_PER_TOKEN": ""}, status_seconds))
    shared = {"token": token, "clients": clients, "workers": workers}
    GUNICORN_LOG.write_bytes(b"")  # this run's server errors only
    results = []
    for configuration, env, post_seconds in configurations:
        with gunicorn_serving(workers=workers, env=env) as base_url:
            # Every worker imports the app and opens its database connection before the clock.
            hammer("warm-up", base_url=base_url, send=warm_up, seconds=3, max_requests=300, **shared)
            results.append(
                hammer(
                    "POST /api/v1/referrals",
                    base_url=base_url,
                    send=post_referral,
                    seconds=post_seconds,
                    max_requests=int(post_seconds * 500),
                    notes=configuration,
                    **shared,
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
                    **shared,
                )
            )
    return results


# --- Report ------------------------------------------------------------------------------------


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


def to_json(value):
    if isinstance(value, Latency | Throughput):
        return asdict(value)
    raise TypeError(type(value))


# --- Main --------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m port.bench", description="Load synthetic data and measure PORT.")
    add = parser.add_argument
    add("--referrals", type=int, default=100_000, help="referrals in the main program")
    add("--fresh", action="store_true", help="drop the bench database and build it again")
    add("--seed", type=int, default=20261120, help="seed of the synthetic data")
    add("--requests", type=int, default=30, help="measured requests per queue page")
    add("--warmup", type=int, default=3, help="requests discarded before measuring")
    add("--intake-requests", type=int, default=200, help="measured new referrals, in-process")
    add("--seconds", type=float, default=20, help="length of the POST throughput run")
    add("--status-seconds", type=float, default=8, help="length of the shorter runs")
    add("--clients", type=int, default=8, help="concurrent HTTP clients")
    add("--workers", type=int, default=3, help="gunicorn workers")
    add(
        "--redis-url",
        default="redis://127.0.0.1:6379/15",
        help="Redis for the production-like runs (skipped if it does not answer; '' skips)",
    )
    add("--output", type=Path, default=ROOT / "var" / "bench-latest.json")
    return parser.parse_args(argv)


def ensure_data(*, referrals: int, seed: int) -> float | None:
    """Reuse the bench programs if they are big enough, else build them; seconds spent loading."""
    from port.referrals.models import Referral

    program, other = program_named(PROGRAM_NAME), program_named(OTHER_PROGRAM_NAME)
    have = Referral.objects.filter(program=program).count() if program else 0
    if have >= referrals and other:
        print(f"Reusing {have:,} referrals in {PROGRAM_NAME} (--fresh rebuilds).", flush=True)
        return None
    if program or other:
        # Fewer than asked for, or an interrupted load: start again from an empty database.
        print(f"{PROGRAM_NAME} has {have:,} referrals; rebuilding the database.", flush=True)
        rebuild_database()
    print(f"Loading {referrals:,} referrals (a few minutes; later runs reuse them)...", flush=True)
    seconds = round(load_data(referrals=referrals, seed=seed), 1)
    print(f"Loaded in {seconds} s.", flush=True)
    return seconds


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    began = time.perf_counter()
    created = prepare_database(fresh=args.fresh)
    print(
        f"{'Created' if created else 'Using'} the database {BENCH_DATABASE} on "
        f"{PG_SERVER['host']}:{PG_SERVER['port']}.",
        flush=True,
    )
    setup_django()
    load_seconds = ensure_data(referrals=args.referrals, seed=args.seed)
    cast = bench_cast()
    close_bench_referrals(cast)  # left open by an interrupted run
    analyze()

    load_before = load_average()
    print(f"Measuring the queue pages (load average {load_before})...", flush=True)
    queue, queue_details = measure_queue(cast, requests=args.requests, warmup=args.warmup)
    print("Measuring the intake API in-process...", flush=True)
    token = issue_token(cast)
    run = dt.datetime.now(dt.UTC).strftime("%Y%m%d%H%M%S")
    bodies = ReferralBodies(known=known_participants(cast.program_id), seed=args.seed, run=run)
    try:
        intake, ids = measure_intake(token=token, bodies=bodies, requests=args.intake_requests, warmup=args.warmup)
        print(f"Measuring throughput through gunicorn ({args.workers} workers, {args.clients} clients)...", flush=True)
        throughput = measure_throughput(
            token=token,
            bodies=bodies,
            status_ids=ids,
            seconds=args.seconds,
            status_seconds=args.status_seconds,
            clients=args.clients,
            workers=args.workers,
            redis_url=args.redis_url,
        )
    finally:
        closed = close_bench_referrals(cast)
    result = {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "command": " ".join(["python -m port.bench", *(argv if argv is not None else sys.argv[1:])]),
        "machine": machine(),
        "load_seconds": load_seconds,
        "data": data_shape(cast.program_id),
        "other_program": data_shape(cast.other_program_id),
        "queue": queue,
        "intake": intake,
        "throughput": throughput,
        "bench_referrals_closed_after_run": closed,
        # Other work on the machine skews every figure: recorded so a noisy run can be spotted.
        "load_average": {"before": load_before, "after": load_average()},
        "queue_details": queue_details,
        "total_seconds": round(time.perf_counter() - began, 1),
    }
    report(result)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2, default=to_json) + "\n")
    shown = args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output
    print(f"\nWrote {shown}; {result['total_seconds']} s in all.")
    if any(figure.errors for key in ("queue", "intake", "throughput") for figure in result[key]):
        raise SystemExit("Some requests failed (the errors columns above): the figures are not valid.")


if __name__ == "__main__":
    main()
