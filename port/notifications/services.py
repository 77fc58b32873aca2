"""Deadline warnings: found by the background worker, sent once per referral and kind."""

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from port.accounts.models import Membership, Program
from port.accounts.roles import Role
from port.notifications.models import DeadlineWarning, Notice
from port.referrals.clock import describe_time_left
from port.referrals.models import CLOCK_RUNNING_STATUSES, Referral

logger = logging.getLogger(__name__)


def _due(program: Program, kind: str, now: dt.datetime):
    running = Referral.objects.filter(program=program, status__in=CLOCK_RUNNING_STATUSES).exclude(
        deadline_warnings__kind=kind)
    if kind == DeadlineWarning.Kind.DUE_SOON:
        horizon = now + dt.timedelta(hours=program.deadline_warning_hours)
        return running.filter(first_attempt_at__isnull=True, contact_deadline__gt=now,
                              contact_deadline__lte=horizon)
    return running.filter(contact_deadline__lte=now)


def _message(kind: str, referral: Referral, now: dt.datetime) -> str:
    left = describe_time_left(referral.contact_deadline - now)
    if kind == DeadlineWarning.Kind.DUE_SOON:
        return _("A referral is due soon with no contact attempt yet (%(left)s).") % {"left": left}
    return _("A referral is overdue: nobody has reached the person yet (%(left)s).") % {"left": left}


def deadline_warnings_send(*, now: dt.datetime | None = None) -> int:
    """Create each due warning once, with an in-app notice and an email to the assigned peer and the
    program's supervisors. Returns how many warnings were created.

    A warning row is created before anything is sent; the unique (referral, kind) constraint means a
    worker that restarts, or two workers at once, never warn twice. Emails that failed are retried on
    the next run (emailed_at stays empty until one goes out).
    """
    now = now or timezone.now()
    created = 0
    for program in Program.objects.all():
        supervisors = list(
            Membership.objects.filter(program=program, role=Role.SUPERVISOR, is_active=True, user__is_active=True)
            .select_related("user"))
        for kind in (DeadlineWarning.Kind.OVERDUE, DeadlineWarning.Kind.DUE_SOON):
            for referral in _due(program, kind, now).select_related("assigned_to"):
                try:
                    with transaction.atomic():
                        warning = DeadlineWarning.objects.create(referral=referral, kind=kind, created_at=now)
                        recipients = {m.user for m in supervisors}
                        if referral.assigned_to and referral.assigned_to.is_active:
                            recipients.add(referral.assigned_to)
                        message = _message(kind, referral, now)
                        Notice.objects.bulk_create(
                            Notice(user=user, warning=warning, referral=referral, message=message, created_at=now)
                            for user in recipients)
                except IntegrityError:
                    continue  # another worker got there first
                created += 1
    deadline_warning_emails_send()
    return created


def deadline_warning_emails_send() -> int:
    """Email every warning not yet emailed. The email names no participant: it links to the referral."""
    sent = 0
    pending = DeadlineWarning.objects.filter(emailed_at__isnull=True).select_related("referral")
    base = settings.PORT_BASE_URL.rstrip("/")
    for warning in pending.prefetch_related("notices__user"):
        link = base + reverse("referrals:detail", args=[warning.referral.public_id])
        addresses = sorted({n.user.email for n in warning.notices.all() if n.user.email})
        message = warning.notices.all()[0].message if warning.notices.all() else ""
        if addresses:
            try:
                send_mail(subject=_("PORT: referral deadline warning"), message=f"{message}\n\n{link}\n",
                          from_email=None, recipient_list=addresses)
            except OSError:
                logger.warning("Deadline warning %s: email failed; will retry", warning.pk)
                continue
        DeadlineWarning.objects.filter(pk=warning.pk).update(emailed_at=timezone.now())
        sent += 1
    return sent
