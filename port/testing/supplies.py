"""Stock for the tests: the seeded items and office, a bag for each peer, and receiving stock. Giving
supplies at an encounter is in port/testing/outreach.py (the ledger knows no encounter)."""

import datetime as dt
from dataclasses import dataclass

from port.supplies.models import Lot, StockLocation, SupplyItem
from port.supplies.services import stock_receive
from port.testing.cast import Cast
from port.testing.factories import LotFactory


@dataclass
class Stock:
    naloxone: SupplyItem  # nasal spray 4 mg, seeded by program_set_up
    hygiene: SupplyItem
    office: StockLocation  # seeded by program_set_up
    pat_bag: StockLocation  # carried by cast.peer
    quinn_bag: StockLocation  # carried by cast.peer2
    today: dt.date

    def lot(self, number: str, *, days: int | None = 200, item: SupplyItem | None = None) -> Lot:
        """A lot expiring `days` from today (None: no expiry date)."""
        expires_on = None if days is None else self.today + dt.timedelta(days=days)
        return LotFactory.create(item=item or self.naloxone, lot_number=number, expires_on=expires_on)


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
        today=program.today(),
    )


def receive(cast: Cast, lot: Lot, location: StockLocation, quantity: int) -> None:
    stock_receive(by=cast.supervisor, lot=lot, location=location, quantity=quantity)
