"""Participants: the people a program follows up with, their other names, phones, and merges."""

import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models.functions import Greatest, Least
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from port.accounts.models import Program

if TYPE_CHECKING:
    from port.audit.models import BreakGlassAccess


class Participant(models.Model):
    """The person who overdosed. Many have no phone or address: a place to find them is enough."""

    # Not a column: the break-the-glass grant the record was read under (set by participant_get), or None.
    break_glass: "BreakGlassAccess | None"

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="participants")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    preferred_name = models.CharField(max_length=100, blank=True)
    # Lower-case, accent-free, letters only: what intake matches on.
    name_key = models.CharField(max_length=220, blank=True, db_index=True, editable=False)
    date_of_birth = models.DateField(null=True, blank=True)
    address = models.CharField(max_length=300, blank=True)
    location_notes = models.TextField(blank=True, help_text=_("Where to find the person if there is no address."))
    preferred_language = models.CharField(max_length=50, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    # Set when a person confirmed this record is the same person as another; the record stays, hidden.
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="absorbed")

    class Meta:
        ordering = ["last_name", "first_name"]
        indexes = [models.Index(fields=["program", "date_of_birth"], name="participant_prog_dob")]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        first = self.preferred_name or self.first_name
        name = f"{first} {self.last_name}".strip()
        return name or str(_("Name not known"))


class ParticipantAlias(models.Model):
    """Another name the person is known by (a maiden name, a street name, a misspelling from a referral)."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="aliases")
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    name_key = models.CharField(max_length=220, db_index=True, editable=False)

    class Meta:
        verbose_name_plural = "participant aliases"
        constraints = [models.UniqueConstraint(fields=["participant", "name_key"], name="alias_unique_per_participant")]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class ParticipantPhone(models.Model):
    """A phone number for the person, normalized to E.164 so intake can match on it."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="phones")
    number = models.CharField(max_length=20, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["participant", "number"], name="phone_unique_per_participant")]

    def __str__(self) -> str:
        return self.number


class MatchCandidate(models.Model):
    """A likely duplicate found at intake, waiting for a person to confirm or dismiss it.

    One row per pair of records, whichever of the two is called new: the question "are these the
    same person?" is asked once, and a person's answer to it stands.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for review")
        MERGED = "merged", _("Same person: merged")
        DISMISSED = "dismissed", _("Different people")

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="+")
    new_participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    existing_participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    reasons = models.JSONField(default=list)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                Least("new_participant", "existing_participant"),
                Greatest("new_participant", "existing_participant"),
                name="match_candidate_pair_unique_either_order",
            ),
            models.CheckConstraint(
                condition=~models.Q(new_participant=models.F("existing_participant")),
                name="match_candidate_two_records",
            ),
        ]
        indexes = [models.Index(fields=["program", "status"], name="match_prog_status")]


class ParticipantMerge(models.Model):
    """The record of two participant records being merged, with a full snapshot of the absorbed one."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    survivor = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="merges")
    absorbed = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="+")
    absorbed_snapshot = models.JSONField()
    survivor_snapshot = models.JSONField()
    merged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    merged_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-merged_at"]


class BreakGlassAccess(models.Model):
    """A supervisor opened a record outside their normal scope, giving a reason (port/casefile/break_glass.py).
    Flagged for review (port/oversight)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    membership = models.ForeignKey("accounts.Membership", on_delete=models.PROTECT, related_name="+")
    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=500)
    granted_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.CharField(max_length=500, blank=True)

    class Meta:
        db_table = "audit_breakglassaccess"  # the table it had when it lived in port.audit
        ordering = ["-granted_at"]
        indexes = [models.Index(fields=["user", "participant", "expires_at"], name="break_glass_active")]
