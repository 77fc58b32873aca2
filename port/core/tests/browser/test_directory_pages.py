"""On a phone: a peer searches the directory by need, ZIP code and "open now", adds two results to a
person's resource list, saves it in Spanish and opens the printable page. The search page and the
printable list pass axe (WCAG 2.1 AA) and fit 320 and 360 px."""

import re

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from port.testing.browser import PHONE, assert_accessible, assert_no_sideways_scroll
from port.testing.cast import Cast
from port.testing.directory import a_service, terms_by_code
from port.testing.outreach import a_participant

pytestmark = pytest.mark.browser

NARROW: ViewportSize = {"width": 320, "height": 640}
ALWAYS = [("MO,TU,WE,TH,FR,SA,SU", "00:00", "00:00")]  # open whenever the test runs


def _usable_at_320_and_360(page: Page) -> None:
    for viewport in (NARROW, PHONE):
        page.set_viewport_size(viewport)
        assert_accessible(page)
        assert_no_sideways_scroll(page)


def test_a_peer_finds_open_treatment_near_a_zip_and_prints_a_spanish_list(new_page, start_session, cast: Cast) -> None:
    terms = terms_by_code(cast.program)
    a_service(
        cast.program,
        "Sunrise Bupe Clinic with a Rather Long Name for a Small Screen",
        organization="Sunrise Community Health Partners",
        categories=["treatment.buprenorphine", "features.same_day_start", "features.walk_in"],
        hours=ALWAYS,
        phone="412-555-0101",
        languages=["es"],
        terms=terms,
    )
    a_service(
        cast.program,
        "Oakland Recovery",
        categories=["treatment.methadone", "features.accepts_medicaid"],
        hours=ALWAYS,
        zip_code="15222",
        at=None,  # counted at its ZIP code's centroid
        phone="412-555-0102",
        terms=terms,
    )
    a_service(cast.program, "Night Pantry", categories=["food"], hours=ALWAYS, terms=terms)
    participant = a_participant(cast.program, cast.peer, first_name="Dana", last_name="Rivera")

    page = new_page()
    start_session(page, cast.peer)
    page.goto(f"/participants/{participant.public_id}/resources/new/")
    page.get_by_role("link", name="Find resources to add").click()
    page.get_by_label("Need").select_option("treatment")
    page.get_by_label("Near (ZIP code)").fill("15213")
    page.get_by_label("Open now").check()
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name=re.compile("^2 resources found"))).to_be_visible()
    results = page.locator(".directory-result")
    expect(results.first).to_contain_text("Sunrise Bupe Clinic")  # nearest first
    expect(results.first).to_contain_text("Open now")
    expect(results.first.get_by_role("link", name="412-555-0101")).to_have_attribute("href", "tel:412-555-0101")
    _usable_at_320_and_360(page)

    page.get_by_label(re.compile("^Add Sunrise Bupe Clinic")).check()
    page.get_by_label("Add Oakland Recovery to the list").check()
    page.get_by_role("button", name="Add the ticked resources to the list").click()
    expect(page.get_by_role("heading", name="2 resources on the list")).to_be_visible()
    page.get_by_label("Dana Rivera").check()
    page.get_by_label("Español").check()
    page.get_by_role("button", name="Save the list").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Resource list")
    text = page.get_by_role("textbox", name=re.compile("^Copy and send")).input_value()
    assert "Recursos" in text and "412-555-0101" in text

    page.get_by_role("link", name="Printable page").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Recursos"))
    expect(page.get_by_role("heading", name="Oakland Recovery")).to_be_visible()
    body = page.locator("body").inner_text().lower()
    for word in ("overdose", "opioid", "naloxone", "sobredosis", "opioide", "naloxona"):
        assert word not in body
    _usable_at_320_and_360(page)
