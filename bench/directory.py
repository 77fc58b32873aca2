"""The directory search on 10,000 services (`python -m bench directory`): builds a program's directory
once (bulk inserts), then times search variants in-process through the page (django.test.Client), with
the query count of each."""

from __future__ import annotations

import random
import statistics
import time
import uuid

from bench.figures import Latency

SERVICES = 10_000
PROGRAM_SLUG = "bench-directory"
ZIPS = ("15213", "15222", "15212", "15201", "15206", "15219", "15224", "15210", "15205", "15235", "15146", "15237")


def ensure_directory(*, services: int = SERVICES, seed: int = 9) -> int:
    """The bench directory program with `services` services; returns the program's id."""
    import datetime as dt

    from port.accounts.models import Organization, Program
    from port.administration.services import program_set_up
    from port.directory.categories import BY_CODE, port_taxonomy_seed
    from port.directory.geo import zip_centroid
    from port.directory.models import (
        Address,
        Attribute,
        Language,
        Location,
        Phone,
        Schedule,
        Service,
        ServiceAtLocation,
        TaxonomyTerm,
    )

    program = Program.objects.filter(slug=PROGRAM_SLUG).first()
    if program is not None and Service.objects.filter(program=program).count() == services:
        return program.pk
    if program is None:
        program = program_set_up(name="Bench Directory PORT", slug=PROGRAM_SLUG, time_zone="America/New_York")
    else:
        for model in (Attribute, Language, Phone, Schedule, Address, ServiceAtLocation, Service, Location):
            model.objects.filter(program=program).delete()
    port_taxonomy_seed(program=program)
    terms = {t.code: t for t in TaxonomyTerm.objects.filter(program=program).exclude(code="")}
    needs = [code for code in BY_CODE if not code.startswith("features")]
    features = [code for code in BY_CODE if code.startswith("features.")]
    rng = random.Random(seed)
    orgs = [Organization.objects.get_or_create(program=program, name=f"Bench Org {n}")[0] for n in range(200)]
    made = []
    for n in range(services):
        made.append(
            Service(
                program=program,
                organization=orgs[n % len(orgs)],
                name=f"Bench Service {n:05d}",
                description=f"Service number {n} of the bench",
                assured_date=dt.date(2026, 1, 1) if n % 3 else None,
            )
        )
    Service.objects.bulk_create(made, batch_size=1000)
    made = list(Service.objects.filter(program=program).order_by("pk"))
    locations: list[Location] = []
    addresses: list[Address] = []
    sals: list[ServiceAtLocation] = []
    phones: list[Phone] = []
    schedules: list[Schedule] = []
    languages: list[Language] = []
    attributes: list[Attribute] = []
    for n, service in enumerate(made):
        zip_code = ZIPS[n % len(ZIPS)]
        center = zip_centroid(zip_code)
        assert center is not None
        with_coordinates = n % 10 != 0  # one in ten falls back to its ZIP code's centroid
        locations.append(
            Location(
                program=program,
                hsds_id=uuid.uuid4(),
                name=service.name,
                latitude=center.latitude + rng.uniform(-0.05, 0.05) if with_coordinates else None,
                longitude=center.longitude + rng.uniform(-0.05, 0.05) if with_coordinates else None,
            )
        )
    Location.objects.bulk_create(locations, batch_size=1000)
    locations = list(Location.objects.filter(program=program).order_by("pk"))
    for n, (service, location) in enumerate(zip(made, locations, strict=True)):
        addresses.append(
            Address(
                program=program,
                location=location,
                address_1=f"{n} Example St",
                city="Pittsburgh",
                state_province="PA",
                postal_code=ZIPS[n % len(ZIPS)],
                country="US",
            )
        )
        sals.append(ServiceAtLocation(program=program, service=service, location=location))
        phones.append(Phone(program=program, service=service, number=f"412-555-{n % 10000:04d}"))
        opens = dt.time(rng.choice((6, 8, 9, 10, 18, 20)))
        closes = dt.time((opens.hour + rng.choice((6, 8, 10))) % 24)
        schedules.append(
            Schedule(
                program=program,
                service=service,
                freq="WEEKLY",
                byday=rng.choice(("MO,TU,WE,TH,FR", "MO,WE,FR", "SA,SU", "MO,TU,WE,TH,FR,SA,SU")),
                opens_at=opens,
                closes_at=closes,
            )
        )
        if n % 50 == 0:
            schedules.append(
                Schedule(program=program, service=service, valid_from=dt.date(2026, 7, 4), valid_to=dt.date(2026, 7, 4))
            )
        if n % 4 == 0:
            languages.append(Language(program=program, service=service, code="es", name="Spanish"))
        for code in {rng.choice(needs), rng.choice(needs), *rng.sample(features, rng.randrange(0, 3))}:
            attributes.append(
                Attribute(program=program, taxonomy_term=terms[code], link_entity="service", link_id=service.hsds_id)
            )
    Address.objects.bulk_create(addresses, batch_size=2000)
    ServiceAtLocation.objects.bulk_create(sals, batch_size=2000)
    Phone.objects.bulk_create(phones, batch_size=2000)
    Schedule.objects.bulk_create(schedules, batch_size=2000)
    Language.objects.bulk_create(languages, batch_size=2000)
    Attribute.objects.bulk_create(attributes, batch_size=2000)
    return program.pk


VARIANTS = {
    "words only": {"q": "service 42"},
    "need (treatment, with children)": {"need": "treatment"},
    "open now": {"open_now": "on"},
    "nearest first from a ZIP code": {"near": "15213"},
    "need + open now + nearest from a ZIP": {"need": "treatment", "open_now": "on", "near": "15213"},
    "need + open now + within 10 mi of the phone": {
        "need": "treatment",
        "open_now": "on",
        "lat": "40.444",
        "lon": "-79.955",
        "within": "10",
    },
    "same-day + Medicaid + Spanish + open now + ZIP": {
        "same_day": "on",
        "medicaid": "on",
        "language": "es",
        "open_now": "on",
        "near": "15222",
    },
}


# The moment the searches run at, so that "open now" finds the same services on every run: Wednesday noon
# in the program's zone (New York), when most of the bench's services are open, the most work for "open
# now" (at night few are open and the searches are faster).
MOMENT = "2026-12-02T17:00:00+00:00"


def measure_directory(program_id: int, *, requests: int = 30, warmup: int = 3) -> list[dict]:
    import time_machine

    with time_machine.travel(MOMENT, tick=True):
        return _measure(program_id, requests=requests, warmup=warmup)


def _measure(program_id: int, *, requests: int, warmup: int) -> list[dict]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from port.accounts.models import Membership, User
    from port.accounts.roles import Role

    user, _created = User.objects.get_or_create(username="bench-directory-peer")
    membership = Membership.objects.filter(user=user, program_id=program_id).first() or Membership.objects.create(
        user=user, program_id=program_id, role=Role.PEER
    )
    assert membership.role == Role.PEER
    client = Client()
    client.force_login(user)
    figures = []
    for name, query in VARIANTS.items():
        timings, errors = [], 0
        for i in range(warmup + requests):
            started = time.perf_counter()
            response = client.get("/directory/", query)
            elapsed = time.perf_counter() - started
            errors += response.status_code != 200
            if i >= warmup:
                timings.append(elapsed)
        with CaptureQueriesContext(connection) as captured:
            client.get("/directory/", query)
        figures.append(
            {
                "variant": name,
                "median_ms": round(statistics.median(timings) * 1000, 1),
                "p95_ms": round(sorted(timings)[int(len(timings) * 0.95) - 1] * 1000, 1),
                "queries": len(captured),
                "errors": errors,
            }
        )
    return figures


def report_directory(figures: list[dict]) -> None:
    print(f"\nDirectory search at {MOMENT} (Wednesday noon in New York), in-process:")
    print(f"{'directory search (10,000 services)':52} {'median ms':>10} {'p95 ms':>8} {'queries':>8} {'errors':>7}")
    for figure in figures:
        print(
            f"{figure['variant']:52} {figure['median_ms']:>10} {figure['p95_ms']:>8}"
            f" {figure['queries']:>8} {figure['errors']:>7}"
        )


__all__ = ["Latency", "ensure_directory", "measure_directory", "report_directory"]
