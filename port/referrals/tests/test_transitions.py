"""The referral workflow in the services: only allowed moves happen, and each records who and when."""

import itertools

import pytest
from django.utils import timezone

from port.accounts.models import Membership
from port.audit.models import AuditEvent
from port.referrals.models import ClosingReason, Referral, ReferralChange, Status
from port.referrals.services import (
    ALLOWED_TRANSITIONS,
    ReferralChangeRefused,
    referral_assign,
    referral_transition,
    reopen_status,
)
from port.testing.cast import make_member
from port.testing.factories import submit_referral


@pytest.fixture
def referral(cast) -> Referral:
    return submit_referral(cast.program, agency=cast.ed, by=cast.partner)


def put_in_status(referral: Referral, status: str, assignee: Membership) -> Referral:
    """Test set-up only: place a referral in any status without going through the workflow."""
    Referral.objects.filter(pk=referral.pk).update(
        status=status,
        assigned_to=assignee.user,
        closed_reason=ClosingReason.COMPLETED if status == Status.CLOSED else "",
    )
    referral.refresh_from_db()
    return referral


def status_changes(referral: Referral) -> list[tuple[str, str, int | None]]:
    return list(
        referral.changes.filter(kind=ReferralChange.Kind.STATUS).values_list(
            "from_status", "to_status", "changed_by_id"
        )
    )


def test_a_referral_goes_from_received_to_closed_and_every_step_records_who_and_when(cast, referral):
    before = timezone.now()
    referral_assign(referral=referral, assignee=cast.peer, by=cast.supervisor)
    referral_transition(referral=referral, to_status=Status.ATTEMPTING, by=cast.peer)
    referral_transition(referral=referral, to_status=Status.REACHED, by=cast.peer)
    referral_transition(referral=referral, to_status=Status.CLOSED, by=cast.peer, reason=ClosingReason.GOALS_MET)
    after = timezone.now()

    referral.refresh_from_db()
    assert (referral.status, referral.closed_reason) == (Status.CLOSED, ClosingReason.GOALS_MET)
    changes = list(referral.changes.all())
    assert [(c.kind, c.from_status, c.to_status, c.changed_by_id) for c in changes] == [
        (ReferralChange.Kind.STATUS, "", Status.RECEIVED, cast.partner.user_id),
        (ReferralChange.Kind.ASSIGNMENT, Status.RECEIVED, Status.ASSIGNED, cast.supervisor.user_id),
        (ReferralChange.Kind.STATUS, Status.ASSIGNED, Status.ATTEMPTING, cast.peer.user_id),
        (ReferralChange.Kind.STATUS, Status.ATTEMPTING, Status.REACHED, cast.peer.user_id),
        (ReferralChange.Kind.STATUS, Status.REACHED, Status.CLOSED, cast.peer.user_id),
    ]
    assert changes[1].assigned_to_id == cast.peer.user_id
    assert changes[-1].reason == ClosingReason.GOALS_MET
    assert all(before <= c.changed_at <= after for c in changes[1:])


def test_a_peer_may_record_reaching_the_person_straight_from_assigned(cast, referral):
    referral_assign(referral=referral, assignee=cast.peer, by=cast.supervisor)
    referral_transition(referral=referral, to_status=Status.REACHED, by=cast.peer)
    referral.refresh_from_db()
    assert referral.status == Status.REACHED


@pytest.mark.parametrize(("from_status", "to_status"), list(itertools.product(Status.values, repeat=2)))
def test_the_service_allows_exactly_the_transitions_of_the_workflow(cast, referral, from_status, to_status):
    referral = put_in_status(referral, from_status, assignee=cast.peer)
    reason = ClosingReason.DECLINED if to_status == Status.CLOSED else ""
    # Reopening needs its written reason, and goes to the one status reopen_status names (test_reopen.py).
    reopen_reason = "The person called back and asked for help." if from_status == Status.CLOSED else ""
    allowed = to_status in ALLOWED_TRANSITIONS[from_status]
    if allowed and from_status == Status.CLOSED and to_status != reopen_status(referral):
        with pytest.raises(ReferralChangeRefused, match="A reopened referral goes back to “Assigned”"):
            referral_transition(referral=referral, to_status=to_status, by=cast.supervisor, reopen_reason=reopen_reason)
    elif allowed:
        referral_transition(
            referral=referral, to_status=to_status, by=cast.supervisor, reason=reason, reopen_reason=reopen_reason
        )
        referral.refresh_from_db()
        assert referral.status == to_status
        assert status_changes(referral)[-1] == (from_status, to_status, cast.supervisor.user_id)
    else:
        with pytest.raises(ReferralChangeRefused, match="cannot be moved to"):
            referral_transition(referral=referral, to_status=to_status, by=cast.supervisor, reason=reason)
        referral.refresh_from_db()
        assert referral.status == from_status


def test_a_refused_transition_says_which_statuses_were_involved_and_changes_nothing(cast, referral):
    changes_before = referral.changes.count()
    with pytest.raises(ReferralChangeRefused) as refused:
        referral_transition(referral=referral, to_status=Status.REACHED, by=cast.supervisor)
    assert str(refused.value) == "A referral that is “Received” cannot be moved to “Reached”."
    referral.refresh_from_db()
    assert referral.status == Status.RECEIVED
    assert referral.changes.count() == changes_before
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE).exists()


def test_an_unknown_status_is_refused_by_name(cast, referral):
    with pytest.raises(ReferralChangeRefused, match="cannot be moved to “lost”"):
        referral_transition(referral=referral, to_status="lost", by=cast.supervisor)


def test_a_closed_referral_moves_only_by_reopening_with_a_reason(cast, referral):
    referral_transition(referral=referral, to_status=Status.CLOSED, by=cast.supervisor, reason=ClosingReason.DUPLICATE)
    with pytest.raises(ReferralChangeRefused, match="“Closed” cannot be moved"):
        referral_transition(referral=referral, to_status=Status.ATTEMPTING, by=cast.supervisor)
    with pytest.raises(ReferralChangeRefused, match="at least 15 characters for reopening"):
        referral_transition(referral=referral, to_status=Status.RECEIVED, by=cast.supervisor)


def test_closing_needs_a_reason(cast, referral):
    with pytest.raises(ReferralChangeRefused, match="Choose why the referral is being closed"):
        referral_transition(referral=referral, to_status=Status.CLOSED, by=cast.supervisor)
    with pytest.raises(ReferralChangeRefused, match="Choose why the referral is being closed"):
        referral_transition(referral=referral, to_status=Status.CLOSED, by=cast.supervisor, reason="bored")
    referral.refresh_from_db()
    assert referral.status == Status.RECEIVED


def test_a_reason_is_only_given_when_closing(cast, referral):
    referral_assign(referral=referral, assignee=cast.peer, by=cast.supervisor)
    with pytest.raises(ReferralChangeRefused, match="only given when closing"):
        referral_transition(referral=referral, to_status=Status.ATTEMPTING, by=cast.peer, reason=ClosingReason.DECLINED)


def test_moving_to_assigned_needs_an_assignee(cast, referral):
    with pytest.raises(ReferralChangeRefused, match="Assign the referral to a peer specialist first"):
        referral_transition(referral=referral, to_status=Status.ASSIGNED, by=cast.supervisor)


def test_a_peer_who_is_not_assigned_cannot_close_the_referral(cast, referral):
    referral_assign(referral=referral, assignee=cast.peer2, by=cast.supervisor)
    with pytest.raises(ReferralChangeRefused, match="Only a supervisor or the assigned peer can close"):
        referral_transition(referral=referral, to_status=Status.CLOSED, by=cast.peer, reason=ClosingReason.DECLINED)
    referral_transition(referral=referral, to_status=Status.CLOSED, by=cast.peer2, reason=ClosingReason.DECLINED)
    assert status_changes(referral)[-1] == (Status.ASSIGNED, Status.CLOSED, cast.peer2.user_id)


@pytest.mark.parametrize("role", ["admin", "supervisor"])
def test_supervising_roles_may_close_any_referral_of_their_program(cast, referral, role):
    referral_transition(
        referral=referral, to_status=Status.CLOSED, by=getattr(cast, role), reason=ClosingReason.OUT_OF_AREA
    )
    referral.refresh_from_db()
    assert (referral.status, referral.closed_reason) == (Status.CLOSED, ClosingReason.OUT_OF_AREA)


def test_nobody_from_another_program_can_change_a_referral(cast, referral):
    with pytest.raises(ReferralChangeRefused, match="belongs to another program"):
        referral_transition(referral=referral, to_status=Status.CLOSED, by=cast.outsider, reason=ClosingReason.OTHER)
    with pytest.raises(ReferralChangeRefused, match="belongs to another program"):
        referral_assign(referral=referral, assignee=cast.peer, by=cast.outsider)
    referral.refresh_from_db()
    assert (referral.status, referral.assigned_to_id) == (Status.RECEIVED, None)


def test_a_transition_is_audited_with_the_participant_and_the_change(cast, referral):
    referral_transition(referral=referral, to_status=Status.CLOSED, by=cast.supervisor, reason=ClosingReason.MOVED)
    event = AuditEvent.objects.get(action=AuditEvent.Action.UPDATE)
    assert (event.user_id, event.program_id, event.role) == (cast.supervisor.user_id, cast.program.pk, "supervisor")
    assert event.participant_ids == [referral.participant_id]
    assert event.changes == {"status": ["received", "closed"], "closed_reason": "moved"}


# --- assignment ------------------------------------------------------------------------------------


def test_assigning_a_received_referral_moves_it_to_assigned_and_records_it(cast, referral):
    referral_assign(referral=referral, assignee=cast.peer, by=cast.supervisor)
    referral.refresh_from_db()
    assert (referral.status, referral.assigned_to_id) == (Status.ASSIGNED, cast.peer.user_id)
    change = referral.changes.get(kind=ReferralChange.Kind.ASSIGNMENT)
    assert (change.assigned_to_id, change.changed_by_id) == (cast.peer.user_id, cast.supervisor.user_id)
    event = AuditEvent.objects.get(action=AuditEvent.Action.UPDATE)
    assert event.changes == {"assigned_to": [None, cast.peer.user_id], "status": ["received", "assigned"]}


def test_re_assigning_keeps_the_status_and_records_the_new_peer(cast, referral):
    referral_assign(referral=referral, assignee=cast.peer, by=cast.supervisor)
    referral_transition(referral=referral, to_status=Status.ATTEMPTING, by=cast.peer)
    referral_assign(referral=referral, assignee=cast.peer2, by=cast.admin)
    referral.refresh_from_db()
    assert (referral.status, referral.assigned_to_id) == (Status.ATTEMPTING, cast.peer2.user_id)
    last = referral.changes.last()
    assert (last.kind, last.from_status, last.to_status, last.assigned_to_id, last.changed_by_id) == (
        ReferralChange.Kind.ASSIGNMENT,
        Status.ATTEMPTING,
        Status.ATTEMPTING,
        cast.peer2.user_id,
        cast.admin.user_id,
    )


def test_assigning_the_same_peer_again_changes_nothing(cast, referral):
    referral_assign(referral=referral, assignee=cast.peer, by=cast.supervisor)
    count = referral.changes.count()
    referral_assign(referral=referral, assignee=cast.peer, by=cast.supervisor)
    assert referral.changes.count() == count


def test_a_supervisor_may_take_a_referral_themselves(cast, referral):
    referral_assign(referral=referral, assignee=cast.supervisor, by=cast.supervisor)
    referral.refresh_from_db()
    assert referral.assigned_to_id == cast.supervisor.user_id


@pytest.mark.parametrize("role", ["peer", "partner"])
def test_only_supervising_roles_may_assign(cast, referral, role):
    with pytest.raises(ReferralChangeRefused, match="Only a supervisor can assign"):
        referral_assign(referral=referral, assignee=cast.peer2, by=getattr(cast, role))
    assert not referral.changes.filter(kind=ReferralChange.Kind.ASSIGNMENT).exists()


@pytest.mark.parametrize("who", ["partner", "admin", "outsider", "inactive_membership", "inactive_user"])
def test_referrals_are_assigned_only_to_active_peers_and_supervisors_of_the_program(cast, referral, who):
    if who == "inactive_membership":
        assignee = make_member(cast.program, "ivy", "peer")
        Membership.objects.filter(pk=assignee.pk).update(is_active=False)
        assignee.refresh_from_db()
    elif who == "inactive_user":
        assignee = make_member(cast.program, "ike", "peer")
        assignee.user.is_active = False
        assignee.user.save()
    else:
        assignee = getattr(cast, who)
    with pytest.raises(ReferralChangeRefused, match="only be assigned to an active peer specialist"):
        referral_assign(referral=referral, assignee=assignee, by=cast.supervisor)
    referral.refresh_from_db()
    assert referral.assigned_to_id is None


def test_a_closed_referral_cannot_be_assigned(cast, referral):
    referral_transition(referral=referral, to_status=Status.CLOSED, by=cast.supervisor, reason=ClosingReason.DECEASED)
    with pytest.raises(ReferralChangeRefused, match="closed; it cannot be assigned"):
        referral_assign(referral=referral, assignee=cast.peer, by=cast.supervisor)
