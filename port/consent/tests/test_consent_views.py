"""The team's consent pages: record a consent (every element on one form, problems shown beside each field
with everything entered kept), read it, revoke it, its signature, and the card on the participant's page.
Other roles: 403 for the team's pages; records of another program: 404."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from port.audit.models import AuditEvent
from port.consent.models import Consent, ConsentKind
from port.testing.consent import SIGNATURE, png_bytes, record


def new_url(participant, kind="disclosure", language="en") -> str:
    return reverse("consent:new", args=[participant.public_id, kind]) + f"?language={language}"


def form_data(cast, network, **overrides) -> dict:
    data = {
        "language": "en",
        "disclosing_party": "Riverside PORT",
        "information_categories": ["identity", "referral_status"],
        "information_description": "Name, date of birth and whether the team reached Dana after March 3",
        "recipient_agency": network.treatment.pk,
        "purpose": "To arrange an intake appointment",
        "revocation_statement": "I may revoke this consent at any time.",
        "expires_on": (cast.program.today() + dt.timedelta(days=180)).isoformat(),
        "expiry_event": "",
        "signature_method": "drawn",
        "signature_image": SIGNATURE,
        "witness_name": "",
        "signed_on": cast.program.today().isoformat(),
        "signed_by_name": "",
        "signer_authority": "",
    }
    data.update(overrides)
    return data


def test_the_team_records_a_consent_from_the_form(cast, network, participant):
    response = cast.client_for(cast.peer).post(new_url(participant), form_data(cast, network))
    consent = Consent.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("consent:detail", args=[consent.public_id])
    assert consent.kind == ConsentKind.DISCLOSURE and consent.recipient_agency == network.treatment
    assert consent.information_categories == ["identity", "referral_status"]
    assert consent.signature_image == SIGNATURE and consent.recorded_by == cast.peer.user


def test_the_form_is_prefilled_with_the_programs_standard_wording(cast, network, participant):
    page = cast.client_for(cast.peer).get(new_url(participant)).content.decode()
    assert 'value="Riverside PORT"' in page  # who may disclose
    assert "I understand that I may revoke this consent at any time" in page
    assert f'value="{cast.program.today().isoformat()}"' in page  # signed today
    spanish = cast.client_for(cast.peer).get(new_url(participant, language="es")).content.decode()
    assert "Entiendo que puedo revocar este consentimiento en cualquier momento" in spanish
    assert 'name="language" value="es"' in spanish
    tpo = cast.client_for(cast.peer).get(new_url(participant, kind="tpo")).content.decode()
    assert "My treating providers, health plans, third-party payers" in tpo and 'name="recipient_agency"' not in tpo


def test_the_form_offers_no_law_enforcement_and_no_counseling_notes_outside_their_own_kind(cast, network, participant):
    page = cast.client_for(cast.peer).get(new_url(participant)).content.decode()
    assert "Riverside Recovery Clinic" in page and "Riverside Police" not in page
    assert 'value="counseling_notes"' not in page
    notes_page = cast.client_for(cast.peer).get(new_url(participant, kind="counseling_notes")).content.decode()
    assert 'value="counseling_notes"' in notes_page


def test_a_refused_consent_shows_every_problem_and_keeps_what_was_entered(cast, network, participant):
    data = form_data(cast, network, information_description="All records", purpose="", expires_on="", expiry_event="")
    response = cast.client_for(cast.peer).post(new_url(participant), data)
    page = response.content.decode()
    assert response.status_code == 200 and not Consent.objects.exists()
    assert "A general release is not allowed" in page
    assert "Say what the information is for" in page
    assert "Give the date this consent expires, or the event that ends it" in page
    assert ">\nAll records</textarea>" in page  # the typed text is kept
    assert f'value="{SIGNATURE}"' in page  # and so is the signature
    assert re.search(r'value="identity"[^>]*checked', page) and re.search(r'value="referral_status"[^>]*checked', page)
    assert not re.search(r'value="contact"[^>]*checked', page)


def test_a_date_that_does_not_parse_is_named_and_the_rest_is_still_checked(cast, network, participant):
    data = form_data(cast, network, expires_on="not a date", information_description="everything")
    page = cast.client_for(cast.peer).post(new_url(participant), data).content.decode()
    assert "Enter a real date, such as 2026-03-14." in page
    assert "A general release is not allowed" in page
    assert not Consent.objects.exists()


def test_verbal_consent_is_recorded_with_its_witness(cast, network, participant):
    data = form_data(cast, network, signature_method="verbal", signature_image="", witness_name="Quinn Tester")
    assert cast.client_for(cast.peer).post(new_url(participant), data).status_code == 302
    consent = Consent.objects.get()
    assert consent.signature_method == "verbal" and consent.witness_name == "Quinn Tester"


def test_an_unknown_kind_goes_back_to_the_choice_of_kinds(cast, participant):
    response = cast.client_for(cast.peer).get(reverse("consent:new", args=[participant.public_id, "everything"]))
    assert response.status_code == 302
    assert response["Location"] == reverse("consent:kinds", args=[participant.public_id])


def test_the_kind_chooser_offers_every_kind_in_both_languages(cast, participant):
    page = cast.client_for(cast.peer).get(reverse("consent:kinds", args=[participant.public_id])).content.decode()
    for kind in ConsentKind.values:
        assert reverse("consent:new", args=[participant.public_id, kind]) + "?language=es" in page


@pytest.mark.parametrize("member_name", ["partner", "law_enforcement", "analyst", "provider", "first_responder"])
def test_other_roles_cannot_record_consents(cast, network, participant, member_name):
    member = getattr(cast, member_name, None) or getattr(network, member_name)
    client = cast.client_for(member)
    assert client.get(reverse("consent:kinds", args=[participant.public_id])).status_code == 403
    assert client.get(new_url(participant)).status_code == 403
    assert client.post(new_url(participant), form_data(cast, network)).status_code == 403
    assert not Consent.objects.exists()


def test_another_programs_team_gets_404(cast, network, participant):
    client = cast.client_for(cast.outsider)
    assert client.get(new_url(participant)).status_code == 404
    assert client.post(new_url(participant), form_data(cast, network)).status_code == 404
    consent = record(cast, participant, recipient_agency=network.treatment)
    for name in ("detail", "print", "signature"):
        assert client.get(reverse(f"consent:{name}", args=[consent.public_id])).status_code == 404
    assert client.post(reverse("consent:revoke", args=[consent.public_id]), {"note": "x"}).status_code == 404


def test_the_consent_page_shows_every_element_and_is_audited(cast, network, participant):
    consent = record(
        cast,
        participant,
        recipient_agency=network.treatment,
        signed_by_name="Lee Whitfield",
        signer_authority="Legal guardian",
        expires_on=dt.date(2099, 1, 31),
    )
    page = cast.client_for(cast.peer2).get(reverse("consent:detail", args=[consent.public_id])).content.decode()
    for text in (
        "Dana Whitfield",
        "Riverside PORT",
        "Name and date of birth",
        "whether the team reached Dana",
        "Riverside Recovery Clinic",
        "To arrange an intake appointment at the clinic",
        "I may revoke this consent at any time",
        "Jan 31, 2099",
        "When I finish treatment at the clinic",
        "Signed on the screen",
        reverse("consent:signature", args=[consent.public_id]),
        "Lee Whitfield (Legal guardian)",
        "Active",
    ):
        assert text in page, text
    event = AuditEvent.objects.filter(action=AuditEvent.Action.VIEW, target_type="consent.consent").latest("seq")
    assert event.user == cast.peer2.user and event.participant_ids == [participant.pk]


def test_revoking_from_the_consent_page(cast, network, participant):
    consent = record(cast, participant, recipient_agency=network.treatment)
    client = cast.client_for(cast.supervisor)
    url = reverse("consent:revoke", args=[consent.public_id])
    response = client.post(url, {"note": ""})
    assert response.status_code == 200 and "Say how the participant revoked" in response.content.decode()
    response = client.post(url, {"note": "Told Sam by phone"}, follow=True)
    page = response.content.decode()
    assert "The consent is revoked. Nothing more is disclosed under it." in page
    assert "Revoked on" in page and "Told Sam by phone" in page and "Revoke the consent" not in page
    consent.refresh_from_db()
    assert consent.revoked_by == cast.supervisor.user


def test_other_roles_cannot_read_or_revoke_a_consent(cast, network, participant):
    consent = record(cast, participant, recipient_agency=network.treatment)
    for member in (cast.partner, network.law_enforcement, network.analyst, network.provider):
        client = cast.client_for(member)
        for name in ("detail", "print", "signature"):
            assert client.get(reverse(f"consent:{name}", args=[consent.public_id])).status_code == 403
        assert client.post(reverse("consent:revoke", args=[consent.public_id]), {"note": "x"}).status_code == 403
    consent.refresh_from_db()
    assert consent.revoked_at is None


def test_the_signature_is_served_as_a_png_and_not_cached(cast, network, participant):
    consent = record(cast, participant, recipient_agency=network.treatment)
    response = cast.client_for(cast.peer).get(reverse("consent:signature", args=[consent.public_id]))
    assert response["Content-Type"] == "image/png" and response.content == png_bytes()
    assert "no-store" in response["Cache-Control"]
    verbal = record(
        cast, participant, recipient_agency=network.treatment, signature_method="verbal", witness_name="Quinn"
    )
    assert cast.client_for(cast.peer).get(reverse("consent:signature", args=[verbal.public_id])).status_code == 404


def test_the_participant_page_has_a_consents_and_sharing_card(cast, network, participant):
    active = record(cast, participant, recipient_agency=network.treatment)
    revoked = record(cast, participant, kind=ConsentKind.PARTICIPATION)
    revoked.revoked_at = revoked.recorded_at
    revoked.save(update_fields=["revoked_at"])
    page = cast.client_for(cast.peer).get(reverse("participants:detail", args=[participant.public_id])).content.decode()
    card = page[page.index('id="consents-heading"') :]
    card = card[: card.index("</section>")]
    assert "Consents and sharing" in card
    assert card.index(str(active.public_id)) < card.index(str(revoked.public_id))  # in force first
    assert "Active" in card and "Revoked" in card
    for name in ("consent:kinds", "linkage:handoff_new", "consent:accounting"):
        assert reverse(name, args=[participant.public_id]) in card
    assert reverse("consent:blank_forms") in card
