""" "Open now" is narrowed in SQL before `port.directory.hours` decides: the narrowing may keep too
many services, never too few. These tests compare the search's "open now" with what hours.py says of
every service's full hours, every 45 minutes across four days, a spring-forward and a fall-back night, with
hours past midnight, 24 hours, daily, dated hours, closures and schedules on the place."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from port.directory import search as search_module
from port.directory.hours import window_at
from port.directory.models import Schedule
from port.directory.search import Criteria, directory_search
from port.testing.directory import a_service

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")


def hsds_schedule(service, *, on: str = "service", **fields) -> None:
    """A schedule on the service itself, on its service-at-location, or on its location."""
    sal = service.service_at_locations.get()
    owner = {
        "service": {"service": service},
        "sal": {"service_at_location": sal},
        "location": {"location": sal.location},
    }
    Schedule.objects.create(program=service.program, **owner[on], **fields)


def varied_directory(program) -> None:
    t = dt.time
    a_service(program, "Weekdays 9-5")
    a_service(program, "Friday Night", hours=[("FR", "20:00", "02:00")])
    a_service(program, "Weekend 24h", hours=[("SA,SU", "00:00", "00:00")])
    a_service(program, "Noon To Noon", hours=[("SA", "12:00", "12:00")])
    a_service(program, "Daily Early", hours=[("", "06:00", "22:00")])
    a_service(program, "Lowercase Days", hours=[("mo, we, sa", "07:30", "11:15")])
    a_service(program, "Spring Night", hours=[("SA,SU", "22:00", "02:30")])
    a_service(program, "Fall Night", hours=[("SA,SU", "23:00", "01:30")])
    a_service(program, "Closed Saturday", hours=[("FR,SA", "00:00", "00:00")], closed=[dt.date(2026, 3, 7)])
    a_service(
        program, "Closed Range", hours=[("", "08:00", "23:00")], closed=[(dt.date(2026, 3, 8), dt.date(2026, 3, 9))]
    )
    a_service(program, "One Date", hours=[], dated_hours=[(dt.date(2026, 3, 7), None, "10:00", "14:00")])
    a_service(
        program,
        "Date Range Night",
        hours=[],
        dated_hours=[(dt.date(2026, 11, 1), dt.date(2026, 11, 2), "21:00", "03:00")],
    )
    a_service(program, "No Hours", hours=[])
    on_place = a_service(program, "Hours On The Place", hours=[])
    hsds_schedule(on_place, on="location", freq="WEEKLY", byday="SA,SU", opens_at=t(9), closes_at=t(13))
    on_sal = a_service(program, "Hours On The Visit", hours=[])
    hsds_schedule(on_sal, on="sal", freq="WEEKLY", byday="MO,SU", opens_at=t(18), closes_at=t(1))
    seasonal = a_service(program, "Seasonal", hours=[])
    hsds_schedule(
        seasonal,
        freq="WEEKLY",
        byday="SA",
        opens_at=t(8),
        closes_at=t(18),
        valid_from=dt.date(2026, 3, 1),
        valid_to=dt.date(2026, 3, 7),
    )


def moments() -> list[dt.datetime]:
    """Every 45 minutes (landing on :00, :15, :30 and :45 in turn) of two spans: Friday 6 March to
    Tuesday 10 March 2026 (the clocks go forward on the 8th) and Saturday 31 October to Monday 2 November
    2026 (back on the 1st)."""
    found = []
    for first, days in (
        (dt.datetime(2026, 3, 6, 5, 0, tzinfo=dt.UTC), 4),
        (dt.datetime(2026, 10, 31, 4, 0, tzinfo=dt.UTC), 3),
    ):
        found += [first + dt.timedelta(minutes=45 * n) for n in range(days * 32)]
    return found


@pytest.mark.parametrize("by_id", [True, False], ids=["candidates by id", "program's schedules read whole"])
def test_open_now_in_sql_agrees_with_the_hours_of_every_service_at_every_three_quarters_of_an_hour(
    cast, monkeypatch, by_id
):
    if not by_id:
        monkeypatch.setattr(search_module, "_BY_ID_UP_TO", 0)
    varied_directory(cast.program)
    disagreements = []
    for moment in moments():
        everything = directory_search(program=cast.program, criteria=Criteria(), moment=moment)
        assert everything.count == 16
        expected = sorted(r.service.name for r in everything.results if r.hours.is_open)
        found = sorted(
            r.service.name
            for r in directory_search(program=cast.program, criteria=Criteria(open_now=True), moment=moment).results
        )
        if found != expected:
            disagreements.append((moment.astimezone(NEW_YORK).isoformat(), sorted(set(expected) ^ set(found))))
    assert disagreements == []


def test_the_wall_clock_is_compared_only_when_the_clocks_do_not_change_around_now():
    assert window_at(dt.datetime(2026, 3, 6, 15, tzinfo=dt.UTC), NEW_YORK).wall_time == dt.time(10)
    # The clocks go forward on Sunday 8 March at 2:00: on Sunday and Monday (whose yesterday is Sunday)
    # only the days are compared.
    assert window_at(dt.datetime(2026, 3, 7, 17, tzinfo=dt.UTC), NEW_YORK).wall_time == dt.time(12)
    for day in (8, 9):
        assert window_at(dt.datetime(2026, 3, day, 17, tzinfo=dt.UTC), NEW_YORK).wall_time is None
    assert window_at(dt.datetime(2026, 3, 10, 17, tzinfo=dt.UTC), NEW_YORK).wall_time == dt.time(13)
