"""Directory test data: a service with its organization, location, address, phone, hours, languages and
categories, in one call.

    svc = a_service(program, "Sunrise Clinic", categories=["treatment.buprenorphine", "features.walk_in"],
                    zip_code="15213", at=(40.444, -79.955), hours=[("MO,TU,WE,TH,FR", "08:00", "17:00")],
                    closed=[dt.date(2026, 7, 4)], languages=["es"], assured=program.today())

Every part is optional: `at=None` leaves the location without coordinates (search falls back to the ZIP
code's centroid), `zip_code=None` and `at=None` give a service with no place at all, `hours=[]` no
schedule (hours unknown). Categories are PORT codes (port.directory.categories), linked as HSDS
attributes the way an import links them.
"""

import datetime as dt
from collections.abc import Iterable, Sequence

from port.accounts.models import Organization, OrganizationKind, Program
from port.directory.categories import port_taxonomy_seed
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

LANGUAGE_NAMES = {"en": "English", "es": "Spanish", "vi": "Vietnamese", "zh": "Chinese", "ar": "Arabic"}
# (byday, opens, closes); byday "" with freq DAILY is every day.
HoursSpec = tuple[str, str, str]


def _time(value: str) -> dt.time:
    return dt.time.fromisoformat(value)


def terms_by_code(program: Program) -> dict[str, TaxonomyTerm]:
    port_taxonomy_seed(program=program)
    return {term.code: term for term in TaxonomyTerm.objects.filter(program=program).exclude(code="")}


def an_organization(program: Program, name: str, kind: str = OrganizationKind.OTHER) -> Organization:
    organization, _created = Organization.objects.get_or_create(program=program, name=name, defaults={"kind": kind})
    return organization


def a_service(
    program: Program,
    name: str,
    *,
    organization: Organization | str | None = None,
    description: str = "",
    categories: Iterable[str] = (),
    zip_code: str | None = "15213",
    at: tuple[float, float] | None = (40.4440, -79.9552),
    address: str = "100 Example St",
    city: str = "Pittsburgh",
    state: str = "PA",
    phone: str = "412-555-0100",
    hours: Sequence[HoursSpec] = (("MO,TU,WE,TH,FR", "09:00", "17:00"),),
    dated_hours: Sequence[tuple[dt.date, dt.date | None, str, str]] = (),
    closed: Sequence[dt.date | tuple[dt.date, dt.date]] = (),
    closed_note: str = "Holiday",
    languages: Iterable[str] = (),
    location_languages: Iterable[str] = (),
    assured: dt.date | None = None,
    status: str = Service.Status.ACTIVE,
    terms: dict[str, TaxonomyTerm] | None = None,
) -> Service:
    """One service of `program`, with whatever of its parts are given (see the module's docstring)."""
    if organization is None:
        organization = f"{name} (organization)"
    if isinstance(organization, str):
        organization = an_organization(program, organization)
    service = Service.objects.create(
        program=program,
        organization=organization,
        name=name,
        description=description or f"{name}: a service for tests.",
        status=status,
        assured_date=assured,
    )
    location = None
    if zip_code is not None or at is not None:
        location = Location.objects.create(
            program=program,
            organization=organization,
            name=name,
            latitude=at[0] if at else None,
            longitude=at[1] if at else None,
        )
        if zip_code is not None:
            Address.objects.create(
                program=program,
                location=location,
                address_1=address,
                city=city,
                state_province=state,
                postal_code=zip_code,
                country="US",
            )
        ServiceAtLocation.objects.create(program=program, service=service, location=location)
        for code in location_languages:
            Language.objects.create(program=program, location=location, code=code, name=LANGUAGE_NAMES.get(code, code))
    if phone:
        Phone.objects.create(program=program, service=service, number=phone, type="voice")
    for byday, opens, closes in hours:
        Schedule.objects.create(
            program=program,
            service=service,
            freq="WEEKLY" if byday else "DAILY",
            byday=byday,
            opens_at=_time(opens),
            closes_at=_time(closes),
        )
    for first, last, opens, closes in dated_hours:
        Schedule.objects.create(
            program=program,
            service=service,
            valid_from=first,
            valid_to=last,
            opens_at=_time(opens),
            closes_at=_time(closes),
        )
    for day in closed:
        first, last = day if isinstance(day, tuple) else (day, day)
        Schedule.objects.create(
            program=program, service=service, valid_from=first, valid_to=last, description=closed_note
        )
    for code in languages:
        Language.objects.create(program=program, service=service, code=code, name=LANGUAGE_NAMES.get(code, code))
    if categories:
        terms = terms if terms is not None else terms_by_code(program)
        for code in categories:
            Attribute.objects.create(
                program=program, taxonomy_term=terms[code], link_entity="service", link_id=service.hsds_id
            )
    return service
