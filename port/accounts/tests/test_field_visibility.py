"""Field-level visibility: a program shows or hides notes, substances and assessments per role, on every
page that shows them; law enforcement partners and analysts never see them, whatever a setting says."""

import pytest
from django.template import Context, Template
from django.urls import reverse

from port.accounts.models import FieldVisibility
from port.accounts.roles import Role
from port.accounts.visibility import can_see, visible_groups
from port.testing.budgets import assert_within_budget
from port.testing.world import MARKERS, sensitive_world

Group = FieldVisibility.Group


@pytest.fixture
def world(cast):
    return sensitive_world(cast)


def pages(world) -> list[str]:
    return [
        reverse("referrals:detail", args=[world.referral.public_id]),
        reverse("participants:detail", args=[world.participant.public_id]),
        reverse("outreach:encounter_detail", args=[world.encounter.pk]),
    ]


def shown(cast, membership, world) -> str:
    client = cast.client_for(membership)
    bodies = []
    for url in pages(world):
        response = client.get(url)
        assert response.status_code == 200, url
        bodies.append(response.content.decode())
    return "\n".join(bodies)


def hide(program, role: str, group: str) -> None:
    FieldVisibility.objects.create(program=program, role=role, group=group, visible=False)


def test_the_team_sees_every_sensitive_group_by_default(cast, world):
    for member in (cast.admin, cast.supervisor, cast.peer):
        page = shown(cast, member, world)
        for markers in MARKERS.values():
            for marker in markers:
                assert marker in page, (member.role, marker)


def test_a_program_can_hide_notes_from_peers_and_only_from_peers(cast, world):
    hide(cast.program, Role.PEER, Group.NOTES)
    peer_page = shown(cast, cast.peer, world)
    for marker in MARKERS["notes"]:
        assert marker not in peer_page
    for marker in MARKERS["substances"] + MARKERS["assessments"]:
        assert marker in peer_page
    assert "Hidden from your role by the program" in peer_page
    supervisor_page = shown(cast, cast.supervisor, world)
    for marker in MARKERS["notes"]:
        assert marker in supervisor_page


def test_a_program_can_hide_substances_and_naloxone_details(cast, world):
    hide(cast.program, Role.SUPERVISOR, Group.SUBSTANCES)
    page = shown(cast, cast.supervisor, world)
    assert "isotonitazene" not in page
    assert "Naloxone: 2 doses" not in page
    assert "Substances suspected" not in page


def test_hidden_assessments_leave_the_next_steps_out_of_what_is_due(cast, world):
    hide(cast.program, Role.PEER, Group.ASSESSMENTS)
    page = shown(cast, cast.peer, world)
    for marker in MARKERS["assessments"]:
        assert marker not in page
    participant_page = cast.client_for(cast.peer).get(pages(world)[1]).content.decode()
    assert "Follow up on the next steps chosen at the last encounter." in participant_page


def test_another_programs_settings_change_nothing_here(cast, world):
    hide(cast.other_program, Role.PEER, Group.NOTES)
    assert MARKERS["notes"][0] in shown(cast, cast.peer, world)


def test_emergency_responders_see_no_group_unless_the_program_shows_it(cast):
    assert visible_groups(cast.first_responder) == frozenset()
    FieldVisibility.objects.create(program=cast.program, role=Role.FIRST_RESPONDER, group=Group.NOTES, visible=True)
    cast.first_responder._visible_groups = None  # as on the next request
    assert visible_groups(cast.first_responder) == {Group.NOTES}


@pytest.mark.parametrize("role", ["law_enforcement", "analyst", "partner", "provider"])
def test_law_enforcement_analysts_partners_and_providers_never_see_a_group_whatever_a_setting_says(cast, role):
    member = getattr(cast, role)
    for group in Group.values:
        FieldVisibility.objects.create(program=cast.program, role=member.role, group=group, visible=True)
    assert visible_groups(member) == frozenset()


def test_a_misspelt_group_is_an_error_not_a_silent_hide(cast):
    with pytest.raises(ValueError, match="Unknown field group"):
        can_see(cast.peer, "note")


def test_the_template_filter_answers_for_the_membership_and_for_none(cast):
    template = Template('{% load access %}{% if member|can_see:"notes" %}shown{% else %}hidden{% endif %}')
    assert template.render(Context({"member": cast.peer})) == "shown"
    assert template.render(Context({"member": cast.law_enforcement})) == "hidden"
    assert template.render(Context({"member": None})) == "hidden"
    assert template.render(Context({})) == "hidden"


def test_the_settings_are_read_once_per_request(cast):
    with assert_within_budget("field visibility (a request's reads)"):
        for _ in range(5):
            can_see(cast.peer, Group.NOTES)
            can_see(cast.peer, Group.ASSESSMENTS)


# ---- the admin ----


def program_form(cast, **extra) -> dict:
    levels = list(cast.program.acuity_levels.all())
    data = {
        "name": cast.program.name,
        "time_zone": cast.program.time_zone,
        "attempt_policy_min_attempts": 3,
        "attempt_policy_min_days": 7,
        "attempt_policy_min_modes": 2,
        "deadline_warning_hours": 6,
        "encounter_edit_hours": 72,
        "idle_timeout_minutes": 15,
        "directory_review_months": 12,
        "acuity_levels-TOTAL_FORMS": len(levels),
        "acuity_levels-INITIAL_FORMS": len(levels),
        "field_visibility-TOTAL_FORMS": 1,
        "field_visibility-INITIAL_FORMS": 0,
        **extra,
    }
    for i, level in enumerate(levels):
        data |= {
            f"acuity_levels-{i}-id": level.pk,
            f"acuity_levels-{i}-program": cast.program.pk,
            f"acuity_levels-{i}-code": level.code,
            f"acuity_levels-{i}-label": level.label,
            f"acuity_levels-{i}-window_hours": level.window_hours,
            f"acuity_levels-{i}-rank": level.rank,
        }
    return data


def test_a_program_admin_hides_notes_from_peers_in_the_admin(cast):
    url = reverse("admin:accounts_program_change", args=[cast.program.pk])
    response = cast.client_for(cast.admin).post(
        url, program_form(cast, **{"field_visibility-0-role": Role.PEER, "field_visibility-0-group": Group.NOTES})
    )
    assert response.status_code == 302, response.context and response.context["inline_admin_formsets"]
    setting = FieldVisibility.objects.get(program=cast.program)
    assert (setting.role, setting.group, setting.visible) == (Role.PEER, Group.NOTES, False)
    assert not can_see(cast.peer, Group.NOTES)


def test_the_admin_offers_only_roles_a_program_may_change(cast):
    url = reverse("admin:accounts_program_change", args=[cast.program.pk])
    page = cast.client_for(cast.admin).get(url).content.decode()
    assert 'value="first_responder"' in page
    assert 'value="law_enforcement"' not in page
    assert 'value="analyst"' not in page
    response = cast.client_for(cast.admin).post(
        url,
        program_form(
            cast,
            **{
                "field_visibility-0-role": Role.LAW_ENFORCEMENT,
                "field_visibility-0-group": Group.NOTES,
                "field_visibility-0-visible": "on",
            },
        ),
    )
    assert response.status_code == 200
    assert not FieldVisibility.objects.exists()
