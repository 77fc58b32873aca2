"""Template helpers for field-level visibility: `{% load access %}` then
`{% if membership|can_see:"notes" %}…{% endif %}` (groups: notes, substances, assessments)."""

from django import template

from port.accounts import visibility
from port.accounts.models import Membership

register = template.Library()


@register.filter
def can_see(membership: Membership | None, group: str) -> bool:
    """Whether the membership may see this group of sensitive fields (False for no membership)."""
    return visibility.can_see(membership, group)
