"""Linkage on pages of lower rooms: the referral page (port.referrals) shows the referral's appointments
and rides through this tag, so the referrals room never imports linkage (the signal goes the other way)."""

from typing import Any

from django import template

from port.linkage.selectors import upcoming_for

register = template.Library()


@register.inclusion_tag("linkage/_referral_upcoming.html", takes_context=True)
def referral_upcoming(context: template.Context, referral: Any) -> dict[str, Any]:
    """Appointments and rides to come for `referral`, as the signed-in member may see them (one query)."""
    membership = context["membership"]
    return {
        "membership": membership,
        "referral": referral,
        "upcoming": upcoming_for(viewer=membership, referral=referral),
    }
