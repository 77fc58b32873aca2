"""Closing as unable to reach: only once the program's attempt policy is used up (3 attempts over 7 days
in 2 modes by default), unless a supervisor overrides with a written reason; always confirmed first."""

import datetime as dt
import html
import re

import pytest
import time_machine
from django.urls import reverse

from port.audit.models import AuditEvent
from port.outreach.models import Mode, Outcome
from port.outreach.services import contact_attempt_record
from port.referrals.models import ClosingReason, Referral, ReferralChange, Status
from port.referrals.services import ReferralChangeRefused, referral_assign, referral_transition
from port.testing.factories import submit_referral

NOW = dt.datetime(2026, 6, 10, 16, 0, tzinfo=dt.UTC)
RECEIVED = dt.datetime(2026, 6, 1, 14, 0, tzinfo=dt.UTC)  # 10 am in Riverside (New York)


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def referral(cast) -> Referral:
    """Received on June 1 and assigned to the peer; no attempt yet."""
    referral = submit_referral(cast.program, agency=cast.ed, by=cast.partner, received_at=RECEIVED)
    return referral_assign(referral=referral, assignee=cast.peer, by=cast.supervisor)


def attempt(cast, referral, *, day: int, mode: str = Mode.PHONE) -> None:
    contact_attempt_record(
        by=cast.peer,
        referral=Referral.objects.get(pk=referral.pk),
        mode=mode,
        outcome=Outcome.NO_ANSWER,
        attempted_at=RECEIVED + dt.timedelta(days=day),
    )


@pytest.fixture
def used_up(cast, referral) -> Referral:
    """3 attempts from June 1 to June 8 by phone and text, nobody reached."""
    attempt(cast, referral, day=0)
    attempt(cast, referral, day=3, mode=Mode.TEXT)
    attempt(cast, referral, day=7)
    return Referral.objects.get(pk=referral.pk)


def close(referral, by, **kwargs) -> Referral:
    return referral_transition(
        referral=referral, to_status=Status.CLOSED, by=by, reason=ClosingReason.UNABLE_TO_REACH, **kwargs
    )


def still_open(referral) -> bool:
    return Referral.objects.get(pk=referral.pk).status != Status.CLOSED


# ---- the service ----


@pytest.mark.parametrize("role", ["peer", "supervisor", "admin"])
def test_closing_as_unable_to_reach_with_no_attempt_is_refused_for_every_role(cast, referral, role):
    with pytest.raises(ReferralChangeRefused) as refused:
        close(referral, getattr(cast, role))
    message = str(refused.value)
    assert "3 attempts over 7 days in 2 modes" in message
    assert "So far: 0 attempts over 0 days in 0 modes." in message
    assert still_open(referral)


def test_the_refusal_says_how_far_along_the_policy_is(cast, referral):
    attempt(cast, referral, day=0)
    attempt(cast, referral, day=2, mode=Mode.TEXT)
    with pytest.raises(ReferralChangeRefused, match=r"So far: 2 attempts over \d+ days in 2 modes\."):
        close(referral, cast.supervisor)


def test_a_supervisor_is_told_an_override_needs_a_reason_and_a_peer_that_only_a_supervisor_may(cast, referral):
    with pytest.raises(ReferralChangeRefused, match="give the reason"):
        close(referral, cast.supervisor)
    with pytest.raises(ReferralChangeRefused, match="Only a supervisor can close it before then"):
        close(referral, cast.peer)


@pytest.mark.parametrize("role", ["supervisor", "admin"])
def test_closing_is_allowed_once_the_policy_is_used_up(cast, used_up, role):
    closed = close(used_up, getattr(cast, role))
    assert (closed.status, closed.closed_reason) == (Status.CLOSED, ClosingReason.UNABLE_TO_REACH)
    change = closed.changes.filter(kind=ReferralChange.Kind.STATUS).last()
    assert (change.reason, change.override_reason) == (ClosingReason.UNABLE_TO_REACH, "")


@pytest.mark.parametrize("role", ["supervisor", "admin"])
def test_a_supervisor_overrides_with_a_reason_recorded_on_the_change_and_the_audit_entry(cast, referral, role):
    why = "Family confirmed the person has left the state for good."
    closed = close(referral, getattr(cast, role), override_reason=f"  {why} ")

    assert (closed.status, closed.closed_reason) == (Status.CLOSED, ClosingReason.UNABLE_TO_REACH)
    change = closed.changes.filter(kind=ReferralChange.Kind.STATUS).last()
    assert change.override_reason == why
    event = AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE, target_type="referrals.referral").first()
    assert event.reason == why
    assert event.flagged is True
    assert event.changes["attempt_policy"] == {
        "attempts": 0,
        "days": 0,
        "modes": 0,
        "used_up": False,
        "overridden": True,
    }


def test_even_once_the_policy_is_used_up_closing_is_the_supervisors_decision_not_the_peers(cast, used_up):
    with pytest.raises(ReferralChangeRefused, match="the supervisor's decision"):
        close(used_up, cast.peer)
    assert still_open(used_up)


def test_a_peer_may_never_override_the_policy(cast, referral):
    with pytest.raises(ReferralChangeRefused, match="Only a supervisor can close it before then"):
        close(referral, cast.peer, override_reason="I am sure they moved away, the neighbours said so.")
    assert still_open(referral)


def test_an_override_reason_of_a_few_characters_is_refused(cast, referral):
    with pytest.raises(ReferralChangeRefused, match="at least 15 characters"):
        close(referral, cast.supervisor, override_reason="moved")
    assert still_open(referral)


def test_an_override_reason_is_only_taken_when_closing_as_unable_to_reach(cast, referral):
    with pytest.raises(ReferralChangeRefused, match="only given when closing as unable to reach"):
        referral_transition(
            referral=referral,
            to_status=Status.CLOSED,
            by=cast.supervisor,
            reason=ClosingReason.DECLINED,
            override_reason="Because I say so, really.",
        )


# ---- every way to close goes through the rule and is confirmed first ----


def confirm_url(referral) -> str:
    return reverse("outreach:close_unable_to_reach", args=[referral.public_id])


def test_the_status_form_does_not_close_as_unable_to_reach_but_asks_for_confirmation(cast, used_up):
    response = cast.client_for(cast.supervisor).post(
        reverse("referrals:transition", args=[used_up.public_id]),
        {"to_status": Status.CLOSED, "reason": ClosingReason.UNABLE_TO_REACH},
    )
    assert response.status_code == 302
    assert response["Location"] == confirm_url(used_up)
    assert still_open(used_up)


def text_of(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def test_the_confirmation_says_what_the_policy_asks_and_how_far_along_it_is(cast, used_up):
    response = cast.client_for(cast.supervisor).get(confirm_url(used_up))
    assert response.status_code == 200
    page = text_of(response)
    assert "at least 3 attempts over 7 days in 2 modes" in page
    assert re.search(r"So far: 3 attempts over \d+ days in 2 modes\.", page)
    assert "The policy is used up." in page
    assert 'name="override_reason"' not in response.content.decode()
    assert still_open(used_up)


def test_before_the_policy_is_used_up_a_supervisor_is_asked_for_the_override_reason(cast, referral):
    response = cast.client_for(cast.supervisor).get(confirm_url(referral))
    assert "So far: 0 attempts over 0 days in 0 modes." in text_of(response)
    assert 'name="override_reason"' in response.content.decode()


def test_before_the_policy_is_used_up_a_peer_is_offered_no_way_to_close(cast, referral):
    response = cast.client_for(cast.peer).get(confirm_url(referral))
    assert response.status_code == 200
    assert "Only a supervisor can close it before then" in text_of(response)
    assert 'name="override_reason"' not in response.content.decode()
    assert 'name="confirm"' not in response.content.decode()


def test_confirming_closes_the_referral(cast, used_up):
    response = cast.client_for(cast.supervisor).post(confirm_url(used_up), {"confirm": "yes"})
    assert response["Location"] == reverse("referrals:detail", args=[used_up.public_id])
    assert not still_open(used_up)


def test_a_supervisor_overrides_from_the_confirmation_page(cast, referral):
    why = "The hospital says the person was transferred out of state."
    cast.client_for(cast.supervisor).post(confirm_url(referral), {"confirm": "yes", "override_reason": why})
    assert [change.override_reason for change in ReferralChange.objects.filter(referral=referral)][-1] == why
    assert not still_open(referral)


def test_a_refused_override_shows_the_reason_again_and_what_to_fix(cast, referral):
    response = cast.client_for(cast.supervisor).post(
        confirm_url(referral), {"confirm": "yes", "override_reason": "gone"}
    )
    assert response.status_code == 200
    assert "at least 15 characters" in text_of(response)
    assert re.search(r">\s*gone</textarea>", response.content.decode())
    assert 'id="error-summary"' in response.content.decode()
    assert still_open(referral)


def test_a_peer_cannot_close_from_the_confirmation_page_before_the_policy_is_used_up(cast, referral):
    response = cast.client_for(cast.peer).post(
        confirm_url(referral), {"confirm": "yes", "override_reason": "They moved away for good."}
    )
    assert response.status_code == 200
    assert "Only a supervisor can close it before then" in text_of(response)
    assert still_open(referral)


def test_once_the_policy_is_used_up_a_peer_is_told_the_supervisor_decides(cast, used_up):
    response = cast.client_for(cast.peer).get(confirm_url(used_up))
    assert "the supervisor's decision" in text_of(response)
    assert 'name="confirm"' not in response.content.decode()


def test_a_post_without_confirming_closes_nothing(cast, used_up):
    response = cast.client_for(cast.supervisor).post(confirm_url(used_up), {})
    assert response.status_code == 200
    assert still_open(used_up)
