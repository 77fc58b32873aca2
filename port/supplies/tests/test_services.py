"""Inventory services: every change is a ledger entry, stock never goes negative, the rules on who may
do what, program scoping, and the lots offered when giving."""

import datetime as dt

import pytest

from port.accounts.models import Program
from port.administration.services import program_set_up
from port.audit.models import AuditEvent
from port.supplies.models import Lot, StockBalance, StockLocation, StockMovement, SupplyItem
from port.supplies.selectors import lots_to_offer
from port.supplies.services import (
    StockRefused,
    lot_find_or_create,
    stock_distribute,
    stock_receive,
    stock_receive_delivery,
    stock_transfer,
    stock_write_off,
)
from port.testing.supplies import receive


def on_hand(lot: Lot, location: StockLocation) -> int:
    balance = StockBalance.objects.filter(lot=lot, location=location).first()
    return balance.quantity if balance else 0


def ledger_total(lot: Lot, location: StockLocation) -> int:
    return sum(StockMovement.objects.filter(lot=lot, location=location).values_list("quantity", flat=True))


# ---- seeding ----


def test_a_new_program_gets_the_usual_supply_items_and_an_office(db):
    program = program_set_up(name="Lakeside PORT", slug="lakeside")
    assert sorted(SupplyItem.objects.filter(program=program).values_list("name", "kind")) == [
        ("Fentanyl test strips", "test_strips"),
        ("Hygiene kit", "hygiene_kit"),
        ("Naloxone intramuscular", "naloxone"),
        ("Naloxone nasal spray 4 mg", "naloxone"),
        ("Naloxone nasal spray 8 mg", "naloxone"),
        ("Wound-care kit", "wound_care"),
    ]
    office = StockLocation.objects.get(program=program)
    assert (office.name, office.kind, office.holder) == ("Office", StockLocation.Kind.OFFICE, None)


# ---- receive ----


def test_receiving_adds_stock_and_writes_a_ledger_entry(cast, stock):
    lot = stock.lot("A100")
    movement = stock_receive(by=cast.supervisor, lot=lot, location=stock.office, quantity=24)
    assert (movement.kind, movement.quantity, movement.recorded_by) == ("receive", 24, cast.supervisor.user)
    assert movement.program == cast.program
    assert on_hand(lot, stock.office) == 24 == ledger_total(lot, stock.office)
    event = AuditEvent.objects.get(target_type="supplies.stockmovement")
    assert (event.action, event.target_ids, event.user) == ("create", [str(movement.pk)], cast.supervisor.user)


def test_receiving_a_delivery_creates_the_lot_once_and_recognises_it_again(cast, stock):
    expires = stock.today + dt.timedelta(days=400)
    stock_receive_delivery(
        by=cast.admin,
        item=stock.naloxone,
        lot_number=" 24b 1187 ",
        expires_on=expires,
        location=stock.office,
        quantity=10,
    )
    stock_receive_delivery(
        by=cast.supervisor,
        item=stock.naloxone,
        lot_number="24B 1187",
        expires_on=None,
        location=stock.office,
        quantity=5,
    )
    lot = Lot.objects.get(item=stock.naloxone)
    assert (lot.lot_number, lot.expires_on) == ("24b 1187", expires)
    assert on_hand(lot, stock.office) == 15


def test_a_known_lot_with_another_expiry_date_is_refused(cast, stock):
    lot = stock.lot("B200", days=100)
    with pytest.raises(StockRefused, match="is recorded as expiring on"):
        stock_receive_delivery(
            by=cast.supervisor,
            item=stock.naloxone,
            lot_number="B200",
            expires_on=lot.expires_on + dt.timedelta(days=1),
            location=stock.office,
            quantity=1,
        )
    assert not StockMovement.objects.exists()


def test_a_known_lot_without_an_expiry_date_has_it_filled_in(cast, stock):
    stock.lot("C300", days=None)
    expires = stock.today + dt.timedelta(days=30)
    lot = lot_find_or_create(by=cast.supervisor, item=stock.naloxone, lot_number="c300", expires_on=expires)
    lot.refresh_from_db()
    assert lot.expires_on == expires


def test_expired_stock_cannot_be_received(cast, stock):
    with pytest.raises(StockRefused, match="expired stock cannot be received"):
        stock_receive_delivery(
            by=cast.supervisor,
            item=stock.naloxone,
            lot_number="OLD1",
            expires_on=stock.today - dt.timedelta(days=1),
            location=stock.office,
            quantity=3,
        )
    assert not Lot.objects.exists()


@pytest.mark.parametrize("quantity", [0, -3])
def test_receiving_nothing_or_less_is_refused(cast, stock, quantity):
    with pytest.raises(StockRefused, match="at least 1"):
        stock_receive(by=cast.supervisor, lot=stock.lot("D1"), location=stock.office, quantity=quantity)


@pytest.mark.parametrize("member", ["peer", "partner"])
def test_only_supervisors_and_admins_receive_and_write_off(cast, stock, member):
    lot = stock.lot("E1")
    receive(cast, lot, stock.office, 5)
    with pytest.raises(StockRefused):
        stock_receive(by=getattr(cast, member), lot=lot, location=stock.office, quantity=1)
    with pytest.raises(StockRefused):
        stock_write_off(by=getattr(cast, member), lot=lot, location=stock.office, quantity=1, reason="damaged")
    assert on_hand(lot, stock.office) == 5


def test_stock_cannot_be_received_into_a_retired_location(cast, stock):
    stock.pat_bag.is_active = False
    stock.pat_bag.save()
    with pytest.raises(StockRefused, match="no longer in use"):
        stock_receive(by=cast.supervisor, lot=stock.lot("F1"), location=stock.pat_bag, quantity=1)


# ---- transfer ----


def test_a_transfer_is_two_ledger_entries_sharing_a_group(cast, stock):
    lot = stock.lot("G1")
    receive(cast, lot, stock.office, 10)
    out, into = stock_transfer(by=cast.peer, lot=lot, source=stock.office, destination=stock.pat_bag, quantity=4)
    assert (out.kind, out.quantity, into.kind, into.quantity) == ("transfer_out", -4, "transfer_in", 4)
    assert out.transfer_group == into.transfer_group is not None
    assert (on_hand(lot, stock.office), on_hand(lot, stock.pat_bag)) == (6, 4)
    assert ledger_total(lot, stock.office) == 6 and ledger_total(lot, stock.pat_bag) == 4


def test_a_transfer_of_more_than_is_there_is_refused_and_changes_nothing(cast, stock):
    lot = stock.lot("G2")
    receive(cast, lot, stock.office, 3)
    with pytest.raises(StockRefused, match="Only 3 of Naloxone nasal spray 4 mg lot G2 at Office; cannot take 5"):
        stock_transfer(by=cast.supervisor, lot=lot, source=stock.office, destination=stock.pat_bag, quantity=5)
    assert (on_hand(lot, stock.office), on_hand(lot, stock.pat_bag)) == (3, 0)
    assert StockMovement.objects.filter(lot=lot).count() == 1


def test_a_peer_moves_stock_from_the_office_or_their_own_bag_but_not_from_another_peers(cast, stock):
    lot = stock.lot("G3")
    receive(cast, lot, stock.office, 10)
    stock_transfer(by=cast.supervisor, lot=lot, source=stock.office, destination=stock.quinn_bag, quantity=5)
    stock_transfer(by=cast.peer, lot=lot, source=stock.office, destination=stock.pat_bag, quantity=3)
    stock_transfer(by=cast.peer, lot=lot, source=stock.pat_bag, destination=stock.quinn_bag, quantity=1)
    with pytest.raises(StockRefused, match="only out of the office or a bag or vehicle you carry"):
        stock_transfer(by=cast.peer, lot=lot, source=stock.quinn_bag, destination=stock.pat_bag, quantity=1)
    # A supervisor may move it from anywhere.
    stock_transfer(by=cast.supervisor, lot=lot, source=stock.quinn_bag, destination=stock.office, quantity=6)
    assert [on_hand(lot, place) for place in (stock.office, stock.pat_bag, stock.quinn_bag)] == [8, 2, 0]


def test_a_transfer_needs_two_different_active_locations(cast, stock):
    lot = stock.lot("G4")
    receive(cast, lot, stock.office, 2)
    with pytest.raises(StockRefused, match="two different locations"):
        stock_transfer(by=cast.supervisor, lot=lot, source=stock.office, destination=stock.office, quantity=1)
    stock.quinn_bag.is_active = False
    stock.quinn_bag.save()
    with pytest.raises(StockRefused, match="no longer in use"):
        stock_transfer(by=cast.supervisor, lot=lot, source=stock.office, destination=stock.quinn_bag, quantity=1)


# ---- write-off ----


def test_writing_off_keeps_the_reason_and_never_goes_below_zero(cast, stock):
    lot = stock.lot("H1")
    receive(cast, lot, stock.office, 4)
    movement = stock_write_off(by=cast.admin, lot=lot, location=stock.office, quantity=3, reason="damaged")
    assert (movement.kind, movement.quantity, movement.reason) == ("write_off", -3, "damaged")
    with pytest.raises(StockRefused, match="Only 1 of"):
        stock_write_off(by=cast.admin, lot=lot, location=stock.office, quantity=2, reason="expired")
    with pytest.raises(StockRefused, match="why"):
        stock_write_off(by=cast.admin, lot=lot, location=stock.office, quantity=1, reason="felt like it")
    assert on_hand(lot, stock.office) == 1 == ledger_total(lot, stock.office)


# ---- distribute ----


def test_the_balance_can_never_be_written_negative_even_past_the_service(cast, stock):
    from django.db import IntegrityError, transaction

    lot = stock.lot("J5")
    receive(cast, lot, stock.office, 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockBalance.objects.filter(lot=lot).update(quantity=-1)


# ---- earliest expiry first ----


def test_the_earliest_expiring_lot_in_the_bag_is_offered_first_and_expired_lots_not_at_all(cast, stock):
    later, sooner, expired, undated = (
        stock.lot("LATER", days=300),
        stock.lot("SOONER", days=20),
        stock.lot("GONE", days=-2),
        stock.lot("UNDATED", days=None),
    )
    elsewhere = stock.lot("OFFICE-ONLY", days=5)
    hygiene = stock.lot("HYG", days=1, item=stock.hygiene)
    for lot in (later, sooner, expired, undated, hygiene):
        receive(cast, lot, stock.pat_bag, 2)
    receive(cast, elsewhere, stock.office, 2)
    empty = stock.lot("EMPTY", days=1)
    receive(cast, empty, stock.pat_bag, 1)
    stock_write_off(by=cast.supervisor, lot=empty, location=stock.pat_bag, quantity=1, reason="damaged")

    offered = lots_to_offer(viewer=cast.peer, item=stock.naloxone, location=stock.pat_bag)
    assert [balance.lot.lot_number for balance in offered] == ["SOONER", "LATER", "UNDATED"]


# ---- program scoping ----


@pytest.fixture
def hilltop(cast):
    """The other program's own item, lot and office."""
    program: Program = cast.other_program
    lot = Lot.objects.create(
        item=SupplyItem.objects.get(program=program, name="Naloxone nasal spray 4 mg"),
        lot_number="HILL1",
        expires_on=dt.date.today() + dt.timedelta(days=90),
    )
    return lot, StockLocation.objects.get(program=program, name="Office")


def test_another_programs_lots_and_locations_are_refused(cast, stock, hilltop):
    their_lot, their_office = hilltop
    our_lot = stock.lot("OURS")
    receive(cast, our_lot, stock.office, 5)
    attempts = [
        lambda: stock_receive(by=cast.supervisor, lot=their_lot, location=stock.office, quantity=1),
        lambda: stock_receive(by=cast.supervisor, lot=our_lot, location=their_office, quantity=1),
        lambda: stock_transfer(
            by=cast.supervisor, lot=our_lot, source=stock.office, destination=their_office, quantity=1
        ),
        lambda: stock_write_off(by=cast.supervisor, lot=their_lot, location=their_office, quantity=1, reason="lost"),
        lambda: stock_distribute(by=cast.peer, lot=their_lot, location=their_office, quantity=1),
        lambda: stock_receive_delivery(
            by=cast.supervisor, item=their_lot.item, lot_number="X", expires_on=None, location=stock.office, quantity=1
        ),
    ]
    for attempt in attempts:
        with pytest.raises(StockRefused, match="another program"):
            attempt()
    assert on_hand(our_lot, stock.office) == 5
    assert not StockMovement.objects.filter(program=cast.other_program).exists()
