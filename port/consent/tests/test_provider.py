"""Sharing with a provider from the participant's page, and what the provider then sees: only people
handed off to their agency under a consent still in force, only the information the hand-off named, each
read asked of the gate and recorded."""

import datetime as dt

import pytest
from django.urls import reverse

from port.accounts.models import FieldVisibility
from port.accounts.roles import Role
from port.audit.models import AuditEvent
from port.consent.gate import disclose
from port.consent.models import ConsentKind, Disclosure, InformationCategory
from port.consent.services import consent_revoke
from port.outreach.models import Encounter
from port.participants.models import Participant
from port.testing.consent import record

IDENTITY, CONTACT, REFERRAL_STATUS, NOTES = (
    InformationCategory.IDENTITY,
    InformationCategory.CONTACT,
    InformationCategory.REFERRAL_STATUS,
    InformationCategory.NOTES,
)
NOTICE_START = "This record which has been disclosed to you is protected by federal confidentiality rules"


def share_url(participant: Participant) -> str:
    return reverse("consent:share", args=[participant.public_id])


def provider_url(participant: Participant) -> str:
    return reverse("consent:shared_participant", args=[participant.public_id])


def hand_off(cast, participant, recipient, categories=(IDENTITY, REFERRAL_STATUS)) -> Disclosure:
    disclosure, _notice = disclose(
        participant=participant,
        recipient=recipient,
        categories=categories,
        purpose="Intake appointment on Monday",
        channel=Disclosure.Channel.HANDOFF,
        by=cast.peer,
    )
    return disclosure


def post_share(cast, participant, recipient, categories, member=None):
    return cast.client_for(member or cast.peer).post(
        share_url(participant),
        {"recipient": recipient.pk, "categories": list(categories), "purpose": "Warm hand-off for intake"},
    )


# ---- sharing from the participant's page ----


def test_sharing_under_a_consent_shows_the_2_32_notice(cast, network, participant):
    record(cast, participant, recipient_agency=network.treatment)
    response = post_share(cast, participant, network.treatment, [IDENTITY, CONTACT])
    disclosure = Disclosure.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("consent:disclosure", args=[disclosure.pk])
    page = cast.client_for(cast.peer).get(response["Location"]).content.decode()
    assert NOTICE_START in page and "42 CFR 2.32" in page
    assert "Riverside Recovery Clinic" in page and "Warm hand-off for intake" in page
    assert "Dana Whitfield" in page and "(412) 555-0142" in page
    assert disclosure.channel == Disclosure.Channel.HANDOFF and disclosure.categories == [CONTACT, IDENTITY]


@pytest.mark.parametrize(
    "situation, message",
    [
        ("no consent", "No consent names Riverside Recovery Clinic."),
        ("revoked", "The consent naming Riverside Recovery Clinic was revoked on"),
        ("expired", "The consent naming Riverside Recovery Clinic expired on"),
        ("another recipient", "No consent names Riverside Recovery Clinic."),
        ("other information", "The consent in force does not cover: Notes from contacts and visits."),
    ],
)
def test_a_refused_share_says_why_and_keeps_what_was_entered(cast, network, participant, situation, message):
    if situation == "revoked":
        consent_revoke(
            by=cast.peer, consent=record(cast, participant, recipient_agency=network.treatment), note="By phone"
        )
    elif situation == "expired":
        consent = record(cast, participant, recipient_agency=network.treatment)
        yesterday = cast.program.today() - dt.timedelta(days=1)
        type(consent).objects.filter(pk=consent.pk).update(expires_on=yesterday)
    elif situation == "another recipient":
        record(cast, participant, recipient_agency=network.clinic)
    elif situation == "other information":
        record(cast, participant, recipient_agency=network.treatment)
    response = post_share(cast, participant, network.treatment, [IDENTITY, NOTES])
    page = response.content.decode()
    assert response.status_code == 200
    assert "No active consent lets the program share this information with Riverside Recovery Clinic" in page
    assert message in page
    assert "Warm hand-off for intake" in page  # what was typed is kept
    assert f'value="{network.treatment.pk}" selected' in page
    assert not Disclosure.objects.exists()


def test_a_tpo_consent_does_not_reach_a_faith_group_and_says_so(cast, network, participant):
    record(
        cast,
        participant,
        kind=ConsentKind.TPO,
        recipient_class="My treating providers and health plans",
        purpose="For treatment, payment and health care operations",
    )
    page = post_share(cast, participant, network.faith, [IDENTITY]).content.decode()
    assert "covers treatment providers, emergency departments and recovery organizations" in page
    assert post_share(cast, participant, network.clinic, [IDENTITY]).status_code == 302


def test_law_enforcement_is_not_offered_for_sharing(cast, network, participant):
    page = cast.client_for(cast.peer).get(share_url(participant)).content.decode()
    assert "Riverside Recovery Clinic" in page and "Grace Community Church" in page
    assert "Riverside Police" not in page
    response = post_share(cast, participant, network.police, [IDENTITY])
    assert response.status_code == 200 and not Disclosure.objects.exists()


def test_a_team_member_cannot_share_what_their_role_may_not_see(cast, network, participant):
    FieldVisibility.objects.create(program=cast.program, role=Role.PEER, group="notes", visible=False)
    page = cast.client_for(cast.peer).get(share_url(participant)).content.decode()
    assert 'value="contact"' in page and 'value="notes"' not in page
    assert 'value="notes"' in cast.client_for(cast.supervisor).get(share_url(participant)).content.decode()


def test_only_the_team_shares(cast, network, participant):
    record(cast, participant, recipient_agency=network.treatment)
    for member in (cast.partner, network.law_enforcement, network.analyst, network.provider, network.first_responder):
        assert cast.client_for(member).get(share_url(participant)).status_code == 403
        assert post_share(cast, participant, network.treatment, [IDENTITY], member=member).status_code == 403
    assert cast.client_for(cast.outsider).get(share_url(participant)).status_code == 404
    assert post_share(cast, participant, network.treatment, [IDENTITY], member=cast.outsider).status_code == 404
    assert not Disclosure.objects.exists()


def test_a_hand_off_page_is_the_teams_own(cast, network, participant):
    record(cast, participant, recipient_agency=network.treatment)
    url = reverse("consent:disclosure", args=[hand_off(cast, participant, network.treatment).pk])
    assert cast.client_for(cast.peer2).get(url).status_code == 200
    assert cast.client_for(cast.partner).get(url).status_code == 403
    assert cast.client_for(network.provider).get(url).status_code == 403
    assert cast.client_for(cast.outsider).get(url).status_code == 404


# ---- what the provider sees ----


def test_the_provider_lists_people_handed_off_to_their_agency(cast, network, participant):
    record(cast, participant, recipient_agency=network.treatment)
    hand_off(cast, participant, network.treatment)
    response = cast.client_for(network.provider).get(reverse("consent:shared"))
    page = response.content.decode()
    assert response.status_code == 200 and "Dana Whitfield" in page
    assert provider_url(participant) in page
    event = AuditEvent.objects.filter(action=AuditEvent.Action.LIST).latest("seq")
    assert event.participant_ids == [participant.pk] and event.user == network.provider.user
    other = cast.client_for(network.clinic_provider).get(reverse("consent:shared")).content.decode()
    assert "Dana Whitfield" not in other


def test_the_list_names_nobody_whose_name_was_not_shared(cast, network, participant):
    record(cast, participant, recipient_agency=network.treatment)
    hand_off(cast, participant, network.treatment, categories=[REFERRAL_STATUS])
    page = cast.client_for(network.provider).get(reverse("consent:shared")).content.decode()
    assert "Dana" not in page and "name not shared" in page


def test_revocation_at_once_hides_the_person_from_the_provider(cast, network, participant):
    consent = record(cast, participant, recipient_agency=network.treatment)
    hand_off(cast, participant, network.treatment)
    client = cast.client_for(network.provider)
    assert client.get(provider_url(participant)).status_code == 200
    consent_revoke(by=cast.peer, consent=consent, note="Told Pat by phone")
    assert "Dana Whitfield" not in client.get(reverse("consent:shared")).content.decode()
    assert client.get(provider_url(participant)).status_code == 404


def test_expiry_hides_the_person_from_the_provider(cast, network, participant):
    consent = record(cast, participant, recipient_agency=network.treatment)
    hand_off(cast, participant, network.treatment)
    type(consent).objects.filter(pk=consent.pk).update(expires_on=cast.program.today() - dt.timedelta(days=1))
    client = cast.client_for(network.provider)
    assert "Dana Whitfield" not in client.get(reverse("consent:shared")).content.decode()
    assert client.get(provider_url(participant)).status_code == 404


def test_the_provider_sees_only_the_categories_handed_off(cast, network, participant):
    record(
        cast,
        participant,
        recipient_agency=network.treatment,
        information_categories=[IDENTITY, CONTACT, REFERRAL_STATUS, NOTES],
    )
    Encounter.objects.create(
        program=cast.program,
        participant=participant,
        mode="in_person",
        notes="Talked about housing worries",
        goals="Get my kids back",
        author=cast.peer.user,
    )
    hand_off(cast, participant, network.treatment, categories=[IDENTITY, REFERRAL_STATUS])
    page = cast.client_for(network.provider).get(provider_url(participant)).content.decode()
    assert "Dana Whitfield" in page and "Jun 2, 1987" in page
    assert "Referrals and their status" in page and "Received" in page
    # Not handed off: contact details, notes, goals; and nothing of the team's own pages.
    assert "555-0142" not in page and "housing worries" not in page and "Get my kids back" not in page
    assert "How to reach the person" not in page and "Notes from contacts and visits" not in page
    assert NOTICE_START in page


def test_every_provider_read_is_asked_of_the_gate_and_recorded(cast, network, participant):
    record(cast, participant, recipient_agency=network.treatment)
    hand_off(cast, participant, network.treatment)
    client = cast.client_for(network.provider)
    client.get(provider_url(participant))
    client.get(provider_url(participant))
    views = Disclosure.objects.filter(channel=Disclosure.Channel.PROVIDER_VIEW)
    assert views.count() == 2
    view = views.first()
    assert view.recipient_agency == network.treatment and view.recipient_user == network.provider.user
    assert view.categories == [IDENTITY, REFERRAL_STATUS]
    disclose_events = AuditEvent.objects.filter(action=AuditEvent.Action.DISCLOSE, user=network.provider.user)
    assert disclose_events.count() == 2


def test_the_provider_page_answers_404_to_everyone_else(cast, network, participant):
    record(cast, participant, recipient_agency=network.treatment)
    hand_off(cast, participant, network.treatment)
    url = provider_url(participant)
    for member in (
        network.clinic_provider,
        cast.peer,
        cast.supervisor,
        cast.partner,
        network.law_enforcement,
        network.analyst,
        network.first_responder,
        cast.outsider,
    ):
        assert cast.client_for(member).get(url).status_code == 404, member.role
    assert (
        cast.client_for(network.provider)
        .get(reverse("consent:shared_participant", args=["7a1e43a4-3f35-4f2b-9b35-2d5a4b6c7d8e"]))
        .status_code
        == 404
    )
    assert not Disclosure.objects.filter(channel=Disclosure.Channel.PROVIDER_VIEW).exists()


def test_the_shared_list_is_for_providers_only(cast, network):
    for member in (cast.peer, cast.supervisor, cast.partner, network.law_enforcement, network.analyst):
        assert cast.client_for(member).get(reverse("consent:shared")).status_code == 403
    assert cast.client_for(network.provider).get(reverse("consent:shared")).status_code == 200


def test_a_team_view_of_a_hand_off_is_not_a_provider_disclosure(cast, network, participant):
    record(cast, participant, recipient_agency=network.treatment)
    disclosure = hand_off(cast, participant, network.treatment)
    cast.client_for(cast.peer).get(reverse("consent:disclosure", args=[disclosure.pk]))
    assert Disclosure.objects.count() == 1


def test_a_hand_off_page_hides_what_the_viewers_role_may_not_see(cast, network, participant):
    record(cast, participant, recipient_agency=network.treatment, information_categories=[IDENTITY, NOTES])
    Encounter.objects.create(
        program=cast.program,
        participant=participant,
        mode="in_person",
        notes="Talked about housing worries",
        author=cast.peer.user,
    )
    disclosure = hand_off(cast, participant, network.treatment, categories=[IDENTITY, NOTES])
    url = reverse("consent:disclosure", args=[disclosure.pk])
    assert "housing worries" in cast.client_for(cast.peer).get(url).content.decode()
    FieldVisibility.objects.create(program=cast.program, role=Role.PEER, group="notes", visible=False)
    page = cast.client_for(cast.peer2).get(url).content.decode()
    assert "housing worries" not in page and "hidden from your role" in page and "Dana Whitfield" in page
