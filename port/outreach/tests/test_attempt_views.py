"""The attempt form: who may use it, what it offers, what it refuses, and where it goes after saving."""

import datetime as dt
import re

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from port.audit.models import AuditEvent
from port.outreach.models import ContactAttempt, Outcome, TextTemplate
from port.referrals.models import Referral, Status
from port.referrals.services import referral_transition
from port.testing.outreach import a_supporter, assigned_referral


def url(referral) -> str:
    return reverse("outreach:attempt_new", args=[referral.public_id])


def local_now(cast, **delta) -> str:
    """A time as the phone's date-time picker sends it, on the program's wall clock."""
    return timezone.localtime(timezone.now() - dt.timedelta(**delta), cast.program.zone).strftime("%Y-%m-%dT%H:%M")


def post(cast, referral, membership=None, **data):
    fields = {
        "attempted_at": local_now(cast, minutes=5),
        "mode": "phone",
        "place": "",
        "outcome": "no_answer",
        "team_users": [str((membership or cast.peer).user_id)],
        "note": "",
        **data,
    }
    return cast.client_for(membership or cast.peer).post(url(referral), fields)


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


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
def test_each_role_may_or_may_not_open_the_attempt_form(cast, referral, role, status):
    response = cast.client_for(getattr(cast, role)).get(url(referral))
    assert response.status_code == status
    if status != 200:
        assert "Morgan" not in response.content.decode()


@pytest.mark.parametrize("role", ["partner", "outsider"])
def test_nobody_outside_the_team_can_log_an_attempt(cast, referral, role):
    response = post(cast, referral, getattr(cast, role))
    assert response.status_code in (403, 404)
    assert not ContactAttempt.objects.exists()


def test_the_form_reminds_about_privacy_and_offers_big_outcome_choices(cast, referral):
    html = cast.client_for(cast.peer).get(url(referral)).content.decode()
    assert "say nothing about the overdose to anyone who answers the door or the phone" in html
    assert "community outreach" in html
    assert len(re.findall(r'type="radio" name="outcome"', html)) == len(Outcome.choices)
    # "When" defaults to now on the program's clock (New York), not UTC.
    assert f'value="{local_now(cast)[:13]}' in html


def test_viewing_the_form_is_audited(cast, referral):
    cast.client_for(cast.peer).get(url(referral))
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.VIEW,
        target_type="referrals.referral",
        participant_ids=[referral.participant_id],
        user=cast.peer.user,
    ).exists()


def test_a_failed_attempt_goes_back_to_my_queue_with_the_new_status(cast, referral):
    response = post(cast, referral)
    assert response.status_code == 302
    assert response["Location"] == reverse("referrals:my_queue")
    assert messages_of(response) == ["Attempt logged. The referral is now “Attempting contact”."]
    assert Referral.objects.get(pk=referral.pk).status == Status.ATTEMPTING


def test_the_time_typed_is_read_on_the_programs_clock(cast, referral):
    typed = timezone.localtime(timezone.now() - dt.timedelta(hours=3), cast.program.zone).replace(
        second=0, microsecond=0
    )
    post(cast, referral, attempted_at=typed.strftime("%Y-%m-%dT%H:%M"))
    assert ContactAttempt.objects.get().attempted_at == typed


def test_reaching_the_participant_goes_straight_to_the_encounter_form(cast, referral):
    response = post(cast, referral, outcome="reached_participant", mode="in_person", place="home")
    attempt = ContactAttempt.objects.get()
    assert response["Location"] == (
        reverse("outreach:encounter_new", args=[referral.participant.public_id]) + f"?attempt={attempt.pk}"
    )


def test_reaching_a_supporter_goes_straight_to_the_encounter_form(cast, referral):
    supporter = a_supporter(cast.peer, referral.participant)
    response = post(cast, referral, outcome="reached_supporter", supporter=str(supporter.pk))
    assert "/encounters/new/?attempt=" in response["Location"]
    assert ContactAttempt.objects.get().supporter == supporter


def test_a_closing_outcome_says_the_referral_is_closed(cast, referral):
    response = post(cast, referral, outcome="deceased")
    assert messages_of(response) == ["Attempt logged. The referral is now “Closed (Deceased)”."]


def test_only_supporters_with_agreement_are_offered(cast, referral):
    agreed = a_supporter(cast.peer, referral.participant, first_name="Robin")
    a_supporter(cast.peer, referral.participant, first_name="Casey", agreed=False)
    html = cast.client_for(cast.peer).get(url(referral)).content.decode()
    assert f'name="supporter" value="{agreed.pk}"' in html
    assert "Robin (sister)" in html
    assert "Casey" not in html


def test_without_supporters_with_agreement_the_form_says_so(cast, referral):
    a_supporter(cast.peer, referral.participant, first_name="Casey", agreed=False)
    html = cast.client_for(cast.peer).get(url(referral)).content.decode()
    assert "No supporter has the participant's agreement on record" in html
    assert reverse("outreach:supporter_new", args=[referral.participant.public_id]) in html


def test_a_supporter_without_agreement_posted_anyway_is_refused(cast, referral):
    stranger = a_supporter(cast.peer, referral.participant, agreed=False)
    response = post(cast, referral, outcome="reached_supporter", supporter=str(stranger.pk))
    assert response.status_code == 200
    assert response.context["form"].errors["supporter"]
    assert not ContactAttempt.objects.exists()


def test_errors_keep_everything_entered(cast, referral):
    response = post(cast, referral, outcome="", mode="text", note="Tried the shelter first")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Choose what happened." in html
    assert "Tried the shelter first" in html
    assert re.search(r'value="text"[^>]*checked', html)


def test_a_future_time_is_refused_with_a_message(cast, referral):
    future = timezone.localtime(timezone.now() + dt.timedelta(hours=2), cast.program.zone)
    response = post(cast, referral, attempted_at=future.strftime("%Y-%m-%dT%H:%M"), note="typo in the hour")
    assert response.status_code == 200
    assert "The attempt time is in the future." in response.content.decode()
    assert "typo in the hour" in response.content.decode()
    assert not ContactAttempt.objects.exists()


def test_a_named_partner_needs_a_role(cast, referral):
    response = post(cast, referral, partner_name_1="Jo Ruiz")
    assert response.context["form"].errors["partner_role_1"] == ["Choose Jo Ruiz's role."]


def test_who_went_is_saved_with_roles(cast, referral):
    post(
        cast,
        referral,
        mode="in_person",
        team_users=[str(cast.peer.user_id), str(cast.peer2.user_id)],
        partner_name_1="Jo Ruiz",
        partner_role_1="ems",
    )
    team = {(m.user_id, m.name, m.role) for m in ContactAttempt.objects.get().team.all()}
    assert team == {(cast.peer.user_id, "", "peer"), (cast.peer2.user_id, "", "peer"), (None, "Jo Ruiz", "ems")}


def test_someone_must_have_gone(cast, referral):
    response = post(cast, referral, team_users=[])
    assert "Say who went" in response.content.decode()


def test_a_closed_referral_shows_why_no_attempt_can_be_logged(cast, referral):
    referral_transition(referral=referral, to_status=Status.CLOSED, by=cast.supervisor, reason="duplicate")
    html = cast.client_for(cast.peer).get(url(referral)).content.decode()
    assert "This referral is closed" in html
    assert 'name="outcome"' not in html
    assert post(cast, referral).status_code == 200
    assert not ContactAttempt.objects.exists()


def test_texting_shows_the_programs_templates_in_the_participants_language_first(cast):
    referral = assigned_referral(cast, preferred_language="Spanish")
    html = cast.client_for(cast.peer).get(url(referral) + "?mode=text").content.decode()
    assert re.search(r'value="text"[^>]*checked', html)
    first_spanish = html.index('rows="4" lang="es"')
    first_english = html.index('rows="4" lang="en"')
    assert first_spanish < first_english
    # Filled in with the peer's first name, ready to copy, with no word of an overdose.
    assert "Hola, soy Pat del equipo de alcance comunitario" in html
    assert "Hi, this is Pat with community outreach." in html
    assert "readonly" in html
    section = html[html.index('class="text-templates') : html.index("</section>", html.index('class="text-templates'))]
    assert "overdose" not in section.lower() and "sobredosis" not in section.lower()


def test_english_comes_first_for_everyone_else(cast, referral):
    html = cast.client_for(cast.peer).get(url(referral)).content.decode()
    assert html.index('rows="4" lang="en"') < html.index('rows="4" lang="es"')


def test_inactive_templates_are_not_offered(cast, referral):
    TextTemplate.objects.filter(program=cast.program, name="Checking in").update(is_active=False)
    html = cast.client_for(cast.peer).get(url(referral)).content.decode()
    assert "Just checking in" not in html


def test_the_form_loads_no_javascript_but_the_optional_copy_file(cast, referral):
    html = cast.client_for(cast.peer).get(url(referral)).content.decode()
    assert "<script>" not in html and "style=" not in html
    assert "outreach/copy.js" in html


def test_the_attempt_forms_queries_do_not_grow_with_supporters(cast, referral):
    client = cast.client_for(cast.peer)
    a_supporter(cast.peer, referral.participant, first_name="Robin")
    client.get(url(referral))
    with CaptureQueriesContext(connection) as few:
        client.get(url(referral))
    for name in ("Casey", "Drew", "Emery", "Frankie", "Gray"):
        a_supporter(cast.peer, referral.participant, first_name=name)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url(referral))
    assert "Gray (sister)" in response.content.decode()
    assert len(many) == len(few), [q["sql"] for q in many]


def test_an_attempt_typed_in_the_hour_repeated_at_fall_back_is_logged_as_the_earlier_moment(cast, time_machine):
    # 1:30 am EDT on 1 November 2026, the first of the two 1:30s in New York: 1:25 am happened once so far.
    time_machine.move_to(dt.datetime(2026, 11, 1, 5, 30, tzinfo=dt.UTC), tick=False)
    referral = assigned_referral(cast)
    response = post(cast, referral, attempted_at="2026-11-01T01:25")
    assert response.status_code == 302
    assert ContactAttempt.objects.get().attempted_at == dt.datetime(2026, 11, 1, 5, 25, tzinfo=dt.UTC)


def test_an_attempt_time_in_the_hour_skipped_at_spring_forward_is_refused_with_a_message(cast, time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 8, 12, 0, tzinfo=dt.UTC), tick=False)  # spring-forward day
    referral = assigned_referral(cast)
    response = post(cast, referral, attempted_at="2026-03-08T02:30")
    assert response.status_code == 200
    assert "the clocks moved forward an hour that night" in response.content.decode()
    assert not ContactAttempt.objects.exists()
