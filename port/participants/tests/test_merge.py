"""Merging two records of one person: nothing from either is lost, and the merge is recorded."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from port.audit.models import AuditEvent
from port.participants.models import MatchCandidate, Participant, ParticipantMerge
from port.participants.normalize import name_key
from port.participants.selectors import (
    participant_get,
    participant_merges,
    participant_search,
    participant_survivor,
    participants_visible_to,
)
from port.participants.services import (
    match_candidate_dismiss,
    match_candidate_merge,
    participant_create,
    participant_merge,
    participant_update_from_referral,
)
from port.referrals.models import OverdoseEvent, Referral
from port.testing.factories import submit_referral

DOB = dt.date(1990, 2, 3)


def aliases_of(participant):
    return sorted((a.first_name, a.last_name) for a in participant.aliases.all())


def phones_of(participant):
    return sorted(participant.phones.values_list("number", flat=True))


@pytest.fixture
def pair(cast):
    """Two referrals for one person that intake could not link: a likely match waiting for review."""
    first = submit_referral(
        cast.program,
        first_name="Dana",
        last_name="Reyes",
        date_of_birth=DOB,
        phone="412-555-0101",
        location_notes="Under the 10th St bridge",
    )
    second = submit_referral(
        cast.program,
        first_name="Dana",
        last_name="Reyes-Smith",
        date_of_birth=DOB,
        phone="412-555-0102",
        address="12 Elm St",
        preferred_language="Spanish",
        preferred_name="Dee",
        location_notes="Shelter on 5th Ave, evenings",
    )
    return first.participant, second.participant


def test_referrals_and_overdose_events_move_to_the_survivor(cast, pair):
    survivor, absorbed = pair
    participant_merge(survivor=survivor, absorbed=absorbed, by=cast.supervisor)
    assert Referral.objects.filter(participant=survivor).count() == 2
    assert OverdoseEvent.objects.filter(participant=survivor).count() == 2
    assert not Referral.objects.filter(participant=absorbed).exists()
    assert not OverdoseEvent.objects.filter(participant=absorbed).exists()


def test_the_absorbed_names_become_aliases_of_the_survivor(cast, pair):
    survivor, absorbed = pair
    participant_merge(survivor=survivor, absorbed=absorbed, by=cast.supervisor)
    assert aliases_of(survivor) == [("Dana", "Reyes-Smith")]
    assert survivor.first_name == "Dana" and survivor.last_name == "Reyes"


def test_aliases_and_a_different_preferred_name_of_the_absorbed_record_are_kept(cast):
    survivor = participant_create(program=cast.program, first_name="Samuel", last_name="Lee", preferred_name="Sam")
    absorbed = participant_create(
        program=cast.program, first_name="Samuel", last_name="Lee-Park", preferred_name="Sammy"
    )
    participant_update_from_referral(participant=absorbed, details={"first_name": "Sam", "last_name": "Park"})
    participant_merge(survivor=survivor, absorbed=absorbed, by=cast.peer)
    assert aliases_of(survivor) == [("Sam", "Park"), ("Sammy", "Lee-Park"), ("Samuel", "Lee-Park")]
    survivor.refresh_from_db()
    assert survivor.preferred_name == "Sam"


def test_a_name_the_survivor_already_has_does_not_become_an_alias(cast):
    survivor = participant_create(program=cast.program, first_name="Samuel", last_name="Lee")
    absorbed = participant_create(program=cast.program, first_name="Sam", last_name="Lee")
    participant_update_from_referral(participant=absorbed, details={"first_name": "SAMUEL", "last_name": "lee"})
    participant_merge(survivor=survivor, absorbed=absorbed, by=cast.peer)
    assert aliases_of(survivor) == [("Sam", "Lee")]


def test_phones_of_both_records_are_kept(cast, pair):
    survivor, absorbed = pair
    participant_merge(survivor=survivor, absorbed=absorbed, by=cast.supervisor)
    assert phones_of(survivor) == ["+14125550101", "+14125550102"]
    assert phones_of(absorbed) == ["+14125550102"]  # the absorbed record keeps its own, as it was


def test_blank_fields_of_the_survivor_are_filled_and_its_own_values_kept(cast, pair):
    survivor, absorbed = pair
    participant_merge(survivor=survivor, absorbed=absorbed, by=cast.supervisor)
    survivor.refresh_from_db()
    assert survivor.address == "12 Elm St"
    assert survivor.preferred_language == "Spanish"
    assert survivor.preferred_name == "Dee"
    assert survivor.date_of_birth == DOB


def test_a_birth_date_only_the_absorbed_record_knew_is_filled_in(cast):
    survivor = participant_create(program=cast.program, first_name="Lou", last_name="Bane")
    absorbed = participant_create(program=cast.program, first_name="Lou", last_name="Bane", date_of_birth=DOB)
    participant_merge(survivor=survivor, absorbed=absorbed, by=cast.peer)
    survivor.refresh_from_db()
    assert survivor.date_of_birth == DOB


def test_location_notes_of_both_records_are_kept(cast, pair):
    survivor, absorbed = pair
    participant_merge(survivor=survivor, absorbed=absorbed, by=cast.supervisor)
    survivor.refresh_from_db()
    assert survivor.location_notes == "Under the 10th St bridge\nShelter on 5th Ave, evenings"


def test_snapshots_of_both_records_as_they_were_are_stored(cast, pair):
    survivor, absorbed = pair
    merge = participant_merge(survivor=survivor, absorbed=absorbed, by=cast.supervisor)
    merge.refresh_from_db()
    assert merge.program == cast.program
    assert merge.merged_by == cast.supervisor.user
    assert merge.absorbed_snapshot["public_id"] == str(absorbed.public_id)
    assert merge.absorbed_snapshot["last_name"] == "Reyes-Smith"
    assert merge.absorbed_snapshot["address"] == "12 Elm St"
    assert merge.absorbed_snapshot["date_of_birth"] == "1990-02-03"
    assert merge.absorbed_snapshot["phones"] == ["+14125550102"]
    assert merge.absorbed_snapshot["merged_into_id"] is None
    assert merge.survivor_snapshot["address"] == ""  # before it was filled in
    assert merge.survivor_snapshot["aliases"] == []
    assert merge.survivor_snapshot["phones"] == ["+14125550101"]


def test_the_absorbed_record_is_hidden_but_kept(cast, pair):
    survivor, absorbed = pair
    participant_merge(survivor=survivor, absorbed=absorbed, by=cast.supervisor)
    absorbed.refresh_from_db()
    assert absorbed.merged_into == survivor
    assert absorbed.last_name == "Reyes-Smith"
    assert list(participants_visible_to(cast.peer)) == [survivor]
    assert participant_search(viewer=cast.peer, query="Reyes") == [survivor]
    assert participant_search(viewer=cast.peer, query="412-555-0102") == [survivor]
    with pytest.raises(Http404):
        participant_get(viewer=cast.peer, public_id=absorbed.public_id)
    assert participant_survivor(viewer=cast.peer, public_id=absorbed.public_id) == survivor


def test_the_merge_is_audited(cast, pair):
    survivor, absorbed = pair
    participant_merge(survivor=survivor, absorbed=absorbed, by=cast.supervisor)
    event = AuditEvent.objects.get(action=AuditEvent.Action.MERGE)
    assert event.user == cast.supervisor.user
    assert event.program == cast.program
    assert event.role == "supervisor"
    assert event.participant_ids == sorted([survivor.pk, absorbed.pk])
    assert event.changes["survivor"] == survivor.pk
    assert event.changes["moved"] == {"referrals.referral.participant": 1, "referrals.overdoseevent.participant": 1}


def test_the_pending_candidate_for_the_pair_is_marked_merged(cast, pair):
    survivor, absorbed = pair
    candidate = MatchCandidate.objects.get()
    participant_merge(survivor=survivor, absorbed=absorbed, by=cast.peer)
    candidate.refresh_from_db()
    assert candidate.status == MatchCandidate.Status.MERGED
    assert candidate.decided_by == cast.peer.user
    assert candidate.decided_at is not None


def test_a_third_records_candidate_that_named_the_absorbed_record_now_names_the_survivor(cast, pair):
    survivor, absorbed = pair
    third = participant_create(program=cast.program, first_name="Dana", last_name="Reyes-Smyth", date_of_birth=DOB)
    named_as_existing = MatchCandidate.objects.create(
        program=cast.program, new_participant=third, existing_participant=absorbed, reasons=["similar name"]
    )
    fourth = participant_create(program=cast.program, first_name="Don", last_name="Reyes", date_of_birth=DOB)
    named_as_new = MatchCandidate.objects.create(
        program=cast.program, new_participant=absorbed, existing_participant=fourth, reasons=["similar name"]
    )
    participant_merge(survivor=survivor, absorbed=absorbed, by=cast.peer)
    named_as_existing.refresh_from_db()
    named_as_new.refresh_from_db()
    assert (named_as_existing.new_participant, named_as_existing.existing_participant) == (third, survivor)
    assert (named_as_new.new_participant, named_as_new.existing_participant) == (survivor, fourth)
    # Nobody decided those: they still wait for a person.
    assert named_as_existing.status == named_as_new.status == MatchCandidate.Status.PENDING


def test_a_candidate_asking_the_same_question_twice_becomes_one_with_both_reasons(cast, pair):
    survivor, absorbed = pair
    third = participant_create(program=cast.program, first_name="Dana", last_name="Reyez", phone="+14125550101")
    to_survivor = MatchCandidate.objects.create(
        program=cast.program, new_participant=third, existing_participant=survivor, reasons=["same phone number"]
    )
    MatchCandidate.objects.create(
        program=cast.program, new_participant=third, existing_participant=absorbed, reasons=["similar name"]
    )
    participant_merge(survivor=survivor, absorbed=absorbed, by=cast.peer)
    remaining = MatchCandidate.objects.filter(new_participant=third)
    assert list(remaining) == [to_survivor]
    to_survivor.refresh_from_db()
    assert to_survivor.reasons == ["same phone number", "similar name"]
    assert to_survivor.status == MatchCandidate.Status.PENDING


def test_a_record_already_judged_different_from_the_survivor_is_different_from_the_absorbed_one_too(cast, pair):
    survivor, absorbed = pair
    third = participant_create(program=cast.program, first_name="Dana", last_name="Reyez", date_of_birth=DOB)
    judged = MatchCandidate.objects.create(
        program=cast.program, new_participant=third, existing_participant=survivor, reasons=["similar name"]
    )
    match_candidate_dismiss(candidate=judged, by=cast.supervisor)
    open_question = MatchCandidate.objects.create(
        program=cast.program, new_participant=third, existing_participant=absorbed, reasons=["similar name"]
    )
    participant_merge(survivor=survivor, absorbed=absorbed, by=cast.peer)
    open_question.refresh_from_db()
    assert open_question.status == MatchCandidate.Status.DISMISSED


def test_records_merged_earlier_follow_on_to_the_new_survivor(cast):
    a = participant_create(program=cast.program, first_name="Kim", last_name="Ode", date_of_birth=DOB)
    b = participant_create(program=cast.program, first_name="Kim", last_name="Odey", date_of_birth=DOB)
    c = participant_create(program=cast.program, first_name="Kimberly", last_name="Ode", date_of_birth=DOB)
    first = participant_merge(survivor=b, absorbed=a, by=cast.peer)
    second = participant_merge(survivor=c, absorbed=b, by=cast.peer)
    a.refresh_from_db()
    assert a.merged_into == c
    assert participant_survivor(viewer=cast.peer, public_id=a.public_id) == c
    assert participant_merges(viewer=cast.peer, participant=c) == [second, first]
    assert {name_key("Kim", "Ode"), name_key("Kim", "Odey")} <= {alias.name_key for alias in c.aliases.all()}


def test_a_record_cannot_be_merged_with_itself(cast, pair):
    survivor, _absorbed = pair
    with pytest.raises(ValidationError, match="itself"):
        participant_merge(survivor=survivor, absorbed=survivor, by=cast.supervisor)


def test_records_of_different_programs_cannot_be_merged(cast, pair):
    survivor, _absorbed = pair
    elsewhere = submit_referral(cast.other_program, first_name="Dana", last_name="Reyes", date_of_birth=DOB).participant
    with pytest.raises(ValidationError, match="same program"):
        participant_merge(survivor=survivor, absorbed=elsewhere, by=cast.supervisor)
    with pytest.raises(ValidationError, match="same program"):
        participant_merge(survivor=elsewhere, absorbed=survivor, by=cast.supervisor)
    with pytest.raises(ValidationError, match="same program"):
        participant_merge(survivor=survivor, absorbed=_absorbed, by=cast.outsider)
    assert not ParticipantMerge.objects.exists()


def test_an_already_merged_record_cannot_be_merged_again(cast, pair):
    survivor, absorbed = pair
    stale_copy = Participant.objects.get(pk=absorbed.pk)  # read before the merge
    third = participant_create(program=cast.program, first_name="Lee", last_name="Marr")
    participant_merge(survivor=survivor, absorbed=absorbed, by=cast.supervisor)
    with pytest.raises(ValidationError, match="already been merged"):
        participant_merge(survivor=third, absorbed=stale_copy, by=cast.supervisor)
    with pytest.raises(ValidationError, match="already been merged"):
        participant_merge(survivor=stale_copy, absorbed=third, by=cast.supervisor)
    assert ParticipantMerge.objects.count() == 1


def test_a_referral_partner_cannot_merge(cast, pair):
    survivor, absorbed = pair
    with pytest.raises(ValidationError, match="team"):
        participant_merge(survivor=survivor, absorbed=absorbed, by=cast.partner)
    assert not ParticipantMerge.objects.exists()


def test_confirming_a_candidate_merges_into_the_record_chosen_to_keep(cast, pair):
    older, newer = pair
    candidate = MatchCandidate.objects.get()
    match_candidate_merge(candidate=candidate, keep=newer, by=cast.peer)
    older.refresh_from_db()
    assert older.merged_into == newer
    candidate.refresh_from_db()
    assert candidate.status == MatchCandidate.Status.MERGED


def test_a_candidate_can_only_keep_one_of_its_own_two_records(cast, pair):
    candidate = MatchCandidate.objects.get()
    stranger = participant_create(program=cast.program, first_name="Ann", last_name="Other")
    with pytest.raises(ValidationError, match="one of the two"):
        match_candidate_merge(candidate=candidate, keep=stranger, by=cast.peer)


def test_a_decided_candidate_cannot_be_decided_again(cast, pair):
    candidate = MatchCandidate.objects.get()
    match_candidate_dismiss(candidate=candidate, by=cast.peer)
    candidate.refresh_from_db()
    assert candidate.status == MatchCandidate.Status.DISMISSED
    assert candidate.decided_by == cast.peer.user
    with pytest.raises(ValidationError, match="already been decided"):
        match_candidate_dismiss(candidate=candidate, by=cast.peer)
    with pytest.raises(ValidationError, match="already been decided"):
        match_candidate_merge(candidate=candidate, keep=pair[0], by=cast.peer)
    assert not ParticipantMerge.objects.exists()


def test_dismissing_is_audited(cast, pair):
    candidate = MatchCandidate.objects.get()
    match_candidate_dismiss(candidate=candidate, by=cast.supervisor)
    event = AuditEvent.objects.get(target_type="participants.matchcandidate", action=AuditEvent.Action.UPDATE)
    assert event.participant_ids == sorted(p.pk for p in pair)
    assert event.changes == {"status": ["pending", "dismissed"]}


def test_only_the_programs_team_can_decide_a_candidate(cast, pair):
    candidate = MatchCandidate.objects.get()
    for member in (cast.partner, cast.outsider):
        with pytest.raises(ValidationError):
            match_candidate_dismiss(candidate=candidate, by=member)
    candidate.refresh_from_db()
    assert candidate.status == MatchCandidate.Status.PENDING
