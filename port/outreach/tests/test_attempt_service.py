"""Contact attempts drive the referral: stamps, status, closing outcomes, refusals and the attempt policy."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.utils import timezone

from port.audit.models import AuditEvent
from port.outreach.models import ContactAttempt, Mode, Outcome, Place, TeamMember, TeamRole
from port.outreach.services import (
    OutreachRefused,
    TeamMemberIn,
    attempt_policy_status,
    contact_attempt_record,
)
from port.referrals.models import Referral, Status
from port.referrals.services import referral_transition
from port.testing.factories import submit_referral
from port.testing.outreach import a_supporter, assigned_referral


def attempt(by, referral, outcome=Outcome.NO_ANSWER, mode=Mode.PHONE, **kwargs) -> ContactAttempt:
    return contact_attempt_record(by=by, referral=referral, mode=mode, outcome=outcome, **kwargs)


def fresh(referral: Referral) -> Referral:
    return Referral.objects.select_related("program").get(pk=referral.pk)


# --- stamps and status ---------------------------------------------------------------------------


def test_the_first_attempt_stamps_the_referral_and_moves_it_to_attempting(cast, referral):
    when = timezone.now() - dt.timedelta(hours=2)
    attempt(cast.peer, referral, attempted_at=when)
    referral = fresh(referral)
    assert referral.status == Status.ATTEMPTING
    assert referral.first_attempt_at == when
    assert referral.first_contact_at is None


def test_the_first_successful_contact_stamps_the_referral_and_moves_it_to_reached(cast, referral):
    tried = timezone.now() - dt.timedelta(hours=3)
    reached = timezone.now() - dt.timedelta(hours=1)
    attempt(cast.peer, referral, attempted_at=tried)
    attempt(cast.peer, referral, Outcome.REACHED_PARTICIPANT, Mode.IN_PERSON, place=Place.HOME, attempted_at=reached)
    referral = fresh(referral)
    assert referral.status == Status.REACHED
    assert referral.first_attempt_at == tried
    assert referral.first_contact_at == reached


def test_reaching_the_person_on_the_first_attempt_stamps_both(cast, referral):
    attempt(cast.peer, referral, Outcome.REACHED_PARTICIPANT)
    referral = fresh(referral)
    assert referral.status == Status.REACHED
    assert referral.first_attempt_at == referral.first_contact_at


def test_a_declined_contact_counts_as_contact(cast, referral):
    attempt(cast.peer, referral, Outcome.DECLINED, Mode.IN_PERSON)
    referral = fresh(referral)
    assert referral.status == Status.REACHED
    assert referral.first_contact_at is not None


def test_reaching_only_a_supporter_is_an_attempt_but_not_contact_with_the_participant(cast, referral):
    supporter = a_supporter(cast.peer, referral.participant)
    attempt(cast.peer, referral, Outcome.REACHED_SUPPORTER, supporter=supporter)
    referral = fresh(referral)
    assert referral.status == Status.ATTEMPTING
    assert referral.first_contact_at is None


@pytest.mark.parametrize(
    ("outcome", "reason"),
    [
        (Outcome.DECEASED, "deceased"),
        (Outcome.MOVED, "moved"),
        (Outcome.INCARCERATED, "incarcerated"),
    ],
)
def test_deceased_moved_and_incarcerated_close_the_referral_with_that_reason(cast, referral, outcome, reason):
    attempt(cast.peer, referral, outcome)
    referral = fresh(referral)
    assert referral.status == Status.CLOSED
    assert referral.closed_reason == reason


def test_a_peer_who_is_not_assigned_can_still_record_a_closing_outcome(cast, referral):
    attempt(cast.peer2, referral, Outcome.MOVED)
    assert fresh(referral).closed_reason == "moved"


def test_a_back_dated_attempt_corrects_the_stamps(cast):
    referral = assigned_referral(cast, days_ago=2)
    attempt(cast.peer, referral, Outcome.REACHED_PARTICIPANT, attempted_at=timezone.now() - dt.timedelta(hours=1))
    earlier = timezone.now() - dt.timedelta(days=1)
    attempt(cast.peer, fresh(referral), Outcome.REACHED_PARTICIPANT, attempted_at=earlier)
    referral = fresh(referral)
    assert referral.first_attempt_at == earlier
    assert referral.first_contact_at == earlier


def test_a_later_attempt_does_not_move_the_stamps(cast, referral):
    first = timezone.now() - dt.timedelta(hours=2)
    attempt(cast.peer, referral, attempted_at=first)
    attempt(cast.peer, fresh(referral), attempted_at=timezone.now())
    assert fresh(referral).first_attempt_at == first


# --- who went ------------------------------------------------------------------------------------


def test_the_recorder_is_the_team_by_default(cast, referral):
    logged = attempt(cast.peer, referral)
    assert [(m.user_id, m.role) for m in logged.team.all()] == [(cast.peer.user_id, TeamRole.PEER)]


def test_the_team_can_include_colleagues_and_named_partners(cast, referral):
    logged = attempt(
        cast.peer,
        referral,
        mode=Mode.IN_PERSON,
        team=[
            TeamMemberIn(role=TeamRole.PEER, user=cast.peer.user),
            TeamMemberIn(role=TeamRole.PEER, user=cast.peer2.user),
            TeamMemberIn(role=TeamRole.EMS, name="  Jo Ruiz "),
            TeamMemberIn(role=TeamRole.POLICE, name="Officer Lee"),
        ],
    )
    team = {(m.user_id, m.name, m.role) for m in logged.team.all()}
    assert team == {
        (cast.peer.user_id, "", "peer"),
        (cast.peer2.user_id, "", "peer"),
        (None, "Jo Ruiz", "ems"),
        (None, "Officer Lee", "police"),
    }


def test_someone_outside_the_program_cannot_be_named_as_a_team_user(cast, referral):
    with pytest.raises(OutreachRefused, match="team"):
        attempt(cast.peer, referral, team=[TeamMemberIn(role=TeamRole.PEER, user=cast.outsider.user)])
    assert not ContactAttempt.objects.exists()


def test_a_named_partner_needs_a_name_and_a_known_role(cast, referral):
    with pytest.raises(OutreachRefused, match="name"):
        attempt(cast.peer, referral, team=[TeamMemberIn(role=TeamRole.EMS, name=" ")])
    with pytest.raises(OutreachRefused, match="role"):
        attempt(cast.peer, referral, team=[TeamMemberIn(role="sheriff", name="Jo")])
    assert not TeamMember.objects.exists()


# --- refusals ------------------------------------------------------------------------------------


def test_a_closed_referral_refuses_attempts(cast, referral):
    referral_transition(referral=referral, to_status=Status.CLOSED, by=cast.supervisor, reason="duplicate")
    with pytest.raises(OutreachRefused, match="closed"):
        attempt(cast.peer, fresh(referral))


def test_an_unassigned_referral_refuses_attempts(cast):
    referral = submit_referral(cast.program, agency=cast.ed, by=cast.partner)
    with pytest.raises(OutreachRefused, match="Assign"):
        attempt(cast.supervisor, referral)
    assert fresh(referral).first_attempt_at is None


def test_a_future_time_is_refused(cast, referral):
    with pytest.raises(OutreachRefused, match="future"):
        attempt(cast.peer, referral, attempted_at=timezone.now() + dt.timedelta(hours=1))
    assert fresh(referral).first_attempt_at is None


def test_a_time_before_the_referral_was_received_is_refused(cast, referral):
    with pytest.raises(OutreachRefused, match="before the referral"):
        attempt(cast.peer, referral, attempted_at=referral.received_at - dt.timedelta(days=1))


def test_a_supporter_without_the_participants_agreement_is_refused(cast, referral):
    supporter = a_supporter(cast.peer, referral.participant, agreed=False)
    with pytest.raises(OutreachRefused, match="not agreed"):
        attempt(cast.peer, referral, Outcome.REACHED_SUPPORTER, supporter=supporter)
    assert not ContactAttempt.objects.exists()


def test_reaching_a_supporter_needs_the_supporter(cast, referral):
    with pytest.raises(OutreachRefused, match="which supporter"):
        attempt(cast.peer, referral, Outcome.REACHED_SUPPORTER)


def test_another_participants_supporter_is_refused(cast, referral):
    other = assigned_referral(cast, first_name="Dana", last_name="Quill", phone="412-555-0199")
    theirs = a_supporter(cast.peer, other.participant)
    with pytest.raises(OutreachRefused, match="another participant"):
        attempt(cast.peer, referral, Outcome.REACHED_SUPPORTER, supporter=theirs)


@pytest.mark.parametrize(("field", "value"), [("mode", "carrier pigeon"), ("outcome", "maybe"), ("place", "moon")])
def test_unknown_choices_are_refused(cast, referral, field, value):
    kwargs = {"mode": Mode.PHONE, "outcome": Outcome.NO_ANSWER, field: value}
    with pytest.raises(OutreachRefused):
        contact_attempt_record(by=cast.peer, referral=referral, **kwargs)


@pytest.mark.parametrize("member", ["partner", "outsider"])
def test_only_the_programs_team_records_attempts(cast, referral, member):
    with pytest.raises(OutreachRefused):
        attempt(getattr(cast, member), referral)


def test_an_attempt_is_audited(cast, referral):
    logged = attempt(cast.peer, referral)
    event = AuditEvent.objects.get(target_type="outreach.contactattempt", action=AuditEvent.Action.CREATE)
    assert event.target_ids == [str(logged.pk)]
    assert event.participant_ids == [referral.participant_id]
    assert event.user_id == cast.peer.user_id


# --- the attempt policy --------------------------------------------------------------------------


def policy(referral):
    referral = fresh(referral)
    return attempt_policy_status(referral=referral, attempts=list(referral.attempts.all()))


def spread(cast, referral, *modes_and_days):
    """Attempts at the given (mode, days after receipt) with no answer."""
    for mode, days in modes_and_days:
        attempt(cast.peer, fresh(referral), mode=mode, attempted_at=referral.received_at + dt.timedelta(days=days))


# 9 am in New York; referrals `days_ago=9` arrive at 9 am on 1 June, so the attempts' local dates are known.
POLICY_NOW = dt.datetime(2026, 6, 10, 13, 0, tzinfo=dt.UTC)
on_a_known_morning = time_machine.travel(POLICY_NOW, tick=False)


@on_a_known_morning
def test_three_attempts_over_seven_days_in_two_modes_use_up_the_policy(cast):
    referral = assigned_referral(cast, days_ago=9)
    spread(cast, referral, (Mode.PHONE, 0.1), (Mode.TEXT, 3), (Mode.PHONE, 6.5))  # 1 June to 7 June, 9 pm
    status = policy(referral)
    assert (status.attempts, status.days, status.modes) == (3, 7, 2)
    assert status.exhausted


@on_a_known_morning
def test_the_policy_is_not_used_up_with_one_mode_only(cast):
    referral = assigned_referral(cast, days_ago=9)
    spread(cast, referral, (Mode.PHONE, 0.1), (Mode.PHONE, 3), (Mode.PHONE, 8))
    assert not policy(referral).exhausted


@on_a_known_morning
def test_the_policy_is_not_used_up_in_fewer_than_seven_days(cast):
    referral = assigned_referral(cast, days_ago=9)
    spread(cast, referral, (Mode.PHONE, 0.1), (Mode.TEXT, 1), (Mode.IN_PERSON, 2))  # 1, 2 and 3 June
    status = policy(referral)
    assert status.days == 3
    assert not status.exhausted


@on_a_known_morning
def test_the_policy_is_not_used_up_with_two_attempts(cast):
    referral = assigned_referral(cast, days_ago=9)
    spread(cast, referral, (Mode.PHONE, 0.1), (Mode.TEXT, 8))
    assert not policy(referral).exhausted


@on_a_known_morning
def test_contact_means_the_policy_is_not_used_up(cast):
    referral = assigned_referral(cast, days_ago=9)
    spread(cast, referral, (Mode.PHONE, 0.1), (Mode.TEXT, 3), (Mode.PHONE, 6.5))
    attempt(cast.peer, fresh(referral), Outcome.REACHED_PARTICIPANT, Mode.IN_PERSON)
    assert not policy(referral).exhausted


# --- days are calendar days in the program's zone, at the edges of its midnight ------------------------

KIRITIMATI = "Pacific/Kiritimati"  # UTC+14: its dates are a day ahead of UTC's for most of the day


def two_day_policy_far_from_utc(cast) -> None:
    program = cast.program
    program.time_zone = KIRITIMATI
    program.attempt_policy_min_attempts, program.attempt_policy_min_days, program.attempt_policy_min_modes = 2, 2, 1
    program.save()


def at_kiritimati(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=zoneinfo.ZoneInfo(KIRITIMATI))


@time_machine.travel(dt.datetime(2026, 6, 10, 12, 0, tzinfo=dt.UTC), tick=False)
def test_attempts_just_before_and_just_after_the_programs_midnight_span_two_days(cast):
    two_day_policy_far_from_utc(cast)
    referral = assigned_referral(cast, days_ago=3)
    # 23:50 and 00:10 in the program's zone: the same UTC date (9 June), two local dates (9 and 10 June).
    attempt(cast.peer, fresh(referral), attempted_at=at_kiritimati(2026, 6, 9, 23, 50))
    attempt(cast.peer, fresh(referral), attempted_at=at_kiritimati(2026, 6, 10, 0, 10))
    status = policy(referral)
    assert status.days == 2
    assert status.exhausted


@time_machine.travel(dt.datetime(2026, 6, 10, 12, 0, tzinfo=dt.UTC), tick=False)
def test_attempts_on_one_local_day_span_one_day_even_when_utc_has_two_dates(cast):
    two_day_policy_far_from_utc(cast)
    referral = assigned_referral(cast, days_ago=3)
    # 00:10 and 23:50 on 9 June in the program's zone: 8 June and 9 June in UTC.
    attempt(cast.peer, fresh(referral), attempted_at=at_kiritimati(2026, 6, 9, 0, 10))
    attempt(cast.peer, fresh(referral), attempted_at=at_kiritimati(2026, 6, 9, 23, 50))
    status = policy(referral)
    assert status.days == 1
    assert not status.exhausted


def test_the_programs_own_policy_applies(cast):
    program = cast.program
    program.attempt_policy_min_attempts, program.attempt_policy_min_days, program.attempt_policy_min_modes = 2, 1, 1
    program.save()
    referral = assigned_referral(cast, days_ago=1)
    spread(cast, referral, (Mode.PHONE, 0.1), (Mode.PHONE, 0.2))
    assert policy(referral).exhausted
