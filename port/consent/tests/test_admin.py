"""Consents and disclosures in the admin: read only, scoped to the admin's programs, every read audited."""

from django.urls import reverse

from port.accounts.models import Organization, OrganizationKind
from port.audit.models import AuditEvent
from port.consent.gate import disclose
from port.consent.models import Consent, Disclosure, InformationCategory
from port.participants.services import participant_create
from port.testing.cast import make_member
from port.testing.consent import record


def other_programs_consent(cast) -> Consent:
    hilltop_peer = make_member(cast.other_program, "hal", "peer")
    clinic = Organization.objects.create(
        program=cast.other_program, name="Hilltop Clinic", kind=OrganizationKind.TREATMENT
    )
    person = participant_create(program=cast.other_program, first_name="Robin", last_name="Hale")
    return record(cast, person, by=hilltop_peer, recipient_agency=clinic)


def test_the_admin_lists_the_programs_consents_read_only_and_audited(cast, network, participant):
    ours = record(cast, participant, recipient_agency=network.treatment)
    theirs = other_programs_consent(cast)
    client = cast.client_for(cast.admin)
    page = client.get(reverse("admin:consent_consent_changelist")).content.decode()
    assert reverse("consent:detail", args=[ours.public_id]) in page
    assert str(theirs.public_id) not in page and "Dana" not in page  # participants are not named here
    assert reverse("admin:consent_consent_add") not in page
    event = AuditEvent.objects.filter(target_type="consent.consent", action=AuditEvent.Action.LIST).latest("seq")
    assert event.participant_ids == [participant.pk] and event.user == cast.admin.user
    change = reverse("admin:consent_consent_change", args=[ours.pk])
    assert client.get(change).status_code == 200
    assert AuditEvent.objects.filter(
        target_type="consent.consent", action=AuditEvent.Action.VIEW, target_ids=[str(ours.pk)]
    ).exists()
    assert client.post(change, {"kind": "tpo"}).status_code == 403
    assert client.get(reverse("admin:consent_consent_add")).status_code == 403
    assert client.post(reverse("admin:consent_consent_delete", args=[ours.pk]), {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:consent_consent_change", args=[theirs.pk])).status_code == 404
    assert Consent.objects.filter(pk=ours.pk, kind="disclosure").exists()


def test_the_admin_lists_disclosures_of_the_program(cast, network, participant):
    record(cast, participant, recipient_agency=network.treatment)
    disclose(
        participant=participant,
        recipient=network.treatment,
        categories=[InformationCategory.IDENTITY],
        purpose="Intake",
        channel=Disclosure.Channel.HANDOFF,
        by=cast.peer,
    )
    client = cast.client_for(cast.admin)
    page = client.get(reverse("admin:consent_disclosure_changelist")).content.decode()
    assert "Riverside Recovery Clinic" in page
    assert reverse("admin:consent_disclosure_add") not in page
    assert AuditEvent.objects.filter(target_type="consent.disclosure", action=AuditEvent.Action.LIST).exists()


def test_the_team_and_partners_have_no_admin(cast, network, participant):
    record(cast, participant, recipient_agency=network.treatment)
    for member in (cast.peer, cast.supervisor, network.provider):
        response = cast.client_for(member).get(reverse("admin:consent_consent_changelist"))
        assert response.status_code in (302, 403)
