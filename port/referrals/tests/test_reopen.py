"""Closing a case with an outcome and reopening it with a written reason."""

import pytest
from django.urls import reverse

from port.audit.models import AuditEvent
from port.outreach.models import Mode, Outcome
from port.outreach.services import contact_attempt_record
from port.referrals.models import CLOSING_REASONS_OFFERED, ClosingReason, Referral, ReferralChange, Status
from port.referrals.selectors import QueueFilters, referral_queue
from port.referrals.services import (
    ReferralChangeRefused,
    referral_reopen,
    referral_transition,
)
from port.referrals.signals import referral_status_changed
from port.testing.cast import make_member
from port.testing.factories import submit_referral
from port.testing.outreach import assigned_referral

WHY = "The person called the office and asked for help again."


def close(referral: Referral, by, reason=ClosingReason.DECLINED) -> Referral:
    return referral_transition(referral=referral, to_status=Status.CLOSED, by=by, reason=reason)


def test_every_outcome_of_following_up_is_offered_when_closing():
    offered = {reason.value for reason in CLOSING_REASONS_OFFERED}
    assert {
        "engaged_in_treatment",
        "goals_met",
        "declined",
        "unable_to_reach",
        "moved",
        "incarcerated",
        "deceased",
        "duplicate",
        "out_of_area",
        "other",
    } == offered
    assert ClosingReason.DECLINED.label == "Declined further contact"


def test_the_retired_follow_up_completed_reason_is_refused_for_new_closes_but_still_displays(cast):
    referral = assigned_referral(cast)
    with pytest.raises(ReferralChangeRefused, match="no longer used"):
        close(referral, cast.supervisor, ClosingReason.COMPLETED)
    Referral.objects.filter(pk=referral.pk).update(status=Status.CLOSED, closed_reason=ClosingReason.COMPLETED)
    referral.refresh_from_db()
    assert referral.get_closed_reason_display() == "Follow-up completed (earlier reason)"


@pytest.mark.parametrize("reason", [ClosingReason.ENGAGED_IN_TREATMENT, ClosingReason.GOALS_MET])
def test_a_case_closes_as_engaged_in_treatment_or_goals_met(cast, reason):
    referral = close(assigned_referral(cast), cast.peer, reason)
    assert (referral.status, referral.closed_reason) == (Status.CLOSED, reason)


def test_reopening_an_assigned_case_goes_back_to_assigned_and_keeps_its_clock(cast):
    referral = assigned_referral(cast, days_ago=3)
    deadline = referral.contact_deadline
    close(referral, cast.peer)
    reopened = referral_reopen(referral=referral, by=cast.peer, reason=WHY)
    reopened.refresh_from_db()
    assert (reopened.status, reopened.closed_reason) == (Status.ASSIGNED, "")
    assert reopened.contact_deadline == deadline  # the clock does not restart
    assert reopened.first_attempt_at is None and reopened.first_contact_at is None
    change = reopened.changes.latest("pk")
    assert (change.from_status, change.to_status, change.reopen_reason, change.changed_by_id) == (
        Status.CLOSED,
        Status.ASSIGNED,
        WHY,
        cast.peer.user_id,
    )
    entry = AuditEvent.objects.filter(target_type="referrals.referral", action=AuditEvent.Action.UPDATE).latest("pk")
    assert entry.changes == {"status": [Status.CLOSED, Status.ASSIGNED], "reopened_from": ClosingReason.DECLINED}
    assert entry.reason == WHY


def test_reopening_an_unassigned_case_goes_back_to_received(cast):
    referral = submit_referral(cast.program, agency=cast.ed, by=cast.partner)
    close(referral, cast.supervisor, ClosingReason.DUPLICATE)
    assert referral_reopen(referral=referral, by=cast.supervisor, reason=WHY).status == Status.RECEIVED


def test_reopening_a_case_whose_person_was_reached_goes_back_to_reached_so_its_clock_stays_stopped(cast):
    referral = assigned_referral(cast)
    contact_attempt_record(by=cast.peer, referral=referral, mode=Mode.PHONE, outcome=Outcome.REACHED_PARTICIPANT)
    referral.refresh_from_db()
    first_contact = referral.first_contact_at
    close(referral, cast.peer, ClosingReason.GOALS_MET)
    reopened = referral_reopen(referral=referral, by=cast.peer, reason=WHY)
    reopened.refresh_from_db()
    assert reopened.status == Status.REACHED
    assert reopened.first_contact_at == first_contact


def test_reopening_needs_a_reason_of_fifteen_characters(cast):
    referral = close(assigned_referral(cast), cast.peer)
    for reason in ("", "   ", "called back"):
        with pytest.raises(ReferralChangeRefused, match="at least 15 characters for reopening"):
            referral_reopen(referral=referral, by=cast.peer, reason=reason)
    referral.refresh_from_db()
    assert referral.status == Status.CLOSED


def test_only_a_supervisor_or_the_assigned_peer_may_reopen(cast):
    referral = close(assigned_referral(cast), cast.peer)
    other_peer = make_member(cast.program, "other-peer", "peer")
    with pytest.raises(ReferralChangeRefused, match="Only a supervisor or the assigned peer can reopen"):
        referral_reopen(referral=referral, by=other_peer, reason=WHY)
    assert referral_reopen(referral=referral, by=cast.supervisor, reason=WHY).status == Status.ASSIGNED


def test_an_open_referral_is_not_reopened_and_a_reopen_reason_is_refused_elsewhere(cast):
    referral = assigned_referral(cast)
    with pytest.raises(ReferralChangeRefused, match="not closed"):
        referral_reopen(referral=referral, by=cast.peer, reason=WHY)
    with pytest.raises(ReferralChangeRefused, match="only given when reopening"):
        referral_transition(referral=referral, to_status=Status.ATTEMPTING, by=cast.peer, reopen_reason=WHY)


def test_reopening_announces_the_status_change(cast):
    referral = close(assigned_referral(cast), cast.peer)
    heard = []

    def listener(sender, **kwargs):
        heard.append((kwargs["from_status"], kwargs["to_status"], kwargs["by"]))

    referral_status_changed.connect(listener)
    try:
        referral_reopen(referral=referral, by=cast.peer, reason=WHY)
    finally:
        referral_status_changed.disconnect(listener)
    assert heard == [(Status.CLOSED, Status.ASSIGNED, cast.peer)]


def test_a_reopened_referral_is_back_in_the_open_queue(cast):
    referral = close(assigned_referral(cast), cast.peer)
    assert referral not in referral_queue(viewer=cast.supervisor, filters=QueueFilters())
    referral_reopen(referral=referral, by=cast.peer, reason=WHY)
    assert referral in referral_queue(viewer=cast.supervisor, filters=QueueFilters())
    assert referral in referral_queue(viewer=cast.supervisor, filters=QueueFilters(status=Status.ASSIGNED))
    assert referral in referral_queue(viewer=cast.peer, mine=True)


# ---- the pages ----


def test_the_referral_page_of_a_closed_case_offers_reopen_with_a_reason_form(cast):
    referral = close(assigned_referral(cast), cast.peer)
    html = cast.client_for(cast.peer).get(reverse("referrals:detail", args=[referral.public_id])).content.decode()
    assert reverse("referrals:reopen", args=[referral.public_id]) in html
    assert "Why reopen this referral?" in html
    assert "Its contact clock does not restart" in html
    assert 'name="to_status"' not in html  # no plain status buttons on a closed referral


def test_reopening_from_the_page_records_the_reason_and_shows_it_in_the_history(cast):
    referral = close(assigned_referral(cast), cast.peer)
    client = cast.client_for(cast.peer)
    response = client.post(reverse("referrals:reopen", args=[referral.public_id]), {"reason": WHY}, follow=True)
    assert response.redirect_chain == [(reverse("referrals:detail", args=[referral.public_id]), 302)]
    html = response.content.decode()
    assert "The referral is reopened: “Assigned”." in html.replace("&ldquo;", "“").replace("&rdquo;", "”")
    assert "Reopened: status Closed → Assigned. Why: " in html
    assert ReferralChange.objects.filter(referral=referral, from_status=Status.CLOSED).count() == 1


def test_a_short_reason_on_the_page_is_shown_at_the_field_and_nothing_changes(cast):
    referral = close(assigned_referral(cast), cast.peer)
    response = cast.client_for(cast.peer).post(reverse("referrals:reopen", args=[referral.public_id]), {"reason": "x"})
    assert response.status_code == 200
    assert "Give a reason of at least 15 characters for reopening the referral." in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == Status.CLOSED


def test_a_peer_not_assigned_is_told_they_cannot_reopen(cast):
    referral = close(assigned_referral(cast), cast.peer)
    other_peer = make_member(cast.program, "other-peer", "peer")
    response = cast.client_for(other_peer).post(reverse("referrals:reopen", args=[referral.public_id]), {"reason": WHY})
    assert "Only a supervisor or the assigned peer can reopen this referral." in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == Status.CLOSED


def test_partners_and_other_programs_cannot_reach_the_reopen_page(cast):
    referral = close(assigned_referral(cast), cast.peer)
    url = reverse("referrals:reopen", args=[referral.public_id])
    assert cast.client_for(cast.partner).post(url, {"reason": WHY}).status_code == 403
    assert cast.client_for(cast.outsider).post(url, {"reason": WHY}).status_code == 404
