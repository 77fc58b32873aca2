"""The participant's page with a full timeline, and the notices page, on a 360 px phone and a desktop:
WCAG 2.1 AA (axe-core), no sideways scrolling, and the unread count in the menu."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from port.notifications.services import deadline_warnings_send
from port.outreach.models import EncounterItem
from port.outreach.services import (
    EncounterIn,
    ItemIn,
    TeamMemberIn,
    contact_attempt_record,
    encounter_record,
    supporter_save,
)
from port.participants.models import Participant
from port.participants.services import participant_create, participant_merge
from port.referrals.services import referral_assign
from port.supplies.models import Lot, StockLocation, SupplyItem
from port.supplies.services import stock_receive
from port.testing.browser import DESKTOP, PHONE, assert_accessible, assert_no_sideways_scroll
from port.testing.cast import Cast
from port.testing.factories import submit_referral

pytestmark = pytest.mark.browser


@pytest.fixture
def history(cast: Cast) -> Participant:
    """One person with something of every kind on their timeline, and a deadline warning for Pat."""
    earlier = submit_referral(
        cast.program,
        agency=cast.ed,
        by=cast.partner,
        first_name="Morgan",
        last_name="Rivers",
        phone="412-555-0177",
        received_at=timezone.now() - dt.timedelta(days=3),
    )
    earlier = referral_assign(referral=earlier, assignee=cast.peer, by=cast.supervisor)
    participant = earlier.participant
    contact_attempt_record(
        by=cast.peer,
        referral=earlier,
        mode="phone",
        outcome="no_answer",
        attempted_at=timezone.now() - dt.timedelta(days=2, hours=20),
        team=[TeamMemberIn(role="peer", user=cast.peer.user), TeamMemberIn(role="ems", name="J. Ruiz")],
    )
    sister = supporter_save(
        by=cast.peer,
        participant=participant,
        first_name="Robin",
        relationship="sister",
        consent_to_contact=True,
        needs="Counseling for her children",
    )
    lot = Lot.objects.create(
        item=SupplyItem.objects.get(program=cast.program, name="Naloxone nasal spray 4 mg"),
        lot_number="NX-2291",
        expires_on=cast.program.today() + dt.timedelta(days=300),
    )
    office = StockLocation.objects.get(program=cast.program, name="Office")
    stock_receive(by=cast.supervisor, lot=lot, location=office, quantity=10)
    encounter_record(
        by=cast.peer,
        participant=participant,
        referral=earlier,
        data=EncounterIn(
            mode="in_person",
            place="home",
            duration_minutes=45,
            supporters_present=[sister],
            occurred_at=timezone.now() - dt.timedelta(days=2),
            stage_of_change="contemplation",
            readiness=5,
            goals="Keep my apartment",
            next_steps="Call the clinic on Monday",
            notes="Sensitive details",
            items=[
                ItemIn(kind=EncounterItem.Kind.SUPPLY, quantity=2, lot=lot, location=office),
                ItemIn(kind=EncounterItem.Kind.NALOXONE_TRAINING, recipient_type="supporter", supporter=sister),
            ],
        ),
    )
    twin = participant_create(program=cast.program, first_name="Morgan", last_name="Rivera", phone="+14125550178")
    participant_merge(survivor=participant, absorbed=twin, by=cast.supervisor)
    # A new overdose: a second referral, 20 hours into its 24-hour window with no attempt yet.
    later = submit_referral(
        cast.program,
        agency=cast.ed,
        by=cast.partner,
        first_name="Morgan",
        last_name="Rivers",
        phone="412-555-0177",
        received_at=timezone.now() - dt.timedelta(hours=20),
    )
    referral_assign(referral=later, assignee=cast.peer, by=cast.supervisor)
    assert later.participant_id == participant.pk
    assert deadline_warnings_send() == 1  # the later referral, due soon; the earlier one was reached
    return participant


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_participants_timeline_page_is_accessible_and_fits_the_screen(
    new_page, start_session, cast: Cast, history: Participant, viewport
):
    page = new_page(viewport)
    start_session(page, cast.peer)
    page.goto(f"/participants/{history.public_id}/")
    expect(page.get_by_role("region", name="Next")).to_contain_text("(no attempt yet)")
    timeline = page.get_by_role("region", name="Timeline").locator("ol > li")
    expect(timeline.filter(has_text="Record merged in")).to_contain_text("Morgan Rivera")
    expect(timeline.filter(has_text="Naloxone training, to Robin (sister)")).to_have_count(1)
    assert_accessible(page)
    assert_no_sideways_scroll(page)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_notices_page_is_accessible_and_fits_the_screen(
    new_page, start_session, cast: Cast, history: Participant, viewport
):
    page = new_page(viewport)
    start_session(page, cast.peer)
    page.goto("/referrals/mine/")
    menu = page.get_by_role("navigation", name="Main")
    # The deadline notice, and the notice that the person's second referral came to this peer.
    menu.get_by_role("link", name="Notices (2) unread").click()
    expect(page.get_by_role("heading", name="Notices")).to_be_visible()
    expect(page.locator("main li").first).to_contain_text("Unread")
    assert_accessible(page)
    assert_no_sideways_scroll(page)
    page.get_by_role("button", name="Mark all read").click()
    expect(page.get_by_role("status")).to_contain_text("2 notices marked read.")
    expect(menu.get_by_role("link", name="Notices", exact=True)).to_be_visible()
