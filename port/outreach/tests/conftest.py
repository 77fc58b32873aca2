"""Outreach tests: an assigned referral, a supporter the participant agreed to, naloxone in stock, and
giving supplies the real way (an encounter, through port.outreach.services.encounter_record)."""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from port.accounts.models import Membership, Program
from port.conftest import submit_referral
from port.outreach.models import EncounterItem, Supporter
from port.outreach.services import EncounterIn, ItemIn, encounter_record, supporter_save
from port.participants.models import Participant
from port.referrals.models import Referral
from port.referrals.services import referral_assign
from port.supplies.models import Lot, StockLocation, SupplyItem
from port.supplies.services import stock_receive


def assigned_referral(cast, *, days_ago: float = 0.5, peer: Membership | None = None, **person) -> Referral:
    """A referral received `days_ago`, assigned to the peer (status "assigned")."""
    person = {"first_name": "Morgan", "last_name": "Rivers", "phone": "412-555-0177", **person}
    referral = submit_referral(
        cast.program,
        agency=cast.ed,
        by=cast.partner,
        received_at=timezone.now() - dt.timedelta(days=days_ago),
        **person,
    )
    referral_assign(referral=referral, assignee=peer or cast.peer, by=cast.supervisor)
    return Referral.objects.select_related("program", "participant").get(pk=referral.pk)


@pytest.fixture
def referral(cast) -> Referral:
    return assigned_referral(cast)


@pytest.fixture
def participant(referral) -> Participant:
    return referral.participant


def a_supporter(
    by: Membership,
    participant: Participant,
    *,
    agreed: bool = True,
    first_name: str = "Robin",
    relationship: str = "sister",
) -> Supporter:
    return supporter_save(
        by=by, participant=participant, first_name=first_name, relationship=relationship, consent_to_contact=agreed
    )


@pytest.fixture
def supporter(cast, participant) -> Supporter:
    return a_supporter(cast.peer, participant)


@dataclass
class Stock:
    naloxone: SupplyItem
    hygiene: SupplyItem
    office: StockLocation
    pat_bag: StockLocation  # carried by cast.peer
    today: dt.date

    def lot(self, number: str, *, days: int = 200, item: SupplyItem | None = None) -> Lot:
        return Lot.objects.create(
            item=item or self.naloxone, lot_number=number, expires_on=self.today + dt.timedelta(days=days)
        )


@pytest.fixture
def stock(cast) -> Stock:
    program = cast.program
    return Stock(
        naloxone=SupplyItem.objects.get(program=program, name="Naloxone nasal spray 4 mg"),
        hygiene=SupplyItem.objects.get(program=program, name="Hygiene kit"),
        office=StockLocation.objects.get(program=program, name="Office"),
        pat_bag=StockLocation.objects.create(
            program=program, name="Pat's bag", kind=StockLocation.Kind.BAG, holder=cast.peer.user
        ),
        today=program.today(),
    )


def receive(cast, lot: Lot, location: StockLocation, quantity: int) -> None:
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
