"""The participant's page, search, and merging two records from the participant's page."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from port.audit.models import AuditEvent
from port.casefile.selectors import participant_timeline
from port.participants.models import MatchCandidate, Participant, ParticipantMerge
from port.participants.selectors import participant_search
from port.participants.services import participant_create, participant_merge, participant_update_from_referral
from port.referrals.intake import OverdoseDetails, ParticipantDetails, ReferralSubmission, referral_intake
from port.referrals.models import Channel, Source
from port.referrals.services import referral_assign
from port.testing.budgets import assert_within_budget
from port.testing.factories import submit_referral

DOB = dt.date(1988, 4, 12)
# A winter morning in Riverside (America/New_York): 14:00 UTC is 9:00 EST.
RECEIVED = dt.datetime(2025, 1, 15, 14, 0, tzinfo=dt.UTC)


def refer(
    cast,
    *,
    received_at=RECEIVED,
    location="Riverside Park, north lot",
    substances=("fentanyl",),
    source=Source.EMERGENCY_DEPARTMENT,
    **person,
):
    details = {"first_name": "Maria", "last_name": "Gonzalez", "date_of_birth": DOB, "phone": "412-555-0100", **person}
    return referral_intake(
        program=cast.program,
        channel=Channel.STAFF_FORM,
        agency=cast.ed,
        submitted_by=cast.partner,
        submission=ReferralSubmission(
            source=source,
            acuity="high",
            received_at=received_at,
            participant=ParticipantDetails(**details),
            overdose=OverdoseDetails(
                occurred_at=received_at - dt.timedelta(hours=3), location=location, substances=list(substances)
            ),
        ),
    ).referral


def checked_record(page: str) -> str:
    """The record the "which record to keep" radio buttons have chosen."""
    (value,) = re.findall(r'<input type="radio" name="keep" value="([^"]+)"[^>]*\bchecked', page)
    return value


def detail_url(participant):
    return reverse("participants:detail", args=[participant.public_id])


@pytest.fixture
def maria(cast):
    referral = refer(
        cast,
        address="40 River Rd",
        location_notes="Blue tent behind the library",
        preferred_language="Spanish",
        preferred_name="Mari",
    )
    participant = referral.participant
    participant_update_from_referral(participant=participant, details={"first_name": "María", "last_name": "Lopez"})
    return participant


# ---- the participant's page ----


def test_the_team_sees_the_participants_page(cast, maria):
    for member in (cast.admin, cast.supervisor, cast.peer, cast.peer2):
        assert cast.client_for(member).get(detail_url(maria)).status_code == 200


def test_the_page_shows_who_the_person_is_and_how_to_find_them(cast, maria):
    page = cast.client_for(cast.peer).get(detail_url(maria)).content.decode()
    for text in (
        "Maria Gonzalez",
        "Mari",
        "María Lopez",
        "Apr 12, 1988",
        "(412) 555-0100",
        "40 River Rd",
        "Blue tent behind the library",
        "Spanish",
    ):
        assert text in page, text
    assert reverse("participants:merge_choose", args=[maria.public_id]) in page


def test_the_page_lists_referrals_newest_first_with_their_overdose_and_deadline(cast, maria):
    later = refer(
        cast,
        received_at=RECEIVED + dt.timedelta(days=30),
        location="Main St bus shelter",
        substances=("heroin", "xylazine"),
        source=Source.EMS,
    )
    referral_assign(referral=later, assignee=cast.peer2, by=cast.supervisor)
    first = maria.referrals.get(received_at=RECEIVED)
    page = cast.client_for(cast.peer).get(detail_url(maria)).content.decode()
    timeline = page.split('id="timeline-heading"')[1]
    assert timeline.index(reverse("referrals:detail", args=[later.public_id])) < timeline.index(
        reverse("referrals:detail", args=[first.public_id])
    )
    assert "Main St bus shelter" in page and "heroin, xylazine" in page
    assert "Riverside Park, north lot" in page and "fentanyl" in page
    assert "EMS" in page and "Emergency department" in page
    assert "Quinn Tester" in page  # the assigned peer
    # The deadline is 24 hours later on the program's own clock, shown in its time zone.
    assert "Jan 16, 2025, 9:00 AM EST" in page
    assert "Jan 15, 2025, 6:00 AM" in page  # the overdose, three hours before it was received


def test_the_page_shows_the_merge_history_with_what_the_other_record_said(cast, maria):
    other = participant_create(
        program=cast.program, first_name="Maria", last_name="Gonzales", address="Shelter, 5th Ave", phone="+14125550177"
    )
    participant_merge(survivor=maria, absorbed=other, by=cast.supervisor)
    page = cast.client_for(cast.peer).get(detail_url(maria)).content.decode()
    assert "Maria Gonzales: merged in on" in page
    assert "by Sam Tester" in page
    assert "Shelter, 5th Ave" in page and "(412) 555-0177" in page


def test_the_page_says_when_a_possible_duplicate_waits_for_review(cast, maria):
    refer(cast, first_name="Marai", phone="412-555-0111")
    candidate = MatchCandidate.objects.get(existing_participant=maria)
    page = cast.client_for(cast.peer).get(detail_url(maria)).content.decode()
    assert "Possible duplicate:" in page
    assert reverse("participants:review", args=[candidate.pk]) in page
    candidate.status = MatchCandidate.Status.DISMISSED
    candidate.save()
    assert "Possible duplicate:" not in cast.client_for(cast.peer).get(detail_url(maria)).content.decode()


def test_reading_the_page_is_audited(cast, maria):
    cast.client_for(cast.peer).get(detail_url(maria))
    event = AuditEvent.objects.filter(action=AuditEvent.Action.VIEW).latest("pk")
    assert event.user == cast.peer.user
    assert event.participant_ids == [maria.pk]
    assert event.path == detail_url(maria)


def test_referral_partners_and_other_programs_get_404_for_the_page(cast, maria):
    for member in (cast.partner, cast.partner_211, cast.outsider):
        assert cast.client_for(member).get(detail_url(maria)).status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(cast, maria):
    from django.test import Client

    response = Client().get(detail_url(maria))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_a_made_up_record_id_is_404(cast):
    assert (
        cast.client_for(cast.peer)
        .get(reverse("participants:detail", args=["00000000-0000-4000-8000-000000000000"]))
        .status_code
        == 404
    )


def test_the_merged_away_record_redirects_the_team_to_the_survivor(cast, maria):
    other = participant_create(program=cast.program, first_name="Maria", last_name="Gonzales")
    participant_merge(survivor=maria, absorbed=other, by=cast.supervisor)
    response = cast.client_for(cast.peer).get(detail_url(other), follow=True)
    assert response.redirect_chain == [(detail_url(maria), 302)]
    assert "That record was merged into this one." in response.content.decode()


def test_the_merged_away_record_is_still_404_for_partners_and_other_programs(cast, maria):
    other = participant_create(program=cast.program, first_name="Maria", last_name="Gonzales")
    participant_merge(survivor=maria, absorbed=other, by=cast.supervisor)
    for member in (cast.partner, cast.outsider):
        assert cast.client_for(member).get(detail_url(other)).status_code == 404


def test_the_page_makes_the_same_number_of_queries_for_one_or_ten_referrals(cast):
    one = submit_referral(cast.program, first_name="Ann", last_name="One").participant
    ten = submit_referral(cast.program, first_name="Ten", last_name="Times").participant
    for day in range(9):
        referral = refer(
            cast, first_name="Ten", last_name="Times", date_of_birth=None, received_at=RECEIVED + dt.timedelta(days=day)
        )
        assert referral.participant == ten
        if day % 2:
            referral_assign(referral=referral, assignee=cast.peer, by=cast.supervisor)
    client = cast.client_for(cast.peer)
    client.get(detail_url(one))  # warm the session
    counts = []
    for participant in (one, ten):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(detail_url(participant)).status_code == 200
        counts.append(len(queries))
    assert ten.referrals.count() == 10
    assert counts[0] == counts[1], counts
    # port/participants/tests/test_timeline.py checks every kind of timeline entry at length.
    with assert_within_budget("participants:detail"):
        assert client.get(detail_url(ten)).status_code == 200


def test_the_timeline_is_one_query_however_many_referrals(cast):
    for day in range(10):
        referral = refer(cast, received_at=RECEIVED + dt.timedelta(days=day))
        referral_assign(referral=referral, assignee=cast.peer, by=cast.supervisor)
    participant = Participant.objects.get()
    with assert_within_budget("participant_timeline (referrals only)"):
        timeline = participant_timeline(viewer=cast.peer, participant=participant)
        referrals = [event.record for event in timeline.events if event.kind == "referral"]
        shown = [
            (
                r.overdose_event.location,
                r.acuity.label,
                r.get_status_display(),
                r.assigned_to.username,
                r.referring_agency.name,
            )
            for r in referrals
        ]
    assert len(shown) == 10
    assert [r.received_at for r in referrals] == sorted((r.received_at for r in referrals), reverse=True)


# ---- search ----


def search(cast, query, member=None):
    response = cast.client_for(member or cast.peer).post(reverse("participants:search"), {"q": query})
    return response


@pytest.mark.parametrize(
    "query",
    [
        "Gonz",
        "maria",
        "maria gonz",
        "Gonzalez, Maria",
        "gonzalez maria",
        "MARÍA GONZÁLEZ",
        "Lopez",
        "maria lop",
        "Mari",
        "1988-04-12",
        "04/12/1988",
        "4/12/1988",
        "(412) 555-0100",
        "+1 412 555 0100",
        "0100",
    ],
)
def test_search_finds_the_person_by_name_alias_birth_date_or_phone(cast, maria, query):
    assert participant_search(viewer=cast.peer, query=query) == [maria]


@pytest.mark.parametrize("query", ["Reyes", "1988-04-13", "412-555-0199", "9999", "xavier gonzalez"])
def test_search_does_not_find_other_people(cast, maria, query):
    assert participant_search(viewer=cast.peer, query=query) == []


def test_search_never_crosses_programs(cast, maria):
    assert participant_search(viewer=cast.outsider, query="Gonzalez") == []
    response = search(cast, "Gonzalez", member=cast.outsider)
    assert response.status_code == 200
    assert "0 participants found" in response.content.decode()
    assert detail_url(maria) not in response.content.decode()


def test_search_shows_at_most_25_results(cast):
    for n in range(30):
        participant_create(
            program=cast.program, first_name=f"Person{'abcdefghijklmnopqrstuvwxyzABCD'[n]}", last_name="Walker"
        )
    assert len(participant_search(viewer=cast.peer, query="walker")) == 25
    page = search(cast, "walker").content.decode()
    assert "Only the first 25 are shown" in page


def test_search_page_lists_results_with_links_and_audits_them(cast, maria):
    response = search(cast, "gonzalez")
    page = response.content.decode()
    assert response.status_code == 200
    assert detail_url(maria) in page
    assert "1 participant found" in page
    event = AuditEvent.objects.get(action=AuditEvent.Action.LIST)
    assert event.target_type == "participants.participant"
    assert event.participant_ids == [maria.pk]
    assert "gonzalez" not in event.path + event.note  # the search words are participant data


@pytest.mark.parametrize(
    "query, message",
    [
        ("a", "at least two letters"),
        ("13/45/1988", "is not a real date"),
        ("1988-02-30", "is not a real date"),
        ("12", "at least four digits"),
        ("555 0100 0100 0100 9", "is not a phone number we can dial"),
        ("!!", "Type a name"),
    ],
)
def test_search_explains_what_is_wrong_with_a_query(cast, maria, query, message):
    response = search(cast, query)
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert f'value="{query}"' in page  # what was typed is kept
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.LIST).exists()


@pytest.mark.parametrize("query", ["13/45/1988", "555 0100 0100 0100 9"])
def test_the_message_about_a_query_does_not_repeat_it(cast, maria, query):
    page = search(cast, query).content.decode()

    assert page.count(query) == 1  # in the box, kept for correcting; not in the message


def test_the_empty_search_page_shows_just_the_box(cast):
    response = cast.client_for(cast.peer).get(reverse("participants:search"))
    assert response.status_code == 200
    assert "Error:" not in response.content.decode()


def test_a_name_in_the_url_is_not_searched_for(cast, maria):
    client = cast.client_for(cast.peer)
    page = client.get(reverse("participants:search"), {"q": "Maria"}).content.decode()
    assert reverse("participants:detail", args=[maria.public_id]) not in page
    assert client.get(choose_url(maria), {"q": "Maria"}).status_code == 200
    notes = set(AuditEvent.objects.filter(action=AuditEvent.Action.LIST).values_list("note", flat=True))
    assert not notes & {"participant search", "merge: choose a record"}


def test_search_is_only_for_the_team(cast, maria):
    for member in (cast.admin, cast.supervisor, cast.peer):
        assert search(cast, "maria", member).status_code == 200
    for member in (cast.partner, cast.partner_211):
        assert search(cast, "maria", member).status_code == 403


# ---- merging from the participant's page ----


def choose_url(participant):
    return reverse("participants:merge_choose", args=[participant.public_id])


def confirm_url(participant, other):
    return reverse("participants:merge_confirm", args=[participant.public_id, other.public_id])


@pytest.fixture
def twin(cast, maria):
    return participant_create(
        program=cast.program, first_name="Maria", last_name="Gonzales", phone="+14125550177", address="Shelter, 5th Ave"
    )


def test_choosing_the_other_record_lists_search_results_but_not_the_record_itself(cast, maria, twin):
    page = cast.client_for(cast.peer).post(choose_url(maria), {"q": "maria"}).content.decode()
    assert confirm_url(maria, twin) in page
    assert confirm_url(maria, maria) not in page


def test_choosing_suggests_pending_possible_duplicates(cast, maria):
    likely = refer(cast, first_name="Marai", phone="412-555-0111").participant
    page = cast.client_for(cast.peer).get(choose_url(maria)).content.decode()
    assert "Possible duplicates found at intake" in page
    assert confirm_url(maria, likely) in page


def test_the_confirm_page_shows_both_records_side_by_side_with_differences_in_words(cast, maria, twin):
    page = cast.client_for(cast.peer).get(confirm_url(maria, twin)).content.decode()
    assert 'class="side-by-side"' in page
    assert "Shelter, 5th Ave" in page and "40 River Rd" in page
    assert "differs" in page
    # The older record is kept unless the person chooses otherwise.
    assert checked_record(page) == str(maria.public_id)


def test_confirming_merges_into_the_chosen_record_and_goes_to_it(cast, maria, twin):
    response = cast.client_for(cast.peer).post(confirm_url(maria, twin), {"keep": str(twin.public_id)}, follow=True)
    assert response.redirect_chain == [(detail_url(twin), 302)]
    assert "The two records are merged into this one." in response.content.decode()
    maria.refresh_from_db()
    assert maria.merged_into == twin
    assert ParticipantMerge.objects.get().merged_by == cast.peer.user


def test_confirming_without_choosing_a_record_asks_for_one(cast, maria, twin):
    response = cast.client_for(cast.peer).post(confirm_url(maria, twin), {})
    assert response.status_code == 200
    assert "Choose which record to keep." in response.content.decode()
    assert not ParticipantMerge.objects.exists()


def test_a_record_from_another_program_cannot_be_chosen(cast, maria):
    elsewhere = submit_referral(cast.other_program, first_name="Maria", last_name="Gonzalez").participant
    client = cast.client_for(cast.supervisor)
    assert client.get(confirm_url(maria, elsewhere)).status_code == 404
    assert client.post(confirm_url(maria, elsewhere), {"keep": str(maria.public_id)}).status_code == 404
    assert not ParticipantMerge.objects.exists()


def test_merging_a_record_with_itself_is_refused_with_a_message(cast, maria):
    response = cast.client_for(cast.peer).get(confirm_url(maria, maria), follow=True)
    assert response.redirect_chain == [(choose_url(maria), 302)]
    assert "cannot be merged with itself" in response.content.decode()


def test_a_record_merged_meanwhile_is_not_merged_twice(cast, maria, twin):
    third = participant_create(program=cast.program, first_name="Mary", last_name="Gonzalez")
    participant_merge(survivor=third, absorbed=twin, by=cast.supervisor)
    response = cast.client_for(cast.peer).post(confirm_url(maria, twin), {"keep": str(maria.public_id)}, follow=True)
    assert response.redirect_chain == [(detail_url(third), 302)]
    assert "already been merged" in response.content.decode()
    assert ParticipantMerge.objects.count() == 1


def test_a_refused_merge_shows_the_reason_and_keeps_the_choice(cast, maria, twin, monkeypatch):
    from django.core.exceptions import ValidationError

    from port.casefile import views

    def refuse(**kwargs):
        raise ValidationError("One of these records has already been merged into another.")

    monkeypatch.setattr(views, "participant_merge", refuse)
    response = cast.client_for(cast.peer).post(confirm_url(maria, twin), {"keep": str(twin.public_id)})
    page = response.content.decode()
    assert response.status_code == 200
    assert "already been merged into another" in page
    assert checked_record(page) == str(twin.public_id)


def test_merge_pages_are_404_for_partners_and_other_programs(cast, maria, twin):
    for member in (cast.partner, cast.outsider):
        client = cast.client_for(member)
        assert client.get(choose_url(maria)).status_code == 404
        assert client.get(confirm_url(maria, twin)).status_code == 404
        assert client.post(confirm_url(maria, twin), {"keep": str(maria.public_id)}).status_code == 404
    assert not ParticipantMerge.objects.exists()


def test_the_search_page_makes_the_same_number_of_queries_for_one_or_ten_results(cast):
    client = cast.client_for(cast.peer)
    participant_create(program=cast.program, first_name="Solo", last_name="Quill", phone="+14125550140")
    for n in range(10):
        person = participant_create(
            program=cast.program, first_name=f"Many{'abcdefghij'[n]}", last_name="Rook", phone=f"+1412555015{n}"
        )
        participant_update_from_referral(participant=person, details={"first_name": "Other", "last_name": f"Name{n}"})
    client.get(reverse("participants:search"))  # warm the session
    counts = []
    for query in ("quill", "rook"):
        with CaptureQueriesContext(connection) as queries:
            page = client.post(reverse("participants:search"), {"q": query}).content.decode()
        counts.append(len(queries))
    assert "10 participants found" in page
    assert counts[0] == counts[1], counts
