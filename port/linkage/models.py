"""Warm hand-offs (a FHIR ServiceRequest and its Task in one row) and the follow-up tasks of the closed loop.

Codes are FHIR's where FHIR has them (Task.status, ServiceRequest.priority), so a FHIR API can expose a
hand-off as it is stored; docs/linkage.md gives the mapping.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from port.accounts.models import Organization, Program
from port.consent.models import Consent, Disclosure
from port.directory.models import Service
from port.outreach.models import Encounter, Supporter
from port.participants.models import Participant
from port.referrals.models import Referral


class How(models.TextChoices):
    """How the team connects the person (ServiceRequest.category extension: the kind of warm hand-off)."""

    ACCOMPANIED = "accompanied", _("Accompanied in person")
    THREE_WAY_CALL = "three_way_call", _("Three-way call")
    TRANSPORTED = "transported", _("Transported by the team")
    APPOINTMENT_TOGETHER = "appointment_together", _("Appointment made together")
    INFORMATION_ONLY = "information_only", _("Information only")


class Priority(models.TextChoices):
    """FHIR request-priority codes (ServiceRequest.priority)."""

    ROUTINE = "routine", _("Routine")
    URGENT = "urgent", _("Urgent")
    ASAP = "asap", _("As soon as possible")
    STAT = "stat", _("Immediately")


class Transport(models.TextChoices):
    NONE = "none", _("No transport")
    RIDE_ARRANGED = "ride_arranged", _("The team arranged a ride")
    RIDE_GIVEN = "ride_given", _("The team gave the ride")


class TaskStatus(models.TextChoices):
    """FHIR Task.status codes (the closed-loop states of the SDOH Clinical Care IG)."""

    REQUESTED = "requested", _("Requested")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    IN_PROGRESS = "in-progress", _("In progress")
    ON_HOLD = "on-hold", _("On hold")
    COMPLETED = "completed", _("Completed")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")
    ENTERED_IN_ERROR = "entered-in-error", _("Entered in error")


# States in which the loop is still open: the provider may still answer, a check may still be needed.
OPEN_STATUSES = frozenset({TaskStatus.REQUESTED, TaskStatus.ACCEPTED, TaskStatus.IN_PROGRESS, TaskStatus.ON_HOLD})


class BusinessStatus(models.TextChoices):
    """What the receiving provider reports (Task.businessStatus)."""

    NONE = "", _("Nothing reported")
    APPOINTMENT_SCHEDULED = "appointment-scheduled", _("Appointment scheduled")
    ATTENDED = "attended", _("Attended")
    NO_SHOW = "no-show", _("Did not attend")


class PersonReport(models.TextChoices):
    """For an information-only hand-off: what the person told the team. Never the provider's answer."""

    NONE = "", _("Nothing reported yet")
    ATTENDED = "attended", _("The person says they went")
    NOT_ATTENDED = "not-attended", _("The person says they did not go")


class StatusReason(models.TextChoices):
    """Task.statusReason codes for the states that need one (rejected, cancelled, on-hold, failed)."""

    NONE = "", _("No reason")
    NO_CAPACITY = "no-capacity", _("No capacity or waiting list")
    NOT_ELIGIBLE = "not-eligible", _("Not eligible for the service")
    DECLINED = "declined", _("The person declined")
    UNABLE_TO_CONTACT = "unable-to-contact", _("Could not reach the person")
    NO_SHOW = "no-show", _("The person did not come")
    CHANGED_MIND = "changed-mind", _("The person changed their mind")
    WRONG_SERVICE = "wrong-service", _("Not the right service")
    DUPLICATE = "duplicate", _("Sent twice")
    OTHER = "other", _("Another reason")


class Side(models.TextChoices):
    REFERRING = "referring", _("Referring team")
    RECEIVING = "receiving", _("Receiving provider")


class HandOff(models.Model):
    """A warm hand-off to a directory organization (or one of its services), for one need."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="handoffs")
    supporter = models.ForeignKey(Supporter, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    referral = models.ForeignKey(Referral, null=True, blank=True, on_delete=models.PROTECT, related_name="handoffs")
    encounter = models.ForeignKey(Encounter, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    service = models.ForeignKey(Service, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    need = models.CharField(max_length=80, help_text=_("A PORT category code (port.directory.categories.NEEDS)."))
    how = models.CharField(max_length=24, choices=How.choices)
    priority = models.CharField(max_length=8, choices=Priority.choices, default=Priority.ROUTINE)
    appointment_at = models.DateTimeField(null=True, blank=True)
    transport = models.CharField(max_length=16, choices=Transport.choices, default=Transport.NONE)
    ride_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)
    consent = models.ForeignKey(Consent, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    disclosure = models.ForeignKey(Disclosure, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=TaskStatus.choices, default=TaskStatus.REQUESTED)
    status_reason = models.CharField(max_length=24, choices=StatusReason.choices, blank=True)
    status_note = models.CharField(max_length=300, blank=True)
    business_status = models.CharField(max_length=24, choices=BusinessStatus.choices, blank=True)
    person_report = models.CharField(max_length=16, choices=PersonReport.choices, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["organization", "status"], name="handoff_receiver_status"),
            models.Index(fields=["participant", "created_at"], name="handoff_participant"),
        ]

    def __str__(self) -> str:
        return f"Hand-off {self.public_id}"

    @property
    def information_only(self) -> bool:
        return self.how == How.INFORMATION_ONLY


class HandOffChange(models.Model):
    """One status change of a hand-off (Task history): from, to, why, who, when, and which side."""

    handoff = models.ForeignKey(HandOff, on_delete=models.CASCADE, related_name="changes")
    from_status = models.CharField(max_length=20, choices=TaskStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=TaskStatus.choices)
    business_status = models.CharField(max_length=24, choices=BusinessStatus.choices, blank=True)
    reason = models.CharField(max_length=24, choices=StatusReason.choices, blank=True)
    note = models.CharField(max_length=300, blank=True)
    side = models.CharField(max_length=10, choices=Side.choices)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["changed_at", "pk"]


class TaskKind(models.TextChoices):
    CHECK_IN = "check_in", _("Check in with the person")
    HANDOFF_CHECK = "handoff_check", _("Follow up a hand-off")


class CheckReason(models.TextChoices):
    """Why a hand-off check task was made."""

    NONE = "", _("None")
    NO_ANSWER = "no_answer", _("The provider has not answered")
    APPOINTMENT_PASSED = "appointment_passed", _("The appointment passed without an update")


class TaskState(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class TaskOutcome(models.TextChoices):
    NONE = "", _("Not recorded")
    REACHED_WELL = "reached_well", _("Reached, doing well")
    REACHED_NEEDS_HELP = "reached_needs_help", _("Reached, needs help")
    NOT_REACHED = "not_reached", _("Not reached")
    PROVIDER_UPDATED = "provider_updated", _("The provider gave an update")
    HANDOFF_REDONE = "handoff_redone", _("Connected the person again")
    NO_LONGER_NEEDED = "no_longer_needed", _("No longer needed")


class Task(models.Model):
    """A follow-up for the peer: a check-in after the person was reached, or a hand-off that needs chasing."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="+")
    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="tasks")
    handoff = models.ForeignKey(HandOff, null=True, blank=True, on_delete=models.PROTECT, related_name="tasks")
    kind = models.CharField(max_length=16, choices=TaskKind.choices)
    check_reason = models.CharField(max_length=20, choices=CheckReason.choices, blank=True)
    # Check-ins: days after the person was first reached (7, 30, 90...), one task per referral and offset.
    offset_days = models.PositiveSmallIntegerField(null=True, blank=True)
    due_on = models.DateField(help_text=_("A day in the program's time zone."))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(max_length=10, choices=TaskState.choices, default=TaskState.OPEN)
    outcome = models.CharField(max_length=24, choices=TaskOutcome.choices, blank=True)
    note = models.CharField(max_length=500, blank=True)
    closed_reason = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["referral", "offset_days"],
                condition=models.Q(kind="check_in"),
                name="one_check_in_per_referral_and_day",
            ),
            models.UniqueConstraint(
                fields=["handoff", "check_reason"],
                condition=models.Q(kind="handoff_check"),
                name="one_handoff_check_per_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["program", "state", "due_on"], name="task_program_open"),
            models.Index(fields=["owner", "state", "due_on"], name="task_owner_open"),
        ]

    def __str__(self) -> str:
        return f"Task {self.pk}"


class TaskReminder(models.Model):
    """Sent once per task and kind (the unique constraint makes a restarted worker harmless). The in-app
    notice is a port.notifications Notice; the email goes out through port.notifications too."""

    class Kind(models.TextChoices):
        DUE_TOMORROW = "due_tomorrow", _("Due tomorrow")
        DUE_TODAY = "due_today", _("Due today")
        OVERDUE = "overdue", _("Overdue")

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    message = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["task", "kind"], name="one_reminder_per_task_and_kind")]
