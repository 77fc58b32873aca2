"""The demo directory: useful at most hours, idempotent."""

import datetime as dt

import pytest

from port.demo.directory import SERVICES, demo_directory_create
from port.directory.geo import zip_centroid
from port.directory.search import Criteria, directory_search
from port.testing.factories import AgencyFactory, ProgramFactory

pytestmark = pytest.mark.django_db


def test_the_demo_providers_same_day_buprenorphine_service_is_found_open_near_a_zip_code():
    program = ProgramFactory.create(slug="demo-directory")
    AgencyFactory.create(program=program, name="Demo Recovery Center")
    today = dt.date(2026, 3, 6)
    assert demo_directory_create(program=program, today=today) == len(SERVICES)
    assert demo_directory_create(program=program, today=today) == 0  # a second run adds nothing
    criteria = Criteria(
        need="treatment.buprenorphine",
        features=frozenset({"features.same_day_start"}),
        open_now=True,
        origin=zip_centroid("15213"),
    )
    for hour_utc in (11, 15, 22, 3):  # 6 AM, 10 AM, 5 PM, 10 PM in New York
        moment = dt.datetime(2026, 3, 6 if hour_utc > 4 else 7, hour_utc, 0, tzinfo=dt.UTC)
        page = directory_search(program=program, criteria=criteria, moment=moment)
        assert page.results[0].service.organization.name == "Demo Recovery Center", moment
    marks = [
        r.out_of_date
        for r in directory_search(
            program=program, criteria=Criteria(), moment=dt.datetime(2026, 3, 6, 15, tzinfo=dt.UTC)
        ).results
    ]
    assert any(marks) and not all(marks)
