"""The contact clock: when a referral must be first contacted. Windows in hours are elapsed time."""

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from port.referrals.models import Referral

# Under this much time left, a running clock is "due soon".
DUE_SOON = dt.timedelta(hours=6)


def contact_deadline(
    *,
    received_at: dt.datetime,
    available_from: dt.datetime | None,
    window_hours: int,
) -> dt.datetime:
    """The later of received time and `available_from`, plus the acuity window, in elapsed hours.

    "24 hours" means 24 real hours, also across a daylight-saving change: from 9 pm the evening before
    spring-forward the deadline is 10 pm the next day on the program's wall clock, and 8 pm after
    fall-back (docs/architecture.md, "The clock"). The program's zone only decides how a deadline is
    shown. Returned in UTC, as stored.
    """
    start = max(received_at, available_from) if available_from else received_at
    # In UTC first: adding a timedelta to a datetime in a zone with daylight saving adds wall-clock time.
    return start.astimezone(dt.UTC) + dt.timedelta(hours=window_hours)


def time_left(deadline: dt.datetime, now: dt.datetime) -> dt.timedelta:
    """Positive while time remains, negative once overdue."""
    return deadline - now


def describe_time_left(delta: dt.timedelta) -> str:
    """'5 h 20 min left' or '1 d 3 h overdue': short enough for a phone's queue row."""
    overdue = delta.total_seconds() < 0
    minutes = int(abs(delta.total_seconds()) // 60)
    days, rem = divmod(minutes, 24 * 60)
    hours, mins = divmod(rem, 60)
    if days:
        amount = _("%(d)d d %(h)d h") % {"d": days, "h": hours}
    elif hours:
        amount = _("%(h)d h %(m)d min") % {"h": hours, "m": mins}
    else:
        amount = _("%(m)d min") % {"m": mins}
    return (_("%(amount)s overdue") if overdue else _("%(amount)s left")) % {"amount": amount}


@dataclass(frozen=True)
class ContactClock:
    """How a referral's contact clock reads at a moment: the one reading the queue, the referral's page,
    the participant's timeline and their next actions show."""

    deadline: dt.datetime  # on the program's wall clock
    text: str  # "5 h 20 min left", "1 d 3 h overdue", or the status once the clock has stopped
    badge: str  # CSS class: badge-ok, badge-due-soon, badge-overdue, badge-neutral
    running: bool
    left: dt.timedelta  # negative once overdue

    @property
    def overdue(self) -> bool:
        return self.running and self.left < dt.timedelta(0)


def contact_clock(referral: "Referral", now: dt.datetime) -> ContactClock:
    """The referral's contact clock at `now`: time left or overdue while it runs, its status once stopped."""
    from port.referrals.models import Status

    deadline = referral.program.local(referral.contact_deadline)
    left = time_left(referral.contact_deadline, now)
    if referral.status == Status.REACHED:
        return ContactClock(deadline, _("Reached"), "badge-neutral", running=False, left=left)
    if not referral.clock_running:
        return ContactClock(deadline, referral.get_status_display(), "badge-neutral", running=False, left=left)
    if left < dt.timedelta(0):
        badge = "badge-overdue"
    elif left < DUE_SOON:
        badge = "badge-due-soon"
    else:
        badge = "badge-ok"
    return ContactClock(deadline, describe_time_left(left), badge, running=True, left=left)
