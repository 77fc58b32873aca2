"""Field-level visibility of sensitive fields (notes, substances, assessments) per role."""

from port.accounts.models import FieldVisibility, Membership
from port.accounts.roles import NEVER_CLINICAL_ROLES, TEAM_ROLES, Role

Group = FieldVisibility.Group

# What a role sees when the program has not said otherwise.
DEFAULT_VISIBLE = {role: True for role in TEAM_ROLES} | {Role.FIRST_RESPONDER: False}


def visible_groups(viewer: Membership) -> frozenset[str]:
    """The sensitive field groups this viewer may see. Cached on the membership for the request."""
    cached = getattr(viewer, "_visible_groups", None)
    if cached is not None:
        return cached
    if viewer.role in NEVER_CLINICAL_ROLES or viewer.role not in DEFAULT_VISIBLE:
        groups: frozenset[str] = frozenset()
    else:
        settings = dict(FieldVisibility.objects.filter(program_id=viewer.program_id, role=viewer.role)
                        .values_list("group", "visible"))
        groups = frozenset(g for g in Group.values if settings.get(g, DEFAULT_VISIBLE[viewer.role]))
    viewer._visible_groups = groups
    return groups


def can_see(viewer: Membership, group: str) -> bool:
    return group in visible_groups(viewer)
