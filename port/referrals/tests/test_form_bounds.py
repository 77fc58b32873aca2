"""The staff form and the public page refuse absurd times, impossible offsets and control characters
with a message beside the field, never a server error, and keep what was typed."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from port.referrals.forms import ProgramDateTimeField
from port.referrals.models import Referral, Source
from port.testing.pages import field_errors, input_value
from port.testing.referrals import minimal

URL = reverse("referrals:new")

NOW = dt.datetime(2026, 6, 10, 16, 0, tzinfo=dt.UTC)
at_now = time_machine.travel(NOW, tick=False)


@at_now
@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("9999-12-31T23:59", "after 2999"),  # would overflow when turned into UTC
        ("0001-01-01T00:00", "before 2000"),
        ("1900-01-01T00:00", "before 2000"),
        ("1999-12-31T12:00", "before 2000"),
        ("2026-06-10T10:00+16:00", "UTC offset"),
        ("2026-06-10T10:00-15:00", "UTC offset"),
    ],
    ids=["year 9999", "year 1", "1900", "1999", "+16:00", "-15:00"],
)
@pytest.mark.parametrize("name", ["received_at", "occurred_at", "available_from"])
def test_an_absurd_time_on_the_staff_form_is_refused_beside_its_field(cast, name, typed, words):
    client = cast.verified_client_for(cast.partner)

    response = client.post(URL, minimal(**{name: typed}))

    assert response.status_code == 200
    assert words in field_errors(response, name)
    assert not Referral.objects.exists()


@at_now
def test_a_birth_date_in_year_one_is_refused_on_the_staff_form(cast):
    response = cast.verified_client_for(cast.partner).post(URL, minimal(date_of_birth="0001-01-01"))

    assert "before 1900" in field_errors(response, "date_of_birth")


@at_now
@pytest.mark.parametrize("control", ["\x00", "\x1b", "\x85"], ids=["NUL", "ESC", "C1"])
@pytest.mark.parametrize("name", ["first_name", "last_name", "phone", "external_id", "substances_other"])
def test_a_control_character_on_the_staff_form_is_refused_beside_its_field(cast, name, control):
    response = cast.verified_client_for(cast.partner).post(URL, minimal(**{name: f"Ro{control}bin"}))

    assert response.status_code == 200
    shown = field_errors(response, name if name != "substances_other" else "substances")
    shown = shown or field_errors(response, name)
    assert "control character" in shown or "Null characters" in shown, response.content.decode()
    assert not Referral.objects.exists()


@at_now
def test_what_was_typed_is_kept_when_a_control_character_is_refused(cast):
    response = cast.verified_client_for(cast.partner).post(URL, minimal(last_name="Riv\x1bera"))

    assert input_value(response, "first_name") == "Jordan"
    assert "Room 4" in response.content.decode()


@at_now
def test_line_breaks_in_the_notes_are_fine(cast):
    response = cast.verified_client_for(cast.partner).post(URL, minimal(notes="Line one\r\n\tLine two"))

    assert response.status_code == 302
    assert Referral.objects.get().notes == "Line one\r\n\tLine two"


@at_now
@pytest.mark.parametrize(
    ("name", "control"),
    [("first_name", "\x00"), ("first_name", "\x07"), ("notes", "\x00"), ("notes", "\x1b"), ("phone", "\x7f")],
)
def test_a_control_character_on_the_public_page_is_refused_with_a_message(client, cast, name, control):
    fields = {
        "source": Source.SELF,
        "first_name": "Robin",
        "phone": "412-555-0100",
        "website": "",
        name: f"Ro{control}bin",
    }

    response = client.post(reverse("public:help", kwargs={"program_slug": cast.program.slug}), fields)

    assert response.status_code == 200
    page = response.content.decode()
    assert "control character" in page or "Null characters" in page
    assert not Referral.objects.exists()


def test_the_skipped_hour_message_does_not_repeat_the_time_typed():
    field = ProgramDateTimeField(zone=zoneinfo.ZoneInfo("America/New_York"))

    with pytest.raises(ValidationError) as refused:
        field.clean("2025-03-09T02:30")

    message = " ".join(refused.value.messages)
    assert "02:30" not in message and "2:30" not in message
    assert "America/New_York" in message
