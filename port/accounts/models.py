"""Programs, agencies, users, memberships and API tokens (DESIGN.md section 2)."""

import datetime as dt
import uuid
import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from port.accounts.roles import AGENCY_ROLES, PARTNER_ROLES, TEAM_ROLES, Role
from port.core.names import display_name
from port.core.time import local, today_in


class User(AbstractUser):
    """A person who signs in. What they may do comes from their memberships, one per program."""

    # Not a column: django-otp's middleware sets it on the signed-in request.user (port/security): whether
    # this session gave a second factor.
    is_verified: Callable[[], bool]
    # Not columns either: the admin's user list (port/administration/admin/users.py) sets these on the users
    # it lists: their memberships in the programs the viewer administers (a Prefetch's to_attr), and whether
    # the viewer administers every program they work in.
    visible_memberships: list["Membership"]
    _only_in_administered_programs: bool

    def __str__(self) -> str:
        return display_name(self)


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            _("%(value)s is not a known time zone, such as America/New_York."), params={"value": value}
        )


def parse_checkin_days(value: str) -> list[int]:
    """ "7, 30, 90" as [7, 30, 90]: whole days from 1 to 730, sorted, each once. Raises ValueError."""
    days = set()
    for part in value.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        day = int(part)
        if not 1 <= day <= 730:
            raise ValueError(part)
        days.add(day)
    return sorted(days)


def validate_checkin_days(value: str) -> None:
    try:
        days = parse_checkin_days(value)
    except ValueError:
        days = []
    if not days or len(days) > 12:
        raise ValidationError(
            _("Give up to twelve whole numbers of days from 1 to 730, separated by commas, such as 7, 30, 90.")
        )


class Program(models.Model):
    """One PORT program (a county or regional team); everything belongs to exactly one program."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    time_zone = models.CharField(max_length=64, default="America/New_York", validators=[validate_time_zone])
    created_at = models.DateTimeField(default=timezone.now)
    # Outreach policy: when attempts without contact are "exhausted" and closing is offered.
    attempt_policy_min_attempts = models.PositiveSmallIntegerField(default=3)
    attempt_policy_min_days = models.PositiveSmallIntegerField(default=7)
    attempt_policy_min_modes = models.PositiveSmallIntegerField(default=2)
    encounter_edit_hours = models.PositiveIntegerField(
        default=72, help_text=_("How long the author may edit an encounter; after that, addenda only.")
    )
    deadline_warning_hours = models.PositiveIntegerField(
        default=6, help_text=_("Warn this many hours before a contact deadline with no attempt.")
    )
    idle_timeout_minutes = models.PositiveSmallIntegerField(
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(720)],
        help_text=_("Sign people out after this many minutes without activity."),
    )
    directory_review_months = models.PositiveSmallIntegerField(
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text=_("A directory entry not checked within this many months is marked as possibly out of date."),
    )
    checkin_days = models.CharField(
        max_length=100,
        default="7, 30, 90",
        validators=[validate_checkin_days],
        help_text=_("Check in with a person this many days after they were first reached (comma-separated)."),
    )
    handoff_answer_hours = models.PositiveIntegerField(
        default=48,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 60)],
        help_text=_("The peer gets a task when a provider has not answered a hand-off within this many hours."),
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def checkin_offsets(self) -> list[int]:
        """The check-in days as numbers, in order, each once."""
        return parse_checkin_days(self.checkin_days)

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def today(self, at: dt.datetime | None = None) -> dt.date:
        """The program's date: today on its own calendar, or the date it was there at the moment `at`.

        The one way to get a program's date (expiry dates, birth dates, report ranges are its days)."""
        return today_in(self.zone, at)

    def local(self, moment: dt.datetime | None = None) -> dt.datetime:
        """`moment` (default: now) on the program's wall clock."""
        return local(self.zone, moment)


class AcuityLevel(models.Model):
    """A program's acuity level and its contact window, e.g. high risk: contact within 24 hours."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="acuity_levels")
    code = models.SlugField(max_length=32, help_text=_("Used in the API and CSV, e.g. 'high'."))
    label = models.CharField(max_length=100)
    window_hours = models.PositiveIntegerField(help_text=_("Hours from receipt to the contact deadline."))
    rank = models.PositiveSmallIntegerField(default=0, help_text=_("0 is the most urgent."))

    class Meta:
        ordering = ["program", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["program", "code"], name="acuity_code_unique_in_program"),
            models.CheckConstraint(condition=models.Q(window_hours__gte=1), name="acuity_window_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.window_hours} h)"


class OrganizationKind(models.TextChoices):
    EMERGENCY_DEPARTMENT = "emergency_department", _("Hospital emergency department")
    TWO_ONE_ONE = "211", _("2-1-1")
    EMS = "ems", _("EMS")
    FIRE = "fire", _("Fire")
    LAW_ENFORCEMENT = "law_enforcement", _("Law enforcement")
    TREATMENT = "treatment", _("Treatment provider")
    RECOVERY = "recovery", _("Recovery community organization")
    FAITH = "faith", _("Faith-based group")
    HARM_REDUCTION = "harm_reduction", _("Harm-reduction provider")
    MEDICAL = "medical", _("Medical or mental-health care")
    SOCIAL_SERVICE = "social_service", _("Social services (housing, food, benefits, legal aid)")
    PORT_TEAM = "port_team", _("The PORT team itself")
    OTHER = "other", _("Other")


class Organization(models.Model):
    """One organization, whatever the program uses it for: a sender of referrals, the agency a partner or
    provider user acts for, the recipient a consent names, the receiver of a hand-off, and the
    organization behind entries of the resource directory (port.directory).

    The descriptive fields are Open Referral HSDS 3.0's `organization` (schema/organization.json);
    `hsds_id` is its stable id, kept across imports and exports so updates round-trip. HSDS parts the
    program does not search on (funding, contacts, identifiers, programs, metadata) are kept whole in
    `hsds_extra` so an export gives back what was imported.
    """

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="organizations")
    hsds_id = models.UUIDField(default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=32, choices=OrganizationKind.choices, default=OrganizationKind.OTHER)
    alternate_name = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    email = models.EmailField(blank=True)
    website = models.URLField(max_length=500, blank=True)
    tax_status = models.CharField(max_length=100, blank=True)
    tax_id = models.CharField(max_length=100, blank=True)
    year_incorporated = models.PositiveSmallIntegerField(null=True, blank=True)
    legal_status = models.CharField(max_length=200, blank=True)
    logo = models.CharField(max_length=500, blank=True)
    uri = models.URLField(max_length=500, blank=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children")
    hsds_extra = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["program", "name"]
        constraints = [
            models.UniqueConstraint(fields=["program", "name"], name="organization_name_unique_in_program"),
            models.UniqueConstraint(fields=["program", "hsds_id"], name="organization_hsds_id_unique_in_program"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if self.parent_id is not None and self.parent is not None:
            if self.parent.program_id != self.program_id:
                raise ValidationError({"parent": _("The parent organization must belong to the same program.")})
            if self.parent_id == self.pk:
                raise ValidationError({"parent": _("An organization cannot be its own parent.")})


class Membership(models.Model):
    """A user acting in one program, with one role (and, for partners, their agency).

    Every selector that returns participant data takes a Membership: the user *and* the program
    and role they act in, so scoping cannot be forgotten.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices)
    agency = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        help_text=_("Required for referral partners: the agency they send for."),
    )
    is_active = models.BooleanField(default=True)

    # Not a column: port.accounts.visibility.visible_groups caches the groups this membership sees on it.
    _visible_groups: frozenset[str] | None

    class Meta:
        ordering = ["program", "user__last_name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "program"], name="one_membership_per_program"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.program}"

    @property
    def is_team(self) -> bool:
        return self.role in TEAM_ROLES

    @property
    def is_partner(self) -> bool:
        """A referral partner of any kind (ED, 2-1-1, EMS/fire, law enforcement)."""
        return self.role in PARTNER_ROLES

    def clean(self) -> None:
        if self.role in AGENCY_ROLES and not self.agency_id:
            raise ValidationError({"agency": _("A partner or provider must belong to an agency.")})
        if self.agency is not None and self.program_id and self.agency.program_id != self.program_id:
            raise ValidationError({"agency": _("The agency must belong to the same program.")})


class ApiToken(models.Model):
    """A bearer token for one agency's system. Only its SHA-256 hash is stored.

    Issued, revoked and checked by port.security.accounts (api_token_issue, api_token_revoke,
    api_token_authenticate).
    """

    PREFIX = "port_"

    agency = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text=_("What uses this token, e.g. 'ED nightly feed'."))
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    hint = models.CharField(max_length=12, editable=False, help_text=_("The token's first characters."))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > timezone.now())


class FieldVisibility(models.Model):
    """A program's choice to show or hide a group of sensitive fields from one role.

    Without a row, the team sees everything and an EMS/fire partner sees none of it; law enforcement
    and analysts never see these fields, whatever a row says (port.accounts.visibility).
    """

    class Group(models.TextChoices):
        NOTES = "notes", _("Notes")
        SUBSTANCES = "substances", _("Substances and overdose details")
        ASSESSMENTS = "assessments", _("Readiness, stage of change and goals")

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="field_visibility")
    role = models.CharField(max_length=16, choices=Role.choices)
    group = models.CharField(max_length=16, choices=Group.choices)
    visible = models.BooleanField()

    class Meta:
        verbose_name_plural = "field visibility"
        constraints = [models.UniqueConstraint(fields=["program", "role", "group"], name="field_visibility_unique")]

    def __str__(self) -> str:
        return f"{self.get_group_display()}: {'shown to' if self.visible else 'hidden from'} {self.get_role_display()}"
