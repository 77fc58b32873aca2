"""Field-level visibility of sensitive fields (notes, substances, assessments) per role.

A program's admin sets FieldVisibility rows in the admin (Programs → a program → Field visibility).
Templates ask `{% if membership|can_see:"notes" %}` (port.accounts.templatetags.access); selectors and
views ask `can_see(viewer, Group.NOTES)`. An unknown group name is a programming error and raises, so a
typo cannot silently show or hide a field.
"""

from port.accounts.models import FieldVisibility, Membership
from port.accounts.roles import NEVER_CLINICAL_ROLES, TEAM_ROLES, Role

Group = FieldVisibility.Group

# What a role sees when the program has not said otherwise.
DEFAULT_VISIBLE: dict[str, bool] = {**{role: True for role in TEAM_ROLES}, Role.FIRST_RESPONDER: False}
# Roles a program may show or hide groups for; everyone else is fixed (law enforcement and analysts never
# see them, referral partners have no page that shows them, providers see what a consent names).
CONFIGURABLE_ROLES = frozenset(DEFAULT_VISIBLE)


def visible_groups(viewer: Membership | None) -> frozenset[str]:
    """The sensitive field groups this viewer may see. Cached on the membership for the request."""
    if not viewer:  # no membership (or a template variable that is not there)
        return frozenset()
    cached: frozenset[str] | None = getattr(viewer, "_visible_groups", None)
    if cached is not None:
        return cached
    if viewer.role in NEVER_CLINICAL_ROLES or viewer.role not in DEFAULT_VISIBLE:
        groups: frozenset[str] = frozenset()
    else:
        settings = dict(
            FieldVisibility.objects.filter(program_id=viewer.program_id, role=viewer.role).values_list(
                "group", "visible"
            )
        )
        groups = frozenset(g for g in Group.values if settings.get(g, DEFAULT_VISIBLE[viewer.role]))
    viewer._visible_groups = groups
    return groups


def can_see(viewer: Membership | None, group: str) -> bool:
    if group not in Group.values:
        raise ValueError(f"Unknown field group {group!r}; use one of {', '.join(Group.values)}.")
    return group in visible_groups(viewer)
