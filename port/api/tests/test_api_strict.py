"""The API takes exactly what its OpenAPI document says: booleans are JSON booleans, numbers are JSON
integers, times have a real UTC offset and are after 2000, text has no control characters; and the
document says so, with the acuity codes and the rule for reaching the person."""

import datetime as dt

import pytest

from port.referrals.models import Referral
from port.testing.api import referral_body, send

NOW = dt.datetime(2026, 6, 10, 16, 0, tzinfo=dt.UTC)


@pytest.fixture
def api(client, cast, time_machine):
    from port.security.accounts import api_token_issue

    time_machine.move_to(NOW, tick=False)
    return client, api_token_issue(agency=cast.ed, name="ED nightly feed")[1]


def body(**overrides) -> dict:
    return referral_body(received_at="2026-06-10T11:00:00-04:00", **overrides)


def _at(path: str, value) -> dict:
    """A good body sent at NOW, with one field changed."""
    changed = body()
    changed["overdose"]["occurred_at"] = "2026-06-10T09:00:00-04:00"
    *parents, last = path.split(".")
    target = changed
    for key in parents:
        target = target[key]
    target[last] = value
    return changed


@pytest.mark.parametrize(
    ("path", "value", "words"),
    [
        ("consent_to_contact", 0, "true or false"),
        ("consent_to_contact", 1, "true or false"),
        ("consent_to_contact", "yes", "true or false"),
        ("overdose.transported", 0, "true or false"),
        ("overdose.transported", "true", "true or false"),
        ("overdose.naloxone_doses", True, "whole number"),
        ("overdose.naloxone_doses", "2", "whole number"),
        ("overdose.naloxone_doses", 2.0, "whole number"),
    ],
)
def test_a_value_of_another_json_type_is_refused_not_converted(api, path, value, words):
    client, raw = api

    response = send(client, _at(path, value), raw)

    assert response.status_code == 422, response.content
    assert words in response.json()["errors"][path]
    assert not Referral.objects.exists()


@pytest.mark.parametrize(
    ("path", "value", "words"),
    [
        ("received_at", "2026-06-10T11:00:00+16:00", "UTC offset"),
        ("received_at", "2026-06-10T11:00:00-16:00", "UTC offset"),
        ("received_at", "2026-06-10T11:00:00+23:59", "UTC offset"),
        ("available_from", "2026-06-11T11:00:00+16:00", "UTC offset"),
        ("overdose.occurred_at", "2026-06-10T08:00:00-16:00", "UTC offset"),
        ("received_at", "0001-01-01T00:00:00Z", "before 2000"),
        ("received_at", "0001-01-01T00:00:00+14:00", "before 2000"),
        ("received_at", "1900-01-01T00:00:00Z", "before 2000"),
        ("received_at", "1899-12-31T23:00:00-05:00", "before 2000"),
        ("overdose.occurred_at", "0001-01-01T00:00:00Z", "before 2000"),
        ("available_from", "0001-01-01T00:00:00+14:00", "before 2000"),
        ("participant.date_of_birth", "0001-01-01", "before 1900"),
    ],
)
def test_an_impossible_offset_or_an_absurd_year_answers_422(api, path, value, words):
    client, raw = api

    response = send(client, _at(path, value), raw)

    assert response.status_code == 422, response.content
    assert words in response.json()["errors"][path]


@pytest.mark.parametrize(
    "path",
    [
        "external_id",
        "participant.first_name",
        "participant.last_name",
        "participant.phone",
        "participant.address",
        "participant.location_notes",
        "overdose.location",
        "notes",
        "acuity",
        "participant.preferred_language",
    ],
)
@pytest.mark.parametrize("control", ["\x00", "\x1b", "\x85"], ids=["NUL", "ESC", "C1"])
def test_a_control_character_in_any_text_answers_422_for_that_field(api, path, control):
    client, raw = api

    response = send(client, _at(path, f"Robin{control}Sample"), raw)

    assert response.status_code == 422, response.content
    assert "control character" in response.json()["errors"][path]
    assert b"Robin" not in response.content
    assert not Referral.objects.exists()


def test_a_control_character_in_a_substance_answers_422(api):
    client, raw = api

    response = send(client, _at("overdose.substances", ["fentanyl", "hero\x00in"]), raw)

    assert response.status_code == 422
    assert "control character" in " ".join(response.json()["errors"].values())


def test_line_breaks_in_the_notes_are_accepted(api):
    client, raw = api

    response = send(client, body(notes="Line one\r\n\tLine two"), raw)

    assert response.status_code == 201, response.content


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("source", "Robin Sample"),
        ("acuity", "Robin-Sample"),
        ("participant.phone", "Robin Sample"),
        ("overdose.naloxone_given_by", "Robin Sample"),
        ("participant.date_of_birth", "Robin Sample"),
        ("received_at", "Robin Sample"),
        ("overdose.naloxone_doses", "Robin"),
    ],
)
def test_no_refusal_repeats_what_was_sent(api, path, value):
    client, raw = api

    response = send(client, _at(path, value), raw)

    assert response.status_code == 422
    assert b"Robin" not in response.content


# ---- the document ----


def _schemas(client) -> dict:
    return client.get("/api/v1/openapi.json").json()["components"]["schemas"]


def _types(prop: dict) -> set:
    return {option.get("type") or ("const" if "const" in option else None) for option in prop.get("anyOf", [prop])}


def test_the_document_says_booleans_and_integers_are_strict(client, db):
    schemas = _schemas(client)

    assert _types(schemas["ReferralIn"]["properties"]["consent_to_contact"]) <= {"boolean", "null", "const"}
    assert _types(schemas["OverdoseIn"]["properties"]["transported"]) <= {"boolean", "null", "const"}
    assert _types(schemas["OverdoseIn"]["properties"]["naloxone_doses"]) <= {"integer", "null", "const"}


def test_the_document_lists_the_acuity_codes_and_the_rule_for_reaching_the_person(client, db):
    schemas = _schemas(client)
    acuity = schemas["ReferralIn"]["properties"]["acuity"]["description"]
    participant = schemas["ParticipantIn"]["description"]

    assert all(code in acuity for code in ("high", "elevated", "standard"))
    assert "program" in acuity
    assert "phone" in participant and "address" in participant and "location_notes" in participant


def test_the_document_states_the_time_bounds_and_control_characters(client, db):
    document = client.get("/api/v1/openapi.json").json()
    description = document["info"]["description"]
    received = document["components"]["schemas"]["ReferralIn"]["properties"]["received_at"]["description"]

    assert "2000-01-01" in received and "14:00" in received
    assert "control character" in description
    assert "411" in description


def test_every_status_the_api_can_answer_is_documented(client, db):
    paths = client.get("/api/v1/openapi.json").json()["paths"]

    create = paths["/api/v1/referrals"]["post"]["responses"]
    assert {"200", "201", "400", "401", "411", "413", "422", "429"} <= set(create)
    assert {"200", "401", "404", "429"} <= set(paths["/api/v1/referrals/{referral_id}"]["get"]["responses"])
