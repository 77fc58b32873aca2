"""Encounters: what was given comes out of stock, who was there, the lock period, addenda and edit conflicts."""

import datetime as dt

import pytest
from django.utils import timezone

from port.audit.models import AuditEvent
from port.outreach.models import ContactAttempt, Encounter, EncounterItem, Mode, Outcome
from port.outreach.services import (
    EditConflict,
    EncounterIn,
    ItemIn,
    OutreachRefused,
    contact_attempt_record,
    encounter_add_addendum,
    encounter_locked,
    encounter_record,
    encounter_update,
    supporter_save,
)
from port.referrals.models import Referral, Status
from port.supplies.models import StockBalance, StockMovement
from port.testing.outreach import a_supporter, assigned_referral
from port.testing.supplies import receive

Kind = EncounterItem.Kind
Recipient = EncounterItem.Recipient


def visit(**kwargs) -> EncounterIn:
    return EncounterIn(**{"mode": Mode.IN_PERSON, **kwargs})


def test_two_naloxone_kits_from_the_earliest_lot_and_a_supporter_trained(cast, referral, stock):
    later = stock.lot("LATE", days=300)
    earliest = stock.lot("EARLY", days=90)
    receive(cast, later, stock.pat_bag, 5)
    receive(cast, earliest, stock.pat_bag, 5)
    supporter = a_supporter(cast.peer, referral.participant)

    encounter = encounter_record(
        by=cast.peer,
        participant=referral.participant,
        referral=referral,
        data=visit(
            supporters_present=[supporter],
            items=[
                ItemIn(kind=Kind.SUPPLY, quantity=2, lot=earliest, location=stock.pat_bag),
                ItemIn(kind=Kind.NALOXONE_TRAINING, recipient_type=Recipient.SUPPORTER, supporter=supporter),
            ],
        ),
    )

    assert StockBalance.objects.get(lot=earliest, location=stock.pat_bag).quantity == 3
    assert StockBalance.objects.get(lot=later, location=stock.pat_bag).quantity == 5
    given = encounter.items.get(kind=Kind.SUPPLY)
    assert (given.quantity, given.lot, given.supply_item, given.recipient_type) == (
        2,
        earliest,
        stock.naloxone,
        Recipient.PARTICIPANT,
    )
    movement = StockMovement.objects.get(encounter_item=given)
    assert (movement.kind, movement.quantity) == (StockMovement.Kind.DISTRIBUTE, -2)
    trained = encounter.items.get(kind=Kind.NALOXONE_TRAINING)
    assert (trained.recipient_type, trained.supporter) == (Recipient.SUPPORTER, supporter)
    assert list(encounter.supporters_present.all()) == [supporter]


def test_not_enough_stock_saves_nothing(cast, participant, stock):
    lot = stock.lot("FEW")
    receive(cast, lot, stock.office, 1)
    with pytest.raises(OutreachRefused, match="Only 1"):
        encounter_record(
            by=cast.peer,
            participant=participant,
            data=visit(
                goals="get my own place", items=[ItemIn(kind=Kind.SUPPLY, quantity=2, lot=lot, location=stock.office)]
            ),
        )
    assert not Encounter.objects.exists()
    assert StockBalance.objects.get(lot=lot, location=stock.office).quantity == 1


def test_supplies_given_to_a_supporter_without_agreement_are_refused(cast, participant, stock):
    lot = stock.lot("L1")
    receive(cast, lot, stock.office, 3)
    stranger = a_supporter(cast.peer, participant, agreed=False)
    with pytest.raises(OutreachRefused, match="not agreed"):
        encounter_record(
            by=cast.peer,
            participant=participant,
            data=visit(
                items=[
                    ItemIn(
                        kind=Kind.SUPPLY,
                        lot=lot,
                        location=stock.office,
                        recipient_type=Recipient.SUPPORTER,
                        supporter=stranger,
                    )
                ]
            ),
        )
    assert StockBalance.objects.get(lot=lot, location=stock.office).quantity == 3


def test_a_supporter_without_agreement_cannot_be_present(cast, participant):
    stranger = a_supporter(cast.peer, participant, agreed=False)
    with pytest.raises(OutreachRefused, match="agreed"):
        encounter_record(by=cast.peer, participant=participant, data=visit(supporters_present=[stranger]))


def test_someone_must_have_been_there(cast, participant):
    with pytest.raises(OutreachRefused, match="who was present"):
        encounter_record(by=cast.peer, participant=participant, data=visit(participant_present=False))


def test_an_encounter_after_an_attempt_is_linked_to_it_and_its_referral(cast, referral):
    reached = contact_attempt_record(
        by=cast.peer, referral=referral, mode=Mode.PHONE, outcome=Outcome.REACHED_PARTICIPANT
    )
    encounter = encounter_record(
        by=cast.peer, participant=referral.participant, attempt=reached, data=visit(mode=Mode.PHONE)
    )
    assert (encounter.attempt, encounter.referral) == (reached, referral)
    assert ContactAttempt.objects.count() == 1


def test_one_attempt_leads_to_one_encounter(cast, referral):
    reached = contact_attempt_record(
        by=cast.peer, referral=referral, mode=Mode.PHONE, outcome=Outcome.REACHED_PARTICIPANT
    )
    encounter_record(by=cast.peer, participant=referral.participant, attempt=reached, data=visit())
    with pytest.raises(OutreachRefused, match="already"):
        encounter_record(by=cast.peer, participant=referral.participant, attempt=reached, data=visit())


def test_an_attempt_that_reached_nobody_cannot_have_an_encounter(cast, referral):
    missed = contact_attempt_record(by=cast.peer, referral=referral, mode=Mode.PHONE, outcome=Outcome.NO_ANSWER)
    with pytest.raises(OutreachRefused, match="reached nobody"):
        encounter_record(by=cast.peer, participant=referral.participant, attempt=missed, data=visit())


def test_a_first_visit_nobody_logged_an_attempt_for_stamps_the_referral(cast, referral):
    when = timezone.now() - dt.timedelta(hours=1)
    encounter = encounter_record(
        by=cast.peer, participant=referral.participant, referral=referral, data=visit(occurred_at=when)
    )
    referral = Referral.objects.get(pk=referral.pk)
    assert referral.status == Status.REACHED
    assert referral.first_attempt_at == referral.first_contact_at == when
    assert encounter.attempt.outcome == Outcome.REACHED_PARTICIPANT


def test_a_later_visit_adds_no_attempt(cast, referral):
    contact_attempt_record(by=cast.peer, referral=referral, mode=Mode.PHONE, outcome=Outcome.REACHED_PARTICIPANT)
    encounter = encounter_record(
        by=cast.peer, participant=referral.participant, referral=Referral.objects.get(pk=referral.pk), data=visit()
    )
    assert encounter.attempt is None
    assert ContactAttempt.objects.count() == 1


def test_another_participants_referral_is_refused(cast, participant):
    other = assigned_referral(cast, first_name="Dana", last_name="Quill", phone="412-555-0199")
    with pytest.raises(OutreachRefused, match="another person"):
        encounter_record(by=cast.peer, participant=participant, referral=other, data=visit())


@pytest.mark.parametrize("member", ["partner", "outsider"])
def test_only_the_programs_team_records_encounters(cast, participant, member):
    with pytest.raises(OutreachRefused):
        encounter_record(by=getattr(cast, member), participant=participant, data=visit())


def test_an_encounter_is_audited(cast, participant):
    encounter = encounter_record(by=cast.peer, participant=participant, data=visit())
    event = AuditEvent.objects.get(target_type="outreach.encounter", action=AuditEvent.Action.CREATE)
    assert event.target_ids == [str(encounter.pk)]
    assert event.participant_ids == [participant.pk]


# --- lock period, edits, addenda -----------------------------------------------------------------


@pytest.fixture
def encounter(cast, participant) -> Encounter:
    return encounter_record(by=cast.peer, participant=participant, data=visit(goals="sleep better"))


def age(encounter: Encounter, hours: float) -> Encounter:
    Encounter.objects.filter(pk=encounter.pk).update(created_at=timezone.now() - dt.timedelta(hours=hours))
    return Encounter.objects.select_related("program").get(pk=encounter.pk)


def test_the_author_can_edit_within_the_edit_period(cast, encounter):
    encounter = age(encounter, cast.program.encounter_edit_hours - 1)
    assert not encounter_locked(encounter)
    updated = encounter_update(
        by=cast.peer, encounter=encounter, version=1, goals="sleep better, see my kids", readiness=6
    )
    assert (updated.goals, updated.readiness, updated.version) == ("sleep better, see my kids", 6, 2)


def test_after_the_edit_period_the_encounter_is_locked(cast, encounter):
    encounter = age(encounter, cast.program.encounter_edit_hours + 1)
    assert encounter_locked(encounter)
    with pytest.raises(OutreachRefused, match="locked"):
        encounter_update(by=cast.peer, encounter=encounter, version=1, goals="changed")
    assert Encounter.objects.get(pk=encounter.pk).goals == "sleep better"


def test_the_programs_edit_period_applies(cast, encounter):
    cast.program.encounter_edit_hours = 1
    cast.program.save()
    assert encounter_locked(age(encounter, 2))


def test_after_the_lock_a_correction_is_an_addendum(cast, encounter):
    encounter = age(encounter, cast.program.encounter_edit_hours + 1)
    addendum = encounter_add_addendum(by=cast.peer, encounter=encounter, text="  Also gave a bus pass.  ")
    assert addendum.text == "Also gave a bus pass."
    assert Encounter.objects.get(pk=encounter.pk).goals == "sleep better"
    assert AuditEvent.objects.filter(target_type="outreach.encounteraddendum").exists()


def test_an_empty_addendum_is_refused(cast, encounter):
    with pytest.raises(OutreachRefused, match="Write"):
        encounter_add_addendum(by=cast.peer, encounter=encounter, text="   ")


def test_only_the_author_can_edit(cast, encounter):
    with pytest.raises(OutreachRefused, match="Only the person who wrote"):
        encounter_update(by=cast.peer2, encounter=encounter, version=1, goals="mine now")


def test_a_second_save_of_the_same_version_is_refused_and_nothing_is_overwritten(cast, encounter):
    encounter_update(by=cast.peer, encounter=encounter, version=1, goals="first save")
    with pytest.raises(EditConflict) as conflict:
        encounter_update(by=cast.peer, encounter=encounter, version=1, goals="second save")
    assert conflict.value.current.goals == "first save"
    assert conflict.value.current.version == 2
    saved = Encounter.objects.get(pk=encounter.pk)
    assert (saved.goals, saved.version) == ("first save", 2)


def test_re_applying_against_the_current_version_saves(cast, encounter):
    encounter_update(by=cast.peer, encounter=encounter, version=1, goals="first save")
    encounter_update(by=cast.peer, encounter=encounter, version=2, goals="second save")
    assert Encounter.objects.get(pk=encounter.pk).version == 3


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"readiness": 11}, "0 to 10"),
        ({"mode": "fax"}, "how"),
        ({"occurred_at": timezone.now() + dt.timedelta(days=1)}, "future"),
        ({"participant_present": False}, "who was present"),
        ({"author": None}, "cannot be changed"),
    ],
)
def test_edits_are_checked_like_new_encounters(cast, encounter, changes, message):
    with pytest.raises(OutreachRefused, match=message):
        encounter_update(by=cast.peer, encounter=encounter, version=1, **changes)
    assert Encounter.objects.get(pk=encounter.pk).version == 1


# --- supporters ----------------------------------------------------------------------------------


def test_recording_the_agreement_stamps_who_and_when(cast, participant):
    supporter = a_supporter(cast.peer, participant, agreed=False)
    assert supporter.consent_recorded_at is None
    supporter = supporter_save(by=cast.peer2, participant=participant, supporter=supporter, consent_to_contact=True)
    assert supporter.consent_recorded_by == cast.peer2.user
    assert supporter.consent_recorded_at is not None
    stamped = supporter.consent_recorded_at
    supporter = supporter_save(by=cast.peer, participant=participant, supporter=supporter, needs="counseling")
    assert (supporter.consent_recorded_by, supporter.consent_recorded_at) == (cast.peer2.user, stamped)


def test_withdrawing_the_agreement_clears_the_stamp(cast, participant):
    supporter = a_supporter(cast.peer, participant)
    supporter = supporter_save(by=cast.peer, participant=participant, supporter=supporter, consent_to_contact=False)
    assert supporter.consent_recorded_at is None and supporter.consent_recorded_by is None


def test_a_supporter_needs_a_name_and_a_relationship(cast, participant):
    with pytest.raises(OutreachRefused, match="first name"):
        supporter_save(by=cast.peer, participant=participant, first_name=" ", relationship="friend")
    with pytest.raises(OutreachRefused, match="related"):
        supporter_save(by=cast.peer, participant=participant, first_name="Robin", relationship="")


def test_only_a_supporters_own_fields_can_be_set(cast, participant):
    with pytest.raises(OutreachRefused, match="cannot be changed"):
        supporter_save(
            by=cast.peer, participant=participant, first_name="Robin", relationship="friend", program=cast.other_program
        )
