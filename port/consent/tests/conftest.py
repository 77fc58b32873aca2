"""Consent tests: a participant, organizations of every kind that matters to the gate, a provider at the
treatment agency, and roles outside the team (law enforcement, analyst, EMS/fire)."""

import base64
import datetime as dt
import struct
import zlib
from dataclasses import dataclass

import pytest

from port.accounts.models import Agency, AgencyKind, Membership
from port.accounts.roles import Role
from port.conftest import make_member, submit_referral
from port.consent.models import Consent, ConsentKind, InformationCategory, SignatureMethod
from port.consent.services import consent_record
from port.participants.models import Participant


def png_bytes(width: int = 4, height: int = 2) -> bytes:
    """A real, tiny PNG (greyscale), built by hand so the tests need no image library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + b"\xff" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


SIGNATURE = "data:image/png;base64," + base64.b64encode(png_bytes()).decode()


@dataclass
class Network:
    treatment: Agency  # the cast's treatment agency
    clinic: Agency  # a second treatment provider
    recovery: Agency
    faith: Agency
    police: Agency
    provider: Membership  # works at `treatment`
    clinic_provider: Membership  # works at `clinic`
    law_enforcement: Membership
    analyst: Membership
    first_responder: Membership


@pytest.fixture
def network(cast) -> Network:
    """The cast's issue-4 roles and agencies, plus the organizations the gate tells apart."""
    program = cast.program
    clinic = Agency.objects.create(program=program, name="Northside Methadone Clinic", kind=AgencyKind.TREATMENT)
    return Network(
        treatment=cast.treatment,
        clinic=clinic,
        recovery=Agency.objects.create(program=program, name="Second Wind Recovery", kind=AgencyKind.RECOVERY),
        faith=Agency.objects.create(program=program, name="Grace Community Church", kind=AgencyKind.FAITH),
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


TODAY = object()  # "signed today", in the program's time zone


def elements(**overrides) -> dict:
    """A complete, valid disclosure consent (the recipient is added by the caller)."""
    values = {
        "kind": ConsentKind.DISCLOSURE,
        "information_categories": [
            InformationCategory.IDENTITY,
            InformationCategory.CONTACT,
            InformationCategory.REFERRAL_STATUS,
        ],
        "information_description": "Name, date of birth, phone and whether the team reached Dana after the "
        "overdose of March 3",
        "purpose": "To arrange an intake appointment at the clinic",
        "revocation_statement": "I may revoke this consent at any time by telling the team or writing to them.",
        "signature_method": SignatureMethod.DRAWN,
        "signature_image": SIGNATURE,
        "signed_on": TODAY,
        "expires_on": None,
        "expiry_event": "When I finish treatment at the clinic",
    }
    values.update(overrides)
    return values


def record(cast, participant: Participant, by: Membership | None = None, **overrides) -> Consent:
    values = elements(**overrides)
    if values["signed_on"] is TODAY:
        values["signed_on"] = cast.program.today()
    return consent_record(by=by or cast.peer, participant=participant, **values)
