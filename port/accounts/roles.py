"""Roles and what each may do: the one place the access table (DESIGN.md section 4) lives.

- the team (admin, supervisor, peer): identities and details of their own program (a program may hide
  some sensitive fields from some roles); works referrals.
- referral partner (ED, 2-1-1): first name and initial of what their agency sent; sends referrals and
  sees their status.
- EMS/fire partner: as a referral partner; on a visit they joined, identity, address and safety notes,
  and clinical details only where the program's field visibility allows.
- law enforcement partner: as a referral partner; never clinical or substance-use details (42 CFR Part 2).
- service provider: only participants disclosed to their agency under an active consent, and only what
  the consent names.
- analyst: no identities; de-identified aggregates only.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Program admin")
    SUPERVISOR = "supervisor", _("Supervisor")
    PEER = "peer", _("Peer specialist")
    PARTNER = "partner", _("Referral partner")
    FIRST_RESPONDER = "first_responder", _("EMS/fire partner")
    LAW_ENFORCEMENT = "law_enforcement", _("Law enforcement partner")
    PROVIDER = "provider", _("Service provider")
    ANALYST = "analyst", _("Analyst")


# The program's own team: sees participant identities and details of its own program.
TEAM_ROLES = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.PEER})
# May assign, re-assign and close referrals and see the whole program's queue.
SUPERVISING_ROLES = frozenset({Role.ADMIN, Role.SUPERVISOR})
# May be assigned referrals.
ASSIGNABLE_ROLES = frozenset({Role.SUPERVISOR, Role.PEER})
# Agencies that send referrals and may learn their status, nothing more.
PARTNER_ROLES = frozenset({Role.PARTNER, Role.FIRST_RESPONDER, Role.LAW_ENFORCEMENT})
# Never receive substance-use records, notes or anything disclosed under 42 CFR Part 2.
NEVER_CLINICAL_ROLES = frozenset({Role.LAW_ENFORCEMENT, Role.ANALYST})
# May send referrals (staff form).
REFERRING_ROLES = TEAM_ROLES | PARTNER_ROLES
# May upload a CSV batch.
IMPORTING_ROLES = SUPERVISING_ROLES | PARTNER_ROLES
# Roles that belong to an outside agency and must name it.
AGENCY_ROLES = PARTNER_ROLES | {Role.PROVIDER}
# Roles that can see participant identities: two-factor sign-in is required for them.
IDENTITY_ROLES = TEAM_ROLES | PARTNER_ROLES | {Role.PROVIDER}

# The main navigation (port/core/templates/base.html): which roles see each link, from the sets above.
NAV_LINKS: dict[str, frozenset[str]] = {
    "queue": SUPERVISING_ROLES,
    "my_queue": TEAM_ROLES,
    "tasks": TEAM_ROLES,
    "new": REFERRING_ROLES,
    "import": IMPORTING_ROLES,
    "review": TEAM_ROLES,
    "supplies": TEAM_ROLES,
    "directory": TEAM_ROLES,
    "notices": TEAM_ROLES,
    "figures": frozenset({Role.ANALYST}),
    "shared": frozenset({Role.PROVIDER}),
    "visits": frozenset({Role.FIRST_RESPONDER}),
    "sent": PARTNER_ROLES,
    "audit": SUPERVISING_ROLES,
    "admin": frozenset({Role.ADMIN}),
}


def nav_links(role: str | None) -> dict[str, bool]:
    """For the main navigation: each link's name, and whether this role sees it."""
    return {name: role in roles for name, roles in NAV_LINKS.items()}
