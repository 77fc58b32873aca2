"""For the outreach tests: an assigned referral and a supporter the participant agreed to."""

import datetime as dt

from django.utils import timezone

from port.accounts.models import Membership
from port.outreach.models import Supporter
from port.outreach.services import supporter_save
from port.participants.models import Participant
from port.referrals.models import Referral
from port.referrals.services import referral_assign
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
