"""A peer's day in the field, on a phone: from "my queue", a phone call nobody answers, then a visit
that hands out two naloxone kits and trains the participant's sister; the bag's stock and the
participant's timeline follow."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from port.outreach.models import ContactAttempt, Encounter, EncounterItem, Outcome, Supporter
from port.referrals.models import Status
from port.referrals.services import referral_assign
from port.supplies.models import Lot, StockBalance, StockLocation, SupplyItem
from port.supplies.services import stock_receive
from port.testing.browser import assert_accessible, assert_no_sideways_scroll
from port.testing.cast import Cast
from port.testing.factories import submit_referral

pytestmark = pytest.mark.browser

NALOXONE = "Naloxone nasal spray 4 mg"


def _usable_on_a_phone(page: Page) -> None:
    assert_accessible(page)
    assert_no_sideways_scroll(page)


def test_a_peer_logs_a_failed_call_then_a_visit_that_gives_naloxone_and_trains_a_supporter(
    page: Page, start_session, cast: Cast
) -> None:
    referral = submit_referral(
        cast.program,
        agency=cast.ed,
        by=cast.partner,
        received_at=timezone.now() - dt.timedelta(hours=3),
        first_name="Morgan",
        last_name="Rivers",
        phone="412-555-0177",
    )
    referral_assign(referral=referral, assignee=cast.peer, by=cast.supervisor)
    participant = referral.participant
    naloxone = SupplyItem.objects.get(program=cast.program, name=NALOXONE)
    lot = Lot.objects.create(
        item=naloxone, lot_number="NX-2291", expires_on=cast.program.today() + dt.timedelta(days=300)
    )
    bag = StockLocation.objects.create(
        program=cast.program, name="Pat's bag", kind=StockLocation.Kind.BAG, holder=cast.peer.user
    )
    stock_receive(by=cast.supervisor, lot=lot, location=bag, quantity=5)
    start_session(page, cast.peer)

    # The bag holds five kits before the day starts.
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Supplies").click()
    bag_row = page.get_by_role("region", name=re.compile(r"^Pat's bag")).locator("tbody tr").filter(has_text=NALOXONE)
    expect(bag_row.locator("td[data-label='Quantity']")).to_have_text("5 kit")

    # From "my queue": the assigned referral, then a phone call nobody answers.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My queue").click()
    row = page.locator(f"#referral-{referral.public_id}")
    expect(row.locator("td[data-label='Status']")).to_have_text("Assigned")
    row.get_by_role("link", name="Log an attempt").click()
    expect(page.get_by_role("note")).to_contain_text("say nothing about the overdose")
    _usable_on_a_phone(page)
    page.get_by_role("radio", name="Phone", exact=True).check()
    page.get_by_role("radio", name="No place (a call or a text)").check()
    page.get_by_role("radio", name="No answer", exact=True).check()
    page.get_by_role("button", name="Save the attempt").click()
    expect(page.get_by_role("status")).to_contain_text("Attempt logged. The referral is now “Attempting contact”.")
    expect(page.locator(f"#referral-{referral.public_id} td[data-label='Status']")).to_have_text("Attempting contact")

    # The participant's sister, whom the participant agreed the team may talk with.
    page.goto(f"/participants/{participant.public_id}/")
    page.get_by_role("link", name="Add a supporter").click()
    page.get_by_label("First name").fill("Robin")
    page.get_by_label("Relationship to the participant").fill("sister")
    page.get_by_label("The participant agreed that the team may talk with this person").check()
    page.get_by_role("button", name="Add the supporter").click()
    expect(page.get_by_role("status")).to_contain_text("Supporter added.")

    # The visit: in person at home, two kits from the bag to the participant, the sister trained.
    page.goto(f"/participants/{participant.public_id}/")
    page.get_by_role("link", name="Add encounter").first.click()
    _usable_on_a_phone(page)
    page.get_by_role("radio", name="In person", exact=True).check()
    page.get_by_role("radio", name="Home", exact=True).check()
    page.get_by_role("group", name="Supporters who were there").get_by_label("Robin (sister)").check()
    kits = page.get_by_role("group", name=NALOXONE)
    kits.get_by_label("How many").fill("2")
    expect(kits.get_by_label("Lot")).to_contain_text("NX-2291")
    page.get_by_role("group", name="Naloxone training").get_by_label("Robin (sister)").check()
    page.get_by_role("button", name="Save the encounter").click()
    expect(page.get_by_role("status")).to_contain_text("Encounter saved.")

    # Stock went from five to three.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Supplies").click()
    expect(bag_row.locator("td[data-label='Quantity']")).to_have_text("3 kit")
    _usable_on_a_phone(page)

    # Both the call and the visit are on the participant's timeline, newest first.
    page.goto(f"/participants/{participant.public_id}/")
    timeline = page.get_by_role("region", name="Timeline").locator("ol > li")
    attempt_entry = timeline.filter(has_text="Contact attempt")
    encounter_entry = timeline.filter(has_text=re.compile(r"^\s*Encounter"))
    expect(attempt_entry).to_contain_text("Phone: No answer")
    expect(encounter_entry).to_contain_text("In person, home")
    expect(encounter_entry).to_contain_text(f"2 × {NALOXONE} (lot NX-2291), to Participant")
    expect(encounter_entry).to_contain_text("Naloxone training, to Robin (sister)")
    _usable_on_a_phone(page)

    # And in the database, through the services the pages called.
    attempt = ContactAttempt.objects.get(referral=referral)
    assert (attempt.mode, attempt.outcome) == ("phone", Outcome.NO_ANSWER)
    encounter = Encounter.objects.get(participant=participant)
    sister = Supporter.objects.get(participant=participant, consent_to_contact=True)
    assert list(encounter.supporters_present.all()) == [sister]
    given = encounter.items.get(kind=EncounterItem.Kind.SUPPLY)
    assert (given.quantity, given.lot, given.recipient_type) == (2, lot, EncounterItem.Recipient.PARTICIPANT)
    trained = encounter.items.get(kind=EncounterItem.Kind.NALOXONE_TRAINING)
    assert (trained.recipient_type, trained.supporter) == (EncounterItem.Recipient.SUPPORTER, sister)
    assert StockBalance.objects.get(lot=lot, location=bag).quantity == 3
    referral.refresh_from_db()
    assert referral.status == Status.ATTEMPTING
    assert referral.first_attempt_at == attempt.attempted_at
