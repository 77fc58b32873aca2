"""Hand-offs and tasks: every write, with its rules, audited.

- `handoff_create`: the team refers a person (or a supporter) to a directory organization or service.
  Unless it is information only, the one disclosure gate (port.consent.gate.disclose) must let the team
  share the chosen categories with that organization; its Disclosure is kept on the hand-off.
- `handoff_transition`: the closed-loop states (FHIR Task.status), each set only by its side.
- `handoff_person_report`: for an information-only hand-off, what the person told the peer.
- Tasks: check-ins when a person is first reached (`checkins_create`, on referral_status_changed),
  hand-off checks made by the periodic job (`handoff_checks_create`), outcomes (`task_complete`),
  closing with the case (`tasks_close_for_referral`) and reminders (`task_reminders_send`).
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from port.accounts.models import Membership, Organization, Program, User
from port.accounts.roles import ASSIGNABLE_ROLES, SUPERVISING_ROLES, TEAM_ROLES, Role
from port.audit.models import AuditEvent
from port.audit.services import audit_record
from port.consent.gate import DisclosureRefused, disclose
from port.consent.models import Disclosure, InformationCategory
from port.consent.selectors import refusal_reason
from port.directory.categories import NEEDS
from port.directory.models import Service
from port.linkage.models import (
    OPEN_STATUSES,
    BusinessStatus,
    CheckReason,
    HandOff,
    HandOffChange,
    How,
    PersonReport,
    Priority,
    Side,
    StatusReason,
    Task,
    TaskKind,
    TaskOutcome,
    TaskReminder,
    TaskState,
    TaskStatus,
    Transport,
)
from port.notifications.models import Notice
from port.notifications.services import notice_email_send
from port.outreach.models import Encounter, Supporter
from port.participants.models import Participant
from port.referrals.models import Referral, Status

NEED_CODES = frozenset(c.code for c in NEEDS)

# The closed loop (HL7 SDOH Clinical Care IG); entered-in-error is reachable from every other state.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    TaskStatus.REQUESTED: frozenset({TaskStatus.ACCEPTED, TaskStatus.REJECTED, TaskStatus.CANCELLED}),
    TaskStatus.ACCEPTED: frozenset(
        {TaskStatus.IN_PROGRESS, TaskStatus.ON_HOLD, TaskStatus.COMPLETED, TaskStatus.FAILED, TaskStatus.CANCELLED}
    ),
    TaskStatus.IN_PROGRESS: frozenset(
        {TaskStatus.ON_HOLD, TaskStatus.COMPLETED, TaskStatus.FAILED, TaskStatus.CANCELLED}
    ),
    TaskStatus.ON_HOLD: frozenset(
        {TaskStatus.IN_PROGRESS, TaskStatus.COMPLETED, TaskStatus.FAILED, TaskStatus.CANCELLED}
    ),
    TaskStatus.REJECTED: frozenset(),
    TaskStatus.COMPLETED: frozenset(),
    TaskStatus.FAILED: frozenset(),
    TaskStatus.CANCELLED: frozenset(),
    TaskStatus.ENTERED_IN_ERROR: frozenset(),
}
# Who sets each status: the referring team, the receiving provider, or either.
SETTERS: dict[str, frozenset[str]] = {
    TaskStatus.REQUESTED: frozenset({Side.REFERRING}),
    TaskStatus.ENTERED_IN_ERROR: frozenset({Side.REFERRING}),
    TaskStatus.ACCEPTED: frozenset({Side.RECEIVING}),
    TaskStatus.REJECTED: frozenset({Side.RECEIVING}),
    TaskStatus.IN_PROGRESS: frozenset({Side.RECEIVING}),
    TaskStatus.ON_HOLD: frozenset({Side.RECEIVING}),
    TaskStatus.COMPLETED: frozenset({Side.RECEIVING}),
    TaskStatus.FAILED: frozenset({Side.RECEIVING}),
    TaskStatus.CANCELLED: frozenset({Side.REFERRING, Side.RECEIVING}),
}
NEEDS_REASON = frozenset({TaskStatus.REJECTED, TaskStatus.CANCELLED, TaskStatus.ON_HOLD, TaskStatus.FAILED})


def allowed(from_status: str, to_status: str) -> bool:
    if to_status == TaskStatus.ENTERED_IN_ERROR:
        return from_status != TaskStatus.ENTERED_IN_ERROR
    return to_status in ALLOWED_TRANSITIONS.get(from_status, frozenset())


class HandOffRefused(Exception):
    """The hand-off or change is not allowed; the message says why (and names no participant)."""

    def __init__(self, message: str, *, field: str | None = None, reasons: Iterable[str] = ()) -> None:
        super().__init__(message)
        self.field = field
        self.reasons = [r for r in reasons if r]


class TaskRefused(Exception):
    """The task change is not allowed; the message says why."""


# ---- hand-offs ----------------------------------------------------------------------------------


@dataclass
class HandOffRequest:
    """What the referring side asks for. `categories`: what to share (empty for information only)."""

    organization: Organization
    need: str
    how: str
    categories: Sequence[str]
    purpose: str = ""
    service: Service | None = None
    priority: str = Priority.ROUTINE
    appointment_at: dt.datetime | None = None
    transport: str = Transport.NONE
    ride_at: dt.datetime | None = None
    note: str = ""
    referral: Referral | None = None
    encounter: Encounter | None = None
    supporter: Supporter | None = None


def _check_request(by: Membership, participant: Participant, ask: HandOffRequest) -> None:
    if by.role not in TEAM_ROLES:
        raise HandOffRefused(_("Only the program's team refers people to services."))
    if participant.program_id != by.program_id or participant.merged_into_id is not None:
        raise HandOffRefused(_("That person is not in your program."))
    if ask.organization.program_id != by.program_id:
        raise HandOffRefused(_("Choose an organization of your program's directory."), field="organization")
    if ask.service is not None and ask.service.organization_id != ask.organization.pk:
        raise HandOffRefused(_("That service belongs to another organization."), field="service")
    if ask.need not in NEED_CODES:
        raise HandOffRefused(_("Choose what the person needs from the list."), field="need")
    if ask.how not in How.values:
        raise HandOffRefused(_("Choose how the team connects the person."), field="how")
    if ask.priority not in Priority.values:
        raise HandOffRefused(_("Choose how urgent it is."), field="priority")
    if ask.transport not in Transport.values:
        raise HandOffRefused(_("Choose the transport."), field="transport")
    if ask.transport == Transport.NONE and ask.ride_at is not None:
        raise HandOffRefused(_("A ride time is only given when the team arranges or gives a ride."), field="ride_at")
    for record, field in ((ask.referral, "referral"), (ask.encounter, "encounter"), (ask.supporter, "supporter")):
        if record is not None and record.participant_id != participant.pk:
            raise HandOffRefused(_("That record is about someone else."), field=field)
    unknown = [c for c in ask.categories if c not in InformationCategory.values]
    if unknown:
        raise HandOffRefused(_("Choose what to share from the list."), field="categories")
    if ask.how == How.INFORMATION_ONLY:
        if ask.categories:
            raise HandOffRefused(
                _("Information only shares nothing with the provider: untick what to share, or choose another way."),
                field="categories",
            )
    elif not ask.categories:
        raise HandOffRefused(
            _("Choose what to share with the provider: only what they need for this hand-off."), field="categories"
        )
    elif not ask.purpose.strip():
        raise HandOffRefused(_("Say why you are sharing, for example “intake appointment”."), field="purpose")


@transaction.atomic
def handoff_create(*, by: Membership, participant: Participant, ask: HandOffRequest) -> HandOff:
    """Refer the person: for anything but information only, ask the gate first. Raises HandOffRefused,
    with the gate's message and, where it can tell, what is missing (refusal_reason)."""
    _check_request(by, participant, ask)
    if ask.referral is not None:
        # Locked, so a supervisor's close and this hand-off take turns; a closed case takes no new hand-off.
        referral = Referral.objects.select_for_update().get(pk=ask.referral.pk)
        if referral.status == Status.CLOSED:
            raise HandOffRefused(
                _(
                    "This referral was closed while you were filling in the form, so the hand-off was not saved. "
                    "Refer from the participant's page, or reopen the referral first."
                )
            )
    disclosure: Disclosure | None = None
    if ask.how != How.INFORMATION_ONLY:
        try:
            disclosure, _notice = disclose(
                participant=participant,
                recipient=ask.organization,
                categories=ask.categories,
                purpose=ask.purpose.strip(),
                channel=Disclosure.Channel.HANDOFF,
                by=by,
            )
        except DisclosureRefused as refused:
            reason = refusal_reason(
                viewer=by, participant=participant, recipient=ask.organization, categories=ask.categories
            )
            raise HandOffRefused(str(refused), reasons=[reason]) from refused
    now = timezone.now()
    handoff = HandOff.objects.create(
        program_id=by.program_id,
        participant=participant,
        supporter=ask.supporter,
        referral=ask.referral,
        encounter=ask.encounter,
        organization=ask.organization,
        service=ask.service,
        need=ask.need,
        how=ask.how,
        priority=ask.priority,
        appointment_at=ask.appointment_at,
        transport=ask.transport,
        ride_at=ask.ride_at if ask.transport != Transport.NONE else None,
        note=ask.note.strip()[:500],
        consent=disclosure.consent if disclosure else None,
        disclosure=disclosure,
        status=TaskStatus.REQUESTED,
        created_by=by.user,
        created_at=now,
        updated_at=now,
    )
    HandOffChange.objects.create(
        handoff=handoff, to_status=TaskStatus.REQUESTED, side=Side.REFERRING, changed_by=by.user, changed_at=now
    )
    audit_record(
        action=AuditEvent.Action.CREATE,
        by=by,
        target_type="linkage.handoff",
        target_ids=[handoff.pk],
        participant_ids=[participant.pk],
        changes={
            "organization": ask.organization.pk,
            "service": ask.service.pk if ask.service else None,
            "need": ask.need,
            "how": ask.how,
            "disclosure": disclosure.pk if disclosure else None,
        },
    )
    return handoff


def side_of(by: Membership, handoff: HandOff) -> str | None:
    """Which side `by` acts for on this hand-off, or None when neither."""
    if by.program_id != handoff.program_id or not by.is_active:
        return None
    if by.role in TEAM_ROLES:
        return Side.REFERRING
    if by.role == Role.PROVIDER and by.agency_id == handoff.organization_id and not handoff.information_only:
        return Side.RECEIVING
    return None


def _locked(handoff: HandOff) -> HandOff:
    return HandOff.objects.select_for_update().select_related("program").get(pk=handoff.pk)


def _label(status: str) -> str:
    return str(TaskStatus(status).label) if status in TaskStatus.values else status


@transaction.atomic
def handoff_transition(
    *,
    handoff: HandOff,
    to_status: str,
    by: Membership,
    reason: str = "",
    note: str = "",
    business_status: str | None = None,
    appointment_at: dt.datetime | None = None,
) -> HandOff:
    """Move the hand-off along the closed loop. The row is locked, so of two changes at once the second
    sees the first and is refused if it no longer fits. A change to the same status is allowed only to
    update what the provider reports (business status, appointment)."""
    handoff = _locked(handoff)
    side = side_of(by, handoff)
    if side is None:
        raise HandOffRefused(_("You cannot change this hand-off."))
    from_status = handoff.status
    note = note.strip()
    reporting = business_status is not None or appointment_at is not None
    if to_status not in TaskStatus.values:
        raise HandOffRefused(_("That is not a hand-off status."))
    if to_status == from_status:
        if not reporting or side != Side.RECEIVING or from_status not in OPEN_STATUSES - {TaskStatus.REQUESTED}:
            raise HandOffRefused(
                _("The hand-off is already “%(status)s”: someone changed it meanwhile.")
                % {"status": _label(from_status)}
            )
    elif not allowed(from_status, to_status):
        raise HandOffRefused(
            _("A hand-off that is “%(from)s” cannot be moved to “%(to)s”.")
            % {"from": _label(from_status), "to": _label(to_status)}
        )
    if to_status != from_status and side not in SETTERS[to_status]:
        raise HandOffRefused(
            _("Only the receiving provider sets “%(to)s”.") % {"to": _label(to_status)}
            if side == Side.REFERRING
            else _("Only the referring team sets “%(to)s”.") % {"to": _label(to_status)}
        )
    if business_status is not None and (side != Side.RECEIVING or business_status not in BusinessStatus.values):
        raise HandOffRefused(_("Only the receiving provider reports an appointment or attendance."))
    if to_status in NEEDS_REASON and to_status != from_status:
        if reason not in StatusReason.values or not reason:
            raise HandOffRefused(_("Choose a reason."), field="reason")
        if reason == StatusReason.OTHER and not note:
            raise HandOffRefused(_("Say what the reason is."), field="note")
    elif reason:
        raise HandOffRefused(_("A reason is given only to reject, cancel, hold or fail a hand-off."), field="reason")
    if business_status == BusinessStatus.APPOINTMENT_SCHEDULED and appointment_at is None:
        raise HandOffRefused(_("Give the appointment's date and time."), field="appointment_at")
    now = timezone.now()
    handoff.status = to_status
    if to_status != from_status:
        handoff.status_reason = reason
        handoff.status_note = note[:300]
    if business_status is not None:
        handoff.business_status = business_status
    if appointment_at is not None:
        handoff.appointment_at = appointment_at
    handoff.updated_at = now
    handoff.save(
        update_fields=["status", "status_reason", "status_note", "business_status", "appointment_at", "updated_at"]
    )
    HandOffChange.objects.create(
        handoff=handoff,
        from_status=from_status,
        to_status=to_status,
        business_status=business_status or "",
        reason=reason,
        note=note[:300],
        side=side,
        changed_by=by.user,
        changed_at=now,
    )
    audit_record(
        action=AuditEvent.Action.UPDATE,
        by=by,
        target_type="linkage.handoff",
        target_ids=[handoff.pk],
        participant_ids=[handoff.participant_id],
        changes={
            "status": [from_status, to_status],
            "side": side,
            **({"business_status": business_status} if business_status is not None else {}),
            **({"reason": reason} if reason else {}),
            **({"appointment_at": appointment_at.isoformat()} if appointment_at else {}),
        },
    )
    return handoff


# What a provider does on the "Shared with you" page, as a status and what they report.
PROVIDER_ACTIONS: dict[str, tuple[str, str | None]] = {
    "accept": (TaskStatus.ACCEPTED, None),
    "appointment": (TaskStatus.IN_PROGRESS, BusinessStatus.APPOINTMENT_SCHEDULED),
    "attended": (TaskStatus.COMPLETED, BusinessStatus.ATTENDED),
    "no_show": (TaskStatus.FAILED, BusinessStatus.NO_SHOW),
    "completed": (TaskStatus.COMPLETED, None),
    "reject": (TaskStatus.REJECTED, None),
}


def handoff_provider_update(
    *,
    handoff: HandOff,
    action: str,
    by: Membership,
    reason: str = "",
    note: str = "",
    appointment_at: dt.datetime | None = None,
) -> HandOff:
    """The provider's buttons: accept, set the appointment (in progress), attended (completed), no-show
    (failed, reason no-show), completed, reject with a reason."""
    if action not in PROVIDER_ACTIONS:
        raise HandOffRefused(_("That is not something a provider can do with a hand-off."))
    to_status, business_status = PROVIDER_ACTIONS[action]
    if action in ("attended", "no_show") and handoff.appointment_at and handoff.appointment_at > timezone.now():
        raise HandOffRefused(
            _("The appointment has not happened yet. Say whether the person came after it, or change the appointment.")
        )
    if action == "appointment" and handoff.status == TaskStatus.REQUESTED:
        # Setting the date accepts the hand-off first: both steps, each recorded.
        with transaction.atomic():
            handoff = handoff_transition(handoff=handoff, to_status=TaskStatus.ACCEPTED, by=by)
            return handoff_transition(
                handoff=handoff,
                to_status=to_status,
                by=by,
                business_status=business_status,
                appointment_at=appointment_at,
            )
    if action == "appointment" and handoff.status == TaskStatus.IN_PROGRESS:
        to_status = TaskStatus.IN_PROGRESS  # a new date: the same status, reported again
    if action == "no_show":
        reason = reason or StatusReason.NO_SHOW
    if action in ("attended", "no_show") and handoff.status == TaskStatus.REQUESTED:
        raise HandOffRefused(_("Accept the hand-off first."))
    return handoff_transition(
        handoff=handoff,
        to_status=to_status,
        by=by,
        reason=reason,
        note=note,
        business_status=business_status,
        appointment_at=appointment_at,
    )


@transaction.atomic
def handoff_person_report(*, handoff: HandOff, report: str, by: Membership, note: str = "") -> HandOff:
    """For an information-only hand-off (no provider in the loop): what the person told the peer, kept in
    `person_report`, never as the provider's business status; the FHIR status is left as it is."""
    handoff = _locked(handoff)
    if side_of(by, handoff) != Side.REFERRING:
        raise HandOffRefused(_("You cannot change this hand-off."))
    if not handoff.information_only:
        raise HandOffRefused(_("The provider reports on this hand-off; ask them, or cancel it."))
    if report not in PersonReport.values or not report:
        raise HandOffRefused(_("Choose what the person told you."), field="report")
    if handoff.status not in OPEN_STATUSES:
        raise HandOffRefused(_("This hand-off is closed."))
    handoff.person_report = report
    handoff.updated_at = timezone.now()
    handoff.save(update_fields=["person_report", "updated_at"])
    HandOffChange.objects.create(
        handoff=handoff,
        from_status=handoff.status,
        to_status=handoff.status,
        note=(
            _("Reported by the person: %(what)s") % {"what": PersonReport(report).label} + (f" {note}" if note else "")
        )[:300],
        side=Side.REFERRING,
        changed_by=by.user,
        changed_at=handoff.updated_at,
    )
    audit_record(
        action=AuditEvent.Action.UPDATE,
        by=by,
        target_type="linkage.handoff",
        target_ids=[handoff.pk],
        participant_ids=[handoff.participant_id],
        changes={"person_report": report},
    )
    return handoff


# ---- tasks ---------------------------------------------------------------------------------------


def _owner_id(referral: Referral) -> int | None:
    return referral.assigned_to_id


def checkins_create(*, referral: Referral, reached_at: dt.datetime | None = None) -> list[Task]:
    """Check-in tasks at the program's days after the person was first reached, each due on the program's
    calendar (a person reached at 9 pm local is due 7 local days later, whatever UTC says). Idempotent:
    one task per referral and day (unique constraint), so a second call, or a second worker, adds none."""
    program = referral.program
    reached_on = program.today(at=reached_at or timezone.now())
    made = []
    for days in program.checkin_offsets:
        try:
            with transaction.atomic():
                task = Task.objects.create(
                    program=program,
                    participant_id=referral.participant_id,
                    referral=referral,
                    kind=TaskKind.CHECK_IN,
                    offset_days=days,
                    due_on=reached_on + dt.timedelta(days=days),
                    owner_id=_owner_id(referral),
                )
        except IntegrityError:
            continue
        made.append(task)
    if made:
        audit_record(
            action=AuditEvent.Action.CREATE,
            program=program,
            target_type="linkage.task",
            target_ids=[t.pk for t in made],
            participant_ids=[referral.participant_id],
            note="check-ins after the person was reached",
        )
    return made


def tasks_close_for_referral(*, referral: Referral, by: Membership | None) -> int:
    """The case closed: its open tasks are cancelled with the reason "case closed"."""
    open_tasks = list(Task.objects.filter(referral=referral, state=TaskState.OPEN).values_list("pk", flat=True))
    if not open_tasks:
        return 0
    Task.objects.filter(pk__in=open_tasks).update(
        state=TaskState.CANCELLED,
        closed_reason="case closed",
        completed_at=timezone.now(),
        completed_by=by.user if by else None,
    )
    audit_record(
        action=AuditEvent.Action.UPDATE,
        by=by,
        program=referral.program if by is None else None,
        target_type="linkage.task",
        target_ids=open_tasks,
        participant_ids=[referral.participant_id],
        changes={"state": [TaskState.OPEN, TaskState.CANCELLED]},
        note="case closed",
    )
    return len(open_tasks)


def _handoff_check_create(handoff: HandOff, referral: Referral, check: str, due_on: dt.date) -> Task | None:
    try:
        with transaction.atomic():
            task = Task.objects.create(
                program_id=handoff.program_id,
                participant_id=handoff.participant_id,
                referral=referral,
                handoff=handoff,
                kind=TaskKind.HANDOFF_CHECK,
                check_reason=check,
                due_on=due_on,
                owner_id=_owner_id(referral),
            )
    except IntegrityError:
        return None  # made before, or by another worker just now
    audit_record(
        action=AuditEvent.Action.CREATE,
        program=handoff.program,
        target_type="linkage.task",
        target_ids=[task.pk],
        participant_ids=[handoff.participant_id],
        note=f"hand-off check: {check}",
    )
    return task


def _handoff_referral(handoff: HandOff) -> Referral | None:
    """The referral a hand-off's tasks hang on: its own, or the person's latest open one."""
    if handoff.referral is not None:
        return handoff.referral
    return (
        Referral.objects.filter(program_id=handoff.program_id, participant_id=handoff.participant_id)
        .exclude(status=Status.CLOSED)
        .order_by("-received_at", "-pk")
        .first()
    )


def handoff_checks_create(*, now: dt.datetime | None = None) -> int:
    """For the periodic job: a task for the peer when a provider has not answered a hand-off within the
    program's hours, or when its appointment passed with no update. Returns how many were made."""
    now = now or timezone.now()
    made = 0
    for program in Program.objects.all():
        today = program.today(at=now)
        existing = Task.objects.filter(kind=TaskKind.HANDOFF_CHECK, handoff__isnull=False)
        unanswered = (
            HandOff.objects.filter(program=program, status=TaskStatus.REQUESTED)
            .exclude(how=How.INFORMATION_ONLY)
            .filter(created_at__lte=now - dt.timedelta(hours=program.handoff_answer_hours))
            .exclude(pk__in=existing.filter(check_reason=CheckReason.NO_ANSWER).values("handoff_id"))
            .select_related("referral", "program")
        )
        # The appointment passed and nobody said whether the person went: the provider (attended or
        # no-show moves it on) or, for information only, the person (person_report).
        passed = (
            HandOff.objects.filter(program=program, status__in=OPEN_STATUSES, appointment_at__lte=now)
            .filter(Q(how=How.INFORMATION_ONLY, person_report="") | ~Q(how=How.INFORMATION_ONLY))
            .exclude(pk__in=existing.filter(check_reason=CheckReason.APPOINTMENT_PASSED).values("handoff_id"))
            .select_related("referral", "program")
        )
        for check, handoffs in ((CheckReason.NO_ANSWER, unanswered), (CheckReason.APPOINTMENT_PASSED, passed)):
            for handoff in handoffs:
                referral = _handoff_referral(handoff)
                if referral is None or referral.status == Status.CLOSED:
                    continue
                if _handoff_check_create(handoff, referral, check, today) is not None:
                    made += 1
    return made


def task_complete(*, task: Task, by: Membership, outcome: str, note: str = "") -> Task:
    """Record a task's outcome: its owner, or a supervisor. Done tasks stay as they were."""
    with transaction.atomic():
        task = Task.objects.select_for_update().get(pk=task.pk)
        if by.program_id != task.program_id or by.role not in TEAM_ROLES:
            raise TaskRefused(_("You cannot change this task."))
        if by.role not in SUPERVISING_ROLES and task.owner_id not in (None, by.user_id):
            raise TaskRefused(_("Only the task's owner or a supervisor records its outcome."))
        if task.state != TaskState.OPEN:
            raise TaskRefused(_("This task is already closed."))
        if outcome not in TaskOutcome.values or not outcome:
            raise TaskRefused(_("Choose what happened."))
        task.state = TaskState.DONE
        task.outcome = outcome
        task.note = note.strip()[:500]
        task.completed_by = by.user
        task.completed_at = timezone.now()
        task.save(update_fields=["state", "outcome", "note", "completed_by", "completed_at"])
        audit_record(
            action=AuditEvent.Action.UPDATE,
            by=by,
            target_type="linkage.task",
            target_ids=[task.pk],
            participant_ids=[task.participant_id],
            changes={"state": [TaskState.OPEN, TaskState.DONE], "outcome": outcome},
        )
    return task


# ---- reminders -----------------------------------------------------------------------------------


def _reminder_message(kind: str, task: Task) -> str:
    """Names no one: what kind of task and when it is due, on the program's calendar."""
    what = TaskKind(task.kind).label
    due = formats.date_format(task.due_on, "M j")
    if kind == TaskReminder.Kind.DUE_TOMORROW:
        return _("Due tomorrow (%(due)s): %(what)s.") % {"due": due, "what": what}
    if kind == TaskReminder.Kind.DUE_TODAY:
        return _("Due today (%(due)s): %(what)s.") % {"due": due, "what": what}
    return _("Overdue since %(due)s: %(what)s.") % {"due": due, "what": what}


def _reminder_kind(task: Task, today: dt.date) -> str:
    if task.due_on < today:
        return TaskReminder.Kind.OVERDUE
    if task.due_on == today:
        return TaskReminder.Kind.DUE_TODAY
    return TaskReminder.Kind.DUE_TOMORROW


def task_reminders_send(*, now: dt.datetime | None = None) -> int:
    """Remind each open task's owner when it is due tomorrow, due today and overdue: once per task and
    kind (a unique constraint: a restarted worker, or two at once, never remind twice), in the app (a
    Notice) and by email through port.notifications (retried until it goes out). Returns how many were made."""
    now = now or timezone.now()
    made = 0
    for program in Program.objects.all():
        today = program.today(at=now)
        team = set(
            Membership.objects.filter(
                program=program, role__in=ASSIGNABLE_ROLES | TEAM_ROLES, is_active=True, user__is_active=True
            ).values_list("user_id", flat=True)
        )
        tasks = (
            Task.objects.filter(program=program, state=TaskState.OPEN, owner__isnull=False)
            .filter(due_on__lte=today + dt.timedelta(days=1))
            .select_related("owner")
            .prefetch_related("reminders")
        )
        for task in tasks:
            if task.owner_id not in team:
                continue
            kind = _reminder_kind(task, today)
            if any(r.kind == kind for r in task.reminders.all()):
                continue
            message = _reminder_message(kind, task)
            try:
                with transaction.atomic():
                    TaskReminder.objects.create(task=task, kind=kind, message=message, created_at=now)
                    Notice.objects.create(
                        user_id=task.owner_id, referral_id=task.referral_id, message=message, created_at=now
                    )
            except IntegrityError:
                continue
            made += 1
    task_reminder_emails_send()
    return made


def task_reminder_emails_send() -> int:
    """Email every reminder not yet emailed while its task is still open. Returns how many went out."""
    sent = 0
    pending = (
        TaskReminder.objects.filter(emailed_at__isnull=True, task__state=TaskState.OPEN)
        .select_related("task__owner", "task__program")
        .order_by("pk")
    )
    for reminder in pending:
        owner: User | None = reminder.task.owner
        if (
            owner is not None
            and owner.email
            and not notice_email_send(
                subject=_("PORT: task reminder"),
                addresses=[owner.email],
                message=reminder.message,
                program=reminder.task.program,
                link_label=_("Open the task (sign-in required): %(link)s"),
                path=reverse("linkage:task", args=[reminder.task.pk]),
                what=f"Task reminder {reminder.pk}",
            )
        ):
            continue
        TaskReminder.objects.filter(pk=reminder.pk).update(emailed_at=timezone.now())
        sent += 1
    return sent
