"""For the consent tests: a drawn signature (a real, tiny PNG) and a complete, valid disclosure consent
recorded through the service."""

import base64
import struct
import zlib

from port.accounts.models import Membership
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
        values["signed_on"] = participant.program.today()  # the day on the consent's own program's calendar
    return consent_record(by=by or cast.peer, participant=participant, **values)
