"""Directory search: each filter, open now in the program's zone, distance order, out-of-date marks,
the form's messages, who may search, and the page's query budget."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from port.directory.forms import DirectorySearchForm
from port.directory.geo import Point, zip_centroid
from port.directory.search import Criteria, directory_search
from port.testing.budgets import assert_within_budget
from port.testing.directory import a_service, terms_by_code

pytestmark = pytest.mark.django_db

# Friday 2026-03-06, 10:00 in New York.
FRIDAY_MORNING = dt.datetime(2026, 3, 6, 15, 0, tzinfo=dt.UTC)
OAKLAND = (40.4440, -79.9552)  # ZIP 15213
DOWNTOWN = (40.4406, -79.9959)  # 15222
MONROEVILLE = (40.4212, -79.7881)  # 15146


def names(page) -> list[str]:
    return [result.service.name for result in page.results]


def search(program, moment=FRIDAY_MORNING, **criteria):
    return directory_search(program=program, criteria=Criteria(**criteria), moment=moment)


def test_a_need_matches_its_children_treatment_finds_buprenorphine(cast):
    terms = terms_by_code(cast.program)
    a_service(cast.program, "Bupe Clinic", categories=["treatment.buprenorphine"], terms=terms)
    a_service(cast.program, "Food Pantry", categories=["food"], terms=terms)
    assert names(search(cast.program, need="treatment")) == ["Bupe Clinic"]
    assert names(search(cast.program, need="food")) == ["Food Pantry"]


def test_words_match_name_description_and_organization_ignoring_case(cast):
    a_service(cast.program, "Harbor House", description="Beds for the night")
    a_service(cast.program, "Elm Clinic", organization="Riverbend Health")
    a_service(cast.program, "Other")
    assert names(search(cast.program, words="harbor")) == ["Harbor House"]
    assert names(search(cast.program, words="BEDS night")) == ["Harbor House"]
    assert names(search(cast.program, words="riverbend")) == ["Elm Clinic"]


def test_each_feature_filter_keeps_only_services_with_it(cast):
    terms = terms_by_code(cast.program)
    a_service(cast.program, "Walk In", categories=["features.walk_in"], terms=terms)
    a_service(cast.program, "Same Day", categories=["features.same_day_start"], terms=terms)
    a_service(cast.program, "Uninsured", categories=["features.accepts_uninsured"], terms=terms)
    a_service(cast.program, "Medicaid", categories=["features.accepts_medicaid", "features.walk_in"], terms=terms)
    assert names(search(cast.program, features=frozenset({"features.walk_in"}))) == ["Medicaid", "Walk In"]
    assert names(search(cast.program, features=frozenset({"features.same_day_start"}))) == ["Same Day"]
    assert names(search(cast.program, features=frozenset({"features.accepts_uninsured"}))) == ["Uninsured"]
    both = frozenset({"features.accepts_medicaid", "features.walk_in"})
    assert names(search(cast.program, features=both)) == ["Medicaid"]


def test_language_matches_the_service_or_its_location(cast):
    a_service(cast.program, "Habla Service", languages=["es"])
    a_service(cast.program, "Habla Place", location_languages=["es"])
    a_service(cast.program, "English Only", languages=["en"])
    assert names(search(cast.program, language="es")) == ["Habla Place", "Habla Service"]


def test_open_now_is_evaluated_in_the_programs_time_zone(cast):
    # Hilltop is on Chicago time: at 15:00 UTC it is 9:00 there, and the 9-to-5 service is open.
    a_service(cast.program, "Riverside Office", hours=[("FR", "10:30", "17:00")])
    a_service(cast.other_program, "Hilltop Office", hours=[("FR", "09:00", "17:00")])
    assert names(search(cast.program, open_now=True)) == []
    assert names(search(cast.other_program, open_now=True)) == ["Hilltop Office"]


def test_open_now_includes_hours_past_midnight_and_leaves_out_a_closed_holiday(cast):
    saturday_1am = dt.datetime(2026, 3, 7, 6, 0, tzinfo=dt.UTC)
    a_service(cast.program, "Night Shelter", hours=[("FR", "20:00", "02:00")])
    a_service(cast.program, "Day Center", hours=[("FR,SA", "00:00", "00:00")], closed=[dt.date(2026, 3, 7)])
    a_service(cast.program, "No Hours", hours=[])
    assert names(search(cast.program, moment=saturday_1am, open_now=True)) == ["Night Shelter"]
    friday_page = search(cast.program, open_now=True)
    assert names(friday_page) == ["Day Center"]
    everything = {r.service.name: r.hours.state for r in search(cast.program, moment=saturday_1am).results}
    assert everything == {"Day Center": "closed", "Night Shelter": "open", "No Hours": "unknown"}


def test_nearest_first_from_a_point_with_the_zip_centroid_for_places_without_coordinates(cast):
    a_service(cast.program, "Far", at=MONROEVILLE, zip_code="15146")
    a_service(cast.program, "Near", at=OAKLAND)
    a_service(cast.program, "Zip Only", at=None, zip_code="15222")
    a_service(cast.program, "Nowhere", at=None, zip_code=None)
    page = search(cast.program, origin=Point(*OAKLAND))
    assert names(page) == ["Near", "Zip Only", "Far", "Nowhere"]
    assert page.results[0].distance == pytest.approx(0, abs=0.01)
    assert page.results[1].distance == pytest.approx(2.1, abs=0.6)
    assert page.results[3].distance is None


def test_a_radius_leaves_out_what_is_farther_and_what_has_no_place(cast):
    a_service(cast.program, "Far", at=MONROEVILLE, zip_code="15146")
    a_service(cast.program, "Near", at=OAKLAND)
    a_service(cast.program, "Nowhere", at=None, zip_code=None)
    assert names(search(cast.program, origin=Point(*DOWNTOWN), within_miles=5)) == ["Near"]


def test_an_entry_not_checked_within_the_review_months_is_possibly_out_of_date(cast):
    program = cast.program
    program.directory_review_months = 6
    program.save()
    today = dt.date(2026, 3, 6)
    a_service(program, "Fresh", assured=dt.date(2025, 9, 6))
    a_service(program, "Stale", assured=dt.date(2025, 9, 5))
    a_service(program, "Never")
    marks = {r.service.name: r.out_of_date for r in search(program).results}
    assert today == program.today(FRIDAY_MORNING)
    assert marks == {"Fresh": False, "Never": True, "Stale": True}


def test_another_programs_services_and_inactive_ones_are_never_found(cast):
    a_service(cast.other_program, "Elsewhere")
    a_service(cast.program, "Closed For Good", status="defunct")
    assert names(search(cast.program)) == []


def test_a_zip_code_in_an_address_is_used_and_other_addresses_get_a_clear_message():
    form = DirectorySearchForm({"near": "100 Example St, Pittsburgh PA 15213"})
    assert form.is_valid()
    assert form.criteria().origin == zip_centroid("15213")
    form = DirectorySearchForm({"near": "100 Example St, Pittsburgh"})
    assert not form.is_valid()
    assert "Only ZIP codes and the phone's location can be used" in form.errors["near"][0]


def test_an_unknown_zip_code_is_named_in_the_message():
    form = DirectorySearchForm({"near": "00000"})
    assert not form.is_valid()
    assert "00000 is not a ZIP code we know" in form.errors["near"][0]


def test_the_phones_location_is_a_starting_point():
    form = DirectorySearchForm({"lat": "40.44", "lon": "-79.95", "within": "5"})
    assert form.is_valid()
    assert form.criteria().origin == Point(40.44, -79.95)
    assert form.criteria().within_miles == 5


def test_a_distance_without_a_starting_point_is_refused():
    form = DirectorySearchForm({"within": "5"})
    assert not form.is_valid()
    assert "Give a ZIP code or use your location" in form.errors["within"][0]


@time_machine.travel(FRIDAY_MORNING, tick=False)
def test_the_search_page_shows_what_a_peer_needs_on_a_phone(cast):
    terms = terms_by_code(cast.program)
    a_service(
        cast.program,
        "Sunrise Bupe",
        organization="Sunrise Health",
        categories=["treatment.buprenorphine", "features.same_day_start"],
        phone="412-555-0101",
        terms=terms,
    )
    response = cast.client_for(cast.peer).get(
        reverse("directory:search"), {"need": "treatment", "near": "15213", "open_now": "on"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    for text in (
        "Sunrise Bupe",
        "Sunrise Health",
        "Buprenorphine",
        "Same-day start",
        "Open now",
        "9:00 AM–5:00 PM",
        'href="tel:412-555-0101"',
        "100 Example St",
        "Possibly out of date",
        "mi",
    ):
        assert text in html, text


def test_the_search_page_keeps_its_query_budget_however_many_services_match(cast):
    terms = terms_by_code(cast.program)
    client = cast.client_for(cast.peer)
    url = reverse("directory:search")
    query = {"need": "treatment", "near": "15213", "open_now": "on", "within": "25"}
    with time_machine.travel(FRIDAY_MORNING, tick=False):
        a_service(cast.program, "One", categories=["treatment"], terms=terms)
        with assert_within_budget("directory:search") as few:
            client.get(url, query)
        for n in range(30):
            a_service(cast.program, f"Many {n}", categories=["treatment.methadone"], terms=terms, languages=["es"])
        with assert_within_budget("directory:search") as many:
            client.get(url, query)
    assert len(few) == len(many)


@pytest.mark.parametrize("role", ["partner", "provider", "analyst", "first_responder", "law_enforcement"])
def test_roles_outside_the_team_may_not_search(cast, role):
    assert cast.client_for(getattr(cast, role)).get(reverse("directory:search")).status_code == 403


def test_a_service_of_another_program_answers_404(cast):
    other = a_service(cast.other_program, "Elsewhere")
    assert cast.client_for(cast.peer).get(reverse("directory:service", args=[other.pk])).status_code == 404
