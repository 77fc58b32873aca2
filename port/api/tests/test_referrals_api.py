"""POST /api/v1/referrals and GET /api/v1/referrals/{id}: intake channel 4."""

import datetime as dt
import json
import uuid
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from port.audit.models import AuditEvent
from port.participants.models import Participant
from port.referrals.models import Channel, OverdoseEvent, Referral
from port.security.accounts import api_token_issue
from port.testing.api import URL, iso, read, referral_body, send
from port.testing.budgets import assert_within_budget
from port.testing.factories import submit_referral

SYNTHEA_DIR = Path("/work/shared/data/synthea")
PARTICIPANT_FIELDS = (
    "first_name",
    "last_name",
    "preferred_name",
    "date_of_birth",
    "phone",
    "address",
    "location_notes",
    "preferred_language",
    "participant",
)


@pytest.fixture
def ed_token(cast):
    return api_token_issue(agency=cast.ed, name="ED nightly feed")


@pytest.fixture
def api(client, ed_token):
    """A client and the ED's raw token."""
    return client, ed_token[1]


# --- creating -----------------------------------------------------------------------------------


def test_a_valid_referral_is_created_and_answers_201(cast, api, ed_token):
    client, raw = api
    response = send(client, referral_body(), raw)
    assert response.status_code == 201, response.content
    answer = response.json()
    referral = Referral.objects.get()
    assert answer["id"] == str(referral.public_id)
    assert answer["status"] == "received"
    assert answer["external_id"] == "ED-0001"
    assert response["Location"] == f"/api/v1/referrals/{referral.public_id}"
    assert referral.channel == Channel.API
    assert referral.referring_agency == cast.ed
    assert referral.program == cast.program
    assert referral.referred_by is None
    assert referral.acuity.code == "high"
    assert referral.participant.phones.get().number == "+14125550142"
    event = referral.overdose_event
    assert event.substances == ["fentanyl", "xylazine"]
    assert (event.naloxone_doses, event.naloxone_given_by, event.transported) == (2, "ems", True)
    assert referral.consent_to_contact is True


def test_the_contact_deadline_is_given_with_the_programs_utc_offset(api):
    client, raw = api
    # 9 pm EST the night before the spring-forward change: 24 real hours on is 10 pm EDT.
    body = referral_body(received_at="2025-03-08T21:00:00-05:00", overdose={"occurred_at": "2025-03-08T19:30:00-05:00"})
    answer = send(client, body, raw).json()
    assert answer["contact_deadline"] == "2025-03-09T22:00:00-04:00"
    assert answer["received_at"] == "2025-03-08T21:00:00-05:00"
    assert dt.datetime.fromisoformat(answer["contact_deadline"]).utcoffset() is not None


def test_times_in_another_offset_are_converted_not_misread(api):
    client, raw = api
    body = referral_body(received_at="2025-06-02T02:00:00Z", overdose=None)
    answer = send(client, body, raw).json()
    assert answer["received_at"] == "2025-06-01T22:00:00-04:00"
    assert Referral.objects.get().received_at == dt.datetime(2025, 6, 2, 2, 0, tzinfo=dt.UTC)


def test_available_from_starts_the_clock_later(api):
    client, raw = api
    body = referral_body(
        received_at="2025-03-01T21:30:00-05:00", available_from="2025-03-02T08:00:00-05:00", overdose=None
    )
    answer = send(client, body, raw).json()
    assert answer["contact_deadline"] == "2025-03-03T08:00:00-05:00"


def test_intake_audits_the_creation_with_the_token(api, ed_token):
    client, raw = api
    send(client, referral_body(), raw)
    referral = Referral.objects.get()
    event = AuditEvent.objects.get(action=AuditEvent.Action.CREATE, target_type="referrals.referral")
    assert event.api_token == ed_token[0]
    assert event.role == "api"
    assert event.target_ids == [str(referral.pk)]
    assert event.participant_ids == [referral.participant_id]
    assert event.path == URL


def test_a_person_without_phone_or_address_is_accepted_with_a_place_to_find_them(api):
    client, raw = api
    body = referral_body(participant={"first_name": "Sam", "location_notes": "Under the 5th St bridge"})
    assert send(client, body, raw).status_code == 201


def test_nulls_and_empty_strings_mean_not_given(api):
    client, raw = api
    body = referral_body(
        available_from=None,
        consent_to_contact="",
        notes=None,
        participant={"first_name": "Sam", "last_name": None, "date_of_birth": "", "phone": "412-555-0199"},
        overdose={"occurred_at": "", "naloxone_doses": "", "naloxone_given_by": "", "transported": None},
    )
    response = send(client, body, raw)
    assert response.status_code == 201, response.content
    referral = Referral.objects.get()
    assert referral.consent_to_contact is None
    assert referral.overdose_event.naloxone_given_by == ""


def test_csrf_is_not_required_for_token_requests(ed_token):
    client = Client(enforce_csrf_checks=True)
    assert send(client, referral_body(), ed_token[1]).status_code == 201


# --- idempotency --------------------------------------------------------------------------------


def test_a_retry_with_the_same_external_id_answers_200_with_the_same_referral(api):
    client, raw = api
    first = send(client, referral_body(), raw)
    again = send(client, referral_body(), raw)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert Referral.objects.count() == 1
    assert Participant.objects.count() == 1
    assert OverdoseEvent.objects.count() == 1
    assert AuditEvent.objects.filter(action=AuditEvent.Action.CREATE, target_type="referrals.referral").count() == 1


def test_a_retry_with_a_different_body_changes_nothing(api):
    client, raw = api
    first = send(client, referral_body(acuity="high"), raw).json()
    again = send(client, referral_body(acuity="standard", notes="changed"), raw)
    assert again.status_code == 200
    assert again.json()["id"] == first["id"]
    referral = Referral.objects.get()
    assert (referral.acuity.code, referral.notes) == ("high", "Discharge planned for tomorrow morning.")


@pytest.mark.parametrize("other", [{"first_name": "Casey", "last_name": "Nguyen"}, {"date_of_birth": "1979-01-02"}])
def test_the_same_external_id_for_a_different_person_answers_409_at_that_field(api, other):
    client, raw = api
    send(client, referral_body(), raw)
    body = referral_body()
    body["participant"] = {**body["participant"], **other}

    response = send(client, body, raw)

    assert response.status_code == 409
    answer = response.json()
    assert list(answer["errors"]) == ["external_id"]
    assert "different person" in answer["errors"]["external_id"]
    assert "ED-0001" not in response.content.decode()
    assert Referral.objects.count() == 1
    assert Participant.objects.count() == 1


def test_the_same_external_id_from_another_agency_is_another_referral(cast, api):
    client, raw = api
    _token, raw_211 = api_token_issue(agency=cast.two_one_one, name="2-1-1 CAD")
    first = send(client, referral_body(), raw)
    other = send(client, referral_body(source="211"), raw_211)
    assert (first.status_code, other.status_code) == (201, 201)
    assert first.json()["id"] != other.json()["id"]
    assert set(Referral.objects.values_list("referring_agency", flat=True)) == {cast.ed.pk, cast.two_one_one.pk}


def test_external_id_is_required_for_the_api(api):
    client, raw = api
    body = referral_body()
    del body["external_id"]
    response = send(client, body, raw)
    assert response.status_code == 422
    assert response.json()["errors"] == {"external_id": "This field is required."}
    blank = send(client, referral_body(external_id="   "), raw)
    assert blank.json()["errors"] == {"external_id": "This field cannot be empty."}
    assert not Referral.objects.exists()


# --- bad bodies ---------------------------------------------------------------------------------


def _without(*path: str) -> dict:
    body = referral_body()
    target = body
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return body


def _with(path: str, value) -> dict:
    body = referral_body()
    *parents, last = path.split(".")
    target = body
    for key in parents:
        target = target[key]
    target[last] = value
    return body


FUTURE = iso(timezone.now() + dt.timedelta(days=2))


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        # missing fields
        (_without("source"), "source", "required"),
        (_without("received_at"), "received_at", "required"),
        (_without("acuity"), "acuity", "required"),
        (_without("participant"), "participant", "required"),
        # wrong types
        (_with("participant", "Robin Sample"), "participant", "object"),
        (_with("overdose.naloxone_doses", "two"), "overdose.naloxone_doses", "whole number"),
        (_with("overdose.naloxone_doses", 1.5), "overdose.naloxone_doses", "whole number"),
        (_with("overdose.substances", "fentanyl"), "overdose.substances", "list"),
        (_with("overdose.transported", "maybe"), "overdose.transported", "true or false"),
        (_with("participant.first_name", 42), "participant.first_name", "text"),
        (_with("external_id", 12345), "external_id", "text"),
        # bad dates and times
        (_with("participant.date_of_birth", "07/09/1990"), "participant.date_of_birth", "YYYY-MM-DD"),
        (_with("participant.date_of_birth", "1990-02-30"), "participant.date_of_birth", "YYYY-MM-DD"),
        (_with("participant.date_of_birth", 19900709), "participant.date_of_birth", "YYYY-MM-DD"),
        (_with("received_at", "yesterday evening"), "received_at", "ISO 8601"),
        (_with("received_at", 1740873600), "received_at", "ISO 8601"),
        (_with("received_at", "2025-03-01T21:30:00"), "received_at", "ambiguous"),
        (_with("received_at", "2025-03-01"), "received_at", "offset"),
        (_with("overdose.occurred_at", "2025-03-01 19:05"), "overdose.occurred_at", "ambiguous"),
        (_with("available_from", "2025-03-02T08:00:00"), "available_from", "ambiguous"),
        # checked by the intake service
        (_with("overdose.occurred_at", FUTURE), "overdose.occurred_at", "future"),
        (_with("received_at", FUTURE), "received_at", "future"),
        (_with("participant.date_of_birth", "2999-01-01"), "participant.date_of_birth", "future"),
        (_with("participant.phone", "12"), "participant.phone", "phone number"),
        (_with("participant", {"first_name": "Robin"}), "participant.phone", "way to reach"),
        (_with("acuity", "urgent"), "acuity", "Unknown acuity"),
        # choices and limits
        (_with("source", "hospital"), "source", "emergency_department"),
        (_with("overdose.naloxone_given_by", "neighbour"), "overdose.naloxone_given_by", "bystander"),
        (_with("overdose.naloxone_doses", 50), "overdose.naloxone_doses", "at most 20"),
        (_with("overdose.naloxone_doses", -1), "overdose.naloxone_doses", "at least 0"),
        (_with("notes", "x" * 5001), "notes", "at most 5000 characters"),
        (_with("overdose.substances", ["opioid"] * 21), "overdose.substances", "at most 20 items"),
        (_with("participant.middle_name", "Q"), "participant.middle_name", "Unknown field"),
        (_with("recieved_at", "2025-03-01T21:30:00-05:00"), "recieved_at", "Unknown field"),
    ],
)
def test_a_bad_body_answers_422_with_a_message_for_the_field(api, body, field, words):
    client, raw = api
    response = send(client, body, raw)
    assert response.status_code == 422, response.content
    answer = response.json()
    assert answer["detail"].startswith("The referral was not accepted")
    assert field in answer["errors"], answer["errors"]
    assert words.lower() in answer["errors"][field].lower(), answer["errors"][field]
    assert not Referral.objects.exists()


def test_every_bad_field_is_reported_at_once(api):
    client, raw = api
    body = referral_body(
        source="hospital",
        received_at="soon",
        participant={"phone": "412-555-0100", "date_of_birth": "1990-13-01"},
        overdose={"naloxone_doses": "many"},
    )
    errors = send(client, body, raw).json()["errors"]
    assert set(errors) == {"source", "received_at", "participant.date_of_birth", "overdose.naloxone_doses"}


def test_validation_messages_do_not_echo_what_was_sent(api):
    client, raw = api
    body = referral_body(
        participant={
            "first_name": 7,
            "last_name": "Sample",
            "date_of_birth": "Robin's birthday",
            "phone": "412-555-0100",
        }
    )
    response = send(client, body, raw)
    assert response.status_code == 422
    assert b"Robin" not in response.content
    assert b"Sample" not in response.content


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        ("not json at all", "not valid JSON"),
        ('{"external_id": "ED-1",', "not valid JSON"),
        (b"\xff\xfe\x00garbage", "not valid JSON"),
        ('{"external_id": "caf\u00e9"}'.encode("latin-1"), "not UTF-8"),
        ("42", "JSON object"),
        ("[1, 2, 3]", "JSON object"),
        ('[{"external_id": "ED-1"}]', "JSON object"),
        ('"a string"', "JSON object"),
        ("null", "JSON object"),
        ("", "JSON object"),
    ],
)
def test_a_body_that_is_not_a_json_object_answers_400(api, payload, words):
    client, raw = api
    response = send(client, payload, raw)
    assert response.status_code == 400, response.content
    assert words in response.json()["detail"]
    assert response.json()["errors"] == {}


def test_a_body_over_64_kb_answers_413(api):
    client, raw = api
    body = referral_body(notes="x" * (65 * 1024))
    response = send(client, body, raw)
    assert response.status_code == 413
    assert "64 KB" in response.json()["detail"]
    assert not Referral.objects.exists()


def test_a_body_just_under_the_limit_is_read(api):
    client, raw = api
    body = referral_body(notes="x" * 5000, participant={"phone": "412-555-0100", "location_notes": "y" * 2000})
    assert len(json.dumps(body)) < 64 * 1024
    assert send(client, body, raw).status_code == 201


def test_a_body_over_djangos_own_limit_still_answers_413(api, settings):
    client, raw = api
    # A deployment may set Django's own limit lower than the API's; its refusal is a 413 too.
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2048
    response = send(client, referral_body(notes="x" * 5000), raw)
    assert response.status_code == 413
    assert "2 KB" in response.json()["detail"]


# --- reading the status -------------------------------------------------------------------------


def test_the_sending_agency_sees_the_status_of_its_referral(api):
    client, raw = api
    created = send(client, referral_body(), raw).json()
    response = read(client, created["id"], raw)
    assert response.status_code == 200
    assert response.json() == created
    assert set(response.json()) == {"id", "external_id", "status", "received_at", "contact_deadline"}


def test_the_status_follows_the_referral(api):
    client, raw = api
    created = send(client, referral_body(), raw).json()
    Referral.objects.filter(public_id=created["id"]).update(status="closed", closed_reason="completed")
    answer = read(client, created["id"], raw).json()
    assert answer["status"] == "closed"
    assert "closed_reason" not in answer


def test_the_answers_never_contain_participant_details(api):
    client, raw = api
    created = send(client, referral_body(), raw)
    shown = read(client, created.json()["id"], raw)
    for response in (created, shown):
        for field in PARTICIPANT_FIELDS:
            assert field not in response.json()
        for detail in (
            b"Robin",
            b"Sample",
            b"555-0142",
            b"5550142",
            b"1988-04",
            b"fentanyl",
            b"Riverside Park",
            b"Discharge",
        ):
            assert detail not in response.content


def test_reading_a_status_is_audited_with_the_token(api, ed_token):
    client, raw = api
    created = send(client, referral_body(), raw).json()
    read(client, created["id"], raw)
    referral = Referral.objects.get()
    event = AuditEvent.objects.get(action=AuditEvent.Action.VIEW)
    assert event.api_token == ed_token[0]
    assert event.program == referral.program
    assert event.target_type == "referrals.referral"
    assert event.target_ids == [str(referral.pk)]
    assert event.participant_ids == [referral.participant_id]


def test_another_agency_cannot_see_a_referral_it_did_not_send(cast, api):
    client, raw = api
    created = send(client, referral_body(), raw).json()
    _token, raw_211 = api_token_issue(agency=cast.two_one_one, name="2-1-1 CAD")
    unknown = read(client, uuid.uuid4(), raw_211)
    other = read(client, created["id"], raw_211)
    assert (other.status_code, unknown.status_code) == (404, 404)
    assert other.content == unknown.content
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.VIEW).exists()


def test_a_referral_made_through_another_channel_is_not_visible_to_the_agencys_token(cast, api):
    client, raw = api
    # Sent by the program's own staff, not by the ED: the ED's token may not see it.
    referral = submit_referral(cast.program, by=cast.peer)
    assert read(client, referral.public_id, raw).status_code == 404


def test_an_agencys_referral_sent_by_its_staff_on_the_form_is_visible_to_its_token(cast, api):
    client, raw = api
    referral = submit_referral(cast.program, agency=cast.ed, by=cast.partner)
    response = read(client, referral.public_id, raw)
    assert response.status_code == 200
    assert response.json()["id"] == str(referral.public_id)


@pytest.mark.parametrize("referral_id", ["not-a-uuid", "12345", "0b9c3a2e-5d8f-4c1a-9e7b-3f2d1c0a9b8e"])
def test_an_unknown_or_malformed_id_answers_404(api, referral_id):
    client, raw = api
    response = read(client, referral_id, raw)
    assert response.status_code == 404
    assert response.json() == {"detail": "No referral with this id was sent by your agency.", "errors": {}}


def test_reading_a_status_keeps_its_query_budget(api, settings):
    client, raw = api
    created = send(client, referral_body(), raw).json()
    # The rate count lives in the cache (Redis in production), not in this budget.
    settings.API_RATE_PER_TOKEN = ""
    with assert_within_budget("api-1:referral_status"):
        assert read(client, created["id"], raw).status_code == 200


# --- real data ----------------------------------------------------------------------------------


def _synthea_patient() -> tuple[dict, dict]:
    """The synthetic patient and their latest drug-overdose emergency encounter."""
    bundle_file = next(SYNTHEA_DIR.glob("*.json"))
    bundle = json.loads(bundle_file.read_text(encoding="utf-8"))
    resources = [entry["resource"] for entry in bundle["entry"]]
    patient = next(r for r in resources if r["resourceType"] == "Patient")
    overdoses = [
        r
        for r in resources
        if r["resourceType"] == "Encounter"
        and any(
            c.get("display") == "Drug overdose" for reason in r.get("reasonCode", []) for c in reason.get("coding", [])
        )
    ]
    return patient, max(overdoses, key=lambda r: r["period"]["start"])


def test_a_synthetic_fhir_patient_mapped_to_the_api_is_accepted(api):
    client, raw = api
    patient, encounter = _synthea_patient()
    name = next(n for n in patient["name"] if n.get("use") == "official")
    phone = next(t["value"] for t in patient["telecom"] if t["system"] == "phone")
    address = patient["address"][0]
    language = patient["communication"][0]["language"]["coding"][0]["code"]
    body = {
        "external_id": f"synthea-{encounter['id']}",
        "source": "emergency_department",
        "received_at": encounter["period"]["end"],
        "acuity": "high",
        "participant": {
            "first_name": name["given"][0],
            "last_name": name["family"],
            "date_of_birth": patient["birthDate"],
            "phone": phone,
            "address": ", ".join([*address["line"], address["city"], address["state"], address["postalCode"]]),
            "preferred_language": language,
        },
        "overdose": {"occurred_at": encounter["period"]["start"], "transported": True},
    }
    response = send(client, body, raw)
    assert response.status_code == 201, response.content
    referral = Referral.objects.select_related("participant").get(public_id=response.json()["id"])
    assert referral.participant.last_name == name["family"]
    assert referral.participant.date_of_birth.isoformat() == patient["birthDate"]
    assert referral.received_at == dt.datetime.fromisoformat(encounter["period"]["end"])
    assert referral.participant.first_name not in response.content.decode()
    # The same encounter sent again is the same referral.
    assert send(client, body, raw).status_code == 200
