"""The referral page and its status buttons: who may see and change it, what it shows, what it refuses."""

import datetime as dt
import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from port.accounts.models import User
from port.audit.models import AuditEvent
from port.referrals.intake import OverdoseDetails, ParticipantDetails, ReferralSubmission, referral_intake
from port.referrals.models import Channel, ClosingReason, Referral, ReferralChange, Source, Status
from port.referrals.services import referral_assign, referral_transition
from port.testing.factories import submit_referral


@pytest.fixture
def referral(cast) -> Referral:
    return submit_referral(cast.program, agency=cast.ed, by=cast.partner, first_name="Morgan", last_name="Rivers")


def detail_url(referral: Referral) -> str:
    return reverse("referrals:detail", args=[referral.public_id])


def transition_url(referral: Referral) -> str:
    return reverse("referrals:transition", args=[referral.public_id])


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def page(cast, referral, membership=None) -> str:
    response = cast.client_for(membership or cast.supervisor).get(detail_url(referral))
    assert response.status_code == 200
    return response.content.decode()


def buttons(html: str) -> list[str]:
    return re.findall(r'<button type="submit" name="to_status" value="(\w+)"', html)


# --- who may see it ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("admin", 200),
        ("supervisor", 200),
        ("peer", 200),
        ("peer2", 200),
        ("partner", 404),  # even the partner who sent it: partners see a status, never the record
        ("partner_211", 404),
        ("outsider", 404),
    ],
)
def test_each_role_may_or_may_not_see_a_referral(cast, referral, role, status):
    response = cast.client_for(getattr(cast, role)).get(detail_url(referral))
    assert response.status_code == status
    if status == 404:
        assert "Morgan" not in response.content.decode()


def test_anonymous_visitors_are_sent_to_sign_in(client, referral):
    response = client.get(detail_url(referral))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


def test_a_user_with_no_program_is_refused(client, referral):
    user = User.objects.create_user(username="nobody", password="x" * 16)
    client.force_login(user)
    assert client.get(detail_url(referral)).status_code == 403


def test_a_referral_of_another_program_is_not_found_for_this_programs_team(cast):
    theirs = submit_referral(cast.other_program, agency=cast.other_agency)
    assert cast.client_for(cast.supervisor).get(detail_url(theirs)).status_code == 404
    assert cast.client_for(cast.peer).get(detail_url(theirs)).status_code == 404


def test_an_unknown_referral_is_not_found(cast):
    url = reverse("referrals:detail", args=["00000000-0000-4000-8000-000000000000"])
    assert cast.client_for(cast.supervisor).get(url).status_code == 404


def test_viewing_a_referral_is_audited(cast, referral):
    page(cast, referral, cast.peer)
    event = AuditEvent.objects.get(action=AuditEvent.Action.VIEW)
    assert (event.user_id, event.role, event.participant_ids) == (cast.peer.user_id, "peer", [referral.participant_id])


# --- what it shows -----------------------------------------------------------------------------------


@pytest.fixture
def full_referral(cast) -> Referral:
    received = dt.datetime(2025, 3, 8, 20, 0, tzinfo=dt.UTC)  # 3 pm EST
    result = referral_intake(
        program=cast.program,
        channel=Channel.STAFF_FORM,
        agency=cast.ed,
        submitted_by=cast.partner,
        submission=ReferralSubmission(
            source=Source.EMERGENCY_DEPARTMENT,
            acuity="elevated",
            received_at=received,
            available_from=dt.datetime(2025, 3, 9, 1, 30, tzinfo=dt.UTC),  # 8:30 pm EST, expected discharge
            participant=ParticipantDetails(
                first_name="Robin",
                last_name="Hale",
                preferred_name="Rob",
                date_of_birth=dt.date(1990, 4, 2),
                phone="412-555-0142",
                location_notes="Under the 5th St bridge",
                preferred_language="Spanish",
            ),
            overdose=OverdoseDetails(
                occurred_at=dt.datetime(2025, 3, 8, 18, 15, tzinfo=dt.UTC),
                location="Market Square",
                substances=["fentanyl", "xylazine"],
                naloxone_doses=2,
                naloxone_given_by="ems",
                transported=True,
            ),
            consent_to_contact=True,
            notes="Prefers texts after 6 pm.",
            external_id="ED-2025-0042",
        ),
    )
    return result.referral


def test_the_page_shows_the_person_the_overdose_and_the_source(cast, full_referral):
    html = page(cast, full_referral)
    participant_url = reverse("participants:detail", args=[full_referral.participant.public_id])
    assert f'<a href="{participant_url}">Rob Hale: full record and history</a>' in html
    assert "<h1>Rob Hale</h1>" in html
    assert "Apr 2, 1990" in html
    assert '<a href="tel:+14125550142">(412) 555-0142</a>' in html
    assert "Under the 5th St bridge" in html and "Spanish" in html
    assert "Market Square" in html and "fentanyl, xylazine" in html
    assert "2 doses, given by: EMS" in html
    assert "Riverside General ED" in html and "Emergency department" in html and "ED-2025-0042" in html
    assert "Prefers texts after 6 pm." in html
    assert "Elevated (contact within 48 hours)" in html


def test_the_times_are_shown_in_the_programs_time_zone(cast, full_referral):
    html = page(cast, full_referral)
    assert ">Mar 8, 2025, 3:00 PM EST</time>" in html  # received
    assert ">Mar 8, 2025, 8:30 PM EST</time>" in html  # available from
    assert ">Mar 8, 2025, 1:15 PM EST</time>" in html  # the overdose
    # 48 real hours from the discharge, across the spring change: an hour later on the wall clock.
    assert ">Mar 10, 2025, 9:30 PM EDT</time>" in html
    assert "America/New_York" in html


def test_the_page_says_how_long_the_referral_is_overdue(cast, full_referral):
    html = page(cast, full_referral)
    assert re.search(r'<span class="badge badge-overdue">\d+ d \d+ h overdue</span>', html)


def test_a_reached_referral_says_reached_instead_of_time_left(cast, referral):
    referral_assign(referral=referral, assignee=cast.peer, by=cast.supervisor)
    referral_transition(referral=referral, to_status=Status.REACHED, by=cast.peer)
    html = page(cast, referral)
    assert '<span class="badge badge-neutral">Reached</span>' in html
    assert " left</span>" not in html


def test_the_history_says_who_did_what_and_when(cast, referral):
    referral_assign(referral=referral, assignee=cast.peer, by=cast.supervisor)
    referral_transition(referral=referral, to_status=Status.ATTEMPTING, by=cast.peer)
    referral_assign(referral=referral, assignee=cast.peer2, by=cast.admin)
    referral_transition(referral=referral, to_status=Status.CLOSED, by=cast.peer2, reason=ClosingReason.DECLINED)
    html = page(cast, referral)
    history = re.findall(r"<li><time [^>]*>[^<]+</time> · ([^<]+)</li>", html)
    assert history == [
        "Erin Tester: Referral received (Referral form)",
        "Sam Tester: Assigned to Pat Tester; status Received → Assigned",
        "Pat Tester: Status Assigned → Attempting contact",
        "Adele Tester: Re-assigned from Pat Tester to Quinn Tester",
        "Quinn Tester: Status Attempting contact → Closed (Declined further contact)",
    ]


def test_a_referral_sent_without_a_signed_in_user_names_its_agency_or_channel(cast):
    from_api = submit_referral(cast.program, agency=cast.two_one_one, channel=Channel.API, first_name="Api")
    public = submit_referral(
        cast.program, channel=Channel.PUBLIC_FORM, source=Source.FAMILY, first_name="Pub", phone="412-555-0177"
    )
    assert "Riverside 2-1-1: Referral received (API)" in page(cast, from_api)
    assert "Ask-for-help page: Referral received (Ask-for-help page)" in page(cast, public)


# --- the next steps offered ----------------------------------------------------------------------------


def test_a_received_referral_offers_assigning_and_closing_to_a_supervisor(cast, referral):
    html = page(cast, referral)
    assert buttons(html) == []  # "assigned" comes from choosing a person, not from a button
    assert f'action="{reverse("referrals:assign", args=[referral.public_id])}"' in html
    assert f'name="next" value="{detail_url(referral)}"' in html
    assert '<select name="reason" required id="id_reason">' in html
    assert '<option value="declined">Declined further contact</option>' in html
    assert "Close the referral" in html


def test_an_assigned_referral_offers_the_allowed_next_statuses(cast, referral):
    referral_assign(referral=referral, assignee=cast.peer, by=cast.supervisor)
    html = page(cast, referral, cast.peer)
    assert buttons(html) == ["attempting", "reached"]
    assert "Close the referral" in html  # the assigned peer may close it


def test_an_attempting_referral_can_only_be_reached_or_closed(cast, referral):
    referral_assign(referral=referral, assignee=cast.peer, by=cast.supervisor)
    referral_transition(referral=referral, to_status=Status.ATTEMPTING, by=cast.peer)
    html = page(cast, referral, cast.peer)
    assert buttons(html) == ["reached"]
    assert "Close the referral" in html


def test_a_peer_who_is_not_assigned_is_not_offered_closing_or_assigning(cast, referral):
    referral_assign(referral=referral, assignee=cast.peer, by=cast.supervisor)
    html = page(cast, referral, cast.peer2)
    assert buttons(html) == ["attempting", "reached"]
    assert "Close the referral" not in html
    assert reverse("referrals:assign", args=[referral.public_id]) not in html


def test_a_closed_referral_offers_nothing(cast, referral):
    referral_transition(referral=referral, to_status=Status.CLOSED, by=cast.supervisor, reason=ClosingReason.MOVED)
    html = page(cast, referral)
    assert buttons(html) == []
    assert "Close the referral" not in html
    assert reverse("referrals:assign", args=[referral.public_id]) not in html
    assert "Closed: Moved away." in html


def test_the_assign_form_on_the_page_preselects_the_current_peer(cast, referral):
    referral_assign(referral=referral, assignee=cast.peer2, by=cast.supervisor)
    html = page(cast, referral, cast.admin)
    assert f'<option value="{cast.peer2.pk}" selected>' in html
    assert ">Re-assign</button>" in html


# --- status changes through the page ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("partner", 403),
        ("partner_211", 403),
        ("outsider", 404),
    ],
)
def test_people_outside_the_team_cannot_change_a_status(cast, referral, role, status):
    response = cast.client_for(getattr(cast, role)).post(
        transition_url(referral), {"to_status": Status.CLOSED, "reason": ClosingReason.OTHER}
    )
    assert response.status_code == status
    referral.refresh_from_db()
    assert referral.status == Status.RECEIVED


def test_anonymous_visitors_cannot_change_a_status(client, referral):
    response = client.post(transition_url(referral), {"to_status": Status.CLOSED, "reason": ClosingReason.OTHER})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    referral.refresh_from_db()
    assert referral.status == Status.RECEIVED


def test_changing_a_status_is_a_post_only(cast, referral):
    assert cast.client_for(cast.supervisor).get(transition_url(referral)).status_code == 405


@pytest.mark.parametrize("role", ["admin", "supervisor", "peer", "peer2"])
def test_every_team_role_may_move_a_referral_on_and_the_change_records_who(cast, referral, role):
    referral_assign(referral=referral, assignee=cast.peer, by=cast.supervisor)
    member = getattr(cast, role)
    response = cast.client_for(member).post(transition_url(referral), {"to_status": Status.ATTEMPTING})
    assert response.status_code == 302
    assert response["Location"] == detail_url(referral)
    assert messages_of(response) == ["The referral is now “Attempting contact”."]
    change = referral.changes.last()
    assert (change.kind, change.from_status, change.to_status, change.changed_by_id) == (
        ReferralChange.Kind.STATUS,
        Status.ASSIGNED,
        Status.ATTEMPTING,
        member.user_id,
    )


def test_closing_with_a_reason_through_the_page(cast, referral):
    client = cast.client_for(cast.supervisor)
    response = client.post(
        transition_url(referral), {"to_status": Status.CLOSED, "reason": ClosingReason.OUT_OF_AREA}, follow=True
    )
    html = response.content.decode()
    assert "Done:</strong> The referral is now “Closed”." in html
    assert "Closed: Outside the program&#x27;s area." in html
    referral.refresh_from_db()
    assert (referral.status, referral.closed_reason) == (Status.CLOSED, ClosingReason.OUT_OF_AREA)


@pytest.mark.parametrize(
    ("setup", "data", "membership", "message"),
    [
        (
            "received",
            {"to_status": "reached"},
            "supervisor",
            "A referral that is “Received” cannot be moved to “Reached”.",
        ),
        ("received", {"to_status": "assigned"}, "supervisor", "Assign the referral to a peer specialist first."),
        ("received", {"to_status": "closed"}, "supervisor", "Choose why the referral is being closed."),
        (
            "assigned",
            {"to_status": "attempting", "reason": "declined"},
            "peer",
            "A reason is only given when closing a referral.",
        ),
        (
            "assigned",
            {"to_status": "closed", "reason": "declined"},
            "peer2",
            "Only a supervisor or the assigned peer can close this referral.",
        ),
        (
            "closed",
            {"to_status": "attempting"},
            "supervisor",
            "A referral that is “Closed” cannot be moved to “Attempting contact”.",
        ),
        ("closed", {"to_status": "reached"}, "supervisor", "A reopened referral goes back to “Assigned”."),
        (
            "closed",
            {"to_status": "assigned"},
            "supervisor",
            "Give a reason of at least 15 characters for reopening the referral.",
        ),
        ("received", {"to_status": "vanished"}, "supervisor", "“vanished” is not a referral status."),
        ("received", {}, "supervisor", "Choose the new status."),
        ("received", {"to_status": "closed", "reason": "bored"}, "supervisor", "“bored” is not a closing reason."),
    ],
)
def test_a_refused_change_is_explained_and_changes_nothing(cast, referral, setup, data, membership, message):
    if setup in ("assigned", "closed"):
        referral_assign(referral=referral, assignee=cast.peer, by=cast.supervisor)
    if setup == "closed":
        referral_transition(
            referral=referral, to_status=Status.CLOSED, by=cast.supervisor, reason=ClosingReason.GOALS_MET
        )
    referral.refresh_from_db()
    before = (referral.status, referral.changes.count())
    client = cast.client_for(getattr(cast, membership))
    response = client.post(transition_url(referral), data, follow=True)
    assert response.redirect_chain == [(detail_url(referral), 302)]
    html = response.content.decode()
    assert f'<strong class="message-label">Error:</strong> {message}' in html.replace("&#x27;", "'")
    referral.refresh_from_db()
    assert (referral.status, referral.changes.count()) == before


def test_a_status_change_is_audited(cast, referral):
    referral_assign(referral=referral, assignee=cast.peer, by=cast.supervisor)
    cast.client_for(cast.peer).post(transition_url(referral), {"to_status": Status.REACHED})
    event = AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE).latest("pk")
    assert (event.user_id, event.changes, event.path) == (
        cast.peer.user_id,
        {"status": ["assigned", "reached"]},
        transition_url(referral),
    )
