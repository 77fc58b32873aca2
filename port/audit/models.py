"""The audit trail: every read, change and export of participant data, and every sign-in."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One audited action. Written only through port.audit.services.audit_record; never edited."""

    class Action(models.TextChoices):
        VIEW = "view", _("Viewed a record")
        LIST = "list", _("Viewed a list")
        CREATE = "create", _("Created")
        UPDATE = "update", _("Changed")
        DELETE = "delete", _("Deleted")
        MERGE = "merge", _("Merged")
        EXPORT = "export", _("Exported")
        LOGIN = "login", _("Signed in")
        LOGIN_FAILED = "login_failed", _("Failed sign-in")
        LOGOUT = "logout", _("Signed out")
        DISCLOSE = "disclose", _("Disclosed outside the team")
        BREAK_GLASS = "break_glass", _("Opened a record outside normal access")

    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    program = models.ForeignKey("accounts.Program", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=16, blank=True)
    api_token = models.ForeignKey(
        "accounts.ApiToken", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=16, choices=Action.choices)
    # What was touched: a model label and its primary keys (never names or other participant data).
    target_type = models.CharField(max_length=64, blank=True)
    target_ids = models.JSONField(default=list, blank=True)
    participant_ids = models.JSONField(default=list, blank=True)
    changes = models.JSONField(default=dict, blank=True, help_text=_("Before and after values of a change."))
    path = models.CharField(max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)
    # Break-the-glass and other access that needs a reason; flagged entries wait for review.
    reason = models.CharField(max_length=500, blank=True)
    flagged = models.BooleanField(default=False)
    # The hash chain: each entry's HMAC covers its fields and the previous entry's hash.
    seq = models.PositiveBigIntegerField(unique=True, null=True, editable=False)
    prev_hash = models.CharField(max_length=64, blank=True, editable=False)
    entry_hash = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["user", "at"], name="audit_user_at"),
            models.Index(fields=["flagged", "at"], name="audit_flagged_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.target_type}"


class AuditParticipant(models.Model):
    """Which participants an audit entry concerns, indexed for "who saw or changed this participant"."""

    event = models.ForeignKey(AuditEvent, on_delete=models.PROTECT, related_name="participants")
    participant_id = models.BigIntegerField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "participant_id"], name="audit_participant_unique")]


class AuditChainHead(models.Model):
    """The newest entry's sequence number and hash: one row, locked while an entry is appended, so the
    chain has no forks. Its value is also anchored outside the database (port.audit.chain.anchor_write)."""

    seq = models.PositiveBigIntegerField(default=0)
    entry_hash = models.CharField(max_length=64, blank=True)
