"""Supplies given at an encounter come out of the ledger: one DISTRIBUTE entry per item, which the
encounter's item points at; a refusal from the ledger refuses the whole encounter."""

import datetime as dt

import pytest

from port.outreach.models import EncounterItem
from port.outreach.services import OutreachRefused
from port.supplies.models import Lot, StockBalance, StockLocation, StockMovement, SupplyItem
from port.testing.outreach import a_participant, a_supporter, give
from port.testing.supplies import receive


def on_hand(lot: Lot, location: StockLocation) -> int:
    balance = StockBalance.objects.filter(lot=lot, location=location).first()
    return balance.quantity if balance else 0


def ledger_total(lot: Lot, location: StockLocation) -> int:
    return sum(StockMovement.objects.filter(lot=lot, location=location).values_list("quantity", flat=True))


def another_programs_stock(cast) -> tuple[Lot, StockLocation]:
    """The other program's own lot and office."""
    program = cast.other_program
    lot = Lot.objects.create(
        item=SupplyItem.objects.get(program=program, name="Naloxone nasal spray 4 mg"),
        lot_number="HILL1",
        expires_on=dt.date.today() + dt.timedelta(days=90),
    )
    return lot, StockLocation.objects.get(program=program, name="Office")


def test_giving_at_an_encounter_takes_stock_from_the_chosen_location(cast, stock):
    lot = stock.lot("J1")
    receive(cast, lot, stock.pat_bag, 5)
    participant = a_participant(cast.program, cast.supervisor)
    encounter = give(cast.peer, participant, lot, stock.pat_bag, 2)
    movement = StockMovement.objects.get(kind=StockMovement.Kind.DISTRIBUTE)
    assert (movement.quantity, movement.location, movement.recorded_by) == (-2, stock.pat_bag, cast.peer.user)
    assert movement.encounter_item.encounter == encounter
    assert on_hand(lot, stock.pat_bag) == 3 == ledger_total(lot, stock.pat_bag)


def test_giving_more_than_is_in_the_bag_refuses_the_whole_encounter(cast, stock):
    lot = stock.lot("J2")
    receive(cast, lot, stock.pat_bag, 1)
    participant = a_participant(cast.program, cast.supervisor)
    with pytest.raises(OutreachRefused, match="Only 1 of Naloxone nasal spray 4 mg lot J2 at Pat's bag; cannot take 2"):
        give(cast.peer, participant, lot, stock.pat_bag, 2)
    assert on_hand(lot, stock.pat_bag) == 1
    assert not participant.encounters.exists()
    assert not EncounterItem.objects.exists()


def test_an_expired_lot_cannot_be_given(cast, stock):
    lot = stock.lot("J3", days=-1)
    receive(cast, lot, stock.pat_bag, 4)
    participant = a_participant(cast.program, cast.supervisor)
    with pytest.raises(OutreachRefused, match="expired on"):
        give(cast.peer, participant, lot, stock.pat_bag, 1)
    assert on_hand(lot, stock.pat_bag) == 4


def test_a_lot_expiring_today_can_still_be_given(cast, stock):
    lot = stock.lot("J4", days=0)
    receive(cast, lot, stock.pat_bag, 1)
    give(cast.peer, a_participant(cast.program, cast.supervisor), lot, stock.pat_bag, 1)
    assert on_hand(lot, stock.pat_bag) == 0


def test_an_encounter_cannot_give_another_programs_stock(cast, stock):
    their_lot, their_office = another_programs_stock(cast)
    participant = a_participant(cast.program, cast.supervisor)
    with pytest.raises(OutreachRefused, match="another program"):
        give(cast.peer, participant, their_lot, their_office, 1)


def test_a_supporter_can_be_the_recipient(cast, stock):
    lot = stock.lot("K1")
    receive(cast, lot, stock.pat_bag, 2)
    participant = a_participant(cast.program, cast.supervisor)
    supporter = a_supporter(cast.peer, participant)
    give(cast.peer, participant, lot, stock.pat_bag, 2, recipient_type="supporter", supporter=supporter)
    assert StockMovement.objects.get(kind="distribute").encounter_item.supporter == supporter
