"""Stock for the tests: the seeded items and office, a bag for each peer, and helpers that receive stock
and give supplies the real way (an encounter, through port.outreach.services.encounter_record)."""

import datetime as dt
from dataclasses import dataclass

from port.accounts.models import Membership, Program
from port.outreach.models import EncounterItem, Supporter
from port.outreach.services import EncounterIn, ItemIn, encounter_record
from port.participants.models import Participant
from port.supplies.models import Lot, StockLocation, SupplyItem
from port.supplies.services import program_today, stock_receive
from port.testing.cast import Cast
from port.testing.factories import LotFactory, submit_referral


@dataclass
class Stock:
    naloxone: SupplyItem  # nasal spray 4 mg, seeded by program_create
    hygiene: SupplyItem
    office: StockLocation  # seeded by program_create
    pat_bag: StockLocation  # carried by cast.peer
    quinn_bag: StockLocation  # carried by cast.peer2
    today: dt.date

    def lot(self, number: str, *, days: int | None = 200, item: SupplyItem | None = None) -> Lot:
        """A lot expiring `days` from today (None: no expiry date)."""
        expires_on = None if days is None else self.today + dt.timedelta(days=days)
        return LotFactory(item=item or self.naloxone, lot_number=number, expires_on=expires_on)


def stock_build(cast: Cast) -> Stock:
    program = cast.program
    return Stock(
        naloxone=SupplyItem.objects.get(program=program, name="Naloxone nasal spray 4 mg"),
        hygiene=SupplyItem.objects.get(program=program, name="Hygiene kit"),
        office=StockLocation.objects.get(program=program, name="Office"),
        pat_bag=StockLocation.objects.create(
            program=program, name="Pat's bag", kind=StockLocation.Kind.BAG, holder=cast.peer.user
        ),
        quinn_bag=StockLocation.objects.create(
            program=program, name="Quinn's vehicle", kind=StockLocation.Kind.VEHICLE, holder=cast.peer2.user
        ),
        today=program_today(program),
    )


def receive(cast: Cast, lot: Lot, location: StockLocation, quantity: int) -> None:
    stock_receive(by=cast.supervisor, lot=lot, location=location, quantity=quantity)


def a_participant(program: Program, by: Membership, **person) -> Participant:
    return submit_referral(program, by=by, **person).participant


def give(
    by: Membership,
    participant: Participant,
    lot: Lot,
    location: StockLocation,
    quantity: int,
    *,
    recipient_type: str = EncounterItem.Recipient.PARTICIPANT,
    supporter: Supporter | None = None,
    occurred_at: dt.datetime | None = None,
):
    """Give supplies at an encounter, as the encounter form does."""
    return encounter_record(
        by=by,
        participant=participant,
        data=EncounterIn(
            mode="in_person",
            occurred_at=occurred_at,
            items=[
                ItemIn(
                    kind=EncounterItem.Kind.SUPPLY,
                    lot=lot,
                    location=location,
                    quantity=quantity,
                    recipient_type=recipient_type,
                    supporter=supporter,
                )
            ],
        ),
    )
