"""The contact clock: when a referral must be first contacted, computed in the program's time zone."""

import datetime as dt
import zoneinfo


def contact_deadline(
    *,
    received_at: dt.datetime,
    available_from: dt.datetime | None,
    window_hours: int,
    zone: zoneinfo.ZoneInfo,
) -> dt.datetime:
    """The later of received time and `available_from`, plus the acuity window.

    The window is counted on the program's wall clock, so "24 hours" from 9 pm is 9 pm the next day
    in the program's zone even across a daylight-saving change (23 or 25 elapsed hours). A deadline
    that falls in the hour skipped by a spring-forward change moves to the same minutes an hour later.
    Returned in UTC, as stored.
    """
    start = max(received_at, available_from) if available_from else received_at
    local_wall = start.astimezone(zone).replace(tzinfo=None) + dt.timedelta(hours=window_hours)
    return local_wall.replace(tzinfo=zone, fold=0).astimezone(dt.UTC)


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
