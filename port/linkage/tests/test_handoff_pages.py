"""Referring from the participant's page, and the provider's side: only hand-offs sent to their
organization, only what the consent names, every view recorded in the accounting, nothing once revoked."""

import datetime as dt

import pytest
from django.urls import reverse

from port.consent.models import Disclosure
from port.consent.services import consent_revoke
from port.linkage.models import BusinessStatus, HandOff, How, TaskStatus
from port.linkage.services import handoff_transition
from port.referrals.models import Status
from port.referrals.services import referral_transition
from port.testing.directory import a_service
from port.testing.linkage import handoff_make, person_build

ALWAYS = [("MO,TU,WE,TH,FR,SA,SU", "00:00", "00:00")]


def post_refer(cast, person, organization, how=How.ACCOMPANIED, categories=("identity",), member=None, **extra):
    return cast.client_for(member or cast.peer).post(
        reverse("linkage:handoff_new", args=[person.participant.public_id]),
        {
            "organization": organization.pk,
            "need": "treatment.buprenorphine",
            "how": how,
            "categories": list(categories),
            "purpose": "Intake appointment",
            "priority": "routine",
            "transport": "none",
            **extra,
        },
    )


def test_a_hand_off_under_a_consent_is_disclosed_through_the_gate(cast, person):
    response = post_refer(cast, person, cast.treatment, referral=str(person.referral.public_id))
    handoff = HandOff.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("linkage:handoff", args=[handoff.public_id])
    assert handoff.disclosure.channel == Disclosure.Channel.HANDOFF and handoff.consent == person.consent
    assert handoff.referral == person.referral and handoff.status == TaskStatus.REQUESTED
    page = cast.client_for(cast.peer).get(response["Location"]).content.decode()
    assert reverse("consent:disclosure", args=[handoff.disclosure_id]) in page


def test_without_a_consent_only_information_only_is_possible_and_the_form_says_why(cast, clinic):
    person = person_build(cast, last_name="Okafor", consent_for=cast.treatment)
    response = post_refer(cast, person, clinic)
    page = response.content.decode()
    assert response.status_code == 200 and not HandOff.objects.exists()
    assert "No consent names Northside Methadone Clinic." in page and "What is missing" in page
    response = post_refer(cast, person, clinic, how=How.INFORMATION_ONLY, categories=())
    assert response.status_code == 302
    handoff = HandOff.objects.get()
    assert handoff.disclosure is None and not Disclosure.objects.filter(recipient_agency=clinic).exists()


def test_a_revoked_consent_refuses_the_hand_off_and_says_when(cast, person):
    consent_revoke(by=cast.peer, consent=person.consent, note="By phone")
    page = post_refer(cast, person, cast.treatment).content.decode()
    assert "was revoked on" in page and not HandOff.objects.exists()


def test_a_directory_service_can_be_preselected_without_participant_data_in_the_link(cast, person):
    from port.directory.models import Service

    service = Service.objects.create(program=cast.program, organization=cast.treatment, name="Bridge clinic")
    url = reverse("linkage:handoff_new", args=[person.participant.public_id]) + f"?service={service.hsds_id}"
    page = cast.client_for(cast.peer).get(url).content.decode()
    assert f'<option value="{service.pk}" selected>' in page
    assert f'<option value="{cast.treatment.pk}" selected>' in page


def test_a_provider_sees_only_handoffs_sent_to_their_organization(cast, person, clinic, clinic_provider):
    handoff = handoff_make(cast, person)
    mine = cast.client_for(cast.provider).get(reverse("linkage:shared")).content.decode()
    assert "Dana Whitfield" in mine and reverse("linkage:shared_handoff", args=[handoff.public_id]) in mine
    theirs = cast.client_for(clinic_provider).get(reverse("linkage:shared")).content.decode()
    assert "Dana" not in theirs
    url = reverse("linkage:shared_handoff", args=[handoff.public_id])
    assert cast.client_for(clinic_provider).get(url).status_code == 404
    assert cast.client_for(cast.peer).get(url).status_code == 404


def test_every_provider_view_is_recorded_in_the_accounting_of_disclosures(cast, person):
    handoff = handoff_make(cast, person)
    client = cast.client_for(cast.provider)
    url = reverse("linkage:shared_handoff", args=[handoff.public_id])
    assert client.get(url).status_code == 200
    views = Disclosure.objects.filter(channel=Disclosure.Channel.PROVIDER_VIEW)
    assert views.count() == 1 and views.get().recipient_user == cast.provider.user
    accounting = cast.client_for(cast.peer).get(reverse("consent:accounting", args=[person.participant.public_id]))
    assert "Viewed by the provider" in accounting.content.decode()


def test_the_provider_sees_nothing_once_the_consent_is_revoked(cast, person):
    handoff = handoff_make(cast, person)
    consent_revoke(by=cast.peer, consent=person.consent, note="By phone")
    client = cast.client_for(cast.provider)
    assert "Dana" not in client.get(reverse("linkage:shared")).content.decode()
    assert client.get(reverse("linkage:shared_handoff", args=[handoff.public_id])).status_code == 404
    response = client.post(reverse("linkage:shared_handoff_update", args=[handoff.public_id]), {"action": "accept"})
    assert response.status_code == 404 and HandOff.objects.get().status == TaskStatus.REQUESTED


def test_the_list_names_nobody_whose_name_was_not_shared(cast, person):
    handoff_make(cast, person, categories=["referral_status"])
    page = cast.client_for(cast.provider).get(reverse("linkage:shared")).content.decode()
    assert "Dana" not in page and "name not shared" in page


@pytest.mark.parametrize(
    "action, extra, status, business",
    [
        ("accept", {}, "accepted", ""),
        ("appointment", {"appointment_at": "2031-03-14 10:30"}, "in-progress", "appointment-scheduled"),
        ("reject", {"reason": "no-capacity"}, "rejected", ""),
    ],
)
def test_the_provider_updates_the_hand_off_from_its_page(cast, person, action, extra, status, business):
    handoff = handoff_make(cast, person)
    url = reverse("linkage:shared_handoff_update", args=[handoff.public_id])
    response = cast.client_for(cast.provider).post(url, {"action": action, **extra})
    assert response.status_code == 302
    handoff.refresh_from_db()
    assert (handoff.status, handoff.business_status) == (status, business)


def test_rejecting_without_a_reason_is_refused_on_the_form(cast, person):
    handoff = handoff_make(cast, person)
    url = reverse("linkage:shared_handoff_update", args=[handoff.public_id])
    response = cast.client_for(cast.provider).post(url, {"action": "reject"})
    assert response.status_code == 200 and "Choose why you cannot take the person." in response.content.decode()
    assert HandOff.objects.get().status == TaskStatus.REQUESTED


def test_the_participant_page_shows_hand_offs_upcoming_appointments_and_the_timeline(cast, person):
    import datetime as dt

    from django.utils import timezone

    handoff_make(cast, person, appointment_at=timezone.now() + dt.timedelta(days=2))
    page = cast.client_for(cast.peer).get(reverse("participants:detail", args=[person.participant.public_id]))
    text = page.content.decode()
    assert "Hand-offs to services" in text and "Appointment at Riverside Recovery Clinic" in text
    assert "Referred to a service" in text  # the timeline entry
    referral_page = cast.client_for(cast.peer).get(reverse("referrals:detail", args=[person.referral.public_id]))
    assert "Appointment at Riverside Recovery Clinic" in referral_page.content.decode()


def test_a_peer_finds_the_service_in_the_directory_and_its_result_refers_back_to_the_persons_form(cast, person):
    service = a_service(
        cast.program,
        "Riverside Same-Day Clinic",
        organization=cast.treatment,
        categories=["treatment.buprenorphine"],
        hours=ALWAYS,
    )
    client = cast.client_for(cast.peer)
    form = reverse("linkage:handoff_new", args=[person.participant.public_id])
    find = client.get(
        reverse("linkage:handoff_find", args=[person.participant.public_id]),
        {"referral": str(person.referral.public_id), "need": "treatment"},
    )
    assert find.status_code == 302 and find["Location"] == reverse("directory:search") + "?need=treatment"
    results = client.get(find["Location"]).content.decode()
    refer = f"{form}?referral={person.referral.public_id}&amp;service={service.hsds_id}"
    assert refer in results and "Back to the referral form" in results
    assert str(person.participant.public_id) not in client.get(reverse("directory:search")).request["QUERY_STRING"]
    preselected = client.get(f"{form}?referral={person.referral.public_id}&service={service.hsds_id}")
    assert preselected.context["form"].initial["service"] == service
    assert preselected.context["form"].initial["organization"] == cast.treatment
    fields = {"organization": cast.treatment.pk, "service": service.pk, "need": "treatment.buprenorphine"}
    fields |= {"how": How.ACCOMPANIED, "categories": ["identity"], "purpose": "Intake", "priority": "routine"}
    client.post(form, {**fields, "transport": "none", "referral": str(person.referral.public_id)})
    assert HandOff.objects.get().service == service  # and the directory forgets the form once it is sent
    assert "Refer to Riverside" not in client.get(reverse("directory:search"), {"need": "treatment"}).content.decode()


def test_without_looking_for_a_service_to_refer_to_the_directory_offers_no_refer_link(cast):
    a_service(
        cast.program,
        "Riverside Same-Day Clinic",
        organization=cast.treatment,
        categories=["treatment.buprenorphine"],
        hours=ALWAYS,
    )
    page = cast.client_for(cast.peer).get(reverse("directory:search"), {"need": "treatment"}).content.decode()
    assert "Riverside Same-Day Clinic" in page and "Refer to Riverside" not in page


def test_a_referral_closed_while_the_peer_filled_in_the_form_takes_no_hand_off_and_the_form_says_why(cast, person):
    referral_transition(referral=person.referral, to_status=Status.CLOSED, by=cast.supervisor, reason="goals_met")
    response = post_refer(cast, person, cast.treatment, referral=str(person.referral.public_id))
    assert response.status_code == 200 and not HandOff.objects.exists()
    assert "This referral was closed while you were filling in the form" in response.content.decode()


def test_a_providers_update_that_comes_too_late_is_refused_in_words_on_the_page(cast, person):
    handoff = handoff_make(cast, person)
    handoff_transition(handoff=handoff, to_status=TaskStatus.ENTERED_IN_ERROR, by=cast.supervisor)
    url = reverse("linkage:shared_handoff_update", args=[handoff.public_id])
    response = cast.client_for(cast.provider).post(url, {"action": "accept"})
    page = response.content.decode()
    assert response.status_code == 200 and "Your update was not saved." in page
    assert HandOff.objects.get().status == TaskStatus.ENTERED_IN_ERROR


def test_a_provider_cannot_say_the_person_came_before_the_appointment(cast, person):
    handoff = handoff_make(cast, person)
    url = reverse("linkage:shared_handoff_update", args=[handoff.public_id])
    client = cast.client_for(cast.provider)
    soon = (cast.program.local() + dt.timedelta(days=3)).strftime("%Y-%m-%d %H:%M")
    client.post(url, {"action": "appointment", "appointment_at": soon})
    response = client.post(url, {"action": "attended"})
    assert response.status_code == 200 and "The appointment has not happened yet." in response.content.decode()
    assert HandOff.objects.get().business_status != BusinessStatus.ATTENDED


def test_the_refer_form_offers_no_first_responder_or_the_team_itself_and_a_chosen_service_says_its_need(cast, person):
    service = a_service(
        cast.program,
        "Riverside Same-Day Clinic",
        organization=cast.treatment,
        categories=["treatment", "treatment.buprenorphine"],
    )
    form = reverse("linkage:handoff_new", args=[person.participant.public_id])
    response = cast.client_for(cast.peer).get(form, {"service": str(service.hsds_id)})
    offered = set(response.context["form"].fields["organization"].queryset)
    assert cast.treatment in offered and cast.ed in offered
    assert not {o.kind for o in offered} & {"ems", "fire", "211", "law_enforcement", "port_team"}
    assert response.context["form"].initial["need"] == "treatment.buprenorphine"
    other = a_service(cast.program, "Hilltop Pantry", categories=["food"])
    services = set(response.context["form"].fields["service"].queryset)
    assert service in services and other not in services  # only the chosen organization's, not the directory
