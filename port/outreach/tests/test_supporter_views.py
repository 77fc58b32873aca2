"""Supporters on the participant: list, add, edit, the agreement stamp, and who may see them."""

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from port.audit.models import AuditEvent
from port.outreach.models import Supporter
from port.outreach.selectors import participant_supporters
from port.testing.budgets import assert_within_budget
from port.testing.outreach import a_supporter


def list_url(participant) -> str:
    return reverse("outreach:supporters", args=[participant.public_id])


def new_url(participant) -> str:
    return reverse("outreach:supporter_new", args=[participant.public_id])


def edit_url(supporter) -> str:
    return reverse("outreach:supporter_edit", args=[supporter.pk])


def supporter_data(**data) -> dict:
    return {
        "first_name": "Robin",
        "last_name": "Rivers",
        "relationship": "sister",
        "phone": "(412) 555-0142",
        "contact_notes": "",
        "needs": "",
        **data,
    }


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("admin", 200),
        ("supervisor", 200),
        ("peer", 200),
        ("peer2", 200),
        ("partner", 403),
        ("partner_211", 403),
        ("outsider", 404),
    ],
)
def test_each_role_may_or_may_not_see_the_supporters(cast, participant, supporter, role, status):
    client = cast.client_for(getattr(cast, role))
    for url in (list_url(participant), new_url(participant), edit_url(supporter)):
        response = client.get(url)
        assert response.status_code == status, url
        if status != 200:
            assert "Robin" not in response.content.decode()


def test_adding_a_supporter_with_the_participants_agreement_stamps_who_and_when(cast, participant):
    response = cast.client_for(cast.peer).post(
        new_url(participant), supporter_data(consent_to_contact="on", needs="Counseling for herself")
    )
    assert response["Location"] == list_url(participant)
    supporter = Supporter.objects.get()
    assert (supporter.phone, supporter.consent_to_contact, supporter.consent_recorded_by) == (
        "+14125550142",
        True,
        cast.peer.user,
    )
    assert supporter.consent_recorded_at is not None
    html = cast.client_for(cast.peer2).get(list_url(participant)).content.decode()
    assert "Agreed: the team may talk with them" in html
    assert "Agreement recorded by Pat Tester" in html
    assert "(412) 555-0142" in html
    assert "Counseling for herself" in html


def test_without_agreement_the_list_says_not_to_contact_and_hides_how_to_reach_them(cast, participant):
    cast.client_for(cast.peer).post(new_url(participant), supporter_data())
    html = cast.client_for(cast.peer).get(list_url(participant)).content.decode()
    assert "No agreement: do not contact" in html
    assert "555-0142" not in html


def test_editing_records_the_agreement_later(cast, participant):
    supporter = a_supporter(cast.peer, participant, agreed=False)
    client = cast.client_for(cast.peer2)
    form = client.get(edit_url(supporter)).context["form"]
    assert form["first_name"].value() == "Robin"
    response = client.post(edit_url(supporter) + "?next=/participants/", supporter_data(consent_to_contact="on"))
    assert response["Location"] == "/participants/"
    supporter.refresh_from_db()
    assert supporter.consent_to_contact and supporter.consent_recorded_by == cast.peer2.user


def test_an_unreadable_phone_keeps_what_was_typed(cast, participant):
    response = cast.client_for(cast.peer).post(new_url(participant), supporter_data(phone="12", needs="Respite"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "is not a phone number we can dial" in html
    assert "Respite" in html
    assert not Supporter.objects.exists()


def test_a_supporter_needs_a_name_and_a_relationship(cast, participant):
    response = cast.client_for(cast.peer).post(new_url(participant), supporter_data(first_name="", relationship=""))
    errors = response.context["form"].errors
    assert set(errors) == {"first_name", "relationship"}


def test_next_must_stay_on_this_site(cast, participant):
    response = cast.client_for(cast.peer).post(new_url(participant) + "?next=https://evil.example/", supporter_data())
    assert response["Location"] == list_url(participant)


def test_another_programs_supporter_cannot_be_changed(cast, participant, supporter):
    response = cast.client_for(cast.outsider).post(edit_url(supporter), supporter_data(first_name="Changed"))
    assert response.status_code == 404
    assert Supporter.objects.get().first_name == "Robin"


def test_reading_supporters_is_audited(cast, participant, supporter):
    cast.client_for(cast.peer2).get(list_url(participant))
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.LIST,
        target_type="outreach.supporter",
        participant_ids=[participant.pk],
        user=cast.peer2.user,
    ).exists()


def test_the_include_for_the_participant_page_lists_supporters_in_one_query(cast, participant):
    for name in ("Robin", "Casey", "Drew"):
        a_supporter(cast.peer, participant, first_name=name)
    with assert_within_budget("participant_supporters"):
        supporters = participant_supporters(viewer=cast.peer, participant=participant, audit=False)
    request = RequestFactory().get("/participants/x/")
    request.user, request.membership = cast.peer.user, cast.peer
    html = render_to_string(
        "outreach/_supporters.html",
        {"participant": participant, "supporters": supporters, "membership": cast.peer},
        request=request,
    )
    assert "Casey" in html and "Drew" in html
    assert new_url(participant) in html
