"""Roles and what each may do: the one place the access table (DESIGN.md section 4) lives."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Program admin")
    SUPERVISOR = "supervisor", _("Supervisor")
    PEER = "peer", _("Peer specialist")
    PARTNER = "partner", _("Referral partner")


# The program's own team: sees participant identities and details of its own program.
TEAM_ROLES = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.PEER})
# May assign, re-assign and close referrals and see the whole program's queue.
SUPERVISING_ROLES = frozenset({Role.ADMIN, Role.SUPERVISOR})
# May be assigned referrals.
ASSIGNABLE_ROLES = frozenset({Role.SUPERVISOR, Role.PEER})
# May send referrals (staff form and CSV upload).
REFERRING_ROLES = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.PEER, Role.PARTNER})
# May upload a CSV batch.
IMPORTING_ROLES = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.PARTNER})
