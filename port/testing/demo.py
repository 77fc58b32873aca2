"""For the demo tests: the demo's "now", and the checks that contact attempts follow the referrals."""

import datetime as dt
from collections import defaultdict

from django.utils import timezone

from port.outreach.models import CLOSING_OUTCOMES, CONTACT_OUTCOMES, ContactAttempt, Outcome, TeamRole
from port.outreach.services import attempt_policy_status
from port.referrals.models import ClosingReason, ReferralChange, Status

# The demo's six months end "now"; the tests set it (the clock keeps ticking: the services stamp moments).
DEMO_NOW = dt.datetime(2026, 12, 2, 1, 0, tzinfo=dt.UTC)


FAILED_OUTCOMES = {Outcome.NO_ANSWER, Outcome.LEFT_MESSAGE, Outcome.WRONG_NUMBER, Outcome.NOT_AT_ADDRESS}


OUTCOME_FOR_REASON = {reason: outcome for outcome, reason in CLOSING_OUTCOMES.items()}


def attempts_by_referral(referrals) -> dict[int, list[ContactAttempt]]:
    attempts = defaultdict(list)
    for attempt in (
        ContactAttempt.objects.filter(referral__in=referrals).prefetch_related("team").order_by("attempted_at", "pk")
    ):
        attempts[attempt.referral_id].append(attempt)
    return attempts


def assert_attempts_follow_the_referrals(referrals) -> None:
    """What contact_attempt_record keeps: stamps from the earliest attempt and contact, a status that
    follows the attempts, the attempt policy behind every 'unable to reach'; all in the past."""
    now = timezone.now()
    attempts = attempts_by_referral(referrals)
    changes: dict[int, dict[str, ReferralChange]] = defaultdict(dict)
    for change in ReferralChange.objects.filter(referral__in=referrals, kind=ReferralChange.Kind.STATUS):
        changes[change.referral_id][change.to_status] = change
    for referral in referrals.select_related("program"):
        tried = attempts[referral.pk]
        contacts = [a.attempted_at for a in tried if a.outcome in CONTACT_OUTCOMES]
        # Stamped exactly as the service stamps: the earliest attempt; the earliest contact.
        assert referral.first_attempt_at == (tried[0].attempted_at if tried else None), referral.pk
        assert referral.first_contact_at == (min(contacts) if contacts else None), referral.pk
        for attempt in tried:
            assert referral.received_at <= attempt.attempted_at <= now
            assert attempt.recorded_by_id == referral.assigned_to_id  # the peer the referral is assigned to
            team = {(m.role, m.user_id) for m in attempt.team.all()}
            assert (TeamRole.PEER, attempt.recorded_by_id) in team
        history = changes[referral.pk]
        if Status.ATTEMPTING not in history and Status.REACHED not in history:
            assert not tried, referral.pk  # never tried: received, assigned, or closed as a duplicate
            continue
        if referral.status == Status.ATTEMPTING:
            assert 1 <= len(tried) <= 3 and not contacts
            assert {a.outcome for a in tried} <= FAILED_OUTCOMES
        if referral.status == Status.REACHED or referral.closed_reason in (
            ClosingReason.ENGAGED_IN_TREATMENT,
            ClosingReason.GOALS_MET,
            ClosingReason.DECLINED,
        ):
            assert contacts and tried[-1].outcome in CONTACT_OUTCOMES
            assert {a.outcome for a in tried[:-1]} <= FAILED_OUTCOMES
        # The status changes the attempts made: by the attempt's author, no earlier than the attempt.
        if Status.ATTEMPTING in history:
            change = history[Status.ATTEMPTING]
            assert tried[0].outcome in FAILED_OUTCOMES and tried[0].attempted_at <= change.changed_at
            assert change.changed_by_id == tried[0].recorded_by_id
        if Status.REACHED in history:
            change = history[Status.REACHED]
            assert referral.first_contact_at <= change.changed_at
            assert change.changed_by_id == referral.assigned_to_id
        if referral.status == Status.CLOSED:
            closed = history[Status.CLOSED]
            assert all(a.attempted_at <= closed.changed_at for a in tried)
            if referral.closed_reason in OUTCOME_FOR_REASON:
                assert tried[-1].outcome == OUTCOME_FOR_REASON[referral.closed_reason]
                assert tried[-1].attempted_at == closed.changed_at
                assert {a.outcome for a in tried[:-1]} <= FAILED_OUTCOMES and tried[:-1]
            elif referral.closed_reason == ClosingReason.UNABLE_TO_REACH:
                referral.status = Status.ATTEMPTING  # as it was when the supervisor closed it
                assert attempt_policy_status(referral=referral, attempts=tried).exhausted, referral.pk
                assert closed.changed_by.memberships.get(program=referral.program).role in ("supervisor", "admin")
