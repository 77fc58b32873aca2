"""Writes for inventory. Every change is a ledger entry (StockMovement) plus a locked balance update;
stock never goes negative: a refusal with a clear message, and a database constraint behind it.

Who may do what (checked here, so no view or API can skip it):
- receive and write off: supervisors and program admins;
- transfer: supervisors and admins between any locations; a peer out of the office or out of a bag
  or vehicle they carry, into any active location of the program;
- distribute (at an encounter): any team member, from any location of the program.
"""

import datetime as dt
import uuid
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from port.accounts.models import Membership, Program
from port.accounts.roles import SUPERVISING_ROLES, TEAM_ROLES
from port.audit.models import AuditEvent
from port.audit.services import audit_record
from port.supplies.models import Lot, StockBalance, StockLocation, StockMovement, SupplyItem

# Seeded for every new program (port.administration.services.program_set_up); the admin edits them.
DEFAULT_SUPPLY_ITEMS = (
    ("Naloxone nasal spray 4 mg", SupplyItem.Kind.NALOXONE, "kit"),
    ("Naloxone nasal spray 8 mg", SupplyItem.Kind.NALOXONE, "kit"),
    ("Naloxone intramuscular", SupplyItem.Kind.NALOXONE, "kit"),
    ("Hygiene kit", SupplyItem.Kind.HYGIENE_KIT, "kit"),
    ("Fentanyl test strips", SupplyItem.Kind.TEST_STRIPS, "strip"),
    ("Wound-care kit", SupplyItem.Kind.WOUND_CARE, "kit"),
)
DEFAULT_LOCATION_NAME = "Office"


class StockRefused(Exception):
    """A stock change that cannot be made; the message says why."""


def _check_program(by: Membership, *objects: Any) -> None:
    if by.role not in TEAM_ROLES:
        raise StockRefused(_("Only the program's team can change its stock."))
    for obj in objects:
        program_id = obj.item.program_id if isinstance(obj, Lot) else obj.program_id
        if program_id != by.program_id:
            raise StockRefused(_("That belongs to another program."))


def _check_supervising(by: Membership, message: str) -> None:
    if by.role not in SUPERVISING_ROLES:
        raise StockRefused(message)


def _check_active(location: StockLocation) -> None:
    if not location.is_active:
        raise StockRefused(_("%(place)s is no longer in use; choose another location.") % {"place": location.name})


def may_transfer_from(by: Membership, location: StockLocation) -> bool:
    """Supervisors and admins move stock from anywhere; a peer from the office or what they carry."""
    if by.role not in TEAM_ROLES or location.program_id != by.program_id:
        return False
    if by.role in SUPERVISING_ROLES:
        return True
    return location.kind == StockLocation.Kind.OFFICE or location.holder_id == by.user_id


def _move(
    *,
    by: Membership,
    lot: Lot,
    location: StockLocation,
    quantity: int,
    kind: str,
    reason: str = "",
    transfer_group: uuid.UUID | None = None,
) -> StockMovement:
    """Apply one signed change to a lot at a location, under a row lock. Call inside a transaction."""
    if quantity == 0:
        raise StockRefused(_("The quantity must be at least 1."))
    balance, _created = StockBalance.objects.get_or_create(lot=lot, location=location)
    balance = StockBalance.objects.select_for_update().get(pk=balance.pk)
    if balance.quantity + quantity < 0:
        raise StockRefused(
            _("Only %(have)d of %(item)s lot %(lot)s at %(place)s; cannot take %(want)d.")
            % {
                "have": balance.quantity,
                "item": lot.item.name,
                "lot": lot.lot_number,
                "place": location.name,
                "want": -quantity,
            }
        )
    StockBalance.objects.filter(pk=balance.pk).update(quantity=F("quantity") + quantity)
    return StockMovement.objects.create(
        program_id=location.program_id,
        lot=lot,
        location=location,
        kind=kind,
        quantity=quantity,
        reason=reason,
        transfer_group=transfer_group,
        recorded_by=by.user,
        recorded_at=timezone.now(),
    )


def _audit(by: Membership, movements: list[StockMovement], note: str) -> None:
    audit_record(
        action=AuditEvent.Action.CREATE,
        by=by,
        target_type="supplies.stockmovement",
        target_ids=[m.pk for m in movements],
        note=note,
    )


def _positive(quantity: int) -> int:
    if quantity is None or quantity < 1:
        raise StockRefused(_("The quantity must be at least 1."))
    return quantity


@transaction.atomic
def stock_receive(*, by: Membership, lot: Lot, location: StockLocation, quantity: int) -> StockMovement:
    """Stock arrives (a delivery, a grant shipment) at a location. Supervisors and admins only."""
    _check_program(by, lot, location)
    _check_supervising(by, _("Only supervisors and program admins can receive stock."))
    _check_active(location)
    movement = _move(by=by, lot=lot, location=location, quantity=_positive(quantity), kind=StockMovement.Kind.RECEIVE)
    _audit(by, [movement], "received")
    return movement


@transaction.atomic
def lot_find_or_create(*, by: Membership, item: SupplyItem, lot_number: str, expires_on: dt.date | None) -> Lot:
    """The lot of `item` with this number (case and spaces ignored), created if new.

    A known lot keeps its expiry: a different date is refused (a typo in the number or the date), a
    missing one is filled in.
    """
    _check_program(by, item)
    _check_supervising(by, _("Only supervisors and program admins can receive stock."))
    lot_number = " ".join((lot_number or "").split())
    if not lot_number:
        raise StockRefused(_("Enter the lot number printed on the box."))
    if not item.is_active:
        raise StockRefused(_("%(item)s is no longer in use.") % {"item": item.name})
    lot = Lot.objects.select_for_update().filter(item=item, lot_number__iexact=lot_number).first()
    if lot is None:
        try:
            with transaction.atomic():
                lot = Lot.objects.create(item=item, lot_number=lot_number, expires_on=expires_on)
        except IntegrityError:  # someone else just created it: use theirs
            return lot_find_or_create(by=by, item=item, lot_number=lot_number, expires_on=expires_on)
        audit_record(
            action=AuditEvent.Action.CREATE,
            by=by,
            target_type="supplies.lot",
            target_ids=[lot.pk],
            changes={"lot_number": lot.lot_number, "expires_on": str(expires_on or "")},
        )
        return lot
    if expires_on and lot.expires_on and lot.expires_on != expires_on:
        raise StockRefused(
            _(
                "Lot %(lot)s of %(item)s is recorded as expiring on %(known)s, not %(given)s. Check the lot number "
                "and the date on the box."
            )
            % {
                "lot": lot.lot_number,
                "item": item.name,
                "known": lot.expires_on.isoformat(),
                "given": expires_on.isoformat(),
            }
        )
    if expires_on and lot.expires_on is None:
        lot.expires_on = expires_on
        lot.save(update_fields=["expires_on"])
        audit_record(
            action=AuditEvent.Action.UPDATE,
            by=by,
            target_type="supplies.lot",
            target_ids=[lot.pk],
            changes={"expires_on": ["", str(expires_on)]},
        )
    return lot


@transaction.atomic
def stock_receive_delivery(
    *,
    by: Membership,
    item: SupplyItem,
    lot_number: str,
    expires_on: dt.date | None,
    location: StockLocation,
    quantity: int,
) -> StockMovement:
    """Receive stock of a lot named by its number and expiry (the lot is created if new). Expired
    stock is refused: it would only have to be written off."""
    _check_program(by, item, location)
    if expires_on and expires_on < by.program.today():
        raise StockRefused(_("That expiry date has passed; expired stock cannot be received."))
    lot = lot_find_or_create(by=by, item=item, lot_number=lot_number, expires_on=expires_on)
    return stock_receive(by=by, lot=lot, location=location, quantity=quantity)


@transaction.atomic
def stock_transfer(
    *, by: Membership, lot: Lot, source: StockLocation, destination: StockLocation, quantity: int
) -> tuple[StockMovement, StockMovement]:
    """Move stock between locations (office to a peer's bag): two ledger entries sharing a group id."""
    _check_program(by, lot, source, destination)
    if not may_transfer_from(by, source):
        raise StockRefused(_("You can move stock only out of the office or a bag or vehicle you carry."))
    if source.pk == destination.pk:
        raise StockRefused(_("Choose two different locations."))
    _check_active(destination)
    quantity = _positive(quantity)
    group = uuid.uuid4()
    # Lock balances in a fixed order so two opposite transfers cannot deadlock.
    first, second = sorted([source, destination], key=lambda loc: loc.pk)
    for place in (first, second):
        StockBalance.objects.get_or_create(lot=lot, location=place)
    list(StockBalance.objects.select_for_update().filter(lot=lot, location__in=[first, second]).order_by("location"))
    out = _move(
        by=by, lot=lot, location=source, quantity=-quantity, kind=StockMovement.Kind.TRANSFER_OUT, transfer_group=group
    )
    into = _move(
        by=by,
        lot=lot,
        location=destination,
        quantity=quantity,
        kind=StockMovement.Kind.TRANSFER_IN,
        transfer_group=group,
    )
    _audit(by, [out, into], "transfer")
    return out, into


@transaction.atomic
def stock_write_off(*, by: Membership, lot: Lot, location: StockLocation, quantity: int, reason: str) -> StockMovement:
    """Remove expired, damaged, lost or recalled stock, with the reason. Supervisors and admins only."""
    _check_program(by, lot, location)
    _check_supervising(by, _("Only supervisors and program admins can write off stock."))
    if reason not in StockMovement.WriteOffReason.values:
        raise StockRefused(_("Choose why the stock is written off."))
    movement = _move(
        by=by,
        lot=lot,
        location=location,
        quantity=-_positive(quantity),
        kind=StockMovement.Kind.WRITE_OFF,
        reason=reason,
    )
    _audit(by, [movement], f"write-off: {reason}")
    return movement


def stock_distribute(*, by: Membership, lot: Lot, location: StockLocation, quantity: int) -> StockMovement:
    """Give stock away at an encounter. Called by the encounter service inside its transaction; the
    encounter's item then points at the returned entry (the ledger does not know the encounter).

    Expired lots are refused (the form never offers them; this stops a stale form or the API)."""
    _check_program(by, lot, location)
    if lot.expires_on and lot.expires_on < by.program.today():
        raise StockRefused(
            _("%(item)s lot %(lot)s expired on %(date)s; give another lot and write this one off.")
            % {"item": lot.item.name, "lot": lot.lot_number, "date": lot.expires_on.isoformat()}
        )
    try:
        with transaction.atomic():
            return _move(
                by=by,
                lot=lot,
                location=location,
                quantity=-_positive(quantity),
                kind=StockMovement.Kind.DISTRIBUTE,
            )
    except IntegrityError as exc:  # the constraint caught a race the lock did not
        raise StockRefused(_("Not enough stock left at %(place)s.") % {"place": location.name}) from exc


def supplies_seed_defaults(*, program: Program) -> None:
    """Give a new program the usual supply items and an office to keep them in (the admin edits them)."""
    SupplyItem.objects.bulk_create(
        [SupplyItem(program=program, name=name, kind=kind, unit=unit) for name, kind, unit in DEFAULT_SUPPLY_ITEMS],
        ignore_conflicts=True,
    )
    StockLocation.objects.get_or_create(
        program=program, name=DEFAULT_LOCATION_NAME, defaults={"kind": StockLocation.Kind.OFFICE}
    )
