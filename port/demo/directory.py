"""The demo's resource directory: about thirty made-up services around Pittsburgh, PA (real ZIP codes,
so distance works; made-up names, streets on "Example" roads and 555-01xx phones), across PORT's
categories, with weekly hours (some past midnight, some 24 hours), one holiday closure, Spanish spoken at
some, the search features, and some entries checked recently and some long ago (possibly out of date).

The demo provider's organization ("Demo Recovery Center") has a same-day buprenorphine service open
every day, 6 AM to 2 AM the next day, so "same-day buprenorphine open now near 15213" finds it at most
hours. Idempotent: every record has a fixed HSDS id, and a second run leaves what is there alone.
"""

import datetime as dt
import uuid

from django.db import transaction

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

NAMESPACE = uuid.UUID("0d6f3c1e-8a43-4b7e-9a35-6f0c2d9e4b17")
WEEKDAYS = "MO,TU,WE,TH,FR"
EVERY_DAY = "MO,TU,WE,TH,FR,SA,SU"

# ZIP code -> (latitude, longitude) of a made-up place in it.
PLACES = {
    "15213": (40.4443, -79.9560),
    "15222": (40.4470, -79.9920),
    "15212": (40.4570, -80.0090),
    "15201": (40.4750, -79.9580),
    "15206": (40.4690, -79.9190),
    "15219": (40.4410, -79.9780),
    "15224": (40.4650, -79.9450),
    "15210": (40.4080, -79.9840),
    "15205": (40.4330, -80.0670),
    "15235": (40.4600, -79.8230),
}

# name, organization ("" = its own), categories, ZIP, hours [(byday, opens, closes)], languages,
# months since last checked (None: never).
SERVICES: tuple[
    tuple[str, str, tuple[str, ...], str, tuple[tuple[str, str, str], ...], tuple[str, ...], int | None], ...
] = (
    (
        "Same-day buprenorphine clinic",
        "Demo Recovery Center",
        (
            "treatment.buprenorphine",
            "features.same_day_start",
            "features.walk_in",
            "features.accepts_medicaid",
            "features.accepts_uninsured",
        ),
        "15213",
        ((EVERY_DAY, "06:00", "02:00"),),
        ("es",),
        1,
    ),
    (
        "Outpatient counseling",
        "Demo Recovery Center",
        ("treatment.outpatient", "features.accepts_medicaid"),
        "15213",
        ((WEEKDAYS, "09:00", "18:00"),),
        ("es",),
        2,
    ),
    (
        "Lantern Methadone Program",
        "",
        ("treatment.methadone", "features.accepts_medicaid"),
        "15222",
        ((EVERY_DAY, "05:30", "13:00"),),
        (),
        3,
    ),
    (
        "Birchwood Naltrexone Clinic",
        "",
        ("treatment.naltrexone", "features.accepts_medicaid"),
        "15206",
        ((WEEKDAYS, "08:00", "16:00"),),
        (),
        20,
    ),
    (
        "Quiet Harbor Withdrawal Unit",
        "",
        ("treatment.withdrawal", "features.accepts_uninsured"),
        "15212",
        (("", "00:00", "00:00"),),
        ("es",),
        4,
    ),
    (
        "Maple Ridge Residential",
        "",
        ("treatment.residential", "features.accepts_medicaid"),
        "15235",
        ((WEEKDAYS, "08:00", "20:00"),),
        (),
        None,
    ),
    (
        "Northside Walk-in Bupe Hours",
        "",
        ("treatment.buprenorphine", "features.walk_in", "features.same_day_start"),
        "15212",
        ((WEEKDAYS, "12:00", "20:00"), ("SA", "10:00", "14:00")),
        (),
        5,
    ),
    (
        "Open Door Syringe Services",
        "",
        ("harm_reduction.syringe_services", "harm_reduction.test_strips", "features.walk_in"),
        "15222",
        ((WEEKDAYS, "10:00", "18:00"),),
        ("es",),
        1,
    ),
    (
        "Night Van Harm Reduction",
        "",
        ("harm_reduction.naloxone", "harm_reduction.test_strips", "features.walk_in"),
        "15210",
        ((EVERY_DAY, "20:00", "03:00"),),
        ("es",),
        2,
    ),
    (
        "Checkpoint Drug Checking",
        "",
        ("harm_reduction.drug_checking",),
        "15224",
        (("TU,TH", "14:00", "19:00"),),
        (),
        30,
    ),
    (
        "Naloxone Pickup Window",
        "",
        ("harm_reduction.naloxone", "features.walk_in"),
        "15219",
        ((WEEKDAYS, "08:00", "17:00"),),
        (),
        6,
    ),
    ("Riverbend Shelter", "", ("housing", "features.walk_in"), "15222", ((EVERY_DAY, "18:00", "08:00"),), ("es",), 2),
    ("Keystone Housing Help Desk", "", ("housing",), "15219", ((WEEKDAYS, "09:00", "17:00"),), (), 14),
    ("Corner Pantry", "", ("food", "features.walk_in"), "15201", (("MO,WE,FR", "10:00", "15:00"),), ("es",), 3),
    ("Hillside Community Meals", "", ("food",), "15210", ((EVERY_DAY, "11:30", "13:30"),), (), 8),
    (
        "Greenfield Free Clinic",
        "",
        ("medical", "features.accepts_uninsured", "features.walk_in"),
        "15224",
        ((WEEKDAYS, "08:00", "19:00"),),
        ("es",),
        1,
    ),
    ("Wound Care Drop-in", "", ("medical", "features.walk_in"), "15222", (("TU,TH,SA", "09:00", "13:00"),), (), 13),
    (
        "Crisis Line and Walk-in Center",
        "",
        ("mental_health", "features.walk_in", "features.accepts_uninsured"),
        "15213",
        (("", "00:00", "00:00"),),
        ("es",),
        2,
    ),
    (
        "Stillwater Counseling",
        "",
        ("mental_health", "features.accepts_medicaid"),
        "15206",
        ((WEEKDAYS, "10:00", "19:00"),),
        (),
        18,
    ),
    ("Ride to Care Vans", "", ("transportation",), "15219", ((WEEKDAYS, "07:00", "19:00"),), ("es",), 4),
    ("Family Circle Support Group", "", ("family_support.groups",), "15201", (("TH", "18:30", "20:00"),), ("es",), 2),
    (
        "Kids and Caregivers Counseling",
        "",
        ("family_support.counselling", "features.accepts_medicaid"),
        "15205",
        ((WEEKDAYS, "09:00", "17:00"),),
        (),
        7,
    ),
    ("Family Education Evenings", "", ("family_support.education",), "15213", (("TU", "18:00", "20:00"),), (), 26),
    (
        "Tuesday Night Recovery Meeting",
        "",
        ("recovery_support.meetings",),
        "15224",
        (("TU", "19:00", "20:30"),),
        ("es",),
        3,
    ),
    (
        "Three Rivers Recovery Community",
        "",
        ("recovery_support.rco", "features.walk_in"),
        "15222",
        ((WEEKDAYS, "10:00", "22:00"), ("SA,SU", "12:00", "18:00")),
        (),
        1,
    ),
    ("Neighborhood Legal Clinic", "", ("legal_aid",), "15219", (("WE", "13:00", "17:00"),), ("es",), 15),
    (
        "Benefits Enrollment Desk",
        "",
        ("benefits", "features.accepts_uninsured"),
        "15212",
        ((WEEKDAYS, "09:00", "16:00"),),
        ("es",),
        5,
    ),
    ("ID Replacement Help", "", ("identification",), "15219", (("MO,WE", "10:00", "14:00"),), (), None),
    (
        "Eastside Medication Clinic",
        "",
        ("treatment.buprenorphine", "treatment.naltrexone", "features.accepts_medicaid"),
        "15235",
        ((WEEKDAYS, "07:00", "15:00"),),
        (),
        9,
    ),
    (
        "Westside Harm Reduction Hub",
        "",
        ("harm_reduction", "harm_reduction.naloxone", "features.walk_in"),
        "15205",
        ((WEEKDAYS, "11:00", "19:00"),),
        ("es",),
        2,
    ),
)
# The holiday closure: the Northside walk-in hours close on the program's Independence Day.
HOLIDAY_SERVICE = "Northside Walk-in Bupe Hours"


def _id(program: Program, *parts: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, ":".join([program.slug, *parts]))


def _months_ago(day: dt.date, months: int) -> dt.date:
    return day - dt.timedelta(days=round(months * 30.4))


@transaction.atomic
def demo_directory_create(*, program: Program, today: dt.date | None = None) -> int:
    """The demo directory of `program`; returns how many services it added (0 on a second run)."""
    today = today or program.today()
    port_taxonomy_seed(program=program)
    terms = {t.code: t for t in TaxonomyTerm.objects.filter(program=program).exclude(code="")}
    made = 0
    for number, (name, org_name, categories, zip_code, hours, languages, checked) in enumerate(SERVICES, start=1):
        hsds_id = _id(program, "service", name)
        if Service.objects.filter(program=program, hsds_id=hsds_id).exists():
            continue
        organization, _created = Organization.objects.get_or_create(
            program=program,
            name=org_name or name,
            defaults={
                "kind": OrganizationKind.TREATMENT
                if categories[0].startswith("treatment")
                else OrganizationKind.SOCIAL_SERVICE
            },
        )
        service = Service.objects.create(
            program=program,
            hsds_id=hsds_id,
            organization=organization,
            name=name,
            description=f"{name}. Demo data: a made-up service for trying PORT.",
            assured_date=_months_ago(today, checked) if checked is not None else None,
        )
        latitude, longitude = PLACES[zip_code]
        location = Location.objects.create(
            program=program,
            hsds_id=_id(program, "location", name),
            organization=organization,
            name=name,
            latitude=latitude + number * 0.0007,
            longitude=longitude - number * 0.0005,
        )
        Address.objects.create(
            program=program,
            hsds_id=_id(program, "address", name),
            location=location,
            address_1=f"{100 + number * 10} Example Ave",
            city="Pittsburgh",
            state_province="PA",
            postal_code=zip_code,
            country="US",
        )
        ServiceAtLocation.objects.create(
            program=program, hsds_id=_id(program, "sal", name), service=service, location=location
        )
        Phone.objects.create(
            program=program,
            hsds_id=_id(program, "phone", name),
            service=service,
            number=f"412-555-01{number:02d}",
            type="voice",
        )
        for index, (byday, opens, closes) in enumerate(hours):
            Schedule.objects.create(
                program=program,
                hsds_id=_id(program, "schedule", name, str(index)),
                service=service,
                freq="WEEKLY" if byday else "DAILY",
                byday=byday,
                opens_at=dt.time.fromisoformat(opens),
                closes_at=dt.time.fromisoformat(closes),
            )
        if name == HOLIDAY_SERVICE:
            holiday = dt.date(today.year, 7, 4)
            Schedule.objects.create(
                program=program,
                hsds_id=_id(program, "schedule", name, "holiday"),
                service=service,
                valid_from=holiday,
                valid_to=holiday,
                description="Closed for Independence Day",
            )
        for code in languages:
            Language.objects.create(
                program=program,
                hsds_id=_id(program, "language", name, code),
                service=service,
                code=code,
                name="Spanish" if code == "es" else code,
            )
        for code in categories:
            Attribute.objects.create(
                program=program,
                hsds_id=_id(program, "attribute", name, code),
                taxonomy_term=terms[code],
                link_entity="service",
                link_id=service.hsds_id,
            )
        made += 1
    return made
