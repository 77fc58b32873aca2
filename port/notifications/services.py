"""Deadline warnings: found by the background worker, sent once per referral and kind; and the
in-app notices they leave for each person warned."""

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from port.accounts.models import Membership, Program, User
from port.accounts.roles import TEAM_ROLES, Role
from port.notifications.models import DeadlineWarning, Notice
from port.notifications.selectors import notices_for
from port.referrals.models import CLOCK_RUNNING_STATUSES, OPEN_STATUSES, Referral

logger = logging.getLogger(__name__)


def _due(program: Program, kind: str, now: dt.datetime) -> QuerySet[Referral]:
    """Referrals of `program` that need a warning of `kind` now and have not had one."""
    running = Referral.objects.filter(program=program, status__in=CLOCK_RUNNING_STATUSES).exclude(
        deadline_warnings__kind=kind
    )
    if kind == DeadlineWarning.Kind.DUE_SOON:
        horizon = now + dt.timedelta(hours=program.deadline_warning_hours)
        return running.filter(first_attempt_at__isnull=True, contact_deadline__gt=now, contact_deadline__lte=horizon)
    # Overdue: the deadline passed and nobody has reached the person (the queue's "overdue").
    return running.filter(contact_deadline__lte=now)


def _still_relevant() -> Q:
    """A warning whose email failed is retried only while what it warns about is still true: a
    referral reached or closed meanwhile (or, for "due soon", attempted) is not emailed about. A repeat
    overdose is news while its referral is open."""
    running = Q(referral__status__in=CLOCK_RUNNING_STATUSES)
    deadline = running & (Q(kind=DeadlineWarning.Kind.OVERDUE) | Q(referral__first_attempt_at__isnull=True))
    repeat = Q(kind=DeadlineWarning.Kind.REPEAT_OVERDOSE, referral__status__in=OPEN_STATUSES)
    return deadline | repeat


# Names no one: no name, no birth date, nothing about the overdose; the link asks the reader to sign in.
REPEAT_OVERDOSE_MESSAGE = gettext_lazy("A participant you work with has a new overdose referral.")
REPEAT_OVERDOSE_ASSIGNED = gettext_lazy(
    "A participant you work with has a new overdose referral. It is assigned to you."
)


def repeat_overdose_alert(*, referral: Referral, now: dt.datetime | None = None) -> DeadlineWarning | None:
    """A known participant's new overdose referral (intake calls this inside its transaction): tell, in
    the app at once and by email through the worker (deadline_warning_emails_send), the program's
    supervisors and the peers assigned to the person's open referrals, or, with none open, to their most
    recent one, while they still work in the program's team. Once per referral (the unique constraint on
    (referral, kind)); returns None if it was already raised."""
    now = now or timezone.now()
    team = {
        m.user_id: m
        for m in Membership.objects.filter(
            program_id=referral.program_id, role__in=TEAM_ROLES, is_active=True, user__is_active=True
        ).select_related("user")
    }
    earlier = Referral.objects.filter(participant_id=referral.participant_id).exclude(pk=referral.pk)
    peers = set(
        earlier.filter(status__in=OPEN_STATUSES, assigned_to__isnull=False).values_list("assigned_to", flat=True)
    )
    if not peers:
        latest = earlier.order_by("-received_at", "-pk").values_list("assigned_to", flat=True).first()
        peers = {latest} if latest else set()
    if referral.assigned_to_id:
        peers.add(referral.assigned_to_id)
    users = {m.user for m in team.values() if m.role == Role.SUPERVISOR}
    users |= {team[user_id].user for user_id in peers if user_id in team}
    try:
        with transaction.atomic():
            warning = DeadlineWarning.objects.create(
                referral=referral, kind=DeadlineWarning.Kind.REPEAT_OVERDOSE, created_at=now
            )
    except IntegrityError:
        return None
    Notice.objects.bulk_create(
        Notice(
            user=user,
            warning=warning,
            referral=referral,
            message=str(REPEAT_OVERDOSE_ASSIGNED if user.pk == referral.assigned_to_id else REPEAT_OVERDOSE_MESSAGE),
            created_at=now,
        )
        for user in sorted(users, key=lambda u: u.pk)
    )
    return warning


def _message(kind: str, referral: Referral, program: Program) -> str:
    """Names no participant. The deadline is shown on the program's own clock, with its zone."""
    deadline = formats.date_format(timezone.localtime(referral.contact_deadline, program.zone), "M j, g:i A T")
    if kind == DeadlineWarning.Kind.DUE_SOON:
        return _("Contact deadline %(deadline)s is near and nobody has tried to reach the person yet.") % {
            "deadline": deadline
        }
    return _("Overdue since %(deadline)s: nobody has reached the person yet.") % {"deadline": deadline}


def _recipients(referral: Referral, supervisors: list[Membership], team_user_ids: set[int]) -> set[User]:
    """The program's supervisors and the assigned peer, if they still work in the program's team."""
    users = {m.user for m in supervisors}
    if referral.assigned_to_id in team_user_ids and referral.assigned_to is not None:
        users.add(referral.assigned_to)
    return users


def deadline_warnings_send(*, now: dt.datetime | None = None) -> int:
    """Create each due warning once, with an in-app notice for the assigned peer and the program's
    supervisors, then email every warning not yet emailed. Returns how many warnings were created.

    A warning row is created before anything is sent; the unique (referral, kind) constraint means a
    worker that restarts, or two workers at once, never warn twice. Emails that failed are retried on
    the next run (emailed_at stays empty until one goes out).
    """
    now = now or timezone.now()
    created = 0
    for program in Program.objects.all():
        team = list(
            Membership.objects.filter(
                program=program, role__in=TEAM_ROLES, is_active=True, user__is_active=True
            ).select_related("user")
        )
        supervisors = [m for m in team if m.role == Role.SUPERVISOR]
        team_user_ids = {m.user_id for m in team}
        for kind in (DeadlineWarning.Kind.OVERDUE, DeadlineWarning.Kind.DUE_SOON):
            for referral in _due(program, kind, now).select_related("assigned_to"):
                try:
                    with transaction.atomic():
                        warning = DeadlineWarning.objects.create(referral=referral, kind=kind, created_at=now)
                        message = _message(kind, referral, program)
                        Notice.objects.bulk_create(
                            Notice(user=user, warning=warning, referral=referral, message=message, created_at=now)
                            for user in _recipients(referral, supervisors, team_user_ids)
                        )
                except IntegrityError:
                    continue  # another worker got there first
                created += 1
    deadline_warning_emails_send()
    return created


def deadline_warning_emails_send() -> int:
    """Email every alert not yet emailed (deadline warnings and repeat-overdose alerts), one message to
    everyone it warns. The email names no participant: it links to the referral, which asks the reader
    to sign in. Returns how many went out."""
    sent = 0
    pending = (
        DeadlineWarning.objects.filter(emailed_at__isnull=True)
        .filter(_still_relevant())
        .select_related("referral__program")
        .prefetch_related("notices__user")
        .order_by("pk")
    )
    for warning in pending:
        notices = list(warning.notices.all())
        addresses = sorted({n.user.email for n in notices if n.user.email})
        repeat = warning.kind == DeadlineWarning.Kind.REPEAT_OVERDOSE
        if addresses and not notice_email_send(
            subject=_("PORT: new overdose referral") if repeat else _("PORT: referral deadline warning"),
            addresses=addresses,
            message=str(REPEAT_OVERDOSE_MESSAGE) if repeat else notices[0].message,
            program=warning.referral.program,
            link_label=_("Open the referral (sign-in required): %(link)s"),
            path=reverse("referrals:detail", args=[warning.referral.public_id]),
            what=f"Alert {warning.pk} ({warning.kind})",
        ):
            continue
        DeadlineWarning.objects.filter(pk=warning.pk).update(emailed_at=timezone.now())
        sent += 1
    return sent


def notice_email_send(
    *, subject: str, addresses: list[str], message: str, program: Program, link_label: str, path: str, what: str
) -> bool:
    """The one way a notice goes out by email (deadline warnings, task reminders): the notice's own text,
    which names no participant, the program, and a link that asks the reader to sign in. `link_label`
    has a %(link)s; `what` names the record for the log (an id, never a person). False when sending
    failed: the caller keeps it pending and tries again on its next run."""
    link = settings.PORT_BASE_URL.rstrip("/") + path
    body = "\n\n".join([message, _("Program: %(program)s") % {"program": program.name}, link_label % {"link": link}])
    try:
        send_mail(subject=subject, message=body + "\n", from_email=None, recipient_list=addresses)
    except OSError:  # smtplib's errors are OSErrors too
        logger.warning("%s: email failed; will retry", what)
        return False
    return True


def notices_mark_read(*, viewer: Membership, notice: Notice | None = None) -> int:
    """Mark one of the viewer's own notices read, or (without `notice`) all of their unread ones in the
    program they act in. Returns how many changed."""
    unread = notices_for(viewer=viewer).filter(read_at__isnull=True)
    if notice is not None:
        unread = unread.filter(pk=notice.pk)
    return Notice.objects.filter(pk__in=list(unread.values_list("pk", flat=True))).update(read_at=timezone.now())
