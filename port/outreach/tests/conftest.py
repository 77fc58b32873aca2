"""Outreach tests: an assigned referral, a supporter the participant agreed to, and naloxone in stock
(the builders are in port/testing/outreach.py and port/testing/supplies.py)."""

import pytest

from port.outreach.models import Supporter
from port.participants.models import Participant
from port.referrals.models import Referral
from port.testing.outreach import a_supporter, assigned_referral
from port.testing.supplies import Stock, stock_build


@pytest.fixture
def referral(cast) -> Referral:
    return assigned_referral(cast)


@pytest.fixture
def participant(referral) -> Participant:
    return referral.participant


@pytest.fixture
def supporter(cast, participant) -> Supporter:
    return a_supporter(cast.peer, participant)


@pytest.fixture
def stock(cast) -> Stock:
    return stock_build(cast)
