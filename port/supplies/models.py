"""Naloxone and supply inventory: items, lots, locations, and a ledger of every stock change."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from port.accounts.models import Program


class SupplyItem(models.Model):
    """Something the team hands out: naloxone 4 mg nasal spray, hygiene kits, test strips, ..."""

    class Kind(models.TextChoices):
        NALOXONE = "naloxone", _("Naloxone")
        HYGIENE_KIT = "hygiene_kit", _("Hygiene kit")
        TEST_STRIPS = "test_strips", _("Fentanyl test strips")
        WOUND_CARE = "wound_care", _("Wound-care supplies")
        OTHER = "other", _("Other")

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="supply_items")
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    unit = models.CharField(max_length=30, default="kit", help_text=_("What one counts: kit, box, strip."))
    low_stock_level = models.PositiveIntegerField(
        default=0, help_text=_("Warn on the dashboard when the program's total stock falls below this.")
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["program", "kind", "name"]
        constraints = [models.UniqueConstraint(fields=["program", "name"], name="supply_item_name_unique")]

    def __str__(self) -> str:
        return self.name


class StockLocation(models.Model):
    """Where stock is kept: the office, a peer's vehicle or bag."""

    class Kind(models.TextChoices):
        OFFICE = "office", _("Office")
        VEHICLE = "vehicle", _("Vehicle")
        BAG = "bag", _("Bag")

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="stock_locations")
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="stock_locations",
        help_text=_("The peer who carries it."),
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["program", "kind", "name"]
        constraints = [models.UniqueConstraint(fields=["program", "name"], name="stock_location_name_unique")]

    def __str__(self) -> str:
        return self.name


class Lot(models.Model):
    """A manufacturer's lot of one item, with its expiry date (for recalls and expiry warnings)."""

    item = models.ForeignKey(SupplyItem, on_delete=models.PROTECT, related_name="lots")
    lot_number = models.CharField(max_length=50)
    expires_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["expires_on", "lot_number"]
        constraints = [models.UniqueConstraint(fields=["item", "lot_number"], name="lot_number_unique_per_item")]

    def __str__(self) -> str:
        return f"{self.item} lot {self.lot_number}"


class StockBalance(models.Model):
    """How many of one lot are at one location: kept in step with the ledger, locked while it changes,
    and never negative (a database constraint, so concurrent distributions cannot overdraw)."""

    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="balances")
    location = models.ForeignKey(StockLocation, on_delete=models.PROTECT, related_name="balances")
    quantity = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["lot", "location"], name="stock_balance_unique"),
            models.CheckConstraint(condition=models.Q(quantity__gte=0), name="stock_never_negative"),
        ]


class StockMovement(models.Model):
    """One ledger entry. Stock at a place is the sum of its movements; entries are never edited.

    The ledger knows nothing of what it was given for: an encounter's item points at its DISTRIBUTE entry
    (`outreach.EncounterItem.movement`, reverse `encounter_item`), never the other way round."""

    class Kind(models.TextChoices):
        RECEIVE = "receive", _("Received")
        TRANSFER_OUT = "transfer_out", _("Transferred out")
        TRANSFER_IN = "transfer_in", _("Transferred in")
        DISTRIBUTE = "distribute", _("Distributed")
        WRITE_OFF = "write_off", _("Written off")

    class WriteOffReason(models.TextChoices):
        EXPIRED = "expired", _("Expired")
        DAMAGED = "damaged", _("Damaged")
        LOST = "lost", _("Lost")
        RECALLED = "recalled", _("Recalled")
        COUNT_CORRECTION = "count_correction", _("Count correction")

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="movements")
    location = models.ForeignKey(StockLocation, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    quantity = models.IntegerField(help_text=_("Positive in, negative out."))
    reason = models.CharField(max_length=20, choices=WriteOffReason.choices, blank=True)
    # The two halves of a transfer share a group id.
    transfer_group = models.UUIDField(null=True, blank=True, default=None)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-recorded_at", "-pk"]
        indexes = [models.Index(fields=["program", "kind", "recorded_at"], name="stock_movement_period")]
