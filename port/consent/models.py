"""Consents under 42 CFR Part 2 (2.31 elements) and the accounting of disclosures made under them."""

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from port.accounts.models import Organization, Program
from port.participants.models import Participant


class ConsentKind(models.TextChoices):
    PARTICIPATION = "participation", _("Program participation")
    DISCLOSURE = "disclosure", _("Disclosure to a named recipient")
    TPO = "tpo", _("Treatment, payment and health care operations")
    COUNSELING_NOTES = "counseling_notes", _("Counseling notes")


# Consent kinds that permit disclosure outside the team.
DISCLOSING_KINDS = (ConsentKind.DISCLOSURE, ConsentKind.TPO, ConsentKind.COUNSELING_NOTES)


def in_force_q(on: dt.date, prefix: str = "") -> models.Q:
    """In force on the program day `on`: not revoked, and not past its expiry date (a day in the program's
    time zone, so pass `program.today()`). `prefix` reaches a consent through a relation ("consent__")."""
    return models.Q(**{f"{prefix}revoked_at__isnull": True}) & (
        models.Q(**{f"{prefix}expires_on__isnull": True}) | models.Q(**{f"{prefix}expires_on__gte": on})
    )


class ConsentQuerySet(models.QuerySet):
    def in_force(self, on: dt.date) -> "ConsentQuerySet":
        """The consents in force on the program day `on` (see in_force_q): the one way to ask."""
        return self.filter(in_force_q(on))


class InformationCategory(models.TextChoices):
    """What a consent lets the program disclose: specific categories, never "all records"."""

    IDENTITY = "identity", _("Name and date of birth")
    CONTACT = "contact", _("Phone, address and where to find the person")
    REFERRAL_STATUS = "referral_status", _("That a referral was made and its status")
    OVERDOSE = "overdose", _("Overdose events and substances involved")
    SERVICES = "services", _("Services given (naloxone, education, supplies)")
    ASSESSMENTS = "assessments", _("Readiness, stage of change and the person's goals")
    NOTES = "notes", _("Notes from contacts and visits")
    COUNSELING_NOTES = "counseling_notes", _("Counseling notes")


class SignatureMethod(models.TextChoices):
    DRAWN = "drawn", _("Signed on the screen")
    VERBAL = "verbal", _("Verbal consent, witnessed")


class Consent(models.Model):
    """One consent with every element 42 CFR 2.31 requires. Never edited after signing: revoke it and
    record a new one."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="consents")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=20, choices=ConsentKind.choices)
    language = models.CharField(max_length=5, default="en", choices=[("en", "English"), ("es", "Español")])
    # 2.31(a)(2): who may disclose.
    disclosing_party = models.CharField(max_length=200)
    # 2.31(a)(3): how much and what kind of information, described specifically.
    information_categories = models.JSONField(default=list)
    information_description = models.TextField()
    # 2.31(a)(4): to whom: a directory organization by name, or a class for treatment, payment and operations.
    recipient_agency = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recipient_class = models.CharField(
        max_length=200, blank=True, help_text=_("For treatment, payment and operations: e.g. 'my treating providers'.")
    )
    # 2.31(a)(5): the purpose.
    purpose = models.TextField()
    # 2.31(a)(6): the right to revoke and how.
    revocation_statement = models.TextField()
    # 2.31(a)(7): expiry date or event.
    expires_on = models.DateField(null=True, blank=True)
    expiry_event = models.CharField(max_length=200, blank=True)
    # 2.31(a)(8)-(9): signature and date; who signed if not the participant, and their authority.
    signature_method = models.CharField(max_length=10, choices=SignatureMethod.choices)
    signature_image = models.TextField(blank=True, help_text=_("The drawn signature, as a PNG data URL."))
    witness_name = models.CharField(max_length=200, blank=True)
    signed_on = models.DateField()
    signed_by_name = models.CharField(
        max_length=200, blank=True, help_text=_("Only when someone other than the participant signed.")
    )
    signer_authority = models.CharField(
        max_length=200, blank=True, help_text=_("e.g. legal guardian, health care proxy.")
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revocation_note = models.CharField(max_length=300, blank=True)

    objects = ConsentQuerySet.as_manager()

    class Meta:
        ordering = ["-recorded_at"]
        indexes = [models.Index(fields=["participant", "kind"], name="consent_participant_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.signed_on})"


class Disclosure(models.Model):
    """One disclosure outside the team, recorded by the gate: the accounting of disclosures."""

    class Channel(models.TextChoices):
        HANDOFF = "handoff", _("Shared with a provider")
        PROVIDER_VIEW = "provider_view", _("Viewed by the provider")
        EXPORT = "export", _("Export with identities")
        API = "api", _("Read by an outside system")

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="disclosures")
    consent = models.ForeignKey(Consent, on_delete=models.PROTECT, related_name="disclosures")
    recipient_agency = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    categories = models.JSONField(default=list)
    purpose = models.CharField(max_length=300)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    disclosed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    disclosed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-disclosed_at", "-pk"]
        indexes = [models.Index(fields=["recipient_agency", "participant"], name="disclosure_recipient")]
