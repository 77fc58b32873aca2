"""Bearer tokens for the referral API: who may call, and how a refusal reads."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from port.referrals.models import Referral
from port.security.accounts import api_token_issue
from port.testing.api import URL, read, referral_body, send
from port.testing.factories import submit_referral


@pytest.fixture
def ed_token(cast):
    return api_token_issue(agency=cast.ed, name="ED nightly feed")


def assert_refused(response, *, invalid_token: bool) -> None:
    assert response.status_code == 401, response.content
    challenge = response["WWW-Authenticate"]
    assert challenge.startswith("Bearer ")
    assert ('error="invalid_token"' in challenge) is invalid_token
    assert set(response.json()) == {"detail", "errors"}
    assert not Referral.objects.exists()


def test_a_request_without_an_authorization_header_is_refused(client, cast):
    response = client.post(URL, data=referral_body(), content_type="application/json")
    assert_refused(response, invalid_token=False)
    assert "Authorization: Bearer" in response.json()["detail"]


def test_a_request_with_another_scheme_is_refused(client, ed_token):
    _token, raw = ed_token
    response = client.post(
        URL, data=referral_body(), content_type="application/json", headers={"Authorization": f"Basic {raw}"}
    )
    assert_refused(response, invalid_token=False)
    assert "Bearer scheme" in response.json()["detail"]


def test_the_token_alone_without_a_scheme_is_refused(client, ed_token):
    _token, raw = ed_token
    response = client.post(URL, data=referral_body(), content_type="application/json", headers={"Authorization": raw})
    assert_refused(response, invalid_token=False)


def test_an_empty_bearer_token_is_refused(client, cast):
    response = client.post(
        URL, data=referral_body(), content_type="application/json", headers={"Authorization": "Bearer "}
    )
    assert_refused(response, invalid_token=False)
    assert "no token" in response.json()["detail"]


def test_an_unknown_token_is_refused(client, ed_token):
    _token, raw = ed_token
    response = send(client, referral_body(), raw[:-1] + ("A" if raw[-1] != "A" else "B"))
    assert_refused(response, invalid_token=True)
    assert "unknown, revoked or expired" in response.json()["detail"]


def test_a_revoked_token_is_refused(client, ed_token):
    token, raw = ed_token
    token.revoked_at = timezone.now()
    token.save()
    assert_refused(send(client, referral_body(), raw), invalid_token=True)


def test_an_expired_token_is_refused(client, cast):
    _token, raw = api_token_issue(agency=cast.ed, name="old feed", expires_at=timezone.now() - dt.timedelta(minutes=1))
    assert_refused(send(client, referral_body(), raw), invalid_token=True)


def test_a_token_that_has_not_expired_yet_works(client, cast):
    _token, raw = api_token_issue(agency=cast.ed, name="pilot feed", expires_at=timezone.now() + dt.timedelta(days=1))
    assert send(client, referral_body(), raw).status_code == 201


def test_the_bearer_scheme_is_case_insensitive(client, ed_token):
    _token, raw = ed_token
    response = client.post(
        URL, data=referral_body(), content_type="application/json", headers={"Authorization": f"bearer {raw}"}
    )
    assert response.status_code == 201


def test_reading_a_status_needs_a_token_too(client, ed_token):
    _token, raw = ed_token
    created = send(client, referral_body(), raw).json()
    response = client.get(f"{URL}/{created['id']}")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer ")
    assert "status" not in response.json()


def test_the_token_is_checked_before_the_body(client, cast):
    response = client.post(
        URL, data="not json", content_type="application/json", headers={"Authorization": "Bearer port_nonsense"}
    )
    assert_refused(response, invalid_token=True)


def test_a_session_login_does_not_stand_in_for_a_token(cast):
    client = cast.client_for(cast.partner)
    response = client.post(URL, data=referral_body(), content_type="application/json")
    assert_refused(response, invalid_token=False)


def test_a_token_of_another_programs_agency_cannot_read_this_programs_referral(client, cast, ed_token):
    _token, raw = ed_token
    created = send(client, referral_body(), raw).json()
    _other, raw_other = api_token_issue(agency=cast.other_agency, name="Hilltop ED feed")
    response = read(client, created["id"], raw_other)
    assert response.status_code == 404
    assert response.content == read(client, uuid.uuid4(), raw_other).content


def test_a_token_creates_referrals_only_in_its_own_agencys_program(client, cast):
    _token, raw_other = api_token_issue(agency=cast.other_agency, name="Hilltop ED feed")
    response = send(client, referral_body(), raw_other)
    assert response.status_code == 201
    referral = Referral.objects.get()
    assert (referral.program, referral.referring_agency) == (cast.other_program, cast.other_agency)


def test_a_revoked_token_can_no_longer_read_what_it_sent(client, cast, ed_token):
    token, raw = ed_token
    referral = submit_referral(cast.program, agency=cast.ed, external_id="ED-9")
    assert read(client, referral.public_id, raw).status_code == 200
    token.revoked_at = timezone.now()
    token.save()
    assert read(client, referral.public_id, raw).status_code == 401


def test_a_token_sending_too_fast_is_told_to_wait(client, cast, ed_token, settings):
    settings.API_RATE_PER_TOKEN = "2/h"
    _token, raw = ed_token
    assert send(client, referral_body(external_id="A"), raw).status_code == 201
    assert send(client, referral_body(external_id="B"), raw).status_code == 201
    response = send(client, referral_body(external_id="C"), raw)
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert "Too many requests" in response.json()["detail"]
    assert Referral.objects.count() == 2
    # Each token has its own allowance.
    _other, raw_211 = api_token_issue(agency=cast.two_one_one, name="2-1-1 CAD")
    assert send(client, referral_body(external_id="C", source="211"), raw_211).status_code == 201
