"""Writes for referrals after intake: assignment and status changes, enforced here and only here."""

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from port.accounts.models import Membership, Program
from port.accounts.roles import ASSIGNABLE_ROLES, SUPERVISING_ROLES
from port.audit.models import AuditEvent
from port.audit.services import audit_record
from port.referrals.models import CLOSING_REASONS_OFFERED, ClosingReason, Referral, ReferralChange, Status
from port.referrals.signals import referral_status_changed

ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    Status.RECEIVED: frozenset({Status.ASSIGNED, Status.CLOSED}),
    Status.ASSIGNED: frozenset({Status.ATTEMPTING, Status.REACHED, Status.CLOSED}),
    Status.ATTEMPTING: frozenset({Status.REACHED, Status.CLOSED}),
    Status.REACHED: frozenset({Status.CLOSED}),
    # Reopening (referral_reopen): the target is not chosen by the caller but follows from the referral,
    # see reopen_status.
    Status.CLOSED: frozenset({Status.RECEIVED, Status.ASSIGNED, Status.REACHED}),
}


# A supervisor who closes as unable to reach before the attempt policy is used up says why, in words.
OVERRIDE_REASON_MIN_LENGTH = 15
# Reopening a closed case needs a written reason of at least this many characters.
REOPEN_REASON_MIN_LENGTH = 15


class ReferralChangeRefused(Exception):
    """A change the workflow does not allow; the message says why, in words a person can act on."""


def _attempts_over_days_in_modes(attempts: int, days: int, modes: int) -> str:
    return _("%(attempts)s over %(days)s in %(modes)s") % {
        "attempts": ngettext("%(count)d attempt", "%(count)d attempts", attempts) % {"count": attempts},
        "days": ngettext("%(count)d day", "%(count)d days", days) % {"count": days},
        "modes": ngettext("%(count)d mode", "%(count)d modes", modes) % {"count": modes},
    }


def attempt_policy_text(*, program: Program, policy: Any) -> tuple[str, str]:
    """What the program's attempt policy asks, and how far along a referral is (`policy` is what
    port.outreach.services.attempt_policy_status returns): the refusal and the confirmation page say both."""
    asks = _(
        "Closing as unable to reach needs the program's attempt policy used up: at least %(policy)s, "
        "without reaching the person."
    ) % {
        "policy": _attempts_over_days_in_modes(
            program.attempt_policy_min_attempts, program.attempt_policy_min_days, program.attempt_policy_min_modes
        )
    }
    so_far = _("So far: %(progress)s.") % {
        "progress": _attempts_over_days_in_modes(policy.attempts, policy.days, policy.modes)
    }
    return asks, so_far


def _unable_to_reach_check(referral: Referral, by: Membership, override_reason: str) -> dict:
    """Closing as unable to reach is a supervisor's (or admin's) decision: allowed once the attempt policy
    is used up, before that only with a written reason; a peer never. Returns what the audit records."""
    # Imported here: outreach builds on referrals (its services call referral_transition).
    from port.outreach.services import attempt_policy_status

    policy = attempt_policy_status(referral=referral, attempts=list(referral.attempts.all()))
    recorded = {
        "attempts": policy.attempts,
        "days": policy.days,
        "modes": policy.modes,
        "used_up": policy.exhausted,
        "overridden": False,
    }
    if by.role not in SUPERVISING_ROLES and policy.exhausted:
        raise ReferralChangeRefused(
            _(
                "Closing as unable to reach is the supervisor's decision; the attempt "
                "policy is used up, so it has been offered to them."
            )
        )
    if policy.exhausted:
        return recorded
    asks, so_far = attempt_policy_text(program=referral.program, policy=policy)
    said = f"{asks} {so_far}"
    if referral.first_contact_at:
        said += " " + _("The person was reached on this referral.")
    if by.role not in SUPERVISING_ROLES:
        raise ReferralChangeRefused(said + " " + _("Only a supervisor can close it before then, with a reason."))
    if not override_reason:
        raise ReferralChangeRefused(said + " " + _("To close it now anyway, give the reason."))
    if len(override_reason) < OVERRIDE_REASON_MIN_LENGTH:
        raise ReferralChangeRefused(
            _("Give a reason of at least %(count)d characters for closing before the attempt policy is used up.")
            % {"count": OVERRIDE_REASON_MIN_LENGTH}
        )
    return {**recorded, "overridden": True}


def _locked(referral: Referral) -> Referral:
    return Referral.objects.select_for_update().select_related("program").get(pk=referral.pk)


def _check_same_program(referral: Referral, by: Membership) -> None:
    if referral.program_id != by.program_id:
        raise ReferralChangeRefused(_("This referral belongs to another program."))


@transaction.atomic
def referral_transition(
    *,
    referral: Referral,
    to_status: str,
    by: Membership,
    reason: str = "",
    follows_outcome: bool = False,
    override_reason: str = "",
    reopen_reason: str = "",
) -> Referral:
    """Move a referral to `to_status` if the workflow allows it; closing needs a reason, reopening a
    closed referral a written `reopen_reason` (use referral_reopen, which picks the status).

    `follows_outcome` is for changes that follow from a recorded contact outcome (a peer learns the
    person has died): any team member's record then closes the referral, not only the assigned peer's.
    Closing as unable to reach needs the attempt policy used up, or a supervisor's `override_reason`,
    which is kept on the ReferralChange and in the (flagged) audit entry.
    """
    override_reason = override_reason.strip()
    reopen_reason = reopen_reason.strip()
    referral = _locked(referral)
    _check_same_program(referral, by)
    from_status = referral.status
    if to_status not in ALLOWED_TRANSITIONS.get(from_status, ()):
        raise ReferralChangeRefused(
            _("A referral that is “%(from)s” cannot be moved to “%(to)s”.")
            % {
                "from": Status(from_status).label,
                "to": Status(to_status).label if to_status in Status.values else to_status,
            }
        )
    if from_status == Status.CLOSED:
        _reopen_check(referral, to_status, by, reopen_reason)
    elif reopen_reason:
        raise ReferralChangeRefused(_("A reason for reopening is only given when reopening a closed referral."))
    if to_status == Status.CLOSED:
        if reason == ClosingReason.COMPLETED:
            raise ReferralChangeRefused(
                _(
                    "“Follow-up completed” is no longer used: choose “Engaged in treatment” or “Goals met”, "
                    "or another reason."
                )
            )
        if reason not in CLOSING_REASONS_OFFERED:
            raise ReferralChangeRefused(_("Choose why the referral is being closed."))
        if not follows_outcome and by.role not in SUPERVISING_ROLES and by.user_id != referral.assigned_to_id:
            raise ReferralChangeRefused(_("Only a supervisor or the assigned peer can close this referral."))
    elif reason:
        raise ReferralChangeRefused(_("A reason is only given when closing a referral."))
    if to_status == Status.ASSIGNED and not referral.assigned_to_id:
        raise ReferralChangeRefused(_("Assign the referral to a peer specialist first."))
    policy_recorded = None
    if to_status == Status.CLOSED and reason == ClosingReason.UNABLE_TO_REACH:
        policy_recorded = _unable_to_reach_check(referral, by, override_reason)
        if not policy_recorded["overridden"]:
            override_reason = ""  # nothing was overridden
    elif override_reason:
        raise ReferralChangeRefused(
            _("An override reason is only given when closing as unable to reach before the attempt policy is used up.")
        )
    referral_closed_reason = referral.closed_reason
    referral.status = to_status
    referral.closed_reason = reason if to_status == Status.CLOSED else ""
    referral.save(update_fields=["status", "closed_reason", "updated_at"])
    ReferralChange.objects.create(
        referral=referral,
        kind=ReferralChange.Kind.STATUS,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        override_reason=override_reason,
        reopen_reason=reopen_reason,
        changed_by=by.user,
        changed_at=timezone.now(),
    )
    audit_record(
        action=AuditEvent.Action.UPDATE,
        by=by,
        target_type="referrals.referral",
        target_ids=[referral.pk],
        participant_ids=[referral.participant_id],
        changes={
            "status": [from_status, to_status],
            **({"closed_reason": reason} if reason else {}),
            **({"attempt_policy": policy_recorded} if policy_recorded else {}),
            **({"reopened_from": referral_closed_reason} if from_status == Status.CLOSED else {}),
        },
        reason=override_reason or reopen_reason,
        flagged=bool(override_reason),
    )
    referral_status_changed.send(
        sender=Referral, referral=referral, from_status=from_status, to_status=to_status, reason=reason, by=by
    )
    return referral


def reopen_status(referral: Referral) -> str:
    """Where a closed referral goes when it is reopened. Its contact clock does not restart: the deadline,
    `first_attempt_at` and `first_contact_at` stay as they were. So a person already reached on this
    referral goes back to "reached" (the clock stayed stopped); otherwise "assigned" when it has an
    assignee, else "received", and its clock reads against the original deadline (usually overdue)."""
    if referral.first_contact_at is not None:
        return Status.REACHED
    return Status.ASSIGNED if referral.assigned_to_id else Status.RECEIVED


def _reopen_check(referral: Referral, to_status: str, by: Membership, reopen_reason: str) -> None:
    if by.role not in SUPERVISING_ROLES and by.user_id != referral.assigned_to_id:
        raise ReferralChangeRefused(_("Only a supervisor or the assigned peer can reopen this referral."))
    if to_status != reopen_status(referral):
        raise ReferralChangeRefused(
            _("A reopened referral goes back to “%(status)s”.") % {"status": Status(reopen_status(referral)).label}
        )
    if len(reopen_reason) < REOPEN_REASON_MIN_LENGTH:
        raise ReferralChangeRefused(
            _("Give a reason of at least %(count)d characters for reopening the referral.")
            % {"count": REOPEN_REASON_MIN_LENGTH}
        )


@transaction.atomic
def referral_reopen(*, referral: Referral, by: Membership, reason: str) -> Referral:
    """Reopen a closed referral (a case) with a written reason, by a supervisor or the assigned peer: it
    goes back to reopen_status(referral), keeps its contact clock, and the change (with the reason,
    encrypted) is recorded, audited and announced (referral_status_changed) like any other."""
    locked = _locked(referral)
    if locked.status != Status.CLOSED:
        raise ReferralChangeRefused(_("This referral is not closed."))
    return referral_transition(referral=locked, to_status=reopen_status(locked), by=by, reopen_reason=reason)


@transaction.atomic
def referral_assign(*, referral: Referral, assignee: Membership, by: Membership | None) -> Referral:
    """Assign or re-assign a referral to a peer (or supervisor) of the same program.

    `by` is the supervisor deciding; None is intake's own rule (a new referral for a person goes to
    the peer already working with them), recorded and audited without a person.
    """
    if by is not None and by.role not in SUPERVISING_ROLES:
        raise ReferralChangeRefused(_("Only a supervisor can assign referrals."))
    referral = _locked(referral)
    if by is not None:
        _check_same_program(referral, by)
    if (
        assignee.program_id != referral.program_id
        or assignee.role not in ASSIGNABLE_ROLES
        or not assignee.is_active
        or not assignee.user.is_active
    ):
        raise ReferralChangeRefused(
            _("Referrals can only be assigned to an active peer specialist or supervisor of this program.")
        )
    if referral.status == Status.CLOSED:
        raise ReferralChangeRefused(_("This referral is closed; it cannot be assigned."))
    if referral.assigned_to_id == assignee.user_id:
        return referral
    before = referral.assigned_to_id
    from_status = referral.status
    referral.assigned_to = assignee.user
    if referral.status == Status.RECEIVED:
        referral.status = Status.ASSIGNED
    referral.save(update_fields=["assigned_to", "status", "updated_at"])
    now = timezone.now()
    ReferralChange.objects.create(
        referral=referral,
        kind=ReferralChange.Kind.ASSIGNMENT,
        from_status=from_status,
        to_status=referral.status,
        assigned_to=assignee.user,
        changed_by=by.user if by else None,
        changed_at=now,
    )
    audit_record(
        action=AuditEvent.Action.UPDATE,
        by=by,
        program=referral.program,
        target_type="referrals.referral",
        target_ids=[referral.pk],
        participant_ids=[referral.participant_id],
        changes={
            "assigned_to": [before, assignee.user_id],
            **({"status": [from_status, referral.status]} if from_status != referral.status else {}),
        },
        note="" if by else "assigned at intake: the peer already working with this person",
    )
    return referral
