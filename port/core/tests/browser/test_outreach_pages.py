"""The outreach pages on a 360 px phone: WCAG 2.1 AA (axe-core), no sideways scrolling, no request to
another host and no console error (the guards of port/core/tests/browser/conftest.py), and the choices a
peer makes with one thumb are at least 44 px tall."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from port.outreach.models import EncounterItem, Mode, Outcome
from port.outreach.services import EncounterIn, ItemIn, contact_attempt_record, encounter_record, encounter_update
from port.testing.browser import assert_accessible, assert_no_sideways_scroll
from port.testing.outreach import a_supporter, assigned_referral
from port.testing.supplies import receive

pytestmark = pytest.mark.browser


def check(page: Page) -> None:
    assert_no_sideways_scroll(page)
    assert_accessible(page)


def smallest_tap_target(page: Page, selector: str) -> float:
    return page.evaluate(
        """(selector) => Math.min(...[...document.querySelectorAll(selector)]
        .map(el => el.getBoundingClientRect().height))""",
        selector,
    )


def test_the_attempt_form_on_a_phone(page: Page, start_session, cast) -> None:
    referral = assigned_referral(cast, preferred_language="Spanish")
    a_supporter(cast.peer, referral.participant)
    start_session(page, cast.peer)
    page.goto(f"/outreach/referrals/{referral.public_id}/attempts/new/")
    expect(page.get_by_role("note")).to_contain_text("community outreach")
    assert smallest_tap_target(page, ".tiles label") >= 44
    # The text-message wording appears once "Text" is chosen, with a working copy button.
    expect(page.get_by_role("heading", name="Wording for a text message")).to_be_hidden()
    page.get_by_role("radio", name="Text", exact=True).check()
    expect(page.get_by_role("heading", name="Wording for a text message")).to_be_visible()
    expect(page.get_by_role("button", name="Copy").first).to_be_visible()
    check(page)
    page.get_by_role("button", name="Save the attempt").click()  # no outcome chosen
    expect(page.locator(".form-errors")).to_be_visible()
    expect(page.get_by_role("radio", name="Text", exact=True)).to_be_checked()
    check(page)


def test_the_encounter_form_and_page_on_a_phone(page: Page, start_session, cast, stock) -> None:
    referral = assigned_referral(cast)
    supporter = a_supporter(cast.peer, referral.participant)
    lot = stock.lot("NX-1")
    receive(cast, lot, stock.pat_bag, 5)
    attempt = contact_attempt_record(
        by=cast.peer, referral=referral, mode=Mode.IN_PERSON, outcome=Outcome.REACHED_PARTICIPANT
    )
    start_session(page, cast.peer)
    page.goto(f"/outreach/participants/{referral.participant.public_id}/encounters/new/?attempt={attempt.pk}")
    expect(page.get_by_role("radio", name="In person", exact=True)).to_be_checked()
    assert smallest_tap_target(page, ".tiles-small label") >= 44
    check(page)
    page.get_by_role("group", name="Naloxone nasal spray 4 mg").get_by_label("How many").fill("9")
    page.get_by_role("button", name="Save the encounter").click()
    expect(page.locator(".form-errors")).to_contain_text("cannot take 9")
    check(page)

    encounter = encounter_record(
        by=cast.peer,
        participant=referral.participant,
        data=EncounterIn(
            mode=Mode.IN_PERSON,
            supporters_present=[supporter],
            readiness=5,
            goals="Keep my apartment",
            items=[
                ItemIn(kind=EncounterItem.Kind.SUPPLY, quantity=2, lot=lot, location=stock.pat_bag),
                ItemIn(kind=EncounterItem.Kind.NALOXONE_TRAINING, recipient_type="supporter", supporter=supporter),
            ],
        ),
    )
    page.goto(f"/outreach/encounters/{encounter.pk}/")
    expect(page.get_by_text("5 out of 10")).to_be_visible()
    check(page)

    # An edit conflict: both versions side by side, still readable on a phone.
    page.goto(f"/outreach/encounters/{encounter.pk}/edit/")
    page.get_by_label("Their goals, in their own words").fill("Mine")
    encounter_update(
        by=cast.peer,
        encounter=encounter,
        version=1,
        goals="Theirs",
        occurred_at=timezone.now() - dt.timedelta(minutes=5),
    )
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("heading", name="Two versions")).to_be_visible()
    check(page)


def test_the_supporter_pages_on_a_phone(page: Page, start_session, cast) -> None:
    referral = assigned_referral(cast)
    a_supporter(cast.peer, referral.participant)
    start_session(page, cast.peer)
    page.goto(f"/outreach/participants/{referral.participant.public_id}/supporters/")
    check(page)
    page.get_by_role("link", name="Add a supporter").click()
    page.get_by_label("Phone").fill("12")
    page.get_by_role("button", name="Add the supporter").click()
    expect(page.locator(".form-errors")).to_be_visible()
    check(page)


@pytest.mark.parametrize("width", [320, 360])
def test_an_overdue_referral_with_no_attempt_fits_a_small_phone(new_page, start_session, cast, width) -> None:
    """The long "No attempt yet; the deadline has passed" badge wraps instead of widening the page."""
    referral = assigned_referral(cast, days_ago=3)
    page = new_page({"width": width, "height": 740})
    start_session(page, cast.peer)
    page.goto(f"/referrals/{referral.public_id}/")
    expect(page.locator(".badge-overdue").first).to_be_visible()
    assert_no_sideways_scroll(page)
