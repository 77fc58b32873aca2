"""Directory search: by need, words, features, language, open now and distance, nearest first.

The work is split so that its cost does not grow with what is shown and its query count not at all:

1. One query of matching services, filtered in SQL (program, status, need with its children,
   features, language, words, and the bounding box around the starting point when a radius is given).
2. With a starting point, the same query also brings each service's places (coordinates, or the first
   address's ZIP code for a place without them); the exact distance is computed in Python.
3. With "open now", the services are first narrowed in SQL to those with a schedule that could open
   them now (its day is today, or yesterday past midnight, and the wall-clock time falls in its hours:
   `could_open`); then one query of those schedules and the closures of yesterday and today, evaluated
   exactly by `port.directory.hours` in the program's time zone, once per distinct set of hours.
4. The page shown (25 services) is then loaded whole, with a fixed number of prefetches.

Words match name, alternate name, description and the organization's name, case-insensitively, every
word somewhere (`icontains`, which SQLite and PostgreSQL both run; the program and status index narrows
the rows first).
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from django.db.models import Case, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When

from port.accounts.models import Program
from port.directory import hours as hours_module
from port.directory.categories import BY_CODE
from port.directory.geo import Point, bounding_box, distance_miles, zip_centroid
from port.directory.hours import DAY_CODES, Hours, Rule, hours_at, rule_of
from port.directory.models import Address, Attribute, Language, Location, Phone, Schedule, Service, ServiceAtLocation

PAGE_SIZE = 25
HIDDEN_STATUSES = (Service.Status.INACTIVE, Service.Status.DEFUNCT)
FEATURE_CODES = (
    "features.walk_in",
    "features.same_day_start",
    "features.accepts_uninsured",
    "features.accepts_medicaid",
)
# Languages offered in the filter: ISO 639-1 code and the English name HSDS files often give instead.
LANGUAGES: tuple[tuple[str, str], ...] = (
    ("es", "Spanish"),
    ("en", "English"),
    ("ar", "Arabic"),
    ("zh", "Chinese"),
    ("fr", "French"),
    ("ht", "Haitian Creole"),
    ("ko", "Korean"),
    ("pt", "Portuguese"),
    ("ru", "Russian"),
    ("tl", "Tagalog"),
    ("vi", "Vietnamese"),
    ("asl", "American Sign Language"),
)
LANGUAGE_NAMES = dict(LANGUAGES)


@dataclass(frozen=True)
class Criteria:
    need: str = ""
    words: str = ""
    open_now: bool = False
    origin: Point | None = None
    within_miles: float | None = None
    features: frozenset[str] = frozenset()
    language: str = ""
    page: int = 1


@dataclass
class Place:
    address: Address | None
    location: Location


@dataclass
class Result:
    service: Service
    distance: float | None
    hours: Hours
    categories: list[str]  # PORT codes, features last
    phones: list[Phone]
    place: Place | None
    out_of_date: bool
    languages: list[str]


@dataclass
class SearchPage:
    results: list[Result]
    count: int
    page: int
    pages: int
    open_now_at: dt.datetime
    origin: Point | None = None
    extra: dict = field(default_factory=dict)

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day `months` months earlier (the month's last day when it is shorter)."""
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def is_out_of_date(service: Service, program: Program, today: dt.date) -> bool:
    """Possibly out of date: never checked, or last checked before the program's review period."""
    if service.assured_date is None:
        return True
    return service.assured_date < months_before(today, program.directory_review_months)


def need_codes(program: Program, need: str) -> Q:
    """A need and everything under it: "treatment" matches buprenorphine (by code, or a program's own
    term placed under it)."""
    return Q(code=need) | Q(code__startswith=f"{need}.") | Q(parent__code=need)


def _linked(program: Program, terms: Q) -> QuerySet:
    return Attribute.objects.filter(
        program=program, link_entity="service", taxonomy_term__program=program, taxonomy_term__in=_terms(program, terms)
    ).values("link_id")


def _terms(program: Program, terms: Q) -> QuerySet:
    from port.directory.models import TaxonomyTerm

    return TaxonomyTerm.objects.filter(terms, program=program).values("pk")


def matching_services(program: Program, criteria: Criteria) -> QuerySet[Service]:
    """Step 1: the services that match every filter but "open now" and the exact distance."""
    services = Service.objects.filter(program=program).exclude(status__in=HIDDEN_STATUSES)
    if criteria.need:
        services = services.filter(hsds_id__in=_linked(program, need_codes(program, criteria.need)))
    for code in sorted(criteria.features):
        services = services.filter(hsds_id__in=_linked(program, Q(code=code)))
    if criteria.language:
        code = criteria.language
        name = LANGUAGE_NAMES.get(code, code)
        spoken = Q(code__iexact=code) | Q(name__iexact=name)
        at_service = Language.objects.filter(spoken, program=program, service__isnull=False).values("service_id")
        at_location = ServiceAtLocation.objects.filter(
            program=program,
            location__in=Language.objects.filter(spoken, program=program, location__isnull=False).values("location_id"),
        ).values("service_id")
        services = services.filter(Q(pk__in=at_service) | Q(pk__in=at_location))
    for word in criteria.words.split()[:8]:
        services = services.filter(
            Q(name__icontains=word)
            | Q(alternate_name__icontains=word)
            | Q(description__icontains=word)
            | Q(organization__name__icontains=word)
        )
    if criteria.origin is not None and criteria.within_miles is not None:
        south, north, west, east = bounding_box(criteria.origin, criteria.within_miles)
        near = ServiceAtLocation.objects.filter(program=program).filter(
            Q(
                location__latitude__gte=south,
                location__latitude__lte=north,
                location__longitude__gte=west,
                location__longitude__lte=east,
            )
            | Q(location__latitude__isnull=True)
            | Q(location__longitude__isnull=True)
        )
        services = services.filter(pk__in=near.values("service_id"))
    return services


def candidates_near(services: QuerySet[Service], origin: Point) -> tuple[list[tuple[int, str]], dict[int, float]]:
    """Steps 1 and 2 in one query: the matching services, each with its nearest place's distance in
    miles (one row per place; services with no known place have none). A place without coordinates
    counts at its first address's ZIP code's centroid."""
    first_zip = (
        Address.objects.filter(location=OuterRef("service_at_locations__location_id"))
        .order_by("pk")
        .values("postal_code")[:1]
    )
    without_coordinates = Q(service_at_locations__location__latitude__isnull=True) | Q(
        service_at_locations__location__longitude__isnull=True
    )
    rows = services.values_list(
        "pk", "name", "service_at_locations__location__latitude", "service_at_locations__location__longitude"
    ).annotate(
        # Only a place without coordinates looks up its address (the other branch is not evaluated).
        zip_code=Case(When(without_coordinates, then=Subquery(first_zip)), default=Value(""))
    )
    names: dict[int, str] = {}
    found: dict[int, float] = {}
    for service_id, name, latitude, longitude, zip_code in rows:
        names[service_id] = name
        if latitude is not None and longitude is not None:
            point: Point | None = Point(latitude, longitude)
        else:
            point = zip_centroid((zip_code or "")[:5])
        if point is None:
            continue
        miles = distance_miles(origin, point)
        if service_id not in found or miles < found[service_id]:
            found[service_id] = miles
    return list(names.items()), found


# Up to this many candidates, their schedules are asked for by id; beyond, the program's schedules that
# could open now are read whole (cheaper than repeating the search's filters in a subquery) and the
# candidates' picked out here.
_BY_ID_UP_TO = 400


def _on(day: dt.date) -> Q:
    """Schedules whose hours may start on `day` (a superset: `hours.Rule.applies_on` decides)."""
    return (
        Q(byday__icontains=DAY_CODES[day.weekday()])
        | Q(freq__iexact="DAILY")
        | (Q(valid_from__lte=day) & (Q(valid_to__gte=day) | Q(valid_to__isnull=True)))
    )


def could_open(window: hours_module.Window) -> Q:
    """Schedules with hours that could make a service open in `window` (`hours.window_at`): started
    today and not yet over, or started yesterday and running past midnight. A superset of what
    `hours.hours_at` finds open, narrowed in SQL so that Python checks few rules."""
    with_hours = Q(opens_at__isnull=False, closes_at__isnull=False)
    if window.wall_time is None:  # the clocks change around now: compare days only
        return with_hours & (_on(window.today) | _on(window.yesterday))
    now = window.wall_time
    past_midnight = Q(closes_at__lte=F("opens_at"))  # or 24 hours (closes when it opens)
    started_today = Q(opens_at__lte=now) & (Q(closes_at__gt=now) | past_midnight)
    started_yesterday = past_midnight & Q(closes_at__gt=now)
    return with_hours & ((started_today & _on(window.today)) | (started_yesterday & _on(window.yesterday)))


def _closes(window: hours_module.Window) -> Q:
    """Closures (dates, no hours) that may list yesterday or today."""
    return Q(opens_at__isnull=True, closes_at__isnull=True, valid_from__lte=window.today) & (
        Q(valid_to__gte=window.yesterday) | Q(valid_to__isnull=True)
    )


def open_candidates(program: Program, services: QuerySet[Service], window: hours_module.Window) -> QuerySet[Service]:
    """Step 3a, in SQL: the services with a schedule (their own, a service-at-location's or a
    location's) that could make them open in `window`."""
    schedules = Schedule.objects.filter(could_open(window), program=program)
    return services.filter(
        Q(pk__in=schedules.filter(service__isnull=False).values("service_id"))
        | Q(pk__in=schedules.filter(service_at_location__isnull=False).values("service_at_location__service_id"))
        | Q(
            pk__in=ServiceAtLocation.objects.filter(
                program=program, location__in=schedules.filter(location__isnull=False).values("location_id")
            ).values("service_id")
        )
    )


# What decides "open": a schedule's days, hours and dates (its notes do not).
_RULE_FIELDS = ("freq", "byday", "opens_at", "closes_at", "valid_from", "valid_to")


@dataclass(frozen=True)
class _Row:
    freq: str
    byday: str
    opens_at: dt.time | None
    closes_at: dt.time | None
    valid_from: dt.date | None
    valid_to: dt.date | None
    description: str = ""
    notes: str = ""


def schedules_by_service(program: Program, ids: Collection[int], window: hours_module.Window) -> dict[int, list[Rule]]:
    """Step 3b: for each candidate service (`ids`), the rules that could make it open in `window`, and
    the closures of yesterday and today, from its own schedules, its service-at-locations' and its
    locations' (two queries). Services often share hours, so each distinct row becomes one Rule."""
    direct = Schedule.objects.filter(could_open(window) | _closes(window), program=program)
    by_location = direct.filter(location__service_at_locations__service__isnull=False)
    if len(ids) <= _BY_ID_UP_TO:
        direct = direct.filter(Q(service__in=ids) | Q(service_at_location__service__in=ids))
        by_location = by_location.filter(location__service_at_locations__service__in=ids)
    else:
        direct = direct.filter(Q(service__isnull=False) | Q(service_at_location__isnull=False))
    rules: dict[int, list[Rule]] = defaultdict(list)
    made: dict[tuple, Rule] = {}
    rows = (
        (row[0] or row[1], row[2:])
        for row in direct.values_list("service_id", "service_at_location__service_id", *_RULE_FIELDS)
    )
    location_rows = (
        (row[0], row[1:])
        for row in by_location.values_list("location__service_at_locations__service_id", *_RULE_FIELDS)
    )
    for source in (rows, location_rows):
        for service_id, values in source:
            if service_id not in ids:
                continue
            rule = made.get(values)
            if rule is None:
                rule = made[values] = rule_of(_Row(*values))
            rules[service_id].append(rule)
    return rules


def _service_rules(service: Service) -> list[Rule]:
    """Every schedule of a loaded service (its own, its service-at-locations', their locations')."""
    rows: list[Schedule] = list(service.schedules.all())
    for sal in service.service_at_locations.all():
        rows += sal.schedules.all()
        rows += sal.location.schedules.all()
    return [rule_of(row) for row in rows]


def load_services(program: Program, ids: Iterable[int]) -> dict[int, Service]:
    """Step 4: the services shown, with everything a result shows, in a fixed number of queries."""
    ids = list(ids)
    services = (
        Service.objects.filter(program=program, pk__in=ids)
        .select_related("organization")
        .prefetch_related(
            Prefetch("phones", queryset=Phone.objects.order_by("pk")),
            Prefetch("schedules", queryset=Schedule.objects.order_by("pk")),
            Prefetch("languages", queryset=Language.objects.order_by("pk")),
            Prefetch(
                "service_at_locations",
                queryset=ServiceAtLocation.objects.select_related("location").order_by("pk"),
            ),
            "service_at_locations__schedules",
            "service_at_locations__location__schedules",
            "service_at_locations__location__addresses",
            "service_at_locations__location__languages",
        )
    )
    loaded = {service.pk: service for service in services}
    hsds_ids = {service.hsds_id: service for service in loaded.values()}
    for service in loaded.values():
        service.category_codes = []  # type: ignore[attr-defined]
    for link_id, code in Attribute.objects.filter(
        program=program, link_entity="service", link_id__in=list(hsds_ids)
    ).values_list("link_id", "taxonomy_term__code"):
        if code:
            hsds_ids[link_id].category_codes.append(code)  # type: ignore[attr-defined]
    return loaded


def _category_order(code: str) -> tuple[int, int]:
    order = list(BY_CODE)
    return (code.startswith("features."), order.index(code) if code in order else len(order))


def result_of(
    service: Service, *, program: Program, moment: dt.datetime, today: dt.date, distance: float | None
) -> Result:
    sals = list(service.service_at_locations.all())
    place = None
    for sal in sals:
        addresses = list(sal.location.addresses.all())
        physical = [a for a in addresses if a.address_type == Address.Type.PHYSICAL] or addresses
        place = Place(physical[0] if physical else None, sal.location)
        if physical:
            break
    languages = [lang.name or LANGUAGE_NAMES.get(lang.code, lang.code) for lang in service.languages.all()]
    for sal in sals:
        languages += [lang.name or LANGUAGE_NAMES.get(lang.code, lang.code) for lang in sal.location.languages.all()]
    codes = sorted(
        {code for code in getattr(service, "category_codes", []) if code in BY_CODE and code != "features"},
        key=_category_order,
    )
    return Result(
        service=service,
        distance=distance,
        hours=hours_at(_service_rules(service), moment, program.zone),
        categories=codes,
        phones=list(service.phones.all()),
        place=place,
        out_of_date=is_out_of_date(service, program, today),
        languages=list(dict.fromkeys(languages)),
    )


def directory_search(*, program: Program, criteria: Criteria, moment: dt.datetime) -> SearchPage:
    """One page of results, nearest first when a starting point is given (services whose distance is
    not known last), else by name."""
    services = matching_services(program, criteria)
    if criteria.open_now:
        window = hours_module.window_at(moment, program.zone)
        services = open_candidates(program, services, window)
    services = services.order_by()  # sorted here, below
    found: dict[int, float] = {}
    if criteria.origin is not None:
        candidates, found = candidates_near(services, criteria.origin)
        if criteria.within_miles is not None:
            candidates = [c for c in candidates if c[0] in found and found[c[0]] <= criteria.within_miles]
    else:
        candidates = list(services.values_list("pk", "name"))
    if criteria.open_now:
        ids = {pk for pk, _name in candidates}
        is_open = hours_module.open_among(schedules_by_service(program, ids, window), moment, program.zone)
        candidates = [c for c in candidates if c[0] in is_open]
    if criteria.origin is not None:
        candidates.sort(key=lambda c: (c[0] not in found, found.get(c[0], 0.0), c[1].casefold(), c[0]))
    else:
        candidates.sort(key=lambda c: (c[1].casefold(), c[0]))
    count = len(candidates)
    pages = max(1, -(-count // PAGE_SIZE))
    page = min(max(1, criteria.page), pages)
    shown = [pk for pk, _name in candidates[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]]
    loaded = load_services(program, shown) if shown else {}
    today = program.today(moment)
    results = [
        result_of(loaded[pk], program=program, moment=moment, today=today, distance=found.get(pk))
        for pk in shown
        if pk in loaded
    ]
    return SearchPage(results, count, page, pages, moment, criteria.origin)


# The largest primary key a database row can have (a 64-bit signed integer): a larger id names nothing.
LARGEST_ID = 2**63 - 1


def service_result(*, program: Program, pk: int, moment: dt.datetime) -> Result | None:
    if not 0 < pk <= LARGEST_ID:
        return None
    loaded = load_services(program, [pk])
    service = loaded.get(pk)
    if service is None:
        return None
    return result_of(service, program=program, moment=moment, today=program.today(moment), distance=None)


def results_for(*, program: Program, ids: Iterable[int], moment: dt.datetime) -> list[Result]:
    """The given services, in the order given, for a resource list."""
    ids = [pk for pk in dict.fromkeys(ids) if 0 < pk <= LARGEST_ID]
    loaded = load_services(program, ids)
    today = program.today(moment)
    return [
        result_of(loaded[pk], program=program, moment=moment, today=today, distance=None) for pk in ids if pk in loaded
    ]
