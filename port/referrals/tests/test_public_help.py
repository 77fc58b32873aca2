"""The public "ask for help" page: no sign-in, plain about what happens next, hard to abuse."""

import datetime as dt
import html
import re

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from port.accounts.models import AcuityLevel
from port.administration.services import program_set_up
from port.audit.models import AuditEvent
from port.participants.models import Participant
from port.referrals.models import Channel, Referral, Source, Status


@pytest.fixture(autouse=True)
def _fresh_rate_limits(db):
    """Rate-limit counts live in the shared cache; start every test from zero."""
    cache.clear()
    yield
    cache.clear()


def help_url(program) -> str:
    return reverse("public:help", kwargs={"program_slug": program.slug})


def thanks_url(program) -> str:
    return reverse("public:help_thanks", kwargs={"program_slug": program.slug})


def request_for_self(**fields) -> dict:
    return {"source": Source.SELF, "first_name": "Robin", "phone": "412-555-0188", **fields}


def field_errors(response, name: str) -> str:
    found = re.search(rf'<ul class="field-error" id="id_{name}_error">(.*?)</ul>', response.content.decode(), re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", found.group(1))) if found else ""


def text_of(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


# ---- finding the page ----


def test_the_index_lists_every_program(client, cast):
    response = client.get(reverse("public:help_index"))
    assert response.status_code == 200
    page = response.content.decode()
    assert f'href="{help_url(cast.program)}"' in page
    assert f'href="{help_url(cast.other_program)}"' in page


def test_with_one_program_the_index_goes_straight_to_its_page(client, db):
    only = program_set_up(name="Lakeside PORT", slug="lakeside")
    response = client.get(reverse("public:help_index"))
    assert response.status_code == 302
    assert response["Location"] == help_url(only)


def test_an_unknown_program_is_not_found(client, cast):
    assert client.get(reverse("public:help", kwargs={"program_slug": "nowhere"})).status_code == 404
    assert client.get(reverse("public:help_thanks", kwargs={"program_slug": "nowhere"})).status_code == 404


# ---- what the page says ----


def test_it_says_plainly_what_happens_next_and_how_fast(client, cast):
    response = client.get(help_url(cast.program))
    assert response.status_code == 200
    page = text_of(response)
    assert (
        "A peer from the Riverside PORT will try to reach you, or the person you are asking for, within 3 days."
    ) in page
    assert "lived experience" in page
    assert "It is free, confidential, and you decide what happens next." in page


def test_the_promised_time_is_the_programs_least_urgent_window(client, cast):
    AcuityLevel.objects.filter(program=cast.program, code="standard").update(window_hours=36)
    assert "within 36 hours." in text_of(client.get(help_url(cast.program)))
    AcuityLevel.objects.filter(program=cast.program, code="standard").update(window_hours=96)
    assert "within 4 days." in text_of(client.get(help_url(cast.program)))


def test_it_shows_the_crisis_numbers(client, cast):
    page = client.get(help_url(cast.program)).content.decode()
    assert 'href="tel:911"' in page
    assert 'href="tel:988"' in page
    assert "Suicide &amp; Crisis Lifeline" in page
    assert 'href="tel:+18006624357">1-800-662-4357</a>' in page


def test_the_choice_is_between_asking_for_oneself_and_for_someone_cared_about(client, cast):
    page = client.get(help_url(cast.program)).content.decode()
    assert re.search(r'type="radio" name="source" value="self"', page)
    assert re.search(r'type="radio" name="source" value="family"', page)
    assert "I am asking for myself" in page
    assert "I am asking for someone I care about" in page


def test_the_bot_trap_is_hidden_from_people(client, cast):
    page = client.get(help_url(cast.program)).content.decode()
    trap = re.search(r'<div class="visually-hidden">(.*?)</div>', page, re.S).group(1)
    assert 'name="website"' in trap
    assert 'tabindex="-1"' in trap
    assert 'autocomplete="off"' in trap
    assert "Leave this empty" in trap


# ---- asking ----


def test_a_person_asks_for_themselves(client, cast):
    response = client.post(
        help_url(cast.program),
        request_for_self(
            last_name="Lee",
            location_notes="Mornings at the Main St shelter",
            preferred_language="Spanish",
            notes="Please call after 10.",
            referrer_name="ignored",
            referrer_contact="ignored",
        ),
    )

    assert response.status_code == 302
    assert response["Location"] == thanks_url(cast.program)
    referral = Referral.objects.get()
    assert referral.program == cast.program
    assert referral.channel == Channel.PUBLIC_FORM
    assert referral.source == Source.SELF
    assert referral.status == Status.RECEIVED
    assert referral.referring_agency is None
    assert referral.referred_by is None
    assert referral.acuity.code == "standard"
    assert referral.notes == "Please call after 10."
    assert (referral.referrer_name, referral.referrer_contact) == ("", "")  # only kept for someone else
    person = referral.participant
    assert (person.first_name, person.last_name, person.preferred_language) == ("Robin", "Lee", "Spanish")
    assert person.location_notes == "Mornings at the Main St shelter"
    assert person.phones.get().number == "+14125550188"


def test_a_family_member_asks_for_someone_they_care_about(client, cast):
    client.post(
        help_url(cast.program),
        {
            "source": Source.FAMILY,
            "first_name": "Sam",
            "location_notes": "Staying with me, 40 Elm St",
            "referrer_name": "Dana",
            "referrer_contact": "dana@example.org",
        },
    )
    referral = Referral.objects.get()
    assert referral.source == Source.FAMILY
    assert (referral.referrer_name, referral.referrer_contact) == ("Dana", "dana@example.org")
    assert referral.participant.first_name == "Sam"


def test_a_family_member_is_asked_how_to_reach_them(client, cast):
    response = client.post(
        help_url(cast.program),
        {"source": Source.FAMILY, "first_name": "Sam", "phone": "412-555-0101", "referrer_name": "Dana"},
    )
    assert response.status_code == 200
    assert "Tell us how to reach you" in field_errors(response, "referrer_contact")
    assert Referral.objects.count() == 0


def test_a_request_is_audited_without_a_user(client, cast):
    client.post(help_url(cast.program), request_for_self())
    event = AuditEvent.objects.get(action=AuditEvent.Action.CREATE)
    referral = Referral.objects.get()
    assert (event.user, event.program, event.participant_ids) == (None, cast.program, [referral.participant_id])


# ---- bad input ----


def test_without_a_way_to_reach_the_person_the_message_is_beside_the_phone(client, cast):
    response = client.post(help_url(cast.program), request_for_self(phone="", notes="I am ready to talk"))
    assert response.status_code == 200
    assert "Give a way to reach the person" in field_errors(response, "phone")
    page = response.content.decode()
    assert 'value="Robin"' in page  # what was typed is kept
    assert "I am ready to talk" in page
    assert Referral.objects.count() == 0


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"phone": "55"}, "phone", "not a phone number we can dial"),
        ({"source": ""}, "source", "asking for yourself or for someone else"),
        ({"source": "ems"}, "source", "Select a valid choice"),
        ({"first_name": ""}, "first_name", "what to call the person"),
        ({"notes": "x" * 2001}, "notes", "at most 2000 characters"),
    ],
    ids=["bad phone", "no choice", "not a public source", "no name", "message too long"],
)
def test_each_problem_is_shown_beside_its_field(client, cast, fields, field, message):
    response = client.post(help_url(cast.program), request_for_self(**fields))
    assert response.status_code == 200
    assert message in field_errors(response, field)
    assert Referral.objects.count() == 0


def test_every_problem_is_listed_at_once(client, cast):
    response = client.post(help_url(cast.program), request_for_self(source="", phone=""))
    assert "asking for yourself or for someone else" in field_errors(response, "source")
    assert "Give a way to reach the person" in field_errors(response, "phone")


# ---- bots and floods ----


@pytest.mark.parametrize("fields", [request_for_self(), {}], ids=["otherwise valid", "otherwise empty"])
def test_a_filled_bot_trap_looks_like_success_but_saves_nothing(client, cast, fields):
    genuine = Client().post(help_url(cast.program), request_for_self(first_name="Genuine"))
    before = (Referral.objects.count(), Participant.objects.count(), AuditEvent.objects.count())

    response = client.post(help_url(cast.program), {**fields, "website": "http://spam.example"})

    assert response.status_code == genuine.status_code == 302
    assert response["Location"] == genuine["Location"]
    assert (Referral.objects.count(), Participant.objects.count(), AuditEvent.objects.count()) == before


def test_accepted_requests_beyond_the_rate_limit_are_refused(client, cast, settings):
    settings.PUBLIC_HELP_RATE = "3/h"
    for attempt in range(3):
        response = client.post(help_url(cast.program), request_for_self(phone=f"412-555-01{attempt:02d}"))
        assert response.status_code == 302

    refused = client.post(help_url(cast.program), request_for_self(phone="412-555-0150"))

    assert refused.status_code == 429
    assert "Too many requests" in text_of(refused)
    assert Referral.objects.count() == 3
    assert client.get(help_url(cast.program)).status_code == 200  # reading the page is not limited


def test_requests_with_problems_do_not_count_against_the_limit(client, cast, settings):
    settings.PUBLIC_HELP_RATE = "2/h"
    for typo in ("55", "412", "412-55", "41255501"):
        assert client.post(help_url(cast.program), request_for_self(phone=typo)).status_code == 200

    assert client.post(help_url(cast.program), request_for_self(phone="412-555-0101")).status_code == 302
    assert client.post(help_url(cast.program), request_for_self(phone="412-555-0102")).status_code == 302
    assert client.post(help_url(cast.program), request_for_self(phone="412-555-0103")).status_code == 429
    assert Referral.objects.count() == 2


def test_all_tries_have_a_separate_higher_limit_against_floods(client, cast, settings):
    settings.PUBLIC_HELP_RATE = "5/h"
    settings.PUBLIC_HELP_ATTEMPT_RATE = "3/h"
    for _ in range(3):
        assert client.post(help_url(cast.program), request_for_self(phone="55")).status_code == 200

    refused = client.post(help_url(cast.program), request_for_self())

    assert refused.status_code == 429
    assert Referral.objects.count() == 0


@time_machine.travel(dt.datetime(2026, 6, 10, 16, 0, tzinfo=dt.UTC), tick=False)
def test_a_refused_request_keeps_what_was_typed_and_says_when_to_try_again(client, cast, settings):
    settings.PUBLIC_HELP_RATE = "1/h"
    client.post(help_url(cast.program), request_for_self(phone="412-555-0101"))

    refused = client.post(
        help_url(cast.program),
        {
            "source": Source.FAMILY,
            "first_name": "Sam",
            "last_name": "Rivera",
            "phone": "412-555-0177",
            "location_notes": "Staying with me, 40 Elm St",
            "referrer_name": "Dana",
            "referrer_contact": "dana@example.org",
            "notes": "He is scared of hospitals",
        },
    )

    assert refused.status_code == 429
    page = refused.content.decode()
    for typed in (
        'value="Sam"',
        'value="Rivera"',
        'value="412-555-0177"',
        "Staying with me, 40 Elm St",
        'value="Dana"',
        'value="dana@example.org"',
        "He is scared of hospitals",
    ):
        assert typed in page
    assert re.search(r'<input type="radio" name="source" value="family"[^>]*checked', page)
    refusal = re.search(r'<div class="form-errors"[^>]*id="error-summary"[^>]*>(.*?)</div>', page, re.S)
    assert refusal, "the refusal is the page's error summary, so it is focused and read out first"
    said = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", refusal.group(1))).split())
    minutes = int(re.search(r"try again in about (\d+) minutes?", said).group(1))
    assert 1 <= minutes <= 60
    assert "What you typed is still here" in said
    assert 'href="tel:988"' in refusal.group(1)
    assert 'href="tel:911"' in refusal.group(1)
    assert Referral.objects.count() == 1


def test_a_refused_request_shows_no_field_errors_and_no_link_to_staff_sign_in(client, cast, settings):
    settings.PUBLIC_HELP_RATE = "1/h"
    client.post(help_url(cast.program), request_for_self())
    refused = client.post(help_url(cast.program), request_for_self(phone=""))
    assert refused.status_code == 429
    assert 'class="field-error"' not in refused.content.decode()
    assert "Go to the start page" not in text_of(refused)


def test_the_rate_limit_counts_each_address_separately(client, cast, settings):
    settings.PUBLIC_HELP_RATE = "1/h"
    assert client.post(help_url(cast.program), request_for_self(), REMOTE_ADDR="203.0.113.5").status_code == 302
    assert client.post(help_url(cast.program), request_for_self(), REMOTE_ADDR="203.0.113.5").status_code == 429
    assert client.post(help_url(cast.program), request_for_self(), REMOTE_ADDR="203.0.113.9").status_code == 302


def test_bot_submissions_count_against_the_limit_too(client, cast, settings):
    settings.PUBLIC_HELP_RATE = "2/h"
    for _ in range(2):
        client.post(help_url(cast.program), {"website": "spam"})
    assert client.post(help_url(cast.program), request_for_self()).status_code == 429


def test_the_generic_too_many_requests_page_shows_the_crisis_lines_and_no_start_link(rf, db):
    from port.core.views import rate_limited

    response = rate_limited(rf.get("/"), Exception())
    page = response.content.decode()
    assert response.status_code == 429
    assert 'href="tel:988"' in page
    assert 'href="tel:911"' in page
    assert "Go to the start page" not in page


# ---- thanks ----


def test_the_thanks_page_says_what_happens_next_and_never_echoes_what_was_sent(client, cast):
    response = client.post(
        help_url(cast.program),
        {
            "source": Source.FAMILY,
            "first_name": "Zebulon",
            "last_name": "Quartermain",
            "phone": "412-555-0166",
            "location_notes": "Blue tent by the river",
            "referrer_name": "Ottoline",
            "referrer_contact": "ott@example.org",
            "notes": "He uses fentanyl daily",
        },
        follow=True,
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "within 3 days" in page
    assert 'href="tel:988"' in page
    for typed in (
        "Zebulon",
        "Quartermain",
        "555-0166",
        "5550166",
        "Blue tent",
        "Ottoline",
        "ott@example.org",
        "fentanyl",
    ):
        assert typed not in page
