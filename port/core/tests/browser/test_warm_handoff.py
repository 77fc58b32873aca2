"""The path after the visit, on a phone: a peer finds a same-day buprenorphine provider open now near a
ZIP code, hands the person off warmly under their consent and prints the person's resource list in
Spanish; the provider signs in and marks the person attended; the peer sees it on the timeline, and the
person's check-ins are on the task list. Every page passes axe and fits the screen."""

import re

import pytest
from playwright.sync_api import Page, expect

from port.linkage.models import BusinessStatus, HandOff, Task, TaskKind, TaskStatus
from port.referrals.models import Status
from port.referrals.services import referral_transition
from port.testing.browser import DESKTOP, assert_accessible, assert_no_sideways_scroll
from port.testing.cast import Cast
from port.testing.directory import a_service
from port.testing.linkage import person_build

pytestmark = pytest.mark.browser

ALWAYS = [("MO,TU,WE,TH,FR,SA,SU", "00:00", "00:00")]  # open whenever the test runs


def _usable(page: Page) -> None:
    assert_accessible(page)
    assert_no_sideways_scroll(page)


def test_a_peer_hands_a_person_off_to_a_same_day_provider_and_the_provider_closes_the_loop(
    new_page, start_session, cast: Cast
) -> None:
    same_day = a_service(
        cast.program,
        "Riverside Same-Day Starts",
        organization=cast.treatment,
        categories=["treatment.buprenorphine", "features.same_day_start", "features.walk_in"],
        hours=ALWAYS,
        phone="412-555-0111",
    )
    a_service(  # buprenorphine too, but its hours are not known, so it is not "open now"
        cast.program,
        "Hours Unknown Bupe Clinic",
        categories=["treatment.buprenorphine", "features.same_day_start"],
        hours=(),
    )
    a_service(cast.program, "Far Away Same-Day", categories=["treatment.buprenorphine"], hours=ALWAYS, at=(41.5, -81.7))
    person = person_build(cast)  # Dana Whitfield, assigned to the peer, with a consent naming the clinic
    referral_transition(referral=person.referral, to_status=Status.REACHED, by=cast.peer)
    participant = person.participant

    peer = new_page()
    start_session(peer, cast.peer)
    peer.goto(f"/participants/{participant.public_id}/")
    peer.get_by_role("link", name="Refer to a service").first.click()
    expect(peer.get_by_role("heading", level=1)).to_contain_text("Dana")
    peer.get_by_role("link", name="Find the service in the directory").click()

    # The directory, remembering whom the peer is referring (the URL carries no one).
    assert str(participant.public_id) not in peer.url
    peer.get_by_label("Need").select_option("treatment.buprenorphine")
    peer.get_by_label("Near (ZIP code)").fill("15213")
    peer.get_by_label("Open now").check()
    peer.get_by_label("Same-day start").check()
    peer.get_by_role("button", name="Search").click()
    results = peer.locator(".directory-result")
    expect(results.first).to_contain_text("Riverside Same-Day Starts")  # nearest first, open now
    expect(results.first).to_contain_text("Open now")
    expect(peer.get_by_text("Hours Unknown Bupe Clinic")).to_have_count(0)
    _usable(peer)
    results.first.get_by_role("link", name="Refer to Riverside Same-Day Starts").click()

    # The warm hand-off, under the consent that names the clinic.
    expect(peer.get_by_label("Service (optional)")).to_have_value(str(same_day.pk))
    peer.get_by_label("What it is for").select_option("treatment.buprenorphine")
    peer.get_by_label("Accompanied in person").check()
    peer.get_by_role("group", name=re.compile("^What to share")).get_by_label("Name and date of birth").check()
    peer.get_by_label("Purpose of sharing").fill("A same-day buprenorphine start, with the peer there")
    _usable(peer)
    peer.get_by_role("button", name="Refer").click()
    expect(peer.get_by_role("status")).to_be_visible()
    handoff = HandOff.objects.get(participant=participant)
    assert (handoff.service, handoff.status, handoff.consent) == (same_day, TaskStatus.REQUESTED, person.consent)
    assert handoff.disclosure is not None
    _usable(peer)

    # The person's resource list, in Spanish, printable.
    peer.goto(f"/participants/{participant.public_id}/resources/new/")
    peer.get_by_role("link", name="Find resources to add").click()
    peer.get_by_label("Need").select_option("treatment.buprenorphine")
    peer.get_by_label("Near (ZIP code)").fill("15213")
    peer.get_by_role("button", name="Search").click()
    peer.get_by_label("Add Riverside Same-Day Starts to the list").check()
    peer.get_by_role("button", name="Add the ticked resources to the list").click()
    peer.get_by_label("Dana Whitfield").check()
    peer.get_by_label("Español").check()
    peer.get_by_role("button", name="Save the list").click()
    peer.get_by_role("link", name="Printable page").click()
    expect(peer.locator("html")).to_have_attribute("lang", "es")
    expect(peer.get_by_role("heading", name="Riverside Same-Day Starts")).to_be_visible()
    assert "overdose" not in peer.locator("body").inner_text().lower()
    _usable(peer)

    # The provider answers: accepted, then attended.
    provider = new_page(DESKTOP)
    start_session(provider, cast.provider)
    provider.goto("/")
    expect(provider.get_by_role("heading", level=1)).to_have_text("Shared with you")
    provider.get_by_role("link", name="Dana Whitfield").click()
    assert_accessible(provider)
    provider.get_by_role("button", name="Accept").click()
    provider.get_by_role("button", name="Attended").click()
    expect(provider.get_by_role("status")).to_be_visible()
    handoff.refresh_from_db()
    assert handoff.business_status == BusinessStatus.ATTENDED

    # The peer sees it on the timeline, and the check-ins are on the task list.
    peer.goto(f"/participants/{participant.public_id}/")
    expect(peer.locator("body")).to_contain_text("Attended")
    peer.get_by_role("navigation", name="Main").get_by_role("link", name="Tasks").click()
    check_ins = Task.objects.filter(referral=person.referral, kind=TaskKind.CHECK_IN)
    assert check_ins.count() == 3
    expect(peer.locator("main")).to_contain_text("Dana")
    _usable(peer)
