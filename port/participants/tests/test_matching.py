"""Intake finds the existing participant: exact matches link, likely ones wait for a person."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from port.participants.matching import MatchKind, find_candidates
from port.participants.models import MatchCandidate, Participant, ParticipantAlias
from port.participants.normalize import name_key, normalize_name
from port.participants.services import participant_create, participant_merge
from port.testing.factories import submit_referral

DOB = dt.date(1988, 4, 12)
PHONE = "+14125550100"
OTHER_PHONE = "+14125550199"


def find(program, *, first_name="", last_name="", date_of_birth=None, phone=""):
    return find_candidates(
        program=program, first_name=first_name, last_name=last_name, date_of_birth=date_of_birth, phone=phone
    )


def only(candidates):
    assert len(candidates) == 1, candidates
    return candidates[0]


@pytest.fixture
def maria(cast):
    return participant_create(
        program=cast.program, first_name="Maria", last_name="Gonzalez", date_of_birth=DOB, phone=PHONE
    )


# ---- exact matches ----


def test_same_name_and_birth_date_is_an_exact_match(cast, maria):
    match = only(find(cast.program, first_name="Maria", last_name="Gonzalez", date_of_birth=DOB))
    assert match.participant == maria
    assert match.kind == MatchKind.EXACT
    assert match.reasons == ["same name", "same date of birth"]


def test_a_known_alias_and_birth_date_is_an_exact_match(cast, maria):
    ParticipantAlias.objects.create(
        participant=maria, first_name="Maria", last_name="Lopez", name_key=name_key("Maria", "Lopez")
    )
    match = only(find(cast.program, first_name="Maria", last_name="Lopez", date_of_birth=DOB))
    assert match.participant == maria
    assert match.kind == MatchKind.EXACT
    assert "same as a known alias" in match.reasons


def test_same_name_and_phone_is_an_exact_match_when_no_birth_date_is_given(cast, maria):
    match = only(find(cast.program, first_name="maria", last_name="GONZALEZ", phone=PHONE))
    assert match.kind == MatchKind.EXACT
    assert match.reasons == ["same name", "same phone number"]


def test_accents_case_and_punctuation_do_not_matter(cast):
    jose = participant_create(program=cast.program, first_name="José", last_name="O'Brien", date_of_birth=DOB)
    match = only(find(cast.program, first_name="jose", last_name="obrien", date_of_birth=DOB))
    assert match.participant == jose
    assert match.kind == MatchKind.EXACT
    assert normalize_name("  José  O'Brien-Smith ") == normalize_name("joseobriensmith")
    assert name_key("JOSÉ", "o’brien") == name_key("Jose", "OBrien") == "jose|obrien"


# ---- likely matches: a person decides ----


def test_a_name_with_lookalike_letters_from_another_script_is_an_exact_match(cast, maria):
    # "Mаria" with a Cyrillic "а", "Gonzаlez" with another: they look exactly like Maria Gonzalez.
    match = only(find(cast.program, first_name="M\u0430ria", last_name="Gonz\u0430lez", date_of_birth=DOB))
    assert (match.participant, match.kind) == (maria, MatchKind.EXACT)


def test_a_cyrillic_name_matches_the_same_cyrillic_name(cast):
    olga = participant_create(program=cast.program, first_name="Ольга", last_name="Петрова", date_of_birth=DOB)
    match = only(find(cast.program, first_name="ОЛЬГА", last_name="петрова", date_of_birth=DOB))
    assert (match.participant, match.kind) == (olga, MatchKind.EXACT)


def test_a_typo_in_the_name_with_the_same_birth_date_is_likely(cast, maria):
    match = only(find(cast.program, first_name="Marai", last_name="Gonzales", date_of_birth=DOB))
    assert match.kind == MatchKind.LIKELY
    assert match.reasons == ["same date of birth", "similar name"]


def test_first_and_last_name_swapped_with_the_same_birth_date_is_likely(cast, maria):
    match = only(find(cast.program, first_name="Gonzalez", last_name="Maria", date_of_birth=DOB))
    assert match.participant == maria
    assert match.kind == MatchKind.LIKELY
    assert "similar name" in match.reasons


def test_same_family_name_and_initial_with_the_same_birth_date_is_likely(cast):
    william = participant_create(program=cast.program, first_name="William", last_name="Brooks", date_of_birth=DOB)
    match = only(find(cast.program, first_name="Will", last_name="Brooks", date_of_birth=DOB))
    assert match.participant == william
    assert match.kind == MatchKind.LIKELY


def test_same_phone_with_a_different_name_is_likely(cast, maria):
    match = only(find(cast.program, first_name="Dana", last_name="Reyes", phone=PHONE))
    assert match.kind == MatchKind.LIKELY
    assert match.reasons == ["same phone number", "different name"]


def test_same_phone_with_a_misspelt_name_says_the_name_is_similar(cast, maria):
    match = only(find(cast.program, first_name="Maria", last_name="Gonzales", phone=PHONE))
    assert match.kind == MatchKind.LIKELY
    assert match.reasons == ["same phone number", "similar name"]


def test_same_name_without_a_birth_date_is_likely(cast, maria):
    match = only(find(cast.program, first_name="Maria", last_name="Gonzalez"))
    assert match.kind == MatchKind.LIKELY
    assert match.reasons == ["same name", "date of birth missing"]


def test_same_name_where_the_record_has_no_birth_date_is_likely(cast):
    participant_create(program=cast.program, first_name="Maria", last_name="Gonzalez")
    match = only(find(cast.program, first_name="Maria", last_name="Gonzalez", date_of_birth=DOB))
    assert match.kind == MatchKind.LIKELY
    assert "date of birth missing" in match.reasons


def test_birth_date_with_day_and_month_swapped_is_likely(cast, maria):
    swapped = dt.date(1988, 12, 4)
    match = only(find(cast.program, first_name="Maria", last_name="Gonzalez", date_of_birth=swapped))
    assert match.kind == MatchKind.LIKELY
    assert match.reasons == ["same name", "date of birth differs slightly"]


def test_same_name_and_phone_but_a_different_birth_date_is_only_likely(cast, maria):
    # A father and son with the same name often share a home phone: a person must decide.
    match = only(
        find(cast.program, first_name="Maria", last_name="Gonzalez", date_of_birth=dt.date(1961, 7, 30), phone=PHONE)
    )
    assert match.kind == MatchKind.LIKELY
    assert "date of birth differs" in match.reasons


# ---- not matches ----


def test_same_name_and_a_clearly_different_birth_date_is_no_match(cast, maria):
    assert find(cast.program, first_name="Maria", last_name="Gonzalez", date_of_birth=dt.date(1961, 7, 30)) == []


def test_same_birth_date_and_an_unrelated_name_is_no_match(cast, maria):
    assert find(cast.program, first_name="Dana", last_name="Reyes", date_of_birth=DOB) == []


def test_first_names_alone_sharing_an_initial_are_no_match(cast):
    participant_create(program=cast.program, first_name="Alex", date_of_birth=DOB)
    assert find(cast.program, first_name="Amy", date_of_birth=DOB) == []


def test_nothing_matches_across_programs(cast, maria):
    assert find(cast.other_program, first_name="Maria", last_name="Gonzalez", date_of_birth=DOB, phone=PHONE) == []


def test_merged_records_are_never_candidates(cast, maria):
    other = participant_create(
        program=cast.program, first_name="Maria", last_name="Gonzalez", date_of_birth=DOB, phone=OTHER_PHONE
    )
    participant_merge(survivor=maria, absorbed=other, by=cast.supervisor)
    candidates = find(cast.program, first_name="Maria", last_name="Gonzalez", date_of_birth=DOB, phone=OTHER_PHONE)
    assert [c.participant for c in candidates] == [maria]
    assert candidates[0].kind == MatchKind.EXACT


def test_exact_matches_come_before_likely_ones(cast, maria):
    sister = participant_create(program=cast.program, first_name="Rosa", last_name="Gonzalez", phone=PHONE)
    candidates = find(cast.program, first_name="Maria", last_name="Gonzalez", date_of_birth=DOB, phone=PHONE)
    assert [(c.participant, c.kind) for c in candidates] == [(maria, MatchKind.EXACT), (sister, MatchKind.LIKELY)]


# ---- intake uses the matching ----


def test_intake_links_an_exact_match_to_the_existing_participant(cast):
    first = submit_referral(cast.program, first_name="Maria", last_name="Gonzalez", date_of_birth=DOB)
    second = submit_referral(
        cast.program, first_name="MARÍA", last_name="gonzalez", date_of_birth=DOB, phone="(412) 555-0199"
    )
    assert second.participant_id == first.participant_id
    assert second.match_result == "exact"
    assert set(first.participant.phones.values_list("number", flat=True)) == {PHONE, OTHER_PHONE}
    assert Participant.objects.count() == 1
    assert not MatchCandidate.objects.exists()


def test_intake_creates_a_match_candidate_for_a_likely_match(cast):
    first = submit_referral(cast.program, first_name="Maria", last_name="Gonzalez", date_of_birth=DOB)
    second = submit_referral(
        cast.program, first_name="Marai", last_name="Gonzalez", date_of_birth=DOB, phone="412-555-0199"
    )
    assert second.participant_id != first.participant_id
    assert second.match_result == "likely"
    candidate = MatchCandidate.objects.get()
    assert candidate.program == cast.program
    assert candidate.new_participant == second.participant
    assert candidate.existing_participant == first.participant
    assert candidate.status == MatchCandidate.Status.PENDING
    assert "similar name" in candidate.reasons


def test_intake_with_two_exact_matches_links_one_and_asks_a_person_about_the_pair(cast):
    one = participant_create(program=cast.program, first_name="Maria", last_name="Gonzalez", date_of_birth=DOB)
    two = participant_create(program=cast.program, first_name="Maria", last_name="Gonzalez", date_of_birth=DOB)
    referral = submit_referral(cast.program, first_name="Maria", last_name="Gonzalez", date_of_birth=DOB)
    assert referral.participant == two  # the most recent record
    assert Participant.objects.count() == 2
    pair = MatchCandidate.objects.get()
    assert (pair.new_participant, pair.existing_participant) == (two, one)


def test_a_pair_of_records_is_one_possible_duplicate_whichever_is_called_new(cast):
    one = participant_create(program=cast.program, first_name="Maria", last_name="Gonzalez", date_of_birth=DOB)
    two = participant_create(program=cast.program, first_name="Maria", last_name="Gonzales", date_of_birth=DOB)
    MatchCandidate.objects.create(program=cast.program, new_participant=two, existing_participant=one)
    with pytest.raises(IntegrityError), transaction.atomic():
        MatchCandidate.objects.create(program=cast.program, new_participant=one, existing_participant=two)
    with pytest.raises(IntegrityError), transaction.atomic():
        MatchCandidate.objects.create(program=cast.program, new_participant=one, existing_participant=one)


def test_intake_with_no_match_creates_no_candidate(cast):
    submit_referral(cast.program, first_name="Maria", last_name="Gonzalez", date_of_birth=DOB)
    referral = submit_referral(cast.program, first_name="Dana", last_name="Reyes", phone="412-555-0142")
    assert referral.match_result == "new"
    assert not MatchCandidate.objects.exists()


def test_intake_in_another_program_never_matches(cast):
    first = submit_referral(cast.program, first_name="Maria", last_name="Gonzalez", date_of_birth=DOB)
    elsewhere = submit_referral(cast.other_program, first_name="Maria", last_name="Gonzalez", date_of_birth=DOB)
    assert elsewhere.participant_id != first.participant_id
    assert elsewhere.match_result == "new"
    assert not MatchCandidate.objects.exists()


def test_a_new_name_on_an_exact_match_becomes_an_alias_and_is_then_matched(cast):
    first = submit_referral(cast.program, first_name="Maria", last_name="Gonzalez", date_of_birth=DOB)
    # Same phone and the same birth date, a married name: a person links them through a merge...
    submit_referral(cast.program, first_name="Maria", last_name="Lopez", date_of_birth=DOB, phone="412-555-0100")
    candidate = MatchCandidate.objects.get()
    participant_merge(survivor=first.participant, absorbed=candidate.new_participant, by=cast.peer)
    # ...and the next referral under the married name links at once, through the alias.
    third = submit_referral(
        cast.program, first_name="Maria", last_name="Lopez", date_of_birth=DOB, phone="412-555-0177"
    )
    assert third.participant_id == first.participant_id
    assert third.match_result == "exact"


def test_a_first_name_alone_with_the_same_phone_is_only_likely(cast):
    # Many people give a shelter's or an outreach worker's phone: "Alex" and that phone is not enough.
    participant_create(program=cast.program, first_name="Alex", phone=PHONE)
    match = only(find(cast.program, first_name="Alex", phone=PHONE))
    assert match.kind == MatchKind.LIKELY
    assert match.reasons == ["same name", "same phone number", "only part of the name known"]


def test_a_last_name_alone_with_the_same_birth_date_is_only_likely(cast):
    participant_create(program=cast.program, last_name="Gonzalez", date_of_birth=DOB)
    match = only(find(cast.program, last_name="Gonzalez", date_of_birth=DOB))
    assert match.kind == MatchKind.LIKELY
