"""The contact clock: when a referral must be first contacted. Windows in hours are elapsed time."""

import datetime as dt


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
    from django.utils.translation import gettext as _

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
