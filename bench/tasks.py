"""`python -m bench.tasks`: the task list (/tasks/) with 500 open tasks, measured in-process on PostgreSQL.

Its own database (`port_bench_tasks` on the bench's PostgreSQL server), so it never touches the main
bench's data: a program, a peer and a supervisor, 50 people reached with referrals, and 500 open tasks
owned by the peer (due dates from 20 days overdue to 20 days ahead; idempotent). Then 3 warm-up requests
and 30 measured ones of the peer's list and of the supervisor's (everyone's, and filtered by the peer),
one more request counting the queries, and the figures printed (docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from functools import partial
from typing import TYPE_CHECKING

import bench.database as database
from bench.figures import Latency
from bench.queue import logged_queries, time_get

if TYPE_CHECKING:
    from django.test import Client

TASKS = 500
PEOPLE = 50


def build() -> tuple[int, int]:
    """The program, its peer and supervisor, and the tasks; returns (peer user id, supervisor user id)."""
    from django.db import transaction

    from port.accounts.models import Membership, Program, User
    from port.accounts.roles import Role
    from port.administration.services import program_set_up
    from port.linkage.models import Task, TaskKind, TaskState
    from port.participants.models import Participant
    from port.referrals.models import Referral

    with transaction.atomic():
        program = Program.objects.filter(slug="bench-tasks").first() or program_set_up(
            name="Bench tasks", slug="bench-tasks", time_zone="America/New_York"
        )
        users = {}
        for role in (Role.PEER, Role.SUPERVISOR):
            user, _ = User.objects.get_or_create(username=f"bench-tasks-{role}", defaults={"first_name": role})
            Membership.objects.get_or_create(user=user, program=program, defaults={"role": role})
            users[role] = user
        have = Task.objects.filter(program=program, state=TaskState.OPEN).count()
        if have < TASKS:
            from port.testing.factories import ReferralFactory

            referrals = list(Referral.objects.filter(program=program).select_related("participant")[:PEOPLE])
            while len(referrals) < PEOPLE:
                number = len(referrals)
                referrals.append(
                    ReferralFactory.create(program=program, first_name=f"Bench{number}", last_name=f"Tasks{number}")
                )
            today = program.today()
            Task.objects.bulk_create(
                Task(
                    program=program,
                    participant_id=referrals[n % PEOPLE].participant_id,
                    referral=referrals[n % PEOPLE],
                    kind=TaskKind.HANDOFF_CHECK,
                    due_on=today + dt.timedelta(days=n % 41 - 20),
                    owner=users[Role.PEER],
                )
                for n in range(have, TASKS)
            )
        assert Participant.objects.filter(program=program).exists()
    return users[Role.PEER].pk, users[Role.SUPERVISOR].pk


def client_for(user_id: int) -> Client:
    from django.test import Client

    from port.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(pk=user_id))
    return client


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.tasks", description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args(argv)
    database.BENCH_DATABASE = "port_bench_tasks"
    database.prepare_database(fresh=False)
    database.setup_django()
    from django.urls import reverse

    peer_id, supervisor_id = build()
    url = reverse("linkage:tasks")
    peer, supervisor = client_for(peer_id), client_for(supervisor_id)
    scenarios = [
        ("tasks, peer's own (500 open)", peer, url),
        ("tasks, supervisor: everyone's", supervisor, url),
        ("tasks, supervisor: one peer", supervisor, f"{url}?owner={peer_id}"),
        ("tasks, peer's own, last page", peer, f"{url}?page=10"),
    ]
    figures = []
    for name, client, address in scenarios:
        timings, errors = time_get(client, address, requests=args.requests, warmup=args.warmup)
        log = logged_queries(partial(client.get, address))
        figures.append(Latency.of(name, timings, **log.summary, errors=errors, notes=address))
    print(f"{'page':40} {'median ms':>10} {'p95 ms':>8} {'max ms':>8} {'queries':>8} {'sql ms':>7} {'errors':>7}")
    for f in figures:
        print(f"{f.name:40} {f.median_ms:>10} {f.p95_ms:>8} {f.max_ms:>8} {f.queries:>8} {f.sql_ms:>7} {f.errors:>7}")
    if any(f.errors for f in figures):
        sys.exit("Some requests failed: the figures are not valid.")


if __name__ == "__main__":
    main()
