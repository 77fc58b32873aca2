"""Resource lists for the person and their supporters: picking from the directory, saving, the
printable page and the text message in English and Spanish, the timeline, and the audit trail."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from port.audit.models import AuditEvent
from port.casefile.models import ResourceList
from port.casefile.resource_lists import TEXT_LIMIT
from port.testing.directory import a_service, terms_by_code
from port.testing.outreach import a_participant, a_supporter

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 6, 15, 0, tzinfo=dt.UTC)
NEVER = ("overdose", "opioid", "naloxone", "sobredosis", "opioide", "naloxona")


@pytest.fixture
def setup(cast):
    terms = terms_by_code(cast.program)
    bupe = a_service(
        cast.program, "Sunrise Clinic", categories=["treatment.buprenorphine"], phone="412-555-0101", terms=terms
    )
    family = a_service(
        cast.program, "Family Circle", categories=["family_support.groups"], phone="412-555-0102", terms=terms
    )
    food = a_service(cast.program, "Corner Pantry", categories=["food"], phone="412-555-0103", terms=terms)
    participant = a_participant(cast.program, cast.peer, first_name="Dana", last_name="Rivera")
    return cast, participant, (bupe, family, food)


def make_list(client, participant, services, **save):
    new = reverse("participants:resource_list_new", args=[participant.public_id])
    client.get(new)
    client.post(new, {"action": "add", "service": [s.pk for s in services]})
    return client.post(new, {"action": "save", "recipient": "participant", "language": "en", **save})


@time_machine.travel(NOW, tick=False)
def test_results_carry_add_to_the_list_checkboxes_while_a_list_is_being_made(setup):
    cast, participant, (bupe, _family, _food) = setup
    client = cast.client_for(cast.peer)
    client.get(reverse("participants:resource_list_new", args=[participant.public_id]))
    html = client.get(reverse("directory:search"), {"need": "treatment"}).content.decode()
    assert f'name="service" value="{bupe.pk}"' in html
    assert reverse("participants:resource_list_new", args=[participant.public_id]) in html
    assert "Rivera" not in html  # the directory never learns who the list is for


@time_machine.travel(NOW, tick=False)
def test_a_peer_makes_a_list_and_it_shows_on_the_timeline(setup):
    cast, participant, services = setup
    client = cast.client_for(cast.peer)
    response = make_list(client, participant, services[:2])
    made = ResourceList.objects.get()
    assert response.status_code == 302
    assert set(made.services.all()) == set(services[:2])
    assert made.made_by == cast.peer.user and made.language == "en" and made.supporter is None
    page = client.get(reverse("participants:detail", args=[participant.public_id])).content.decode()
    assert "Resource list given" in page and "2 resources" in page


@time_machine.travel(NOW, tick=False)
def test_the_text_message_is_short_and_names_each_entry_with_phone_and_address(setup):
    cast, participant, services = setup
    client = cast.client_for(cast.peer)
    make_list(client, participant, services)
    made = ResourceList.objects.get()
    html = client.get(reverse("participants:resource_list", args=[participant.public_id, made.pk])).content.decode()
    assert "Resources:\nCorner Pantry - 412-555-0103 - 100 Example St, Pittsburgh" in html
    text = html.split('readonly lang="en">')[1].split("</textarea>")[0]
    assert len(text) <= TEXT_LIMIT
    assert not any(word in text.lower() for word in NEVER)


@time_machine.travel(NOW, tick=False)
def test_the_printable_list_in_spanish_is_wholly_spanish_and_never_names_the_programs_purpose(setup):
    cast, participant, services = setup
    client = cast.client_for(cast.peer)
    make_list(client, participant, services, language="es")
    made = ResourceList.objects.get()
    html = client.get(
        reverse("participants:resource_list_print", args=[participant.public_id, made.pk])
    ).content.decode()
    assert '<html lang="es">' in html
    for text in (
        "Recursos para usted",
        "Buprenorfina",
        "Teléfono",
        "Dirección",
        "Horario de hoy",
        "9:00 AM–5:00 PM",
        "6 de marzo de 2026",
    ):
        assert text in html, text
    assert "site-nav" not in html
    assert not any(word in html.lower() for word in NEVER)


@time_machine.travel(NOW, tick=False)
def test_the_printable_list_in_english(setup):
    cast, participant, services = setup
    client = cast.client_for(cast.peer)
    make_list(client, participant, services)
    made = ResourceList.objects.get()
    html = client.get(
        reverse("participants:resource_list_print", args=[participant.public_id, made.pk])
    ).content.decode()
    for text in ("Resources for you", "Sunrise Clinic", "Buprenorphine", 'href="tel:412-555-0101"', "March 6, 2026"):
        assert text in html, text
    assert not any(word in html.lower() for word in NEVER)


@time_machine.travel(NOW, tick=False)
def test_a_supporters_list_puts_family_support_first(setup):
    cast, participant, services = setup
    supporter = a_supporter(cast.peer, participant, agreed=True)
    client = cast.client_for(cast.peer)
    make_list(client, participant, services, recipient=str(supporter.pk))
    made = ResourceList.objects.get()
    assert made.supporter == supporter
    html = client.get(reverse("participants:resource_list", args=[participant.public_id, made.pk])).content.decode()
    assert html.index("Family Circle - 412") < html.index("Corner Pantry - 412")


@time_machine.travel(NOW, tick=False)
def test_a_supporter_the_participant_has_not_agreed_to_cannot_be_given_a_list(setup):
    cast, participant, services = setup
    supporter = a_supporter(cast.peer, participant, agreed=False)
    response = make_list(cast.client_for(cast.peer), participant, services, recipient=str(supporter.pk))
    assert response.status_code == 400
    assert not ResourceList.objects.exists()


def test_an_empty_list_is_refused_with_a_message(setup):
    cast, participant, _services = setup
    client = cast.client_for(cast.peer)
    response = client.post(
        reverse("participants:resource_list_new", args=[participant.public_id]),
        {"action": "save", "recipient": "participant", "language": "en"},
    )
    assert response.status_code == 400
    assert "Add at least one resource" in response.content.decode()


@time_machine.travel(NOW, tick=False)
def test_saving_viewing_and_printing_are_audited_as_the_participants_data(setup):
    cast, participant, services = setup
    client = cast.client_for(cast.peer)
    make_list(client, participant, services)
    made = ResourceList.objects.get()
    client.get(reverse("participants:resource_list", args=[participant.public_id, made.pk]))
    client.get(reverse("participants:resource_list_print", args=[participant.public_id, made.pk]))
    entries = [
        e for e in AuditEvent.objects.filter(target_type="casefile.resourcelist") if str(made.pk) in e.target_ids
    ]
    assert sorted(entry.action for entry in entries) == ["create", "view", "view"]
    assert all(participant.pk in entry.participant_ids for entry in entries)


def test_another_programs_team_cannot_open_the_list(setup):
    cast, participant, services = setup
    with time_machine.travel(NOW, tick=False):
        make_list(cast.client_for(cast.peer), participant, services)
    made = ResourceList.objects.get()
    outsider = cast.client_for(cast.outsider)
    assert outsider.get(reverse("participants:resource_list", args=[participant.public_id, made.pk])).status_code == 404
