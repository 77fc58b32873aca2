"""Outreach on the referral page: figures derived from the stamps, the attempts with their team, and the
attempt policy's offer to close as unable to reach, which only a supervisor takes."""

import datetime as dt
from typing import cast

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from port.accounts.http import PortRequest
from port.audit.models import AuditEvent
from port.outreach.models import Mode, Outcome, TeamRole
from port.outreach.selectors import referral_outreach_summary
from port.outreach.services import TeamMemberIn, contact_attempt_record
from port.referrals.models import Referral, Status
from port.referrals.selectors import referral_get
from port.testing.outreach import assigned_referral


def log(cast, referral, outcome=Outcome.NO_ANSWER, mode=Mode.PHONE, *, at: dt.datetime, **kwargs):
    return contact_attempt_record(
        by=cast.peer,
        referral=Referral.objects.get(pk=referral.pk),
        mode=mode,
        outcome=outcome,
        attempted_at=at,
        **kwargs,
    )


def summary_for(viewer, referral):
    return referral_outreach_summary(
        viewer=viewer, referral=referral_get(viewer=viewer, public_id=referral.public_id, for_update=True)
    )


def rendered(viewer, referral) -> str:
    """The include as the referral page renders it, for this viewer."""
    request = cast(PortRequest, RequestFactory().get("/"))
    request.user, request.membership = viewer.user, viewer
    return render_to_string(
        "outreach/_referral_outreach.html",
        {"outreach": summary_for(viewer, referral), "membership": viewer},
        request=request,
    )


@pytest.fixture
def exhausted(cast, time_machine) -> Referral:
    """3 attempts over 7 days in 2 modes, nobody reached: received at 9 am in New York on 1 June, the
    attempts on 1, 4 and 7 June (9 pm) in the program's zone, now on 10 June."""
    time_machine.move_to(dt.datetime(2026, 6, 10, 13, 0, tzinfo=dt.UTC), tick=False)
    referral = assigned_referral(cast, days_ago=9)
    start = referral.received_at
    log(cast, referral, at=start + dt.timedelta(hours=2))
    log(cast, referral, Outcome.LEFT_MESSAGE, Mode.TEXT, at=start + dt.timedelta(days=3))
    log(cast, referral, Outcome.WRONG_NUMBER, Mode.PHONE, at=start + dt.timedelta(days=6.5))
    return Referral.objects.get(pk=referral.pk)


def test_the_figures_are_derived_from_the_stamps(cast):
    referral = assigned_referral(cast, days_ago=2)  # high acuity: 24 hours
    log(cast, referral, at=referral.received_at + dt.timedelta(hours=5, minutes=20))
    log(cast, referral, Outcome.REACHED_PARTICIPANT, Mode.IN_PERSON, at=referral.received_at + dt.timedelta(hours=30))
    summary = summary_for(cast.peer, referral)
    assert summary.first_attempt.elapsed == dt.timedelta(hours=5, minutes=20)
    assert summary.first_attempt.met is True
    assert summary.first_contact.elapsed == dt.timedelta(hours=30)
    assert summary.first_contact.met is False
    html = rendered(cast.peer, referral)
    assert "5 h 20 min" in html and "1 d 6 h" in html
    assert "met the deadline" in html and "missed the deadline" in html


def test_without_attempts_the_figures_say_whether_the_deadline_has_passed(cast):
    fresh = assigned_referral(cast, days_ago=0.1)
    overdue = assigned_referral(cast, days_ago=2, first_name="Dana", last_name="Quill", phone="412-555-0199")
    assert summary_for(cast.peer, fresh).first_attempt.met is None
    assert summary_for(cast.peer, overdue).first_attempt.met is False
    assert "No attempt yet; the deadline has passed" in rendered(cast.peer, overdue)


def test_attempts_are_listed_with_who_went(cast):
    referral = assigned_referral(cast)
    log(
        cast,
        referral,
        Outcome.NOT_AT_ADDRESS,
        Mode.IN_PERSON,
        at=timezone.now() - dt.timedelta(hours=1),
        team=[TeamMemberIn(role=TeamRole.PEER, user=cast.peer.user), TeamMemberIn(role=TeamRole.EMS, name="Jo Ruiz")],
        note="Neighbor says try mornings",
    )
    html = rendered(cast.peer, referral)
    assert "Not at the address" in html
    assert "Pat Tester (Peer specialist), Jo Ruiz (EMS)" in html
    assert "Neighbor says try mornings" in html
    assert reverse("outreach:attempt_new", args=[referral.public_id]) in html


def test_the_summary_is_audited_and_its_queries_do_not_grow_with_attempts(cast):
    referral = assigned_referral(cast, days_ago=3)
    log(cast, referral, at=referral.received_at + dt.timedelta(hours=1))
    viewer = cast.peer
    loaded = referral_get(viewer=viewer, public_id=referral.public_id, for_update=True)
    with CaptureQueriesContext(connection) as one:
        referral_outreach_summary(viewer=viewer, referral=loaded)
    for hours in range(2, 8):
        log(
            cast,
            referral,
            mode=Mode.TEXT,
            at=referral.received_at + dt.timedelta(hours=hours),
            team=[TeamMemberIn(role=TeamRole.PEER, user=cast.peer.user), TeamMemberIn(role=TeamRole.FIRE, name="Al")],
        )
    loaded = referral_get(viewer=viewer, public_id=referral.public_id, for_update=True)
    with CaptureQueriesContext(connection) as seven:
        summary = referral_outreach_summary(viewer=viewer, referral=loaded)
        [list(a.team.all()) for a in summary.attempts]
    assert len(summary.attempts) == 7
    assert len(seven) == len(one)
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.LIST, target_type="outreach.contactattempt", participant_ids=[referral.participant_id]
    ).exists()


@pytest.mark.parametrize("role", ["partner", "outsider"])
def test_nobody_outside_the_team_gets_a_summary(cast, referral, role):
    assert referral_outreach_summary(viewer=getattr(cast, role), referral=referral) is None


# --- the attempt policy ----------------------------------------------------------------------------


def test_a_supervisor_is_offered_closing_as_unable_to_reach(cast, exhausted):
    html = rendered(cast.supervisor, exhausted)
    assert "Attempt policy used up (3 attempts over 7 days, 2 modes): close as unable to reach?" in html
    assert reverse("outreach:close_unable_to_reach", args=[exhausted.public_id]) in html


def test_a_peer_sees_that_closing_was_offered_to_the_supervisor(cast, exhausted):
    html = rendered(cast.peer, exhausted)
    assert "Attempt policy used up (3 attempts over 7 days, 2 modes)" in html
    assert "offered to the supervisor" in html
    assert reverse("outreach:close_unable_to_reach", args=[exhausted.public_id]) not in html


def test_nothing_is_offered_before_the_policy_is_used_up(cast):
    referral = assigned_referral(cast, days_ago=9)
    log(cast, referral, at=referral.received_at + dt.timedelta(hours=2))
    log(cast, referral, mode=Mode.TEXT, at=referral.received_at + dt.timedelta(days=7))
    assert "Attempt policy used up" not in rendered(cast.supervisor, referral)


def close(cast, membership, referral):
    return cast.client_for(membership).post(
        reverse("outreach:close_unable_to_reach", args=[referral.public_id]), {"confirm": "yes"}
    )


def test_the_supervisor_closes_the_referral_as_unable_to_reach(cast, exhausted):
    response = close(cast, cast.supervisor, exhausted)
    assert response["Location"] == reverse("referrals:detail", args=[exhausted.public_id])
    referral = Referral.objects.get(pk=exhausted.pk)
    assert (referral.status, referral.closed_reason) == (Status.CLOSED, "unable_to_reach")


@pytest.mark.parametrize(("role", "status"), [("peer", 200), ("partner", 403), ("outsider", 404)])
def test_only_a_supervisor_of_the_program_can_close_it(cast, exhausted, role, status):
    response = close(cast, getattr(cast, role), exhausted)
    assert response.status_code == status
    if role == "peer":
        assert "the supervisor&#x27;s decision" in response.content.decode()
    assert Referral.objects.get(pk=exhausted.pk).status == Status.ATTEMPTING


def test_closing_is_refused_while_the_policy_is_not_used_up(cast, referral):
    response = close(cast, cast.supervisor, referral)
    assert response.status_code == 200
    assert "To close it now anyway, give the reason." in response.content.decode()
    assert Referral.objects.get(pk=referral.pk).status == Status.ASSIGNED


def test_asking_to_close_shows_the_confirmation_and_closes_nothing(cast, exhausted):
    response = cast.client_for(cast.supervisor).get(
        reverse("outreach:close_unable_to_reach", args=[exhausted.public_id])
    )
    assert response.status_code == 200
    assert "Yes, close as unable to reach" in response.content.decode()
    assert Referral.objects.get(pk=exhausted.pk).status == Status.ATTEMPTING
