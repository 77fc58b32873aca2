"""Overdose events, referrals and their history (DESIGN.md sections 2 and 3)."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from port.accounts.models import AcuityLevel, Organization, Program
from port.core.encryption import EncryptedTextField
from port.participants.models import Participant


class Source(models.TextChoices):
    EMERGENCY_DEPARTMENT = "emergency_department", _("Emergency department")
    TWO_ONE_ONE = "211", _("2-1-1")
    EMS = "ems", _("EMS")
    FIRE = "fire", _("Fire")
    LAW_ENFORCEMENT = "law_enforcement", _("Law enforcement")
    SELF = "self", _("Self")
    FAMILY = "family", _("Family or friend")
    OTHER = "other", _("Other")


class Channel(models.TextChoices):
    STAFF_FORM = "staff_form", _("Referral form")
    PUBLIC_FORM = "public_form", _("Ask-for-help page")
    CSV = "csv", _("CSV upload")
    API = "api", _("API")


class NaloxoneGivenBy(models.TextChoices):
    BYSTANDER = "bystander", _("Bystander or family")
    SELF = "self", _("The person themselves")
    EMS = "ems", _("EMS")
    FIRE = "fire", _("Fire")
    LAW_ENFORCEMENT = "law_enforcement", _("Law enforcement")
    HOSPITAL = "hospital", _("Hospital")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Unknown")


class OverdoseEvent(models.Model):
    """One non-fatal overdose: ODMAP's minimum (when, where, naloxone) plus substances and transport."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="overdose_events")
    occurred_at = models.DateTimeField(null=True, blank=True)
    location = models.CharField(max_length=300, blank=True)
    substances = models.JSONField(default=list, blank=True)
    naloxone_doses = models.PositiveSmallIntegerField(null=True, blank=True)
    naloxone_given_by = models.CharField(max_length=20, choices=NaloxoneGivenBy.choices, blank=True)
    transported = models.BooleanField(null=True, blank=True)
    # Set by intake: the person already had an earlier referral, for another overdose, when this one came
    # in (port.referrals.intake.is_repeat_overdose). Shown on the timeline as a repeat overdose.
    repeat = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-occurred_at"]


class Status(models.TextChoices):
    RECEIVED = "received", _("Received")
    ASSIGNED = "assigned", _("Assigned")
    ATTEMPTING = "attempting", _("Attempting contact")
    REACHED = "reached", _("Reached")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = (Status.RECEIVED, Status.ASSIGNED, Status.ATTEMPTING, Status.REACHED)
# Statuses whose contact clock is still running: nobody has reached the person yet.
CLOCK_RUNNING_STATUSES = (Status.RECEIVED, Status.ASSIGNED, Status.ATTEMPTING)


class ClosingReason(models.TextChoices):
    """Why a case (a referral) was closed. The first seven are the outcomes of following up (issue 9);
    duplicate, out of area and other are intake's and supervisors' housekeeping. "declined" kept its
    stored value when its label became "Declined further contact" (the same meaning). "completed" is
    kept for referrals closed before the outcomes were split: "follow-up completed" says neither that
    the person engaged in treatment nor that their goals were met, so no data migration guesses which;
    it is no longer offered (CLOSING_REASONS_OFFERED) and the service refuses it for new closes."""

    ENGAGED_IN_TREATMENT = "engaged_in_treatment", _("Engaged in treatment")
    GOALS_MET = "goals_met", _("Goals met")
    DECLINED = "declined", _("Declined further contact")
    UNABLE_TO_REACH = "unable_to_reach", _("Unable to reach")
    MOVED = "moved", _("Moved away")
    INCARCERATED = "incarcerated", _("Incarcerated")
    DECEASED = "deceased", _("Deceased")
    DUPLICATE = "duplicate", _("Duplicate referral")
    OUT_OF_AREA = "out_of_area", _("Outside the program's area")
    OTHER = "other", _("Other")
    COMPLETED = "completed", _("Follow-up completed (earlier reason)")


# What a person may choose when closing now: every reason but the retired "completed".
CLOSING_REASONS_OFFERED = tuple(reason for reason in ClosingReason if reason != ClosingReason.COMPLETED)


class Referral(models.Model):
    """One request to follow up after one overdose event, with its contact clock and status."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="referrals")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="referrals")
    overdose_event = models.ForeignKey(OverdoseEvent, on_delete=models.PROTECT, related_name="referrals")
    source = models.CharField(max_length=24, choices=Source.choices)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    referring_agency = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="referrals_sent"
    )
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="referrals_sent"
    )
    referrer_name = models.CharField(max_length=200, blank=True, help_text=_("Who asked for help, on the public page."))
    referrer_contact = models.CharField(max_length=200, blank=True)
    external_id = models.CharField(
        max_length=100, blank=True, help_text=_("The sending agency's own identifier for this referral.")
    )
    received_at = models.DateTimeField()
    available_from = models.DateTimeField(
        null=True, blank=True, help_text=_("When the person can first be reached, e.g. discharge.")
    )
    acuity = models.ForeignKey(AcuityLevel, on_delete=models.PROTECT, related_name="+")
    contact_deadline = models.DateTimeField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RECEIVED)
    closed_reason = models.CharField(max_length=24, choices=ClosingReason.choices, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="assigned_referrals"
    )
    consent_to_contact = models.BooleanField(null=True, blank=True)
    # Stamped from the contact attempts (port.outreach), never typed.
    first_attempt_at = models.DateTimeField(null=True, blank=True)
    first_contact_at = models.DateTimeField(null=True, blank=True)
    notes = EncryptedTextField(blank=True)
    # What this referral said about the person, as sent: kept even when the participant record differs.
    submitted_participant = models.JSONField(default=dict, blank=True)
    match_result = models.CharField(
        max_length=16, blank=True, help_text=_("How intake found the participant: exact, likely or new.")
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["contact_deadline"]
        constraints = [
            # Retries from an agency's system never duplicate a referral.
            models.UniqueConstraint(
                fields=["referring_agency", "external_id"],
                condition=~models.Q(external_id=""),
                name="referral_external_id_unique_per_agency",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(status="closed", closed_reason__gt="")
                    | (~models.Q(status="closed") & models.Q(closed_reason=""))
                ),
                name="referral_closed_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["program", "status", "contact_deadline"], name="referral_queue"),
            # The queue's order (clock running first, then deadline) read straight from an index, so a
            # program with tens of thousands of open referrals is not sorted on every page.
            models.Index(
                models.F("program"),
                models.Case(
                    models.When(status__in=CLOCK_RUNNING_STATUSES, then=models.Value(0)),
                    default=models.Value(1),
                    output_field=models.IntegerField(),
                ),
                models.F("contact_deadline"),
                models.F("id"),
                condition=models.Q(status__in=OPEN_STATUSES),
                name="referral_open_queue",
            ),
            models.Index(fields=["assigned_to", "status", "contact_deadline"], name="referral_my_queue"),
            models.Index(fields=["referring_agency", "received_at"], name="referral_sent"),
        ]

    def __str__(self) -> str:
        return f"Referral {self.public_id}"

    @property
    def is_open(self) -> bool:
        return self.status != Status.CLOSED

    @property
    def clock_running(self) -> bool:
        return self.status in CLOCK_RUNNING_STATUSES


class ReferralChange(models.Model):
    """Who changed a referral's status or assignment, and when."""

    class Kind(models.TextChoices):
        STATUS = "status", _("Status")
        ASSIGNMENT = "assignment", _("Assignment")

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    from_status = models.CharField(max_length=16, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=Status.choices)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=24, blank=True)
    # Why a closed referral was reopened, in the reopener's words (closed -> received/assigned/reached).
    reopen_reason = EncryptedTextField(blank=True)
    # A supervisor's written reason for closing as unable to reach before the attempt policy was used up.
    override_reason = EncryptedTextField(blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["changed_at", "pk"]


class ReferralImport(models.Model):
    """A CSV batch held between upload, preview and the user's choice of what to import."""

    class State(models.TextChoices):
        PREVIEW = "preview", _("Waiting for confirmation")
        IMPORTED = "imported", _("Imported")
        CANCELLED = "cancelled", _("Cancelled")

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="+")
    agency = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(max_length=200)
    content = models.TextField(help_text=_("The decoded file, kept until the batch is imported or cancelled."))
    state = models.CharField(max_length=16, choices=State.choices, default=State.PREVIEW)
    row_count = models.PositiveIntegerField(default=0)
    imported_count = models.PositiveIntegerField(default=0)
    rejected_count = models.PositiveIntegerField(default=0)
    # After import the file is dropped; only the rejected rows (with reasons) are kept for download.
    rejected_rows = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
