"""No name reaches a URL: the links that send a person to sign in (or to give a code) and back keep only
query parameters that carry no identity."""

import time
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from port.security.services import LAST_SEEN_KEY, STARTED_KEY
from port.testing.world import LAST_NAME, sensitive_world

NAME_QUERY = f"q=Marisol+{LAST_NAME}"


def next_of(response) -> str:
    assert response.status_code == 302, response.status_code
    location = response["Location"]
    assert "Marisol" not in unquote(location) and LAST_NAME not in unquote(location)
    return parse_qs(urlsplit(location).query).get("next", [""])[0]


@pytest.mark.parametrize("path", ["/participants/", "/", "/referrals/", "/referrals/mine/", "/notices/"])
def test_a_signed_out_request_with_a_name_in_the_query_is_sent_to_sign_in_without_it(db, path):
    assert next_of(Client().get(f"{path}?{NAME_QUERY}")) == path


def test_the_participant_page_and_the_merge_search_drop_the_name_too(cast):
    world = sensitive_world(cast)
    for url in (
        reverse("participants:detail", args=[world.participant.public_id]),
        reverse("participants:merge_choose", args=[world.participant.public_id]),
    ):
        assert next_of(Client().get(f"{url}?{NAME_QUERY}")) == url


def test_filters_and_pages_that_name_no_one_are_kept(db):
    target = next_of(Client().get(f"/referrals/?status=received&overdue=on&page=2&{NAME_QUERY}&name=Marisol"))
    path, query = target.split("?")
    assert path == "/referrals/" and parse_qs(query) == {"status": ["received"], "overdue": ["on"], "page": ["2"]}


def test_the_idle_timeout_sends_to_sign_in_without_the_name(cast):
    client = cast.client_for(cast.peer)
    session = client.session
    session[LAST_SEEN_KEY] = session[STARTED_KEY] = time.time() - 3600
    session.save()
    assert next_of(client.get(f"/participants/?{NAME_QUERY}")) == "/participants/"


def test_the_two_factor_code_page_is_reached_without_the_name(cast):
    TOTPDevice.objects.create(user=cast.peer.user, name="Authenticator app", confirmed=True)
    response = cast.client_for(cast.peer).get(f"/participants/?{NAME_QUERY}")
    assert response["Location"].startswith(reverse("security:verify"))
    assert next_of(response) == "/participants/"
