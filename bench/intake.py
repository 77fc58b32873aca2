"""The intake API, measured in-process: new referrals posted by an agency's API token."""

from __future__ import annotations

import datetime as dt
import random
import sys
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from bench.data import EXTERNAL_ID_PREFIX, BenchCast
from bench.figures import Latency
from bench.queue import logged_queries

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse

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
    described: list[dict] = []
    for person in people:
        assert person.date_of_birth is not None  # excluded above
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
    from port.accounts.models import Organization
    from port.security.accounts import api_token_issue

    _, raw = api_token_issue(agency=Organization.objects.get(pk=cast.api_agency_id), name="make bench")
    return raw


def measure_intake(
    *, token: str, bodies: ReferralBodies, requests: int, warmup: int
) -> tuple[list[Latency], list[str]]:
    """New referrals, retries of them (idempotent), and status reads; returns the new ids too."""
    from django.test import Client

    client = Client(headers={"authorization": f"Bearer {token}"})
    url = "/api/v1/referrals"

    def post(body: dict) -> _MonkeyPatchedWSGIResponse:
        return client.post(url, body, content_type="application/json")

    def queries_of(send: Callable[[], object]) -> dict:
        """How many queries one more request runs, and their time in the database."""
        return logged_queries(send).summary

    sent: list[dict] = []
    ids: list[str] = []
    timings: list[float] = []
    statuses: dict[int, int] = {}
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
