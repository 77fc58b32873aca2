"""The EMS/fire partner's visit sheet: where to find the person and how to approach them safely, for the
partner who went on a visit with the team; clinical details only where the program shows them."""

import datetime as dt

import pytest
from django.http import Http404
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from port.accounts.models import FieldVisibility
from port.accounts.roles import Role
from port.audit.models import AuditEvent
from port.casefile.visit_sheet import VISIT_SHEET_DAYS, visit_sheet_get
from port.demo.seed import demo_program_create
from port.outreach.models import TeamMember, TeamRole
from port.outreach.services import OutreachRefused, TeamMemberIn, contact_attempt_record
from port.testing.cast import make_member
from port.testing.world import LAST_NAME, MARKERS, SAFETY_NOTES, sensitive_world

Group = FieldVisibility.Group


@pytest.fixture
def world(cast):
    return sensitive_world(cast)


def sheet_url(participant) -> str:
    return reverse("participants:visit_sheet", args=[participant.public_id])


def test_the_partner_who_went_sees_who_the_person_is_and_where_to_find_them(cast, world):
    response = cast.client_for(cast.first_responder).get(sheet_url(world.participant))
    assert response.status_code == 200
    page = response.content.decode()
    for text in ("Marisol", LAST_NAME, "(412) 555-0142", "12 Example St", SAFETY_NOTES):
        assert text in page
    for markers in MARKERS.values():
        for marker in markers:
            assert marker not in page
    assert "Clinical and substance-use details are not shown" in page


def test_opening_the_sheet_is_audited_as_a_read_of_the_person(cast, world):
    cast.client_for(cast.first_responder).get(sheet_url(world.participant))
    event = AuditEvent.objects.filter(action=AuditEvent.Action.VIEW, user=cast.first_responder.user).get()
    assert event.participant_ids == [world.participant.pk]
    assert event.role == Role.FIRST_RESPONDER
    assert event.note == "visit sheet"


@pytest.mark.parametrize(
    ("group", "shown"),
    [
        (Group.SUBSTANCES, ["isotonitazene", "2 doses"]),
        (Group.NOTES, [MARKERS["notes"][0]]),
        (Group.ASSESSMENTS, ["GOALTEXT-back-to-work", "NEXTSTEPS-call-the-clinic", "6 out of 10"]),
    ],
)
def test_a_program_can_show_one_group_to_emergency_responders(cast, world, group, shown):
    FieldVisibility.objects.create(program=cast.program, role=Role.FIRST_RESPONDER, group=group, visible=True)
    page = cast.client_for(cast.first_responder).get(sheet_url(world.participant)).content.decode()
    for text in shown:
        assert text in page
    others = [marker for other, markers in MARKERS.items() if other != group for marker in markers]
    for marker in others:
        assert marker not in page


def test_a_partner_who_was_not_on_the_visit_gets_404(cast, world):
    other_medic = make_member(cast.program, "medic2", Role.FIRST_RESPONDER, cast.ems)
    response = cast.client_for(other_medic).get(sheet_url(world.participant))
    assert response.status_code == 404
    assert LAST_NAME not in response.content.decode()


@pytest.mark.parametrize(
    "role", ["admin", "supervisor", "peer", "partner", "law_enforcement", "provider", "analyst", "outsider"]
)
def test_every_other_role_gets_404_for_a_visit_sheet(cast, world, role):
    response = cast.client_for(getattr(cast, role)).get(sheet_url(world.participant))
    assert response.status_code == 404
    assert LAST_NAME not in response.content.decode()


def test_the_sheet_closes_some_weeks_after_the_visit(cast, world):
    later = timezone.now() + dt.timedelta(days=VISIT_SHEET_DAYS + 1)
    with pytest.raises(Http404):
        visit_sheet_get(viewer=cast.first_responder, public_id=world.participant.public_id, now=later)


def test_being_on_an_encounter_is_enough(cast):
    world = sensitive_world(cast, with_first_responder=False)
    client = cast.client_for(cast.first_responder)
    assert client.get(sheet_url(world.participant)).status_code == 404
    TeamMember.objects.create(encounter=world.encounter, user=cast.first_responder.user, role=TeamRole.EMS)
    assert client.get(sheet_url(world.participant)).status_code == 200


def test_a_partner_of_another_program_cannot_be_named_on_a_visit(cast, world):
    stranger = make_member(cast.other_program, "medic3", Role.FIRST_RESPONDER)
    with pytest.raises(OutreachRefused):
        contact_attempt_record(
            by=cast.peer,
            referral=world.referral,
            mode="in_person",
            place="home",
            outcome="no_answer",
            team=[TeamMemberIn(role="ems", user=stranger.user)],
        )


def test_the_team_can_name_the_ems_partner_on_an_attempt_and_the_role_follows_the_agency(cast, world):
    form = cast.client_for(cast.peer).get(reverse("outreach:attempt_new", args=[world.referral.public_id]))
    assert f'value="{cast.first_responder.user_id}"' in form.content.decode()
    fire = cast.program.organizations.create(name="Riverside Fire", kind="fire")
    firefighter = make_member(cast.program, "blaze", Role.FIRST_RESPONDER, fire)
    attempt = contact_attempt_record(
        by=cast.peer,
        referral=world.referral,
        mode="in_person",
        place="home",
        outcome="no_answer",
        team=[TeamMemberIn(role="peer", user=cast.peer.user), TeamMemberIn(role="peer", user=firefighter.user)],
    )
    roles = {m.user_id: m.role for m in attempt.team.all()}
    assert roles == {cast.peer.user_id: TeamRole.PEER, firefighter.user_id: TeamRole.FIRE}


def test_the_partners_visits_list_the_people_they_went_to_see(cast, world):
    sensitive_world(cast, with_first_responder=False, last_name="Notvisited")
    response = cast.client_for(cast.first_responder).get(reverse("participants:visits"))
    assert response.status_code == 200
    page = response.content.decode()
    assert LAST_NAME in page and sheet_url(world.participant) in page
    assert "Notvisited" not in page
    listed = AuditEvent.objects.get(action=AuditEvent.Action.LIST, user=cast.first_responder.user)
    assert listed.participant_ids == [world.participant.pk]


@pytest.mark.parametrize("role", ["peer", "supervisor", "partner", "law_enforcement", "analyst"])
def test_only_emergency_responders_have_a_visits_list(cast, role):
    assert cast.client_for(getattr(cast, role)).get(reverse("participants:visits")).status_code == 403


def test_the_partner_still_cannot_open_the_participants_page(cast, world):
    response = cast.client_for(cast.first_responder).get(
        reverse("participants:detail", args=[world.participant.public_id])
    )
    assert response.status_code == 404


def test_the_demo_ems_partner_has_a_visit_sheet_to_open(db):
    demo = demo_program_create(referrals=60, seed=7)
    client = Client()
    client.force_login(demo.memberships["ems"].user)
    page = client.get(reverse("participants:visits")).content.decode()
    assert "/visit-sheet/" in page
