"""Small display helpers for the outreach pages."""

import datetime as dt

from django import template
from django.utils.translation import gettext as _

from port.core.names import display_name
from port.outreach.models import TeamMember

register = template.Library()


@register.filter
def elapsed(delta: dt.timedelta | None) -> str:
    """'45 min', '5 h 20 min', '2 d 3 h': how long something took."""
    if delta is None:
        return ""
    minutes = max(0, int(delta.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return _("%(d)d d %(h)d h") % {"d": days, "h": hours}
    if hours:
        return _("%(h)d h %(m)d min") % {"h": hours, "m": mins}
    return _("%(m)d min") % {"m": mins}


@register.filter
def team_member(member: TeamMember) -> str:
    """'Pat Tester (Peer specialist)' or 'J. Ruiz (EMS)'."""
    name = display_name(member.user) if member.user_id else member.name
    return f"{name} ({member.get_role_display()})"


@register.filter
def phone(e164: str) -> str:
    """'+14125550100' -> '(412) 555-0100'."""
    from port.participants.normalize import format_phone

    return format_phone(e164) if e164 else ""
