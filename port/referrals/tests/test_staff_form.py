"""The staff referral form: short on a phone, times on the program's clock, intake's messages in place."""

import datetime as dt
import re
import zoneinfo

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from port.accounts.models import Organization, OrganizationKind
from port.accounts.roles import Role
from port.participants.models import Participant
from port.participants.services import participant_create
from port.referrals.forms import DATETIME_LOCAL_FORMAT, ProgramDateTimeField, ReferralForm
from port.referrals.models import Channel, Referral, Source
from port.testing.cast import make_member
from port.testing.pages import field_errors, input_value
from port.testing.referrals import NEW_YORK, minimal

URL = reverse("referrals:new")


def message_texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# ---- who may use it ----


def test_it_asks_anonymous_visitors_to_sign_in(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


@pytest.mark.parametrize("role", ["admin", "supervisor", "peer", "partner", "partner_211"])
def test_every_referring_role_gets_the_form(cast, role):
    response = cast.client_for(getattr(cast, role)).get(URL)
    assert response.status_code == 200
    assert response.context["nav_active"] == "new"


def test_a_signed_in_user_without_a_membership_is_refused(cast, django_user_model):
    client = Client()
    client.force_login(django_user_model.objects.create_user(username="drifter", password="x" * 12))
    assert client.get(URL).status_code == 403


# ---- what the form looks like ----


def test_the_form_is_made_for_a_phone(cast):
    page = cast.client_for(cast.partner).get(URL).content.decode()
    assert re.search(r'<input type="tel" name="phone"[^>]*autocomplete="off"', page)
    assert re.search(r'<input type="date" name="date_of_birth"', page)
    assert re.search(r'<input type="datetime-local" name="received_at"', page)
    assert re.search(r'<input type="datetime-local" name="available_from"', page)
    assert re.search(r'<input type="datetime-local" name="occurred_at"', page)
    assert page.count("<details") == 3  # the optional sections fold away
    assert '<details class="filters" open' not in page
    for substance in (
        "fentanyl",
        "heroin",
        "other opioids",
        "cocaine",
        "methamphetamine",
        "benzodiazepines",
        "xylazine",
        "alcohol",
        "unknown",
    ):
        assert f'type="checkbox" name="substances" value="{substance}"' in page
    assert 'name="substances_other"' in page


def test_only_the_source_and_urgency_are_required(cast):
    form = cast.client_for(cast.partner).get(URL).context["form"]
    assert {name for name, field in form.fields.items() if field.required} == {"source", "acuity"}


def test_urgency_choices_are_the_programs_levels_with_their_hours_and_the_least_urgent_is_preselected(cast):
    response = cast.client_for(cast.peer).get(URL)
    form = response.context["form"]
    assert [label for _, label in form.fields["acuity"].choices] == [
        "High risk: contact within 24 hours",
        "Elevated: contact within 48 hours",
        "Standard: contact within 72 hours",
    ]
    assert form["acuity"].value() == "standard"


@pytest.mark.parametrize(
    ("member", "source"),
    [
        ("partner", Source.EMERGENCY_DEPARTMENT),
        ("partner_211", Source.TWO_ONE_ONE),
        ("peer", Source.EMERGENCY_DEPARTMENT),
        ("supervisor", Source.EMERGENCY_DEPARTMENT),
    ],
)
def test_the_source_starts_at_what_the_sender_usually_is(cast, member, source):
    form = cast.client_for(getattr(cast, member)).get(URL).context["form"]
    assert form["source"].value() == source


def test_a_partner_whose_agency_is_no_referral_source_chooses_one(cast):
    church = Organization.objects.create(program=cast.program, name="St. Luke's", kind=OrganizationKind.FAITH)
    member = make_member(cast.program, "faith", Role.PARTNER, church)
    form = cast.client_for(member).get(URL).context["form"]
    assert form["source"].value() in ("", None)


def test_the_received_time_starts_at_now_on_the_programs_clock(cast):
    before = timezone.localtime(timezone.now(), NEW_YORK)
    response = cast.client_for(cast.partner).get(URL)
    after = timezone.localtime(timezone.now(), NEW_YORK)
    assert input_value(response, "received_at") in {
        before.strftime(DATETIME_LOCAL_FORMAT),
        after.strftime(DATETIME_LOCAL_FORMAT),
    }
    assert "America/New_York" in response.content.decode()


def test_only_partners_are_asked_for_their_reference_number(cast):
    assert "external_id" in cast.client_for(cast.partner).get(URL).context["form"].fields
    assert "external_id" not in cast.client_for(cast.peer).get(URL).context["form"].fields


# ---- sending ----


def test_a_partner_sends_a_referral_and_is_told_the_deadline_in_program_time(cast):
    response = cast.client_for(cast.partner).post(URL, minimal())

    assert response.status_code == 302
    assert response["Location"] == reverse("referrals:sent")
    referral = Referral.objects.get()
    assert referral.channel == Channel.STAFF_FORM
    assert referral.referring_agency == cast.ed
    assert referral.referred_by == cast.partner.user
    assert referral.source == Source.EMERGENCY_DEPARTMENT
    assert referral.participant.location_notes == "Room 4, discharged at noon"
    local_deadline = timezone.localtime(referral.contact_deadline, NEW_YORK)
    [message] = message_texts(response)
    assert message.startswith("Referral sent.")
    assert local_deadline.tzname() in message  # EST or EDT, never UTC
    assert f"{local_deadline:%Y}" in message
    assert "Jordan" not in message


def test_a_team_member_lands_on_the_new_referral(cast):
    response = cast.client_for(cast.peer).post(URL, minimal())
    referral = Referral.objects.get()
    assert response["Location"] == reverse("referrals:detail", kwargs={"public_id": referral.public_id})
    assert referral.referring_agency is None
    assert referral.referred_by == cast.peer.user


def test_times_are_read_on_the_programs_clock_not_the_servers(cast):
    cast.client_for(cast.partner).post(
        URL, minimal(received_at="2025-01-15T21:30", occurred_at="2025-01-15T19:05", available_from="2025-01-16T08:00")
    )
    referral = Referral.objects.get()
    assert referral.received_at == dt.datetime(2025, 1, 16, 2, 30, tzinfo=dt.UTC)
    assert referral.overdose_event.occurred_at == dt.datetime(2025, 1, 16, 0, 5, tzinfo=dt.UTC)
    assert referral.available_from == dt.datetime(2025, 1, 16, 13, 0, tzinfo=dt.UTC)
    # High acuity, 24 hours from the later of received and available: 8 am the next day, New York time.
    assert referral.contact_deadline == dt.datetime(2025, 1, 17, 13, 0, tzinfo=dt.UTC)


def test_a_program_in_another_zone_reads_times_on_its_own_clock(cast):
    cast.client_for(cast.outsider).post(URL, minimal(received_at="2025-01-15T21:30"))
    assert Referral.objects.get().received_at == dt.datetime(2025, 1, 16, 3, 30, tzinfo=dt.UTC)  # Chicago


def test_everything_on_the_form_reaches_the_referral(cast):
    cast.client_for(cast.partner).post(
        URL,
        minimal(
            preferred_name="Jo",
            date_of_birth="1990-05-17",
            phone="(412) 555-0142",
            address="12 Main St",
            preferred_language="Spanish",
            location="Riverside Park",
            substances=["fentanyl", "xylazine"],
            substances_other="carfentanil, kratom",
            naloxone_doses="3",
            naloxone_given_by="bystander",
            transported="no",
            consent_to_contact="yes",
            notes="Prefers texts.",
            external_id="ED-2025-17",
        ),
    )
    referral = Referral.objects.get()
    person, event = referral.participant, referral.overdose_event
    assert (person.preferred_name, person.date_of_birth, person.address, person.preferred_language) == (
        "Jo",
        dt.date(1990, 5, 17),
        "12 Main St",
        "Spanish",
    )
    assert person.phones.get().number == "+14125550142"
    assert event.location == "Riverside Park"
    assert event.substances == ["fentanyl", "xylazine", "carfentanil", "kratom"]
    assert (event.naloxone_doses, event.naloxone_given_by, event.transported) == (3, "bystander", False)
    assert referral.consent_to_contact is True
    assert referral.notes == "Prefers texts."
    assert referral.external_id == "ED-2025-17"


def test_unknown_answers_are_stored_as_unknown(cast):
    cast.client_for(cast.partner).post(URL, minimal(transported="unknown", consent_to_contact="unknown"))
    referral = Referral.objects.get()
    assert referral.consent_to_contact is None
    assert referral.overdose_event.transported is None


def test_a_partners_repeated_reference_number_does_not_send_twice(cast):
    client = cast.client_for(cast.partner)
    client.post(URL, minimal(external_id="ED-9"))
    response = client.post(URL, minimal(external_id="ED-9"))
    assert Referral.objects.count() == 1
    assert response["Location"] == reverse("referrals:sent")
    assert "already sent" in message_texts(response)[-1]


def test_a_reference_number_already_used_for_another_person_is_refused_beside_it_and_nothing_is_lost(cast):
    client = cast.client_for(cast.partner)
    client.post(URL, minimal(external_id="ED-10"))
    response = client.post(
        URL, minimal(external_id="ED-10", first_name="Casey", last_name="Nguyen", notes="Second patient tonight")
    )
    assert response.status_code == 200
    assert "already used for a referral about a different person" in field_errors(response, "external_id")
    assert "timing" in response.context["open_sections"]
    assert (input_value(response, "first_name"), input_value(response, "last_name")) == ("Casey", "Nguyen")
    assert input_value(response, "external_id") == "ED-10"
    assert "Second patient tonight" in response.content.decode()
    assert Referral.objects.count() == 1
    assert not [text for text in message_texts(response) if "already sent" in text]


def test_a_partner_is_not_told_that_the_person_may_already_be_known(cast):
    participant_create(program=cast.program, first_name="Jordan", last_name="Rivera", phone="+14125550142")
    response = cast.client_for(cast.partner).post(URL, minimal(first_name="Jordyn", phone="412-555-0142"))
    assert Referral.objects.get().match_result == "likely"
    assert response["Location"] == reverse("referrals:sent")
    assert all("record" not in text and "duplicate" not in text for text in message_texts(response))


def test_a_team_member_is_told_about_a_possible_duplicate(cast):
    participant_create(program=cast.program, first_name="Jordan", last_name="Rivera", phone="+14125550142")
    response = cast.client_for(cast.peer).post(URL, minimal(first_name="Jordyn", phone="412-555-0142"))
    assert any("Possible duplicates" in text for text in message_texts(response))


# ---- bad input: the message beside its field, and nothing lost ----


def test_without_a_way_to_reach_the_person_the_message_is_beside_the_phone_and_nothing_is_lost(cast):
    response = cast.client_for(cast.partner).post(
        URL, minimal(location_notes="", notes="Came in by EMS", substances=["heroin"])
    )
    assert response.status_code == 200
    assert "Give a way to reach the person" in field_errors(response, "phone")
    assert input_value(response, "first_name") == "Jordan"
    page = response.content.decode()
    assert "Came in by EMS" in page
    assert re.search(r'value="heroin"[^>]*checked', page)
    assert Referral.objects.count() == 0
    assert Participant.objects.count() == 0


@pytest.mark.parametrize(
    ("fields", "field", "message", "section"),
    [
        ({"phone": "12"}, "phone", "not a phone number we can dial", None),
        ({"date_of_birth": "2999-01-01"}, "date_of_birth", "in the future", "person"),
        ({"date_of_birth": "1850-01-01"}, "date_of_birth", "before 1900", "person"),
        ({"date_of_birth": "17/05/1990"}, "date_of_birth", "Enter the date of birth as a date", "person"),
        ({"received_at": "2999-01-01T10:00"}, "received_at", "The received time is in the future", "timing"),
        ({"occurred_at": "2999-01-01T10:00"}, "occurred_at", "The overdose time is in the future", "overdose"),
        (
            {"received_at": "2025-01-15T10:00", "occurred_at": "2025-01-15T12:00"},
            "occurred_at",
            "after the referral was received",
            "overdose",
        ),
        ({"available_from": "2999-01-01T10:00"}, "available_from", "more than 30 days ahead", "timing"),
        ({"received_at": "yesterday evening"}, "received_at", "Enter a date and time", "timing"),
        ({"received_at": "2025-13-45T10:00"}, "received_at", "Enter a date and time", "timing"),
        ({"received_at": "2025-03-09T02:30"}, "received_at", "the clocks moved forward", "timing"),
        ({"naloxone_doses": "25"}, "naloxone_doses", "from 0 to 20", "overdose"),
        ({"naloxone_doses": "two"}, "naloxone_doses", "whole number", "overdose"),
        ({"acuity": "critical"}, "acuity", "Select a valid choice", None),
        ({"source": ""}, "source", "required", None),
        ({"naloxone_given_by": "neighbour"}, "naloxone_given_by", "Select a valid choice", "overdose"),
    ],
    ids=[
        "bad phone",
        "future birth date",
        "birth date before 1900",
        "unreadable birth date",
        "future received",
        "future overdose",
        "overdose after received",
        "available too far ahead",
        "unreadable time",
        "impossible time",
        "time skipped by daylight saving",
        "too many doses",
        "doses in words",
        "unknown acuity",
        "no source",
        "unknown naloxone giver",
    ],
)
def test_each_problem_is_shown_beside_its_field(cast, fields, field, message, section):
    response = cast.client_for(cast.partner).post(URL, minimal(**fields))
    assert response.status_code == 200
    assert message in field_errors(response, field)
    assert Referral.objects.count() == 0
    if section:  # an optional section with a problem in it is unfolded, so the message is seen
        assert section in response.context["open_sections"]
    for name, value in fields.items():
        if name in ("received_at", "occurred_at", "available_from", "naloxone_doses", "phone"):
            assert input_value(response, name) == value


def test_every_problem_is_listed_at_once_not_one_round_after_another(cast):
    response = cast.client_for(cast.partner).post(
        URL, minimal(location_notes="", date_of_birth="not a date", naloxone_doses="30", received_at="2025-13-01T00:00")
    )
    assert "Enter the date of birth as a date" in field_errors(response, "date_of_birth")
    assert "Enter a date and time" in field_errors(response, "received_at")
    # The form's own checks failed, yet intake's rules are shown for the other answers too.
    assert "Give a way to reach the person" in field_errors(response, "phone")
    assert "from 0 to 20" in field_errors(response, "naloxone_doses")
    assert Referral.objects.count() == 0


def test_an_intake_message_without_a_field_is_shown_above_the_form(cast):
    form = ReferralForm(minimal(), program=cast.program, membership=cast.partner)
    assert form.is_valid()
    form.add_intake_errors({"participant.phone": "no way to reach", "referral": "something else"})
    assert form.errors["phone"] == ["no way to reach"]
    assert form.non_field_errors() == ["something else"]


# ---- reading typed times: property tests ----

ZONES = [
    zoneinfo.ZoneInfo(name)
    for name in ("America/New_York", "America/Chicago", "America/Phoenix", "Europe/London", "Australia/Lord_Howe")
]


def _clock_changes(zone: zoneinfo.ZoneInfo, years: range = range(2024, 2027)) -> list[dt.datetime]:
    """The local wall-clock times just after each daylight-saving change in `years`."""
    changes = []
    day, end = dt.datetime(years.start, 1, 1, tzinfo=dt.UTC), dt.datetime(years.stop, 1, 1, tzinfo=dt.UTC)
    while day < end:
        offset = day.astimezone(zone).utcoffset()
        if (day + dt.timedelta(days=1)).astimezone(zone).utcoffset() != offset:
            moment = day
            while moment.astimezone(zone).utcoffset() == offset:
                moment += dt.timedelta(minutes=30)
            changes.append(moment.astimezone(zone).replace(tzinfo=None))
        day += dt.timedelta(days=1)
    return changes


CLOCK_CHANGES = [(zone, change) for zone in ZONES for change in _clock_changes(zone)]
anywhere = st.tuples(
    st.datetimes(min_value=dt.datetime(1995, 1, 1), max_value=dt.datetime(2040, 12, 31)).map(
        lambda moment: moment.replace(second=0, microsecond=0)
    ),
    st.sampled_from(ZONES),
)
# Times a few hours either side of a change, where skipped and repeated hours are.
near_a_clock_change = st.tuples(st.sampled_from(CLOCK_CHANGES), st.integers(-180, 180)).map(
    lambda pick: (pick[0][1] + dt.timedelta(minutes=pick[1]), pick[0][0])
)


def _skipped_by_the_clocks(naive: dt.datetime, zone: zoneinfo.ZoneInfo) -> bool:
    # PEP 495: in a gap the offset before the change (fold=0) is smaller than the one after.
    before, after = naive.replace(tzinfo=zone, fold=0).utcoffset(), naive.replace(tzinfo=zone, fold=1).utcoffset()
    assert before is not None and after is not None  # a ZoneInfo always has an offset
    return before < after


def test_the_zones_tried_have_clock_changes():
    assert {zone for zone, _ in CLOCK_CHANGES} == set(ZONES) - {zoneinfo.ZoneInfo("America/Phoenix")}


@hypothesis_settings(deadline=None)  # the first call loads locale formats; timing is not what is tested
@given(typed=st.one_of(anywhere, near_a_clock_change))
def test_a_typed_time_means_that_time_on_the_programs_clock(typed):
    naive, zone = typed
    field = ProgramDateTimeField(zone=zone)
    text = naive.strftime(DATETIME_LOCAL_FORMAT)
    if _skipped_by_the_clocks(naive, zone):
        with pytest.raises(ValidationError) as refused:
            field.clean(text)
        assert refused.value.code == "nonexistent"
    else:
        parsed = field.clean(text)
        assert parsed.astimezone(zone).replace(tzinfo=None) == naive
        # In the repeated hour after clocks fall back, the earlier moment is meant.
        assert parsed.utcoffset() == naive.replace(tzinfo=zone, fold=0).utcoffset()


@hypothesis_settings(deadline=None)
@given(typed=st.one_of(anywhere, near_a_clock_change), fold=st.sampled_from([0, 1]))
def test_a_shown_time_reads_back_as_the_same_wall_clock_time(typed, fold):
    naive, zone = typed
    moment = naive.replace(tzinfo=zone, fold=fold).astimezone(dt.UTC)
    field = ProgramDateTimeField(zone=zone)
    shown = field.widget.format_value(field.prepare_value(moment))
    parsed = field.clean(shown)
    assert parsed.astimezone(zone).replace(tzinfo=None) == moment.astimezone(zone).replace(tzinfo=None)
    assert parsed <= moment  # the same moment, or the first pass through a repeated hour


@hypothesis_settings(deadline=None)
@given(text=st.text(max_size=40))
def test_anything_typed_is_read_or_refused_with_a_message(text):
    field = ProgramDateTimeField(zone=NEW_YORK, required=False)
    try:
        parsed = field.clean(text)
    except ValidationError as refused:
        assert refused.messages
    else:
        assert parsed is None or timezone.is_aware(parsed)


def test_a_time_with_its_own_offset_keeps_it():
    field = ProgramDateTimeField(zone=NEW_YORK)
    assert field.clean("2025-01-15T21:30+00:00") == dt.datetime(2025, 1, 15, 21, 30, tzinfo=dt.UTC)


def test_a_time_typed_without_a_picker_is_read_too():
    field = ProgramDateTimeField(zone=NEW_YORK)
    assert field.clean("2025-01-15 21:30") == dt.datetime(2025, 1, 16, 2, 30, tzinfo=dt.UTC)
