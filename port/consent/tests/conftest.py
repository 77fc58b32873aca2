"""Consent tests: a participant, organizations of every kind that matters to the gate, a provider at the
treatment agency, and roles outside the team (law enforcement, analyst, EMS/fire). The consent builders
(a signature, a recorded consent) are in port/testing/consent.py."""

import datetime as dt
from dataclasses import dataclass

import pytest

from port.accounts.models import Membership, Organization, OrganizationKind
from port.accounts.roles import Role
from port.participants.models import Participant
from port.testing.cast import make_member
from port.testing.factories import submit_referral


@dataclass
class Network:
    treatment: Organization  # the cast's treatment agency
    clinic: Organization  # a second treatment provider
    recovery: Organization
    faith: Organization
    police: Organization
    provider: Membership  # works at `treatment`
    clinic_provider: Membership  # works at `clinic`
    law_enforcement: Membership
    analyst: Membership
    first_responder: Membership


@pytest.fixture
def network(cast) -> Network:
    """The cast's issue-4 roles and agencies, plus the organizations the gate tells apart."""
    program = cast.program
    clinic = Organization.objects.create(
        program=program, name="Northside Methadone Clinic", kind=OrganizationKind.TREATMENT
    )
    return Network(
        treatment=cast.treatment,
        clinic=clinic,
        recovery=Organization.objects.create(
            program=program, name="Second Wind Recovery", kind=OrganizationKind.RECOVERY
        ),
        faith=Organization.objects.create(program=program, name="Grace Community Church", kind=OrganizationKind.FAITH),
        police=cast.police,
        provider=cast.provider,
        clinic_provider=make_member(program, "carl", Role.PROVIDER, clinic),
        law_enforcement=cast.law_enforcement,
        analyst=cast.analyst,
        first_responder=cast.first_responder,
    )


@pytest.fixture
def participant(cast) -> Participant:
    referral = submit_referral(
        cast.program,
        agency=cast.ed,
        by=cast.partner,
        first_name="Dana",
        last_name="Whitfield",
        phone="412-555-0142",
        date_of_birth=dt.date(1987, 6, 2),
    )
    return referral.participant
