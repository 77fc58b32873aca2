"""For the outreach tests: an assigned referral, a supporter the participant agreed to, and giving supplies
the real way (an encounter, through port.outreach.services.encounter_record)."""

import datetime as dt

from django.utils import timezone

from port.accounts.models import Membership, Program
from port.outreach.models import EncounterItem, Supporter
from port.outreach.services import EncounterIn, ItemIn, encounter_record, supporter_save
from port.participants.models import Participant
from port.referrals.models import Referral
from port.referrals.services import referral_assign
from port.supplies.models import Lot, StockLocation
from port.testing.cast import Cast
from port.testing.factories import submit_referral


def assigned_referral(cast: Cast, *, days_ago: float = 0.5, peer: Membership | None = None, **person) -> Referral:
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
