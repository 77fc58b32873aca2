"""The intake service every channel calls: validation, finding the person, the deadline, the audit."""

import datetime as dt
import json

import pytest
from django.forms.models import model_to_dict

from port.accounts.models import AcuityLevel
from port.audit.models import AuditEvent
from port.participants.models import MatchCandidate, Participant, ParticipantAlias, ParticipantPhone
from port.participants.services import participant_create
from port.referrals.intake import (
    IntakeRejected,
    referral_intake,
    validate_submission,
)
from port.referrals.models import Channel, OverdoseEvent, Referral, ReferralChange, Source, Status
from port.security.accounts import api_token_issue
from port.testing.referrals import HOUR, NOW, intake, submission

MINUTE = dt.timedelta(minutes=1)
DOB = dt.date(1990, 5, 17)
PHONE = "+14125550142"


COUNTED = (
    Participant,
    ParticipantPhone,
    ParticipantAlias,
    MatchCandidate,
    OverdoseEvent,
    Referral,
    ReferralChange,
    AuditEvent,
)


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


# ---- every channel ----


@pytest.mark.parametrize("channel", Channel.values)
def test_each_channel_creates_a_received_referral_recorded_with_its_channel(cast, channel):
    result = intake(cast, channel=channel)

    referral = Referral.objects.get()
    assert result.created is True
    assert result.referral == referral
    assert referral.channel == channel
    assert referral.status == Status.RECEIVED
    assert referral.program == cast.program
    assert referral.changes.get().to_status == Status.RECEIVED


def test_the_referral_keeps_everything_the_sender_gave(cast):
    sub = submission(
        participant={
            "preferred_name": "Jo",
            "date_of_birth": DOB,
            "address": " 12 Main St ",
            "location_notes": "Behind the library",
            "preferred_language": "Spanish",
        },
        overdose={
            "occurred_at": NOW - 3 * HOUR,
            "location": "Riverside Park",
            "substances": ["fentanyl", " ", "xylazine"],
            "naloxone_doses": 2,
            "naloxone_given_by": "ems",
            "transported": True,
        },
        acuity="elevated",
        consent_to_contact=True,
        notes="Prefers texts.",
        external_id="ED-1",
    )
    referral = intake(cast, sub, agency=cast.ed, submitted_by=cast.partner).referral

    assert referral.source == Source.EMERGENCY_DEPARTMENT
    assert referral.referring_agency == cast.ed
    assert referral.referred_by == cast.partner.user
    assert referral.external_id == "ED-1"
    assert referral.acuity.code == "elevated"
    assert referral.consent_to_contact is True
    assert referral.notes == "Prefers texts."
    event = referral.overdose_event
    assert (event.occurred_at, event.location, event.substances) == (
        NOW - 3 * HOUR,
        "Riverside Park",
        ["fentanyl", "xylazine"],
    )
    assert (event.naloxone_doses, event.naloxone_given_by, event.transported) == (2, "ems", True)
    person = referral.participant
    assert (person.first_name, person.preferred_name, person.date_of_birth) == ("Jordan", "Jo", DOB)
    assert person.address == "12 Main St"
    assert list(person.phones.values_list("number", flat=True)) == [PHONE]
    assert referral.submitted_participant["phone"] == PHONE
    assert referral.submitted_participant["date_of_birth"] == DOB.isoformat()


def test_the_public_page_keeps_who_asked(cast):
    sub = submission(source=Source.FAMILY, referrer_name="Dana", referrer_contact="412-555-0177")
    referral = intake(cast, sub, channel=Channel.PUBLIC_FORM).referral
    assert (referral.referrer_name, referral.referrer_contact) == ("Dana", "412-555-0177")
    assert referral.referring_agency is None
    assert referral.referred_by is None


def test_a_place_to_find_the_person_is_enough_without_phone_or_address(cast):
    sub = submission(participant={"phone": "", "location_notes": "Under the 5th St bridge, mornings"})
    assert intake(cast, sub).referral.participant.phones.count() == 0


# ---- idempotency ----


def test_the_same_external_id_from_the_same_agency_returns_the_same_referral(cast):
    first = intake(cast, submission(external_id="ED-77"), agency=cast.ed)
    before = counts()

    again = intake(cast, submission(external_id="ED-77", notes="resent"), agency=cast.ed)

    assert again.created is False
    assert again.referral == first.referral
    assert again.match == first.match
    assert counts() == before


def test_the_same_external_id_from_another_agency_is_a_new_referral(cast):
    first = intake(cast, submission(external_id="42"), agency=cast.ed)
    second = intake(cast, submission(external_id="42"), agency=cast.two_one_one)

    assert second.created is True
    assert second.referral != first.referral
    assert Referral.objects.filter(external_id="42").count() == 2


def test_a_retry_with_the_name_in_other_case_or_accents_is_still_the_same_referral(cast):
    first = intake(cast, submission(external_id="ED-78", participant={"date_of_birth": DOB}), agency=cast.ed)
    again = intake(
        cast,
        submission(external_id="ED-78", participant={"first_name": "JORDÁN", "date_of_birth": DOB}),
        agency=cast.ed,
    )
    assert (again.created, again.referral) == (False, first.referral)


@pytest.mark.parametrize(
    "other",
    [
        {"first_name": "Casey", "last_name": "Nguyen"},
        {"date_of_birth": dt.date(1991, 2, 3)},
    ],
)
def test_a_reference_number_already_used_for_another_person_is_refused_on_that_field(cast, other):
    intake(cast, submission(external_id="ED-79", participant={"date_of_birth": DOB}), agency=cast.ed)
    before = counts()

    with pytest.raises(IntakeRejected) as refused:
        intake(cast, submission(external_id="ED-79", participant={"date_of_birth": DOB, **other}), agency=cast.ed)

    assert list(refused.value.errors) == ["external_id"]
    message = refused.value.errors["external_id"]
    assert "already used" in message
    for sent in ("ED-79", "Casey", "Nguyen", "1991"):
        assert sent not in message
    assert counts() == before


def test_a_reference_number_used_for_another_overdose_of_the_same_person_is_refused(cast):
    intake(cast, submission(external_id="ED-80", overdose={"occurred_at": NOW - 30 * HOUR}), agency=cast.ed)
    # A resend that gives the same overdose a few minutes differently is still a retry...
    again = intake(
        cast, submission(external_id="ED-80", overdose={"occurred_at": NOW - 30 * HOUR + 10 * MINUTE}), agency=cast.ed
    )
    assert again.created is False
    # ...an overdose the next day is another referral and needs its own number.
    with pytest.raises(IntakeRejected) as refused:
        intake(cast, submission(external_id="ED-80", overdose={"occurred_at": NOW - 2 * HOUR}), agency=cast.ed)
    assert list(refused.value.errors) == ["external_id"]


def test_a_reused_reference_number_is_reported_with_the_other_problems(cast):
    intake(cast, submission(external_id="ED-81"), agency=cast.ed)
    with pytest.raises(IntakeRejected) as refused:
        intake(
            cast,
            submission(external_id="ED-81", source="carrier pigeon", participant={"first_name": "Casey"}),
            agency=cast.ed,
        )
    assert set(refused.value.errors) == {"external_id", "source"}


def test_surrounding_spaces_do_not_make_an_external_id_new(cast):
    first = intake(cast, submission(external_id="ED-9"), agency=cast.ed)
    assert intake(cast, submission(external_id="  ED-9 "), agency=cast.ed).referral == first.referral


# ---- finding the person ----


def test_an_exact_match_links_to_the_existing_person_and_fills_what_was_missing(cast):
    known = participant_create(
        program=cast.program, first_name="Jordan", last_name="Rivera", date_of_birth=DOB, preferred_language="Spanish"
    )
    sub = submission(participant={"date_of_birth": DOB, "address": "12 Main St", "preferred_language": "English"})

    result = intake(cast, sub)

    known.refresh_from_db()
    assert result.match == "exact"
    assert result.referral.participant == known
    assert Participant.objects.count() == 1
    assert MatchCandidate.objects.count() == 0
    assert known.address == "12 Main St"  # was blank: filled
    assert known.preferred_language == "Spanish"  # was known: kept; the referral keeps what it said
    assert result.referral.submitted_participant["preferred_language"] == "English"
    assert list(known.phones.values_list("number", flat=True)) == [PHONE]  # a new phone is added


def test_an_exact_match_on_name_and_phone_fills_a_missing_birth_date(cast):
    known = participant_create(program=cast.program, first_name="Jordan", last_name="Rivera", phone=PHONE)
    result = intake(cast, submission(participant={"date_of_birth": DOB}))
    known.refresh_from_db()
    assert result.match == "exact"
    assert known.date_of_birth == DOB
    assert known.phones.count() == 1  # the same phone is not added twice


def test_a_referral_under_a_known_alias_links_to_the_person_without_repeating_the_alias(cast):
    known = participant_create(program=cast.program, first_name="Jordana", last_name="Rivera-Lopez", date_of_birth=DOB)
    ParticipantAlias.objects.create(
        participant=known, first_name="Jordan", last_name="Rivera", name_key="jordan|rivera"
    )

    result = intake(cast, submission(participant={"date_of_birth": DOB}))

    assert result.match == "exact"
    assert result.referral.participant == known
    assert known.aliases.count() == 1
    assert known.phones.get().number == PHONE


def test_a_likely_match_creates_a_new_person_and_asks_a_person_to_decide(cast):
    known = participant_create(program=cast.program, first_name="Jordan", last_name="Rivera", date_of_birth=DOB)

    result = intake(cast, submission(participant={"first_name": "Jordon", "date_of_birth": DOB}))

    assert result.match == "likely"
    new = result.referral.participant
    assert new != known
    assert result.referral.match_result == "likely"
    candidate = MatchCandidate.objects.get()
    assert (candidate.new_participant, candidate.existing_participant) == (new, known)
    assert candidate.status == MatchCandidate.Status.PENDING
    assert "similar name" in candidate.reasons
    known.refresh_from_db()
    assert known.phones.count() == 0  # nothing is copied onto a record nobody has confirmed


def test_the_same_phone_under_another_name_is_only_a_likely_match(cast):
    known = participant_create(program=cast.program, first_name="Casey", last_name="Nguyen", phone=PHONE)
    result = intake(cast)
    assert result.match == "likely"
    assert MatchCandidate.objects.get().existing_participant == known


def test_two_exact_matches_link_to_the_newer_record_and_queue_the_pair_for_review(cast):
    older = participant_create(program=cast.program, first_name="Jordan", last_name="Rivera", date_of_birth=DOB)
    newer = participant_create(program=cast.program, first_name="Jordan", last_name="Rivera", date_of_birth=DOB)
    newer.created_at = older.created_at + HOUR
    newer.save()

    result = intake(cast, submission(participant={"date_of_birth": DOB}))

    assert result.match == "exact"
    assert result.referral.participant == newer
    assert Participant.objects.count() == 2
    candidate = MatchCandidate.objects.get()
    assert {candidate.new_participant, candidate.existing_participant} == {older, newer}
    assert candidate.status == MatchCandidate.Status.PENDING


def test_more_referrals_for_a_person_with_two_records_make_no_record_and_queue_the_pair_once(cast):
    for _ in range(2):
        participant_create(program=cast.program, first_name="Jordan", last_name="Rivera", date_of_birth=DOB)
    for number in range(3):
        intake(cast, submission(participant={"date_of_birth": DOB}, external_id=f"ED-{number}"), agency=cast.ed)

    assert Participant.objects.count() == 2
    assert Referral.objects.count() == 3
    assert MatchCandidate.objects.count() == 1


def test_a_pair_a_person_already_dismissed_is_not_asked_about_again(cast):
    one = participant_create(program=cast.program, first_name="Jordan", last_name="Rivera", date_of_birth=DOB)
    two = participant_create(program=cast.program, first_name="Jordan", last_name="Rivera", date_of_birth=DOB)
    MatchCandidate.objects.create(
        program=cast.program, new_participant=one, existing_participant=two, status=MatchCandidate.Status.DISMISSED
    )
    intake(cast, submission(participant={"date_of_birth": DOB}))
    assert list(MatchCandidate.objects.values_list("status", flat=True)) == [MatchCandidate.Status.DISMISSED]


def test_a_new_record_is_queued_with_at_most_five_possible_duplicates_strongest_first(cast):
    # A shelter's phone is given by many people: every one of them is a likely match.
    people = [
        participant_create(program=cast.program, first_name=name, last_name="Nguyen", phone=PHONE)
        for name in ("Casey", "Dana", "Eli", "Frankie", "Gale", "Harper", "Indy", "Jules")
    ]
    twin = participant_create(
        program=cast.program, first_name="Jordon", last_name="Rivera", phone=PHONE, date_of_birth=DOB
    )

    result = intake(cast, submission(participant={"date_of_birth": DOB}))

    assert result.match == "likely"
    queued = list(
        MatchCandidate.objects.filter(new_participant=result.referral.participant).values_list(
            "existing_participant", flat=True
        )
    )
    assert len(queued) == 5
    assert twin.pk in queued  # similar name, birth date and phone: the strongest
    assert set(queued) <= {p.pk for p in [*people, twin]}


def test_someone_nobody_knows_is_a_new_participant(cast):
    result = intake(cast)
    assert result.match == "new"
    assert Participant.objects.get() == result.referral.participant
    assert MatchCandidate.objects.count() == 0


def test_a_person_known_to_another_program_is_new_here(cast):
    participant_create(
        program=cast.other_program, first_name="Jordan", last_name="Rivera", date_of_birth=DOB, phone=PHONE
    )
    result = intake(cast, submission(participant={"date_of_birth": DOB}))
    assert result.match == "new"
    assert result.referral.participant.program == cast.program


# ---- the deadline ----


@pytest.mark.parametrize(("acuity", "hours"), [("high", 24), ("elevated", 48), ("standard", 72)])
def test_the_deadline_is_the_received_time_plus_the_acuity_window(cast, acuity, hours):
    referral = intake(cast, submission(acuity=acuity)).referral
    assert referral.acuity.code == acuity
    assert referral.contact_deadline == NOW - HOUR + hours * HOUR


def test_without_an_acuity_the_least_urgent_level_applies(cast):
    referral = intake(cast, submission(acuity="")).referral
    assert referral.acuity.code == "standard"
    assert referral.contact_deadline == NOW - HOUR + 72 * HOUR


def test_the_programs_own_windows_are_used(cast):
    AcuityLevel.objects.filter(program=cast.program, code="high").update(window_hours=12)
    assert intake(cast, submission(acuity="high")).referral.contact_deadline == NOW - HOUR + 12 * HOUR


def test_the_clock_starts_when_the_person_becomes_available(cast):
    discharge = NOW + 30 * HOUR
    referral = intake(cast, submission(acuity="high", available_from=discharge)).referral
    assert referral.available_from == discharge
    assert referral.contact_deadline == discharge + 24 * HOUR


def test_an_available_from_before_the_received_time_does_not_move_the_clock(cast):
    referral = intake(cast, submission(acuity="high", available_from=NOW - 5 * HOUR)).referral
    assert referral.contact_deadline == NOW - HOUR + 24 * HOUR


def test_without_a_received_time_the_referral_is_received_now(cast):
    referral = intake(cast, submission(received_at=None, acuity="high")).referral
    assert referral.received_at == NOW
    assert referral.contact_deadline == NOW + 24 * HOUR


def test_the_window_is_elapsed_hours_across_daylight_saving(cast):
    # Saturday 8 March 2025, 9 pm in New York; clocks spring forward that night.
    received = dt.datetime(2025, 3, 9, 2, 0, tzinfo=dt.UTC)
    referral = referral_intake(
        program=cast.program,
        submission=submission(received_at=received, acuity="high"),
        channel=Channel.API,
        now=received,
    ).referral
    assert referral.contact_deadline == dt.datetime(2025, 3, 10, 2, 0, tzinfo=dt.UTC)  # 24 h on: Sunday 10 pm EDT


# ---- bad input: a message per field, and nothing saved ----

BAD_SUBMISSIONS = {
    "no way to reach": (
        {"participant": {"phone": "", "address": " ", "location_notes": ""}},
        "participant.phone",
        "Give a way to reach the person",
    ),
    "bad phone": ({"participant": {"phone": "12"}}, "participant.phone", "not a phone number"),
    "letters for a phone": ({"participant": {"phone": "call the shelter"}}, "participant.phone", "not a phone number"),
    "future birth date": (
        {"participant": {"date_of_birth": dt.date(2025, 6, 11)}},
        "participant.date_of_birth",
        "in the future",
    ),
    "birth date before 1900": (
        {"participant": {"date_of_birth": dt.date(1899, 12, 31)}},
        "participant.date_of_birth",
        "before 1900",
    ),
    "future received time": ({"received_at": NOW + HOUR}, "received_at", "in the future"),
    "future overdose": (
        {"received_at": None, "overdose": {"occurred_at": NOW + HOUR}},
        "overdose.occurred_at",
        "in the future",
    ),
    "overdose after it was received": (
        {"received_at": NOW - 2 * HOUR, "overdose": {"occurred_at": NOW - HOUR}},
        "overdose.occurred_at",
        "after the referral was received",
    ),
    "available more than 30 days ahead": (
        {"available_from": NOW + dt.timedelta(days=31)},
        "available_from",
        "more than 30 days",
    ),
    "unknown source": ({"source": "hospital"}, "source", "Unknown source"),
    "unknown acuity": ({"acuity": "critical"}, "acuity", "Unknown acuity"),
    "unknown naloxone giver": (
        {"overdose": {"naloxone_given_by": "neighbour"}},
        "overdose.naloxone_given_by",
        "Unknown value",
    ),
    "negative naloxone doses": ({"overdose": {"naloxone_doses": -1}}, "overdose.naloxone_doses", "from 0 to 20"),
    "too many naloxone doses": ({"overdose": {"naloxone_doses": 21}}, "overdose.naloxone_doses", "from 0 to 20"),
}


@pytest.mark.parametrize(("fields", "path", "message"), BAD_SUBMISSIONS.values(), ids=BAD_SUBMISSIONS.keys())
def test_bad_input_is_refused_with_a_message_for_its_field_and_creates_nothing(cast, fields, path, message):
    participant_create(program=cast.program, first_name="Jordan", last_name="Rivera", phone=PHONE)
    before = counts()

    with pytest.raises(IntakeRejected) as rejected:
        intake(cast, submission(**fields), agency=cast.ed, submitted_by=cast.partner)

    assert list(rejected.value.errors) == [path]
    assert message in rejected.value.errors[path]
    assert counts() == before


def test_every_problem_is_reported_at_once(cast):
    sub = submission(source="hospital", acuity="critical", participant={"phone": "12"}, overdose={"naloxone_doses": 99})
    with pytest.raises(IntakeRejected) as rejected:
        intake(cast, sub)
    assert set(rejected.value.errors) == {"source", "acuity", "participant.phone", "overdose.naloxone_doses"}


def test_the_unknown_acuity_message_lists_the_programs_levels(cast):
    with pytest.raises(IntakeRejected) as rejected:
        intake(cast, submission(acuity="critical"))
    assert "high, elevated, standard" in rejected.value.errors["acuity"]


def test_a_program_without_acuity_levels_cannot_take_referrals(cast):
    AcuityLevel.objects.filter(program=cast.program).delete()
    with pytest.raises(IntakeRejected) as rejected:
        intake(cast, submission(acuity=""))
    assert "no acuity levels" in rejected.value.errors["acuity"]


def test_the_birth_date_is_checked_against_the_programs_calendar(cast):
    # 10 pm on 10 June in New York is already 11 June in UTC: a birth date of 11 June is still tomorrow.
    late_evening = dt.datetime(2025, 6, 11, 2, 0, tzinfo=dt.UTC)
    sub = submission(received_at=late_evening, participant={"date_of_birth": dt.date(2025, 6, 11)})
    with pytest.raises(IntakeRejected) as rejected:
        referral_intake(program=cast.program, submission=sub, channel=Channel.API, now=late_evening)
    assert "participant.date_of_birth" in rejected.value.errors


@pytest.mark.parametrize(
    "fields",
    [
        {"received_at": NOW + dt.timedelta(minutes=5)},  # the sender's clock runs a little fast
        {"received_at": NOW, "overdose": {"occurred_at": NOW + dt.timedelta(minutes=5)}},
        {"available_from": NOW + dt.timedelta(days=29)},
        {"overdose": {"naloxone_doses": 0}},
        {"overdose": {"naloxone_doses": 20}},
        {"participant": {"date_of_birth": dt.date(1900, 1, 1)}},
        {"participant": {"date_of_birth": dt.date(2025, 6, 10)}},  # born today
        {"source": Source.SELF, "acuity": "high", "overdose": {"naloxone_given_by": "bystander"}},
    ],
    ids=[
        "small clock skew",
        "overdose within skew",
        "available in 29 days",
        "no naloxone",
        "20 doses",
        "born 1900",
        "born today",
        "known codes",
    ],
)
def test_values_at_the_edges_are_accepted(cast, fields):
    assert intake(cast, submission(**fields)).created is True


def test_validate_submission_returns_the_default_level_and_a_dialable_phone(cast):
    sub = submission(acuity="", participant={"phone": "(412) 555-0142"})
    acuity, errors = validate_submission(program=cast.program, submission=sub, now=NOW)
    assert errors == {}
    assert acuity.code == "standard"
    assert sub.participant.phone == PHONE


def test_validate_submission_names_the_chosen_level(cast):
    acuity, errors = validate_submission(program=cast.program, submission=submission(acuity="high"), now=NOW)
    assert (acuity.code, errors) == ("high", {})


# ---- names that look the same ----


def test_a_name_with_a_cyrillic_letter_links_to_the_person_spelled_in_latin_letters(cast):
    known = participant_create(program=cast.program, first_name="Maria", last_name="Rivera", date_of_birth=DOB)
    result = intake(cast, submission(participant={"first_name": "M\u0430ria", "date_of_birth": DOB}))
    assert (result.match, result.referral.participant) == ("exact", known)
    assert Participant.objects.count() == 1


def test_invisible_characters_are_not_stored_in_names_preferred_names_or_aliases(cast):
    known = participant_create(program=cast.program, first_name="Jordan", last_name="Rivera", date_of_birth=DOB)
    ParticipantAlias.objects.create(participant=known, first_name="Jordi", last_name="Rivera", name_key="jordi|rivera")
    sneaky = {
        "first_name": "Jor\u200bdi\u202e",
        "last_name": "\u2066Rivera\u2069",
        "preferred_name": "J\ufeffo",
        "date_of_birth": DOB,
    }

    result = intake(cast, submission(participant=sneaky))
    new = intake(
        cast,
        submission(participant={**sneaky, "first_name": "Sa\u200dm", "date_of_birth": None, "phone": "412-555-0188"}),
    )

    assert result.referral.participant == known
    assert result.referral.submitted_participant["first_name"] == "Jordi"
    assert result.referral.submitted_participant["last_name"] == "Rivera"
    assert result.referral.submitted_participant["preferred_name"] == "Jo"
    person = new.referral.participant
    assert (person.first_name, person.last_name, person.preferred_name) == ("Sam", "Rivera", "Jo")
    stored = [
        *Participant.objects.values_list("first_name", "last_name", "preferred_name"),
        *ParticipantAlias.objects.values_list("first_name", "last_name"),
    ]
    assert not any(ch in value for row in stored for value in row for ch in "\u200b\u200d\u202e\u2066\u2069\ufeff")


# ---- a second referral for a person a peer is working with ----


def test_a_second_referral_goes_to_the_peer_already_working_with_the_person_who_is_told(cast):
    from port.notifications.models import Notice
    from port.referrals.services import referral_assign

    first = intake(cast, submission(participant={"date_of_birth": DOB})).referral
    referral_assign(referral=first, assignee=cast.peer, by=cast.supervisor)

    second = intake(cast, submission(participant={"date_of_birth": DOB}), agency=cast.ed).referral

    second.refresh_from_db()
    assert second.participant_id == first.participant_id
    assert (second.assigned_to, second.status) == (cast.peer.user, Status.ASSIGNED)
    change = ReferralChange.objects.get(referral=second, kind=ReferralChange.Kind.ASSIGNMENT)
    assert (change.assigned_to, change.changed_by) == (cast.peer.user, None)
    audit = AuditEvent.objects.filter(
        target_type="referrals.referral", target_ids=[str(second.pk)], action=AuditEvent.Action.UPDATE
    ).get()
    assert audit.changes["assigned_to"] == [None, cast.peer.user_id]
    notice = Notice.objects.get(user=cast.peer.user)
    assert notice.referral == second
    for detail in ("Jordan", "Rivera", "0142"):
        assert detail not in notice.message


@pytest.mark.parametrize("how", ["left the program", "account disabled", "referral closed"])
def test_a_second_referral_stays_unassigned_when_nobody_is_still_working_with_the_person(cast, how):
    from port.notifications.models import Notice
    from port.referrals.services import referral_assign, referral_transition

    first = intake(cast, submission(participant={"date_of_birth": DOB})).referral
    referral_assign(referral=first, assignee=cast.peer, by=cast.supervisor)
    if how == "left the program":
        cast.peer.is_active = False
        cast.peer.save()
    elif how == "account disabled":
        cast.peer.user.is_active = False
        cast.peer.user.save()
    else:
        referral_transition(referral=first, to_status=Status.CLOSED, reason="moved", by=cast.supervisor)

    second = intake(cast, submission(participant={"date_of_birth": DOB})).referral

    second.refresh_from_db()
    assert (second.assigned_to, second.status) == (None, Status.RECEIVED)
    # No one is told of an assignment; the repeat overdose alert goes to the supervisors, not to a peer who left.
    assert not Notice.objects.exclude(warning__kind="repeat_overdose").exists()
    if how != "referral closed":
        assert not Notice.objects.filter(user=cast.peer.user).exists()


def test_a_referral_for_a_possible_duplicate_is_not_assigned_to_the_other_records_peer(cast):
    from port.referrals.services import referral_assign

    first = intake(cast, submission(participant={"date_of_birth": DOB})).referral
    referral_assign(referral=first, assignee=cast.peer, by=cast.supervisor)
    likely = intake(cast, submission(participant={"first_name": "Jordon", "date_of_birth": DOB})).referral
    likely.refresh_from_db()
    assert likely.assigned_to is None


# ---- the audit ----


def test_success_writes_one_audit_event_naming_the_participant_by_id_only(cast):
    before = AuditEvent.objects.count()
    sub = submission(participant={"date_of_birth": DOB, "address": "12 Main St"}, notes="Jordan asked for Spanish")
    referral = intake(cast, sub, agency=cast.ed, submitted_by=cast.partner).referral

    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.latest("pk")
    assert event.action == AuditEvent.Action.CREATE
    assert (event.user, event.program, event.role) == (cast.partner.user, cast.program, "partner")
    assert event.target_type == "referrals.referral"
    assert event.target_ids == [str(referral.pk)]
    assert event.participant_ids == [referral.participant_id]
    recorded = json.dumps(model_to_dict(event), default=str)
    for detail in ("Jordan", "Rivera", "555", "0142", "1990", "Main St"):
        assert detail not in recorded


def test_a_public_request_is_audited_without_a_user(cast):
    referral = intake(cast, submission(source=Source.SELF), channel=Channel.PUBLIC_FORM).referral
    event = AuditEvent.objects.get()
    assert (event.user, event.program, event.participant_ids) == (None, cast.program, [referral.participant_id])
    assert "public_form" in event.note


def test_an_api_referral_is_audited_against_its_token(cast):
    token, _raw = api_token_issue(agency=cast.ed, name="ED feed")
    intake(cast, channel=Channel.API, agency=cast.ed, api_token=token)
    event = AuditEvent.objects.get(target_type="referrals.referral")
    assert (event.api_token, event.role, event.program) == (token, "api", cast.program)


def test_a_retry_is_not_audited_as_a_second_creation(cast):
    intake(cast, submission(external_id="ED-5"), agency=cast.ed)
    intake(cast, submission(external_id="ED-5"), agency=cast.ed)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.CREATE).count() == 1
