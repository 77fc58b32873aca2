"""Deadline warnings and the in-app notices they produce."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from port.referrals.models import Referral


class DeadlineWarning(models.Model):
    """An alert about a referral, sent once per referral and kind: the unique constraint makes a restarted
    worker harmless. Deadline warnings (due soon, overdue), and the repeat-overdose alert intake raises
    when a known participant has a new overdose referral; the worker emails each the same way."""

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", _("Deadline approaching with no attempt")
        OVERDUE = "overdue", _("Overdue")
        REPEAT_OVERDOSE = "repeat_overdose", _("New overdose of a participant the team knows")

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="deadline_warnings")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    created_at = models.DateTimeField(default=timezone.now)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["referral", "kind"], name="one_warning_per_kind")]


class Notice(models.Model):
    """A message for one user in the app (the bell). Carries no participant name: it links to the record."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices")
    warning = models.ForeignKey(
        DeadlineWarning, null=True, blank=True, on_delete=models.CASCADE, related_name="notices"
    )
    referral = models.ForeignKey(Referral, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    message = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    # Not a column: the display name of the person the notice is about, set for the viewer by
    # port.notifications.selectors.notices_named.
    person_name: str

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at"], name="notice_user_unread")]
