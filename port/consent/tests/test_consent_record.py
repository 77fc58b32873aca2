"""consent_record: every 42 CFR 2.31 element is required and checked, a general release is refused, law
enforcement is never a recipient, and every recorded or revoked consent is audited."""

import base64
import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from port.audit.models import AuditEvent
from port.consent.models import Consent, ConsentKind, InformationCategory, SignatureMethod
from port.consent.services import consent_revoke
from port.participants.models import Participant
from port.testing.consent import SIGNATURE, png_bytes, record


def in_force(consent: Consent) -> bool:
    return Consent.objects.in_force(consent.program.today()).filter(pk=consent.pk).exists()


def refused(cast, participant, **overrides) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        record(cast, participant, **overrides)
    assert not Consent.objects.exists()
    return caught.value.message_dict


def test_a_complete_disclosure_consent_is_recorded_with_every_element(cast, network, participant):
    today = cast.program.today()
    consent = record(
        cast,
        participant,
        recipient_agency=network.treatment,
        expires_on=today + dt.timedelta(days=90),
        signed_by_name="Lee Whitfield",
        signer_authority="Legal guardian",
        language="es",
    )
    consent.refresh_from_db()
    assert consent.kind == ConsentKind.DISCLOSURE
    assert consent.program == cast.program and consent.participant == participant
    assert consent.disclosing_party == "Riverside PORT"  # the program's name by default
    assert consent.information_categories == ["identity", "contact", "referral_status"]
    assert consent.recipient_agency == network.treatment and consent.recipient_class == ""
    assert consent.expires_on == today + dt.timedelta(days=90)
    assert consent.expiry_event == "When I finish treatment at the clinic"
    assert consent.signature_method == SignatureMethod.DRAWN and consent.signature_image == SIGNATURE
    assert consent.signed_on == today and consent.language == "es"
    assert (consent.signed_by_name, consent.signer_authority) == ("Lee Whitfield", "Legal guardian")
    assert consent.recorded_by == cast.peer.user and in_force(consent)


def test_recording_a_consent_is_audited_without_free_text_or_the_signature(cast, network, participant):
    consent = record(cast, participant, recipient_agency=network.treatment)
    event = AuditEvent.objects.get(action=AuditEvent.Action.CREATE, target_type="consent.consent")
    assert event.target_ids == [str(consent.pk)] and event.participant_ids == [participant.pk]
    assert event.user == cast.peer.user and event.role == "peer"
    assert event.changes["kind"] == "disclosure" and event.changes["recipient_agency"] == network.treatment.pk
    assert "data:image" not in str(event.changes) and "intake appointment" not in str(event.changes)


@pytest.mark.parametrize(
    "description",
    [
        "All records",
        "any and all information",
        "Entire file",
        "everything",
        "All of my medical records",
        "The complete record",
        "todos mis registros",
        "toda la información",
    ],
)
def test_a_general_release_is_refused(cast, network, participant, description):
    errors = refused(cast, participant, recipient_agency=network.treatment, information_description=description)
    assert "A general release is not allowed" in errors["information_description"][0]
    assert "specifically" in errors["information_description"][0]


def test_a_consent_with_no_kind_of_information_is_a_general_release(cast, network, participant):
    errors = refused(cast, participant, recipient_agency=network.treatment, information_categories=[])
    assert "A general release is not allowed" in errors["information_categories"][0]


def test_a_specific_description_mentioning_records_is_accepted(cast, network, participant):
    consent = record(
        cast,
        participant,
        recipient_agency=network.treatment,
        information_description="Referral records from March 2026 and the phone number on file",
    )
    assert consent.pk


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("information_description", "", "Describe the information specifically"),
        ("information_description", "Name", "in a few words at least"),
        ("purpose", "  ", "Say what the information is for"),
        ("revocation_statement", "", "right to revoke"),
        ("signed_on", None, "date the consent was signed"),
        ("signature_method", "", "Choose how the consent was given"),
        ("information_categories", ["all"], "Choose the kinds of information from the list"),
    ],
)
def test_each_required_element_has_its_own_message(cast, network, participant, field, value, message):
    errors = refused(cast, participant, recipient_agency=network.treatment, **{field: value})
    assert message in " ".join(errors[field])


def test_every_problem_is_reported_at_once(cast, network, participant):
    errors = refused(
        cast, participant, information_description="everything", purpose="", expiry_event="", signature_image=""
    )
    assert {"information_description", "recipient_agency", "purpose", "expires_on", "signature_image"} <= set(errors)


def test_a_named_recipient_must_be_chosen_from_the_directory(cast, participant):
    errors = refused(cast, participant, recipient_agency=None, recipient_class="Dr. Smith down the road")
    assert "Choose the recipient from the program's directory" in errors["recipient_agency"][0]
    assert "class of recipients is only for a treatment-payment-operations consent" in errors["recipient_class"][0]


def test_a_recipient_from_another_program_is_refused(cast, participant):
    errors = refused(cast, participant, recipient_agency=cast.other_agency)
    assert "this program's directory" in errors["recipient_agency"][0]


def test_a_law_enforcement_agency_is_refused_as_a_recipient(cast, network, participant):
    errors = refused(cast, participant, recipient_agency=network.police)
    assert "Law enforcement agencies cannot receive substance-use information" in errors["recipient_agency"][0]
    errors = refused(
        cast,
        participant,
        kind=ConsentKind.COUNSELING_NOTES,
        recipient_agency=network.police,
        information_categories=[InformationCategory.COUNSELING_NOTES],
    )
    assert "Law enforcement" in errors["recipient_agency"][0]


def test_a_tpo_class_naming_the_police_is_refused(cast, participant):
    errors = refused(cast, participant, kind=ConsentKind.TPO, recipient_class="My doctors and the police")
    assert "Law enforcement cannot receive" in errors["recipient_class"][0]


def test_a_tpo_consent_names_a_class_and_no_agency(cast, network, participant):
    errors = refused(cast, participant, kind=ConsentKind.TPO, recipient_agency=network.treatment)
    assert "names a class of recipients, not one organization" in errors["recipient_agency"][0]
    assert "Describe the class of recipients" in errors["recipient_class"][0]
    consent = record(
        cast,
        participant,
        kind=ConsentKind.TPO,
        recipient_class="My treating providers and health plans",
        purpose="For treatment, payment and health care operations",
    )
    assert consent.recipient_agency is None and consent.recipient_class == "My treating providers and health plans"


def test_a_participation_consent_names_no_outside_recipient(cast, network, participant):
    errors = refused(cast, participant, kind=ConsentKind.PARTICIPATION, recipient_agency=network.treatment)
    assert "names no outside recipient" in errors["recipient_agency"][0]
    consent = record(cast, participant, kind=ConsentKind.PARTICIPATION)
    assert consent.recipient_agency is None


def test_counseling_notes_need_a_consent_of_their_own(cast, network, participant):
    errors = refused(
        cast,
        participant,
        recipient_agency=network.treatment,
        information_categories=[InformationCategory.IDENTITY, InformationCategory.COUNSELING_NOTES],
    )
    assert "Counseling notes need a consent of their own" in errors["information_categories"][0]
    errors = refused(
        cast,
        participant,
        kind=ConsentKind.COUNSELING_NOTES,
        recipient_agency=network.treatment,
        information_categories=[InformationCategory.IDENTITY],
    )
    assert "must include counseling notes" in errors["information_categories"][0]


def test_an_expiry_date_or_event_is_required(cast, network, participant):
    errors = refused(cast, participant, recipient_agency=network.treatment, expires_on=None, expiry_event="")
    assert "Give the date this consent expires, or the event that ends it" in errors["expires_on"][0]
    only_date = record(
        cast, participant, recipient_agency=network.treatment, expiry_event="", expires_on=cast.program.today()
    )
    assert only_date.expires_on == cast.program.today()


def test_an_expiry_date_in_the_past_is_refused(cast, network, participant):
    yesterday = cast.program.today() - dt.timedelta(days=1)
    errors = refused(cast, participant, recipient_agency=network.treatment, expires_on=yesterday)
    assert "The expiry date is in the past" in errors["expires_on"][0]


def test_a_signature_date_in_the_future_is_refused(cast, network, participant):
    tomorrow = cast.program.today() + dt.timedelta(days=1)
    errors = refused(cast, participant, recipient_agency=network.treatment, signed_on=tomorrow)
    assert "in the future" in errors["signed_on"][0]


def test_a_drawn_signature_must_be_there(cast, network, participant):
    errors = refused(cast, participant, recipient_agency=network.treatment, signature_image="")
    assert "The signature pad is empty" in errors["signature_image"][0]


@pytest.mark.parametrize(
    "image",
    [
        "data:image/jpeg;base64," + base64.b64encode(b"\xff\xd8\xff\xe0 not png").decode(),
        "data:image/png;base64,not base64 at all!",
        "data:image/png;base64," + base64.b64encode(b"GIF89a pretending").decode(),
        "https://example.org/signature.png",
    ],
)
def test_a_drawn_signature_must_be_a_png_data_url(cast, network, participant, image):
    errors = refused(cast, participant, recipient_agency=network.treatment, signature_image=image)
    assert "did not arrive as a picture" in errors["signature_image"][0]


def test_a_drawn_signature_over_200_kb_is_refused(cast, network, participant):
    big = png_bytes() + b"\x00" * (201 * 1024)
    errors = refused(
        cast,
        participant,
        recipient_agency=network.treatment,
        signature_image="data:image/png;base64," + base64.b64encode(big).decode(),
    )
    assert "too large (over 200 KB)" in errors["signature_image"][0]


def test_verbal_consent_needs_a_witness_and_keeps_no_drawing(cast, network, participant):
    errors = refused(
        cast, participant, recipient_agency=network.treatment, signature_method=SignatureMethod.VERBAL, witness_name=""
    )
    assert "Verbal consent needs a witness" in errors["witness_name"][0]
    consent = record(
        cast,
        participant,
        recipient_agency=network.treatment,
        signature_method=SignatureMethod.VERBAL,
        witness_name="Quinn Tester",
    )
    assert consent.witness_name == "Quinn Tester" and consent.signature_image == ""


def test_someone_signing_for_the_participant_gives_name_and_authority(cast, network, participant):
    errors = refused(cast, participant, recipient_agency=network.treatment, signed_by_name="Lee Whitfield")
    assert "what authority" in errors["signer_authority"][0]
    errors = refused(cast, participant, recipient_agency=network.treatment, signer_authority="Guardian")
    assert "name of the person who signed" in errors["signed_by_name"][0]


def test_a_consent_must_name_the_participant(cast, network):
    nameless = Participant.objects.create(program=cast.program)
    errors = refused(cast, nameless, recipient_agency=network.treatment)
    assert "must name the participant" in errors["__all__"][0]


def test_overlong_elements_are_refused_with_their_length(cast, network, participant):
    errors = refused(
        cast, participant, recipient_agency=network.treatment, witness_name="W" * 201, expiry_event="E" * 250
    )
    assert "at most 200 characters (it has 250)" in errors["expiry_event"][0]
    assert "at most 200 characters (it has 201)" in errors["witness_name"][0]


def test_only_the_programs_team_records_consents(cast, network, participant):
    for member in (cast.partner, network.provider, network.law_enforcement, network.analyst, cast.outsider):
        with pytest.raises(PermissionDenied):
            record(cast, participant, by=member, recipient_agency=network.treatment)
    assert not Consent.objects.exists()


def test_revoking_takes_effect_at_once_and_is_audited(cast, network, participant):
    consent = record(cast, participant, recipient_agency=network.treatment)
    revoked = consent_revoke(by=cast.peer2, consent=consent, note="Told Quinn by phone")
    assert revoked.revoked_at is not None and revoked.revoked_by == cast.peer2.user
    assert revoked.revocation_note == "Told Quinn by phone" and not in_force(revoked)
    event = AuditEvent.objects.get(action=AuditEvent.Action.UPDATE, target_type="consent.consent")
    assert event.participant_ids == [participant.pk] and event.changes["revoked_at"][0] is None


def test_a_revocation_says_how_and_happens_once(cast, network, participant):
    consent = record(cast, participant, recipient_agency=network.treatment)
    with pytest.raises(ValidationError) as caught:
        consent_revoke(by=cast.peer, consent=consent, note=" ")
    assert "Say how the participant revoked" in caught.value.message_dict["note"][0]
    consent_revoke(by=cast.peer, consent=consent, note="Letter received")
    with pytest.raises(ValidationError, match="already revoked"):
        consent_revoke(by=cast.peer, consent=consent, note="Again")


def test_only_the_programs_team_revokes(cast, network, participant):
    consent = record(cast, participant, recipient_agency=network.treatment)
    for member in (cast.partner, network.provider, cast.outsider):
        with pytest.raises(PermissionDenied):
            consent_revoke(by=member, consent=consent, note="No")
    consent.refresh_from_db()
    assert consent.revoked_at is None
