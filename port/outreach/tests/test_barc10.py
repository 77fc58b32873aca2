"""BARC-10 recovery capital: the published statements, scoring, every bad answer, English and Spanish."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from port.audit.models import AuditEvent
from port.outreach import barc10
from port.outreach.models import RecoveryCapitalAssessment
from port.outreach.services import Barc10Invalid, EncounterIn, OutreachRefused, barc10_record, encounter_record
from port.testing.outreach import assigned_referral

PUBLISHED = (
    "There are more important things to me in life than using substances.",
    "In general I am happy with my life.",
    "I have enough energy to complete the tasks I set myself.",
    "I am proud of the community I live in and feel part of it.",
    "I get lots of support from friends.",
    "I regard my life as challenging and fulfilling without the need for using drugs or alcohol.",
    "My living space has helped to drive my recovery journey.",
    "I take full responsibility for my actions.",
    "I am happy dealing with a range of professional people.",
    "I am making good progress on my recovery journey.",
)


@pytest.fixture
def referral(cast):
    return assigned_referral(cast)


@pytest.fixture
def participant(referral):
    return referral.participant


def url(participant, **query) -> str:
    base = reverse("outreach:barc10_new", args=[participant.public_id])
    return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def answers_post(values, **extra) -> dict:
    data = {"language": "en", **extra}
    data.update({f"item_{n}": str(v) for n, v in enumerate(values, start=1) if v is not None})
    return data


def test_the_english_statements_are_the_published_items_word_for_word():
    assert barc10.ITEMS["en"] == PUBLISHED
    assert len(barc10.ITEMS["es"]) == 10 and len(set(barc10.ITEMS["es"])) == 10
    assert "Drug and Alcohol Dependence 2017;177:71-76" in barc10.CITATION


@pytest.mark.parametrize(
    ("answers", "total"),
    [([1] * 10, 10), ([6] * 10, 60), ([1, 2, 3, 4, 5, 6, 5, 4, 3, 2], 35), ([5, 5, 5, 5, 5, 5, 5, 4, 4, 4], 47)],
)
def test_the_total_is_the_sum_of_the_answers_none_reverse_scored(cast, participant, answers, total):
    assessment = barc10_record(by=cast.peer, participant=participant, answers=answers)
    assessment.refresh_from_db()
    assert assessment.total == total
    assert assessment.answers == answers
    assert (assessment.given_by_id, assessment.language) == (cast.peer.user_id, "en")


def test_recording_is_audited_as_a_create_with_the_total_only(cast, participant):
    assessment = barc10_record(by=cast.peer, participant=participant, answers=[4] * 10, check_in_task_id=12)
    entry = AuditEvent.objects.filter(target_type="outreach.recoverycapitalassessment").get()
    assert entry.action == AuditEvent.Action.CREATE
    assert entry.target_ids == [str(assessment.pk)]
    assert entry.changes == {"total": 40, "language": "en", "check_in_task_id": 12}


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (None, "Statement 3 has no answer: choose one from 1 (strongly disagree) to 6 (strongly agree)."),
        ("", "Statement 3 has no answer: choose one from 1 (strongly disagree) to 6 (strongly agree)."),
        (0, "Statement 3: the answer must be from 1 (strongly disagree) to 6 (strongly agree)."),
        (7, "Statement 3: the answer must be from 1 (strongly disagree) to 6 (strongly agree)."),
        ("7", "Statement 3: the answer must be from 1 (strongly disagree) to 6 (strongly agree)."),
        ("agree", "Statement 3: the answer must be a number from 1 to 6."),
        ("4.5", "Statement 3: the answer must be a number from 1 to 6."),
        ("-1", "Statement 3: the answer must be a number from 1 to 6."),
        ("٤", "Statement 3: the answer must be a number from 1 to 6."),
        (True, "Statement 3: the answer must be a number from 1 to 6."),
    ],
)
def test_every_bad_answer_is_refused_with_a_message_naming_its_statement(cast, participant, bad, message):
    answers: list[object] = [4] * 10
    answers[2] = bad
    with pytest.raises(Barc10Invalid) as invalid:
        barc10_record(by=cast.peer, participant=participant, answers=answers)
    assert invalid.value.errors == {"item_3": message}
    assert not RecoveryCapitalAssessment.objects.exists()


def test_several_bad_answers_get_one_message_each(cast, participant):
    with pytest.raises(Barc10Invalid) as invalid:
        barc10_record(by=cast.peer, participant=participant, answers=[None, 0, 7, "x", 3, 3, 3, 3, 3, None])
    assert set(invalid.value.errors) == {"item_1", "item_2", "item_3", "item_4", "item_10"}


def test_fewer_than_ten_answers_an_unknown_language_and_a_future_time_are_refused(cast, participant):
    with pytest.raises(Barc10Invalid, match="ten statements"):
        barc10_record(by=cast.peer, participant=participant, answers=[4] * 9)
    with pytest.raises(Barc10Invalid) as invalid:
        barc10_record(
            by=cast.peer,
            participant=participant,
            answers=[4] * 10,
            language="fr",
            given_at=timezone.now() + dt.timedelta(hours=2),
        )
    assert set(invalid.value.errors) == {"language", "given_at"}


def test_a_partner_or_another_program_cannot_record_one(cast, participant):
    for member in (cast.partner, cast.outsider):
        with pytest.raises(OutreachRefused):
            barc10_record(by=member, participant=participant, answers=[4] * 10)


# ---- the form ----


def test_the_participant_page_links_to_record_a_barc10(cast, participant):
    html = cast.client_for(cast.peer).get(reverse("participants:detail", args=[participant.public_id])).content.decode()
    assert f'href="{url(participant)}"' in html
    assert "Record BARC-10" in html


def test_the_form_shows_the_ten_statements_a_six_point_scale_and_the_credit(cast, participant):
    html = cast.client_for(cast.peer).get(url(participant)).content.decode()
    for statement in PUBLISHED:
        assert statement in html.replace("&#x27;", "'")
    assert html.count('type="radio"') == 60
    assert "1: Strongly disagree" in html and "6: Strongly agree" in html
    assert "Vilsaint CL" in html
    assert 'lang="en"' in html


def test_the_spanish_form_is_wholly_spanish_and_says_the_translation_is_the_projects(cast, participant):
    html = cast.client_for(cast.peer).get(url(participant, language="es")).content.decode()
    for statement in barc10.ITEMS["es"]:
        assert statement in html
    assert "1: Totalmente en desacuerdo" in html and "6: Totalmente de acuerdo" in html
    assert "Traducción al español hecha por este proyecto" in html
    assert '<section class="card stack barc10" lang="es"' in html
    assert PUBLISHED[0] not in html
    assert 'name="language" value="es"' in html


def test_a_spanish_barc10_is_stored_as_spanish(cast, participant):
    response = cast.client_for(cast.peer).post(url(participant), answers_post([6] * 10, language="es"))
    assert response.status_code == 302
    assert RecoveryCapitalAssessment.objects.get().language == "es"


def test_recording_from_the_form_goes_back_to_the_participant_page_with_the_total(cast, participant):
    response = cast.client_for(cast.peer).post(url(participant), answers_post([5] * 10), follow=True)
    assert response.redirect_chain == [(reverse("participants:detail", args=[participant.public_id]), 302)]
    assert "BARC-10 recorded: 50 of 60." in response.content.decode()


def test_the_check_in_task_is_passed_through_untouched_and_stored(cast, participant):
    client = cast.client_for(cast.peer)
    html = client.get(url(participant, task=987)).content.decode()
    assert 'name="task" value="987"' in html
    assert "task=987" in html  # the language switch keeps it
    client.post(url(participant), answers_post([3] * 10, task="987"))
    assert RecoveryCapitalAssessment.objects.get().check_in_task_id == 987


def test_a_task_that_is_not_a_number_is_refused_on_the_form_not_a_server_error(cast, participant):
    response = cast.client_for(cast.peer).post(url(participant), answers_post([3] * 10, task="abc"))
    assert response.status_code == 200
    assert "The check-in this was opened from is not valid" in response.content.decode()
    assert not RecoveryCapitalAssessment.objects.exists()


def test_missing_and_out_of_range_answers_on_the_form_are_shown_at_each_statement(cast, participant):
    data = answers_post([4, None, 4, 4, 4, 4, 4, 4, 4, 4])
    data["item_5"] = "7"
    data["item_6"] = "lots"
    response = cast.client_for(cast.peer).post(url(participant), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Statement 2 has no answer" in html
    assert "Statement 5: the answer must be from 1 (strongly disagree) to 6 (strongly agree)." in html
    assert "Statement 6: the answer must be a number from 1 to 6." in html
    assert "error-summary" in html
    assert html.count("checked") == 7  # the seven good answers stay chosen
    assert not RecoveryCapitalAssessment.objects.exists()


def test_it_can_be_about_one_of_the_persons_open_referrals(cast, referral, participant):
    cast.client_for(cast.peer).post(url(participant), answers_post([2] * 10, referral=str(referral.pk)))
    assert RecoveryCapitalAssessment.objects.get().referral == referral


# ---- the participant page: trends and timeline ----


def detail(cast, participant, member=None) -> str:
    client = cast.client_for(member or cast.peer)
    return client.get(reverse("participants:detail", args=[participant.public_id])).content.decode()


def test_the_participant_page_draws_the_barc10_and_readiness_trends_with_their_numbers_in_tables(cast, participant):
    start = timezone.now() - dt.timedelta(days=60)
    for week, total in enumerate((2, 3, 4)):
        barc10_record(
            by=cast.peer, participant=participant, answers=[total] * 10, given_at=start + dt.timedelta(weeks=week)
        )
    encounter_record(
        by=cast.peer,
        participant=participant,
        data=EncounterIn(mode="phone", occurred_at=start + dt.timedelta(days=1), readiness=3),
    )
    encounter_record(
        by=cast.peer,
        participant=participant,
        data=EncounterIn(mode="phone", occurred_at=start + dt.timedelta(days=20), readiness=7),
    )
    html = detail(cast, participant)
    assert html.count('<svg class="chart-svg"') == 2
    assert html.count("<polyline") == 2
    assert 'class="chart-threshold"' in html  # the 47 cut-off
    assert html.count('<details class="chart-numbers">') == 2
    for total in ("20", "30", "40"):
        assert f"<td>{total}</td>" in html
    assert "<td>3</td>" in html and "<td>7</td>" in html
    assert "3 times, latest 40 on" in html
    assert "2 times, latest 7 on" in html
    # On the timeline too.
    assert html.count("BARC-10 recovery capital") == 3
    assert "Total: 40 of 60." in html


def test_with_no_scores_the_trend_says_so(cast, participant):
    html = detail(cast, participant)
    assert "nothing recorded yet." in html
    assert '<svg class="chart-svg"' not in html


def test_the_participant_page_makes_the_same_number_of_queries_for_one_or_twenty_scores(cast, participant):
    client = cast.client_for(cast.peer)
    page = reverse("participants:detail", args=[participant.public_id])
    barc10_record(by=cast.peer, participant=participant, answers=[3] * 10)
    client.get(page)  # warm the session
    counts = []
    for _more in range(2):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(page).status_code == 200
        counts.append(len(queries))
        for number in range(19):
            barc10_record(
                by=cast.peer,
                participant=participant,
                answers=[1 + number % 6] * 10,
                given_at=timezone.now() - dt.timedelta(days=number + 1),
            )
    assert counts[0] == counts[1], counts
