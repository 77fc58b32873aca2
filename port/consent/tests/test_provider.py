"""What a provider sees of a person handed off to their agency: only under a consent still in force, only
the information the hand-off named, each read asked of the gate and recorded. (Making hand-offs and the
provider's list of them: port/linkage/tests.)"""

import datetime as dt

from django.urls import reverse

from port.accounts.models import FieldVisibility
from port.accounts.roles import Role
from port.audit.models import AuditEvent
from port.consent.gate import disclose
from port.consent.models import Disclosure, InformationCategory
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


def test_a_hand_off_page_is_the_teams_own(cast, network, participant):
    record(cast, participant, recipient_agency=network.treatment)
    url = reverse("consent:disclosure", args=[hand_off(cast, participant, network.treatment).pk])
    assert cast.client_for(cast.peer2).get(url).status_code == 200
    assert cast.client_for(cast.partner).get(url).status_code == 403
    assert cast.client_for(network.provider).get(url).status_code == 403
    assert cast.client_for(cast.outsider).get(url).status_code == 404


# ---- what the provider sees ----


def test_revocation_at_once_hides_the_person_from_the_provider(cast, network, participant):
    consent = record(cast, participant, recipient_agency=network.treatment)
    hand_off(cast, participant, network.treatment)
    client = cast.client_for(network.provider)
    assert client.get(provider_url(participant)).status_code == 200
    consent_revoke(by=cast.peer, consent=consent, note="Told Pat by phone")
    assert client.get(provider_url(participant)).status_code == 404


def test_expiry_hides_the_person_from_the_provider(cast, network, participant):
    consent = record(cast, participant, recipient_agency=network.treatment)
    hand_off(cast, participant, network.treatment)
    type(consent).objects.filter(pk=consent.pk).update(expires_on=cast.program.today() - dt.timedelta(days=1))
    client = cast.client_for(network.provider)
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
