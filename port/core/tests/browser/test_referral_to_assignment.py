"""The foundation's whole path on a phone: an emergency department sends a referral, the supervisor
finds it at the right place in the queue and assigns it to a peer without leaving the page."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from port.referrals.models import Referral, ReferralChange, Status
from port.testing.browser import sign_in, sign_out
from port.testing.factories import submit_referral

pytestmark = pytest.mark.browser


def test_a_partner_sends_a_referral_on_a_phone_and_the_supervisor_assigns_it_from_the_queue(page: Page, cast):
    now = timezone.now()
    # Deadlines either side of the new high-acuity referral's (now + 24 h): one overdue, one later.
    overdue = submit_referral(
        cast.program,
        agency=cast.two_one_one,
        acuity="standard",
        received_at=now - dt.timedelta(days=4),
        first_name="Olive",
        last_name="Overdue",
        phone="412-555-0101",
    )
    later = submit_referral(
        cast.program,
        agency=cast.two_one_one,
        acuity="standard",
        received_at=now,
        first_name="Lena",
        last_name="Later",
        phone="412-555-0102",
    )
    assert overdue.contact_deadline < now < later.contact_deadline

    # The partner, on the phone, sends only a name, a phone number and the acuity.
    sign_in(page, cast.partner)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="New referral").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New referral")
    page.get_by_label("First name").fill("Jordan")
    page.get_by_label("Last name").fill("Rivers")
    page.get_by_label("Phone").fill("412-555-0123")
    page.get_by_role("radio", name=re.compile(r"^High risk")).check()
    page.get_by_role("button", name="Send referral").click()

    expect(page).to_have_url(re.compile(r"/referrals/sent/$"))
    expect(page.get_by_role("status")).to_contain_text("Referral sent. The team will try to reach the person by")
    sent_row = page.locator("tbody tr").filter(has_text="Jordan R.")
    expect(sent_row).to_contain_text("Received")
    # The partner sees a first name and an initial, never the whole record.
    expect(page.get_by_text("Jordan Rivers")).to_have_count(0)

    sign_out(page)

    # The supervisor's queue: overdue first, then by deadline, so the new one sits between the two.
    sign_in(page, cast.supervisor)
    expect(page).to_have_url(re.compile(r"/referrals/$"))
    names = page.locator("table.queue-table tbody tr th")
    expect(names).to_have_text(["Olive Overdue", "Jordan Rivers", "Lena Later"])
    new = Referral.objects.get(participant__last_name="Rivers")
    assert (new.acuity.code, new.status, new.referring_agency) == ("high", Status.RECEIVED, cast.ed)

    row = page.locator(f"#referral-{new.public_id}")
    expect(row).to_contain_text("Received")
    queue_url = page.url
    # A page load would wipe this; htmx swapping the row in place keeps it.
    page.evaluate("window.stillTheSamePage = true")
    before_assigning = timezone.now()
    row.get_by_label("Assign the referral of Jordan Rivers to").select_option(str(cast.peer.pk))
    row.get_by_role("button", name=re.compile(r"^Assign")).click()

    row = page.locator(f"#referral-{new.public_id}")
    expect(row.get_by_role("status")).to_contain_text("Assigned to Pat Tester")
    expect(row.locator("td[data-label='Status']")).to_have_text("Assigned")
    expect(row.locator("td[data-label='Assigned to'] p").first).to_have_text("Pat Tester")
    assert page.url == queue_url
    assert page.evaluate("window.stillTheSamePage") is True
    expect(names).to_have_text(["Olive Overdue", "Jordan Rivers", "Lena Later"])

    new.refresh_from_db()
    assert new.assigned_to == cast.peer.user
    assert new.status == Status.ASSIGNED
    change = new.changes.get(kind=ReferralChange.Kind.ASSIGNMENT)
    assert change.changed_by == cast.supervisor.user
    assert change.assigned_to == cast.peer.user
    assert (change.from_status, change.to_status) == (Status.RECEIVED, Status.ASSIGNED)
    assert before_assigning <= change.changed_at <= timezone.now()
