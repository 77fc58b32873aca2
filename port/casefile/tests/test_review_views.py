"""The possible-duplicates review: the list, the side-by-side page, and the two decisions."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from port.audit.models import AuditEvent
from port.participants.models import MatchCandidate, ParticipantMerge
from port.participants.services import match_candidate_dismiss, participant_create, participant_merge
from port.testing.factories import submit_referral

DOB = dt.date(1975, 9, 30)
LIST_URL = reverse("participants:review_list")


def review_url(candidate):
    return reverse("participants:review", args=[candidate.pk])


def detail_url(participant):
    return reverse("participants:detail", args=[participant.public_id])


@pytest.fixture
def candidate(cast):
    """Intake could not be sure: the same birth date and a misspelt name, a new phone and address."""
    submit_referral(
        cast.program,
        first_name="Jordan",
        last_name="Whitfield",
        date_of_birth=DOB,
        phone="412-555-0130",
        location_notes="Sleeps at the Greyhound station",
    )
    submit_referral(
        cast.program,
        first_name="Jordan",
        last_name="Whitfeld",
        date_of_birth=DOB,
        phone="412-555-0131",
        address="7 Oak Ave",
        source="ems",
    )
    return MatchCandidate.objects.get()


# ---- the list ----


def test_the_team_sees_the_list_of_possible_duplicates(cast, candidate):
    for member in (cast.admin, cast.supervisor, cast.peer):
        response = cast.client_for(member).get(LIST_URL)
        assert response.status_code == 200
        page = response.content.decode()
        assert "Jordan Whitfield and Jordan Whitfeld" in page
        assert "Same date of birth" in page and "Similar name" in page
        assert review_url(candidate) in page


def test_referral_partners_may_not_see_the_list(cast, candidate):
    for member in (cast.partner, cast.partner_211):
        assert cast.client_for(member).get(LIST_URL).status_code == 403


def test_another_programs_team_sees_none_of_this_programs_candidates(cast, candidate):
    response = cast.client_for(cast.outsider).get(LIST_URL)
    assert response.status_code == 200
    assert "Whitfield" not in response.content.decode()
    assert "Nothing to review" in response.content.decode()


def test_signed_out_visitors_are_sent_to_sign_in(cast, candidate):
    response = Client().get(LIST_URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_list_is_oldest_first_and_paginated(cast):
    for n in range(27):
        older = participant_create(program=cast.program, first_name="Pat", last_name=f"Older{n:02d}")
        newer = participant_create(program=cast.program, first_name="Pat", last_name=f"Newer{n:02d}")
        MatchCandidate.objects.create(
            program=cast.program,
            existing_participant=older,
            new_participant=newer,
            reasons=["same phone number", "different name"],
            created_at=dt.datetime(2025, 3, 1, tzinfo=dt.UTC) + dt.timedelta(hours=n),
        )
    client = cast.client_for(cast.peer)
    first_page = client.get(LIST_URL).content.decode()
    shown = list(dict.fromkeys(re.findall(r"Pat Older(\d\d) and", first_page)))
    assert shown == [f"{n:02d}" for n in range(25)]
    assert "Pat Older24" in first_page and "Pat Older25" not in first_page
    assert "Page 1 of 2" in first_page
    second_page = client.get(LIST_URL, {"page": 2}).content.decode()
    assert "Pat Older25" in second_page and "Pat Older26" in second_page
    assert "Pat Older00" not in second_page
    assert client.get(LIST_URL, {"page": "nonsense"}).status_code == 200


def test_reading_the_list_is_audited_with_the_participants_shown(cast, candidate):
    cast.client_for(cast.peer).get(LIST_URL)
    event = AuditEvent.objects.get(action=AuditEvent.Action.LIST)
    assert event.target_type == "participants.matchcandidate"
    assert event.target_ids == [str(candidate.pk)]
    assert event.participant_ids == sorted([candidate.new_participant_id, candidate.existing_participant_id])


def test_decided_candidates_and_candidates_naming_merged_records_leave_the_list(cast, candidate):
    other_pair = MatchCandidate.objects.create(
        program=cast.program,
        reasons=["same phone number", "different name"],
        existing_participant=participant_create(program=cast.program, first_name="Ola", last_name="Nord"),
        new_participant=participant_create(program=cast.program, first_name="Per", last_name="Sud"),
    )
    match_candidate_dismiss(candidate=candidate, by=cast.peer)
    participant_merge(
        survivor=participant_create(program=cast.program, first_name="Ola", last_name="Nordby"),
        absorbed=other_pair.new_participant,
        by=cast.peer,
    )
    other_pair.refresh_from_db()
    # The merge moved the question over to the survivor, which is still waiting for a person.
    page = cast.client_for(cast.peer).get(LIST_URL).content.decode()
    assert "Whitfield" not in page
    assert "Ola Nord and Ola Nordby" in page


# ---- one candidate ----


def test_the_review_shows_the_two_records_side_by_side_with_differences_in_words(cast, candidate):
    response = cast.client_for(cast.peer).get(review_url(candidate))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="side-by-side"' in page
    for text in (
        "Earlier record",
        "New record",
        "Jordan Whitfield",
        "Jordan Whitfeld",
        "Sep 30, 1975",
        "(412) 555-0130",
        "(412) 555-0131",
        "7 Oak Ave",
        "Sleeps at the Greyhound station",
        "Emergency department",
        "EMS",
        "Same date of birth",
        "Similar name",
    ):
        assert text in page, text
    # Each record's name, phones, address, location notes and latest source differ from the other's.
    assert page.count(">differs<") == 10
    assert "Same person — merge" in page and "Different people" in page


def test_the_review_is_audited_as_a_read_of_both_records(cast, candidate):
    cast.client_for(cast.peer).get(review_url(candidate))
    event = AuditEvent.objects.get(action=AuditEvent.Action.VIEW, target_type="participants.matchcandidate")
    assert event.participant_ids == sorted([candidate.new_participant_id, candidate.existing_participant_id])


def test_the_review_is_403_for_partners_and_404_for_other_programs(cast, candidate):
    for member in (cast.partner, cast.partner_211):
        client = cast.client_for(member)
        assert client.get(review_url(candidate)).status_code == 403
        assert client.post(review_url(candidate), {"decision": "dismiss"}).status_code == 403
    client = cast.client_for(cast.outsider)
    assert client.get(review_url(candidate)).status_code == 404
    assert client.post(review_url(candidate), {"decision": "dismiss"}).status_code == 404
    assert cast.client_for(cast.peer).get(reverse("participants:review", args=[99999])).status_code == 404
    candidate.refresh_from_db()
    assert candidate.status == MatchCandidate.Status.PENDING


def test_same_person_merges_into_the_record_kept_and_goes_to_it(cast, candidate):
    earlier, newer = candidate.existing_participant, candidate.new_participant
    response = cast.client_for(cast.peer).post(
        review_url(candidate), {"decision": "merge", "keep": str(earlier.public_id)}, follow=True
    )
    assert response.redirect_chain == [(detail_url(earlier), 302)]
    assert "The two records are merged into this one." in response.content.decode()
    newer.refresh_from_db()
    assert newer.merged_into == earlier
    candidate.refresh_from_db()
    assert candidate.status == MatchCandidate.Status.MERGED
    assert candidate.decided_by == cast.peer.user
    assert earlier.referrals.count() == 2


def test_the_newer_record_can_be_the_one_kept(cast, candidate):
    earlier, newer = candidate.existing_participant, candidate.new_participant
    response = cast.client_for(cast.supervisor).post(
        review_url(candidate), {"decision": "merge", "keep": str(newer.public_id)}
    )
    assert response.status_code == 302
    assert response.url == detail_url(newer)
    assert ParticipantMerge.objects.get().absorbed == earlier


def test_the_older_record_is_kept_unless_the_person_chooses_otherwise(cast, candidate):
    page = cast.client_for(cast.peer).get(review_url(candidate)).content.decode()
    (checked,) = re.findall(r'<input type="radio" name="keep" value="([^"]+)"[^>]*\bchecked', page)
    assert checked == str(candidate.existing_participant.public_id)


def test_different_people_dismisses_the_candidate_and_leaves_both_records(cast, candidate):
    response = cast.client_for(cast.peer).post(review_url(candidate), {"decision": "dismiss"}, follow=True)
    assert response.redirect_chain == [(LIST_URL, 302)]
    assert "Marked as different people." in response.content.decode()
    candidate.refresh_from_db()
    assert candidate.status == MatchCandidate.Status.DISMISSED
    assert candidate.decided_by == cast.peer.user
    assert not ParticipantMerge.objects.exists()


def test_merging_without_choosing_a_record_asks_for_one(cast, candidate):
    response = cast.client_for(cast.peer).post(review_url(candidate), {"decision": "merge"})
    assert response.status_code == 200
    assert "Choose which record to keep." in response.content.decode()
    candidate.refresh_from_db()
    assert candidate.status == MatchCandidate.Status.PENDING


@pytest.mark.parametrize("data", [{}, {"decision": "maybe"}])
def test_a_post_without_a_decision_says_what_to_do(cast, candidate, data):
    response = cast.client_for(cast.peer).post(review_url(candidate), data)
    assert response.status_code == 200
    assert "Choose “Same person — merge” or “Different people”." in response.content.decode()


def test_keeping_a_record_that_is_not_one_of_the_two_is_refused(cast, candidate):
    stranger = participant_create(program=cast.program, first_name="Ann", last_name="Other")
    response = cast.client_for(cast.peer).post(
        review_url(candidate), {"decision": "merge", "keep": str(stranger.public_id)}
    )
    assert response.status_code == 200
    assert "Choose one of the two records to keep." in response.content.decode()
    assert not ParticipantMerge.objects.exists()


def test_a_decided_candidate_shows_its_decision_and_cannot_be_decided_again(cast, candidate):
    match_candidate_dismiss(candidate=candidate, by=cast.supervisor)
    client = cast.client_for(cast.peer)
    page = client.get(review_url(candidate)).content.decode()
    assert "Different people" in page and "by Sam Tester" in page
    assert 'name="decision"' not in page
    response = client.post(
        review_url(candidate), {"decision": "merge", "keep": str(candidate.existing_participant.public_id)}, follow=True
    )
    assert "already been decided" in response.content.decode()
    assert not ParticipantMerge.objects.exists()


def test_a_merged_candidate_links_to_the_record_that_holds_the_person_now(cast, candidate):
    earlier = candidate.existing_participant
    cast.client_for(cast.peer).post(review_url(candidate), {"decision": "merge", "keep": str(earlier.public_id)})
    page = cast.client_for(cast.peer).get(review_url(candidate)).content.decode()
    assert "Same person: merged" in page
    assert f'href="{detail_url(earlier)}">Open the merged record' in page


def test_the_list_makes_the_same_number_of_queries_for_one_or_ten_candidates(cast):
    def add_candidates(count, prefix):
        for n in range(count):
            MatchCandidate.objects.create(
                program=cast.program,
                reasons=["same phone number", "different name"],
                existing_participant=participant_create(program=cast.program, first_name=prefix, last_name=f"A{n}"),
                new_participant=participant_create(program=cast.program, first_name=prefix, last_name=f"B{n}"),
            )

    client = cast.client_for(cast.peer)
    add_candidates(1, "One")
    client.get(LIST_URL)  # warm the session
    with CaptureQueriesContext(connection) as one:
        client.get(LIST_URL)
    add_candidates(9, "Nine")
    with CaptureQueriesContext(connection) as ten:
        page = client.get(LIST_URL).content.decode()
    assert page.count("Review<span") == 10
    assert len(one) == len(ten), (len(one), len(ten))
