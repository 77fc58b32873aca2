"""Template filters for directory results: category names, distances and hours in words."""

import datetime as dt

from django import template
from django.utils.formats import time_format
from django.utils.translation import gettext as _

from port.directory.categories import category_name
from port.directory.hours import Hours

register = template.Library()


@register.filter
def category(code: str, language: str = "en") -> str:
    return category_name(code, language or "en")


@register.filter
def miles(value: float | None) -> str:
    if value is None:
        return ""
    if value < 0.1:
        return _("less than 0.1 mi")
    return _("%(miles).1f mi") % {"miles": value}


def _clock(value: dt.datetime | dt.time) -> str:
    return time_format(value, "g:i A")


@register.filter
def today_hours(hours: Hours) -> str:
    """Today's hours in words: "8:00 AM–5:00 PM", "Open 24 hours", "Closed today (Holiday)"."""
    if hours.closed_today:
        note = f" ({hours.closure_note})" if hours.closure_note else ""
        return _("Closed today%(note)s") % {"note": note}
    if not hours.today:
        return "" if hours.state == "unknown" else _("No hours today")
    parts = []
    for interval in hours.today:
        if interval.all_day:
            parts.append(_("Open 24 hours"))
        else:
            parts.append(f"{_clock(interval.opens_at)}–{_clock(interval.closes_at)}")
    return ", ".join(parts)


@register.filter
def clock(value: dt.datetime | None) -> str:
    return _clock(value) if value else ""
