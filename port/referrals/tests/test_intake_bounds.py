"""The bounds every channel shares (intake.validate_submission): times within a sane range and a real
UTC offset, text without control characters, and refusals that never repeat what was sent."""

import datetime as dt

import pytest

from port.referrals.intake import IntakeRejected, validate_submission
from port.referrals.models import Channel, OverdoseEvent, Referral
from port.testing.referrals import NOW, intake, submission


def _zone(hours: int, minutes: int = 0) -> dt.timezone:
    sign = -1 if hours < 0 else 1
    return dt.timezone(sign * dt.timedelta(hours=abs(hours), minutes=minutes))


def _refused(cast, sub) -> dict[str, str]:
    with pytest.raises(IntakeRejected) as rejected:
        intake(cast, sub)
    assert not Referral.objects.exists() and not OverdoseEvent.objects.exists()
    return rejected.value.errors


TIME_FIELDS = {
    "received_at": lambda moment: {"received_at": moment},
    "available_from": lambda moment: {"available_from": moment},
    "overdose.occurred_at": lambda moment: {"received_at": None, "overdose": {"occurred_at": moment}},
}


@pytest.mark.parametrize("path", TIME_FIELDS)
@pytest.mark.parametrize(
    "offset",
    [_zone(16), _zone(-16), _zone(14, 1), _zone(-14, 30), _zone(23, 59)],
    ids=["+16:00", "-16:00", "+14:01", "-14:30", "+23:59"],
)
def test_a_time_with_an_offset_beyond_fourteen_hours_is_refused(cast, path, offset):
    moment = (NOW - dt.timedelta(hours=2)).astimezone(offset)

    errors = _refused(cast, submission(**TIME_FIELDS[path](moment)))

    assert "UTC offset" in errors[path]
    assert "-14:00" in errors[path] and "+14:00" in errors[path]


@pytest.mark.parametrize("offset", [_zone(14), _zone(-12), _zone(5, 45)], ids=["+14:00", "-12:00", "+05:45"])
def test_real_offsets_up_to_fourteen_hours_are_accepted(cast, offset):
    moment = (NOW - dt.timedelta(hours=2)).astimezone(offset)

    assert intake(cast, submission(received_at=moment, overdose={"occurred_at": moment})).created is True


@pytest.mark.parametrize("path", TIME_FIELDS)
@pytest.mark.parametrize(
    "moment",
    [
        dt.datetime(1999, 12, 31, 23, 59, tzinfo=dt.UTC),
        dt.datetime(1900, 1, 1, tzinfo=dt.UTC),
        dt.datetime(1899, 12, 31, tzinfo=dt.UTC),
        dt.datetime(1, 1, 1, tzinfo=_zone(14)),  # an hour before the first instant Python can hold in UTC
        dt.datetime(1, 1, 1, tzinfo=dt.UTC),
    ],
    ids=["1999", "1900", "1899", "year 1 at +14:00", "year 1"],
)
def test_a_time_before_2000_is_refused_not_counted_as_decades_overdue(cast, path, moment):
    errors = _refused(cast, submission(**TIME_FIELDS[path](moment)))

    assert "before 2000" in errors[path]


def test_a_time_on_the_first_day_of_2000_is_accepted(cast):
    first = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)

    assert intake(cast, submission(received_at=first, overdose={"occurred_at": first})).created is True


def test_a_birth_date_in_year_one_is_refused(cast):
    errors = _refused(cast, submission(participant={"date_of_birth": dt.date(1, 1, 1)}))

    assert "before 1900" in errors["participant.date_of_birth"]


# ---- control characters ----

SINGLE_LINE_FIELDS = {
    "participant.first_name": lambda text: {"participant": {"first_name": text}},
    "participant.last_name": lambda text: {"participant": {"last_name": text}},
    "participant.preferred_name": lambda text: {"participant": {"preferred_name": text}},
    "participant.phone": lambda text: {"participant": {"phone": text}},
    "participant.preferred_language": lambda text: {"participant": {"preferred_language": text}},
    "external_id": lambda text: {"external_id": text},
    "acuity": lambda text: {"acuity": text},
    "source": lambda text: {"source": text},
    "overdose.substances": lambda text: {"overdose": {"substances": ["fentanyl", text]}},
    "overdose.naloxone_given_by": lambda text: {"overdose": {"naloxone_given_by": text}},
    "referrer_name": lambda text: {"referrer_name": text},
    "referrer_contact": lambda text: {"referrer_contact": text},
}
MULTI_LINE_FIELDS = {
    "notes": lambda text: {"notes": text},
    "participant.location_notes": lambda text: {"participant": {"location_notes": text}},
    "participant.address": lambda text: {"participant": {"address": text}},
    "overdose.location": lambda text: {"overdose": {"location": text}},
}


@pytest.mark.parametrize("path", [*SINGLE_LINE_FIELDS, *MULTI_LINE_FIELDS])
@pytest.mark.parametrize("control", ["\x00", "\x1b", "\x7f", "\x85"], ids=["NUL", "ESC", "DEL", "C1 NEL"])
def test_a_control_character_in_any_text_field_is_refused_with_a_message_for_that_field(cast, path, control):
    fields = {**SINGLE_LINE_FIELDS, **MULTI_LINE_FIELDS}[path](f"Secret{control}value")

    errors = _refused(cast, submission(**fields))

    assert "control character" in errors[path]
    assert all("Secret" not in message for message in errors.values())


@pytest.mark.parametrize("path", SINGLE_LINE_FIELDS)
def test_a_line_break_in_a_one_line_field_is_refused(cast, path):
    errors = _refused(cast, submission(**SINGLE_LINE_FIELDS[path]("two\nlines")))

    assert "control character" in errors[path]


@pytest.mark.parametrize("path", MULTI_LINE_FIELDS)
def test_tabs_and_line_breaks_in_free_text_are_kept(cast, path):
    result = intake(cast, submission(**MULTI_LINE_FIELDS[path]("Under the bridge,\r\n\tnear the river")))

    assert result.created is True


# ---- messages never repeat what was sent ----


@pytest.mark.parametrize(
    "fields",
    [
        {"source": "Robin-Sample"},
        {"acuity": "Robin-Sample"},
        {"participant": {"phone": "Robin-Sample"}},
        {"overdose": {"naloxone_given_by": "Robin-Sample"}},
    ],
    ids=["source", "acuity", "phone", "naloxone_given_by"],
)
def test_a_refusal_never_repeats_the_value_sent(cast, fields):
    _acuity, errors = validate_submission(program=cast.program, submission=submission(**fields), now=NOW)

    assert errors
    assert all("Robin" not in message for message in errors.values()), errors


def test_a_reference_number_with_a_nul_from_an_agency_is_refused_at_its_field_not_looked_up(cast):
    """The agency's earlier referrals are not searched for a reference holding a NUL (PostgreSQL
    answers a NUL in a query with a server error); the field is refused like any other."""
    with pytest.raises(IntakeRejected) as rejected:
        intake(cast, submission(external_id="ED-\x00-1"), channel=Channel.API, agency=cast.ed)

    assert "control character" in rejected.value.errors["external_id"]
