"""Bodies of the referral API, how a request body becomes an intake submission, and how a
validation error becomes a message a sender's developer can act on."""

import datetime as dt
import uuid
from typing import Annotated, Any

from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StringConstraints,
    WithJsonSchema,
)
from pydantic.config import JsonDict
from pydantic_core import PydanticCustomError

from port.referrals.intake import (
    OverdoseDetails,
    ParticipantDetails,
    ReferralSubmission,
    control_character_message,
    has_control_character,
)
from port.referrals.models import NaloxoneGivenBy, Source, Status

# The same limits the intake service stores; a longer value is refused, never cut short.
NAME_MAX = 100
ADDRESS_MAX = 300
LOCATION_NOTES_MAX = 2000
LANGUAGE_MAX = 50
PHONE_MAX = 40
EXTERNAL_ID_MAX = 100
SUBSTANCE_MAX = 100
SUBSTANCES_MAX_ITEMS = 20
NOTES_MAX = 5000

DATETIME_EXAMPLE = "2025-03-01T21:30:00-05:00"


def _blank_is_none(value: Any) -> Any:
    """Many senders write "" for "not known"; for dates, numbers and choices that means null."""
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _datetime_text(value: Any) -> Any:
    # Pydantic would read a number as seconds since 1970: a silent misreading, so only text is taken.
    value = _blank_is_none(value)
    if value is not None and not isinstance(value, str | dt.datetime):
        raise PydanticCustomError("datetime_not_text", "Give the date and time as ISO 8601 text.")
    return value


def _date_text(value: Any) -> Any:
    value = _blank_is_none(value)
    if value is not None and not isinstance(value, str | dt.date):
        raise PydanticCustomError("date_not_text", "Give the date as YYYY-MM-DD text.")
    return value


# A time without a UTC offset is refused: "21:30" could be the sender's zone, the program's or UTC,
# and a wrong guess moves the contact deadline by hours (docs/api.md, "Dates and times").
OffsetDateTime = Annotated[AwareDatetime, BeforeValidator(_datetime_text)]
OptionalOffsetDateTime = Annotated[AwareDatetime | None, BeforeValidator(_datetime_text)]
OptionalDate = Annotated[dt.date | None, BeforeValidator(_date_text)]


def _one_line(value: Any) -> Any:
    # Refused here as well as in intake: a NUL would otherwise reach the database (PostgreSQL refuses
    # it with a server error) in the look-up of an earlier referral with the same external_id.
    if isinstance(value, str) and has_control_character(value):
        raise PydanticCustomError("control_character", "Contains a control character.", {"multi_line": False})
    return value


def _free_text(value: Any) -> Any:
    if isinstance(value, str) and has_control_character(value, multi_line=True):
        raise PydanticCustomError("control_character", "Contains a control character.", {"multi_line": True})
    return value


OneLine = AfterValidator(_one_line)
FreeText = AfterValidator(_free_text)

# Optional text fields; null and "" both mean "not given". One-line fields refuse every control
# character; free text (addresses, where to find the person, notes) allows tabs and line breaks.
NameText = Annotated[str | None, Field(max_length=NAME_MAX), OneLine]
AddressText = Annotated[str | None, Field(max_length=ADDRESS_MAX), FreeText]
LocationNotesText = Annotated[str | None, Field(max_length=LOCATION_NOTES_MAX), FreeText]
LanguageText = Annotated[str | None, Field(max_length=LANGUAGE_MAX), OneLine]
PhoneText = Annotated[str | None, Field(max_length=PHONE_MAX), OneLine]
NotesText = Annotated[str | None, Field(max_length=NOTES_MAX), FreeText]


def _or_blank(json_type: str, **limits: Any) -> WithJsonSchema:
    """The schema of a strict boolean or integer that may also be null or "" ("not known")."""
    return WithJsonSchema({"anyOf": [{"type": json_type, **limits}, {"type": "null"}, {"const": ""}]})


# JSON true/false only: 0, 1, "yes" and "true" are refused rather than guessed at.
OptionalBool = Annotated[StrictBool | None, BeforeValidator(_blank_is_none), _or_blank("boolean")]
TIME_BOUNDS = (
    "ISO 8601 with a UTC offset between -14:00 and +14:00, not before 2000-01-01T00:00:00Z "
    "(an earlier time is a typing error)."
)


class _Body(Schema):
    # A misspelt field name would otherwise be dropped silently (a "recieved_at" would become "now").
    model_config = ConfigDict(extra="forbid")


class ParticipantIn(_Body):
    """The person who overdosed. Give at least one way to reach them: a `phone` number we can dial,
    an `address`, or where they can be found (`location_notes`); one is enough, and a referral with
    none of the three is refused (422, on `participant.phone`). Names are optional. No text may hold
    a control character (NUL, escape codes; line breaks only in `address` and `location_notes`)."""

    first_name: NameText = None
    last_name: NameText = None
    preferred_name: NameText = None
    date_of_birth: OptionalDate = Field(None, description="YYYY-MM-DD, from 1900-01-01 to today.")
    phone: PhoneText = Field(None, description="A number we can dial; US numbers may omit +1.")
    address: AddressText = None
    location_notes: LocationNotesText = Field(
        None, description="Where the person can be found when there is no address, e.g. a camp or shelter."
    )
    preferred_language: LanguageText = None

    def to_details(self) -> ParticipantDetails:
        return ParticipantDetails(
            first_name=self.first_name or "",
            last_name=self.last_name or "",
            preferred_name=self.preferred_name or "",
            date_of_birth=self.date_of_birth,
            phone=self.phone or "",
            address=self.address or "",
            location_notes=self.location_notes or "",
            preferred_language=self.preferred_language or "",
        )


class OverdoseIn(_Body):
    """The overdose this referral follows up on (ODMAP's minimum: when, where, naloxone)."""

    occurred_at: OptionalOffsetDateTime = Field(
        None, description=f"{TIME_BOUNDS} Not after received_at, not in the future."
    )
    location: AddressText = None
    substances: list[Annotated[str, StringConstraints(max_length=SUBSTANCE_MAX), OneLine]] = Field(
        default_factory=list, max_length=SUBSTANCES_MAX_ITEMS, description="Substances suspected."
    )
    naloxone_doses: Annotated[
        StrictInt | None,
        Field(ge=0, le=20),
        BeforeValidator(_blank_is_none),
        _or_blank("integer", minimum=0, maximum=20),
    ] = Field(None, description='A JSON integer from 0 to 20 (not 2.0, not "2", not true).')
    naloxone_given_by: Annotated[NaloxoneGivenBy | None, BeforeValidator(_blank_is_none)] = None
    transported: OptionalBool = Field(None, description="Taken to hospital: true or false (JSON booleans).")

    def to_details(self) -> OverdoseDetails:
        return OverdoseDetails(
            occurred_at=self.occurred_at,
            location=self.location or "",
            substances=list(self.substances),
            naloxone_doses=self.naloxone_doses,
            naloxone_given_by=self.naloxone_given_by.value if self.naloxone_given_by else "",
            transported=self.transported,
        )


EXAMPLE_REFERRAL: JsonDict = {
    "external_id": "ED-2025-000123",
    "source": "emergency_department",
    "received_at": "2025-03-01T21:30:00-05:00",
    "acuity": "high",
    "available_from": "2025-03-02T08:00:00-05:00",
    "participant": {
        "first_name": "Jordan",
        "last_name": "Example",
        "preferred_name": "Jo",
        "date_of_birth": "1990-07-09",
        "phone": "412-555-0100",
        "address": "12 Sample St, Riverside",
        "location_notes": "",
        "preferred_language": "en",
    },
    "overdose": {
        "occurred_at": "2025-03-01T19:05:00-05:00",
        "location": "Riverside Park",
        "substances": ["fentanyl"],
        "naloxone_doses": 2,
        "naloxone_given_by": "ems",
        "transported": True,
    },
    "consent_to_contact": True,
    "notes": "Discharge expected in the morning.",
}


class ReferralIn(_Body):
    """One referral. `external_id` is your system's own identifier: sending it again answers the
    referral already made (200) instead of creating another."""

    model_config = ConfigDict(json_schema_extra={"examples": [EXAMPLE_REFERRAL]})

    external_id: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=EXTERNAL_ID_MAX), OneLine
    ] = Field(description="Your identifier for this referral, unique within your agency. Makes retries safe.")
    source: Source
    received_at: OffsetDateTime = Field(
        description=f"When your agency received the referral: {TIME_BOUNDS} Not in the future."
    )
    acuity: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32), OneLine] = Field(
        description="How urgent the follow-up is: one of the program's acuity codes. Each program sets "
        "its own codes and contact windows; by default `high` (contact within 24 hours), "
        "`elevated` (48 hours) and `standard` (72 hours). An unknown code is refused (422) "
        "with the program's codes listed.",
        examples=["high"],
    )
    available_from: OptionalOffsetDateTime = Field(
        None,
        description="When the person can first be reached, e.g. the expected discharge. The "
        f"contact clock starts at the later of this and received_at. {TIME_BOUNDS} "
        "At most 30 days ahead.",
    )
    participant: ParticipantIn
    overdose: OverdoseIn | None = None
    consent_to_contact: OptionalBool = Field(
        None,
        description="Whether the person agreed to be contacted: true or false (JSON booleans); null "
        'or "" when not known.',
    )
    notes: NotesText = None

    def to_submission(self) -> ReferralSubmission:
        return ReferralSubmission(
            source=self.source.value,
            participant=self.participant.to_details(),
            overdose=self.overdose.to_details() if self.overdose else OverdoseDetails(),
            received_at=self.received_at,
            acuity=self.acuity,
            available_from=self.available_from,
            external_id=self.external_id,
            consent_to_contact=self.consent_to_contact,
            notes=self.notes or "",
        )


class ReferralStatusOut(Schema):
    """What a sending agency may know of a referral it sent: its status and clock, nothing about the
    person. Times are in the program's time zone, with their UTC offset."""

    id: uuid.UUID = Field(description="The referral's id in PORT; use it to ask for its status.")
    external_id: str
    status: Status
    received_at: dt.datetime
    contact_deadline: dt.datetime = Field(description="When the team must first try to reach the person.")


class ErrorOut(Schema):
    """Every error has this shape; `errors` maps a field path (e.g. `participant.phone`) to a message."""

    detail: str
    errors: dict[str, str] = Field(default_factory=dict)


def describe_validation_error(error: dict[str, Any]) -> str:
    """A plain message for one pydantic error; never echoes the value sent (it may name the person)."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind == "extra_forbidden":
        return _("Unknown field. The fields this API accepts are listed at /api/v1/docs.")
    if kind == "timezone_aware":
        return _(
            "Give the time with its UTC offset, e.g. %(example)s or 2025-03-02T02:30:00Z; a time "
            "without an offset is ambiguous."
        ) % {"example": DATETIME_EXAMPLE}
    if kind.startswith("datetime"):
        return _("Give a date and time in ISO 8601 with its UTC offset, e.g. %(example)s.") % {
            "example": DATETIME_EXAMPLE
        }
    if kind.startswith("date"):
        return _("Give a date as YYYY-MM-DD, e.g. 1990-07-09.")
    if kind in {"enum", "literal_error"}:
        return _("Unknown value. Use one of: %(choices)s.") % {"choices": ctx.get("expected", "")}
    if kind == "string_type":
        return _("Give text (a JSON string).")
    if kind == "string_too_short":
        return _("This field cannot be empty.")
    if kind == "string_too_long":
        return _("Too long: at most %(limit)s characters.") % {"limit": ctx.get("max_length")}
    if kind == "too_long":
        return _("Too many: at most %(limit)s items.") % {"limit": ctx.get("max_length")}
    if kind == "control_character":
        return control_character_message(multi_line=bool(ctx.get("multi_line")))
    if kind in {"int_type", "int_parsing", "int_from_float"}:
        return _("Give a whole number.")
    if kind == "greater_than_equal":
        return _("Must be at least %(limit)s.") % {"limit": ctx.get("ge")}
    if kind == "less_than_equal":
        return _("Must be at most %(limit)s.") % {"limit": ctx.get("le")}
    if kind in {"bool_type", "bool_parsing"}:
        return _("Give true or false.")
    if kind == "list_type":
        return _("Give a list (a JSON array).")
    if kind in {"model_type", "model_attributes_type", "dict_type"}:
        return _("Give an object (a JSON object with named fields).")
    return str(error.get("msg", _("This value is not valid.")))
