"""Text-message templates: every new program gets neutral English and Spanish wording, which its admin
edits in the admin, scoped to their own program; wording that reveals an overdose is refused."""

import re

import pytest
from django.urls import reverse

from port.administration.services import program_set_up
from port.outreach.models import TextTemplate
from port.outreach.selectors import fill_template, language_of


def test_a_new_program_gets_neutral_templates_in_english_and_spanish(db):
    program = program_set_up(name="Lakeside PORT", slug="lakeside")
    templates = list(TextTemplate.objects.filter(program=program))
    assert {t.language for t in templates} == {"en", "es"}
    assert len(templates) == 6
    for template in templates:
        assert not re.search(r"overdos|sobredosis|naloxon|narcan|fentanyl|opioid|drug|droga", template.body, re.I)
        assert "community outreach" in template.body or "alcance comunitario" in template.body
        assert "{peer_name}" in template.body


@pytest.mark.parametrize(
    ("preferred", "language"),
    [
        ("Spanish", "es"),
        ("es", "es"),
        ("Español", "es"),
        ("espanol", "es"),
        ("English", "en"),
        ("", "en"),
        ("Vietnamese", "en"),
    ],
)
def test_the_participants_language_picks_the_templates_shown_first(preferred, language):
    assert language_of(preferred) == language


def test_placeholders_are_filled_and_unknown_ones_left_alone():
    assert fill_template("Hi, {peer_name} here. {unknown}", peer_name="Pat", first_name="") == "Hi, Pat here. {unknown}"
    assert fill_template("Broken {", peer_name="Pat", first_name="") == "Broken {"


def admin_url(name: str, *args) -> str:
    return reverse(f"admin:outreach_texttemplate_{name}", args=args)


def test_a_program_admin_sees_only_their_programs_templates(cast):
    response = cast.client_for(cast.admin).get(admin_url("changelist"))
    assert response.status_code == 200
    assert {t.program_id for t in response.context["cl"].result_list} == {cast.program.pk}


def test_another_programs_template_is_not_found_in_the_admin(cast):
    theirs = TextTemplate.objects.filter(program=cast.other_program).first()
    assert cast.client_for(cast.admin).get(admin_url("change", theirs.pk)).status_code == 404


@pytest.mark.parametrize("member", ["supervisor", "peer", "partner"])
def test_other_roles_cannot_edit_templates(cast, member):
    response = cast.client_for(getattr(cast, member)).get(admin_url("changelist"))
    assert response.status_code == 302  # to the admin's sign-in, which refuses them


def test_an_admin_adds_a_template(cast):
    response = cast.client_for(cast.admin).post(
        admin_url("add"),
        {
            "program": cast.program.pk,
            "name": "Weekend",
            "language": "en",
            "is_active": "on",
            "body": "Hi, {peer_name} from community outreach. Around this weekend if you want to talk.",
        },
    )
    assert response.status_code == 302
    assert TextTemplate.objects.filter(program=cast.program, name="Weekend").exists()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("Checking in after your overdose", "Keep the wording neutral"),
        ("Tenemos naloxona para usted", "Keep the wording neutral"),
        ("Hi {name}", "Unknown placeholder"),
        ("Hi {peer_name", "Braces must come in pairs"),
    ],
)
def test_revealing_or_broken_wording_is_refused(cast, body, message):
    response = cast.client_for(cast.admin).post(
        admin_url("add"), {"program": cast.program.pk, "name": "Bad", "language": "en", "is_active": "on", "body": body}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not TextTemplate.objects.filter(name="Bad").exists()


def test_an_admin_cannot_add_a_template_to_another_program(cast):
    response = cast.client_for(cast.admin).post(
        admin_url("add"),
        {
            "program": cast.other_program.pk,
            "name": "Sneaky",
            "language": "en",
            "is_active": "on",
            "body": "Hi from community outreach.",
        },
    )
    assert response.status_code == 200
    assert not TextTemplate.objects.filter(name="Sneaky").exists()
