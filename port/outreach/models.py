"""The peer's field work: contact attempts, encounters (visits, calls and texts that reached someone),
what was given and taught, supporters, and neutral text-message templates."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from port.accounts.models import Program
from port.core.encryption import EncryptedTextField
from port.participants.models import Participant
from port.referrals.models import Referral


class Mode(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    PHONE = "phone", _("Phone")
    TEXT = "text", _("Text")
    OTHER = "other", _("Other")


class Place(models.TextChoices):
    HOME = "home", _("Home")
    HOSPITAL = "hospital", _("Hospital")
    SHELTER = "shelter", _("Shelter")
    STREET = "street", _("Street location")
    OTHER = "other", _("Other")


class TeamRole(models.TextChoices):
    PEER = "peer", _("Peer specialist")
    EMS = "ems", _("EMS")
    FIRE = "fire", _("Fire")
    POLICE = "police", _("Police")
    CLINICIAN = "clinician", _("Clinician")
    BEHAVIORAL_HEALTH = "behavioral_health", _("Behavioral health")
    FAITH_BASED = "faith_based", _("Faith-based")


class Outcome(models.TextChoices):
    REACHED_PARTICIPANT = "reached_participant", _("Reached the participant")
    REACHED_SUPPORTER = "reached_supporter", _("Reached a supporter only")
    NO_ANSWER = "no_answer", _("No answer")
    LEFT_MESSAGE = "left_message", _("Left a message")
    WRONG_NUMBER = "wrong_number", _("Wrong or disconnected number")
    NOT_AT_ADDRESS = "not_at_address", _("Not at the address")
    DECLINED = "declined", _("Declined")
    HOSPITALIZED = "hospitalized", _("Hospitalized")
    INCARCERATED = "incarcerated", _("Incarcerated")
    MOVED = "moved", _("Moved")
    DECEASED = "deceased", _("Deceased")


# The person was reached: these stamp first contact and move the referral to "reached".
CONTACT_OUTCOMES = frozenset({Outcome.REACHED_PARTICIPANT, Outcome.DECLINED})
# These end the follow-up: the referral closes with the same reason.
CLOSING_OUTCOMES: dict[str, str] = {
    Outcome.DECEASED: "deceased",
    Outcome.MOVED: "moved",
    Outcome.INCARCERATED: "incarcerated",
}


class Supporter(models.Model):
    """A family member or friend of a participant. The team talks with them only when the participant
    agreed (consent_to_contact)."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="supporters")
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100, blank=True)
    relationship = models.CharField(max_length=50, help_text=_("e.g. mother, partner, friend"))
    phone = models.CharField(max_length=20, blank=True)
    contact_notes = models.CharField(max_length=300, blank=True, help_text=_("Other ways to reach them."))
    consent_to_contact = models.BooleanField(
        default=False, help_text=_("The participant agreed that the team may talk with this person.")
    )
    consent_recorded_at = models.DateTimeField(null=True, blank=True)
    consent_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    needs = EncryptedTextField(blank=True, help_text=_("Their own needs, e.g. counseling, support for children."))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["first_name", "last_name"]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class ContactAttempt(models.Model):
    """One try to reach the person."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="attempts")
    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="attempts")
    attempted_at = models.DateTimeField(default=timezone.now)
    mode = models.CharField(max_length=16, choices=Mode.choices)
    place = models.CharField(max_length=16, choices=Place.choices, blank=True)
    outcome = models.CharField(max_length=24, choices=Outcome.choices)
    supporter = models.ForeignKey(
        Supporter,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attempts",
        help_text=_("Who was reached, for a supporter."),
    )
    # Encrypted text has no length limit in the database; the form and the service keep it to 300.
    note = EncryptedTextField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["attempted_at", "pk"]
        indexes = [models.Index(fields=["referral", "attempted_at"], name="attempt_referral_at")]


class TeamMember(models.Model):
    """Who went on an attempt or an encounter: a user of the program, or a named partner (EMS, police)."""

    attempt = models.ForeignKey(ContactAttempt, null=True, blank=True, on_delete=models.CASCADE, related_name="team")
    encounter = models.ForeignKey("Encounter", null=True, blank=True, on_delete=models.CASCADE, related_name="team")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(max_length=100, blank=True, help_text=_("For someone without a login."))
    role = models.CharField(max_length=20, choices=TeamRole.choices)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(attempt__isnull=False, encounter__isnull=True)
                    | models.Q(attempt__isnull=True, encounter__isnull=False)
                ),
                name="team_member_one_parent",
            ),
        ]


class StageOfChange(models.TextChoices):
    PRECONTEMPLATION = "precontemplation", _("Not thinking about change")
    CONTEMPLATION = "contemplation", _("Thinking about it")
    PREPARATION = "preparation", _("Getting ready")
    ACTION = "action", _("Making changes")
    MAINTENANCE = "maintenance", _("Keeping changes going")


class Encounter(models.Model):
    """A visit, or a call or text exchange, that reached the participant or a supporter."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="encounters")
    referral = models.ForeignKey(Referral, null=True, blank=True, on_delete=models.PROTECT, related_name="encounters")
    attempt = models.OneToOneField(
        ContactAttempt, null=True, blank=True, on_delete=models.PROTECT, related_name="encounter"
    )
    occurred_at = models.DateTimeField(default=timezone.now)
    mode = models.CharField(max_length=16, choices=Mode.choices)
    place = models.CharField(max_length=16, choices=Place.choices, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    participant_present = models.BooleanField(default=True)
    supporters_present = models.ManyToManyField(Supporter, blank=True, related_name="encounters")
    stage_of_change = models.CharField(max_length=20, choices=StageOfChange.choices, blank=True)
    readiness = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text=_("Readiness ruler: 0 (not ready) to 10 (very ready).")
    )
    goals = EncryptedTextField(blank=True, help_text=_("The participant's own goals, in their words."))
    next_steps = EncryptedTextField(blank=True, help_text=_("Next steps the participant chose."))
    notes = EncryptedTextField(blank=True, help_text=_("Sensitive."))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    # Optimistic concurrency: a save must name the version it edited.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(readiness__lte=10), name="encounter_readiness_0_10"),
        ]


class EncounterItem(models.Model):
    """One thing given or taught at an encounter, to whom. Supplies come from inventory."""

    class Kind(models.TextChoices):
        SUPPLY = "supply", _("Supplies given")
        NALOXONE_TRAINING = "naloxone_training", _("Naloxone training")
        SYRINGE_SERVICES_INFO = "syringe_services_info", _("Syringe-services information")
        OVERDOSE_PREVENTION_EDUCATION = "overdose_prevention", _("Overdose-prevention education")
        SAFER_USE_EDUCATION = "safer_use", _("Safer-use education")

    class Recipient(models.TextChoices):
        PARTICIPANT = "participant", _("Participant")
        SUPPORTER = "supporter", _("Supporter")
        COMMUNITY = "community", _("Community member")

    encounter = models.ForeignKey(Encounter, on_delete=models.PROTECT, related_name="items")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    supply_item = models.ForeignKey(
        "supplies.SupplyItem", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lot = models.ForeignKey("supplies.Lot", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # The ledger entry that took the supplies out of stock (supplies only); the ledger never points back.
    movement = models.OneToOneField(
        "supplies.StockMovement", null=True, blank=True, on_delete=models.PROTECT, related_name="encounter_item"
    )
    quantity = models.PositiveIntegerField(default=1)
    recipient_type = models.CharField(max_length=16, choices=Recipient.choices, default=Recipient.PARTICIPANT)
    supporter = models.ForeignKey(Supporter, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["pk"]


class EncounterAddendum(models.Model):
    """A correction or addition to a locked encounter; the original stays as it was."""

    encounter = models.ForeignKey(Encounter, on_delete=models.PROTECT, related_name="addenda")
    text = EncryptedTextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]


class TextTemplate(models.Model):
    """Neutral wording for texts ("community outreach"; never the overdose), editable per program."""

    class Language(models.TextChoices):
        ENGLISH = "en", _("English")
        SPANISH = "es", _("Spanish")

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="text_templates")
    name = models.CharField(max_length=100)
    language = models.CharField(max_length=5, choices=Language.choices)
    body = models.TextField()
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["program", "language", "name"]
        constraints = [models.UniqueConstraint(fields=["program", "name", "language"], name="text_template_unique")]

    def __str__(self) -> str:
        return f"{self.name} ({self.language})"


class RecoveryCapitalAssessment(models.Model):
    """One BARC-10 (port/outreach/barc10.py): the participant's ten answers, 1 to 6 each, and their total,
    given by a team member at a visit or a check-in. Repeated over time; the participant's page shows
    the trend."""

    class Language(models.TextChoices):
        ENGLISH = "en", _("English")
        SPANISH = "es", _("Spanish")

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="recovery_capital")
    referral = models.ForeignKey(
        Referral, null=True, blank=True, on_delete=models.PROTECT, related_name="recovery_capital"
    )
    # The check-in task it was given at (port.linkage), when there was one: an id only, no foreign key, so
    # outreach does not depend on linkage; linkage finds the assessment by it.
    check_in_task_id = models.IntegerField(null=True, blank=True, db_index=True)
    item_1 = models.PositiveSmallIntegerField()
    item_2 = models.PositiveSmallIntegerField()
    item_3 = models.PositiveSmallIntegerField()
    item_4 = models.PositiveSmallIntegerField()
    item_5 = models.PositiveSmallIntegerField()
    item_6 = models.PositiveSmallIntegerField()
    item_7 = models.PositiveSmallIntegerField()
    item_8 = models.PositiveSmallIntegerField()
    item_9 = models.PositiveSmallIntegerField()
    item_10 = models.PositiveSmallIntegerField()
    total = models.PositiveSmallIntegerField(help_text=_("The sum of the ten answers, 10 to 60."))
    language = models.CharField(max_length=2, choices=Language.choices, default=Language.ENGLISH)
    given_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    given_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)

    ITEM_FIELDS = tuple(f"item_{number}" for number in range(1, 11))

    class Meta:
        ordering = ["-given_at", "-pk"]
        indexes = [models.Index(fields=["participant", "given_at"], name="barc10_participant_at")]
        constraints = [
            *(
                models.CheckConstraint(
                    condition=models.Q(**{f"item_{n}__gte": 1, f"item_{n}__lte": 6}), name=f"barc10_item_{n}_1_6"
                )
                for n in range(1, 11)
            ),
            models.CheckConstraint(
                condition=models.Q(
                    total=models.F("item_1")
                    + models.F("item_2")
                    + models.F("item_3")
                    + models.F("item_4")
                    + models.F("item_5")
                    + models.F("item_6")
                    + models.F("item_7")
                    + models.F("item_8")
                    + models.F("item_9")
                    + models.F("item_10")
                ),
                name="barc10_total_is_the_sum",
            ),
        ]

    @property
    def answers(self) -> list[int]:
        return [getattr(self, name) for name in self.ITEM_FIELDS]
