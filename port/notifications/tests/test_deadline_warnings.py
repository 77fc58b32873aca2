"""The deadline-warning job: who is warned, when, once per referral and kind, in the app and by email."""

import datetime as dt
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from port.notifications.models import DeadlineWarning, Notice
from port.notifications.services import deadline_warning_emails_send, deadline_warnings_send
from port.outreach.services import contact_attempt_record
from port.referrals.models import ClosingReason, Status
from port.referrals.services import referral_assign, referral_transition
from port.testing.factories import submit_referral

DUE_SOON = DeadlineWarning.Kind.DUE_SOON
OVERDUE = DeadlineWarning.Kind.OVERDUE


def referral_due_in(cast, hours: float, *, assign_to=None, program=None, **person):
    """A high-acuity referral (24 h window) whose contact deadline is `hours` from now."""
    program = program or cast.program
    received = timezone.now() - dt.timedelta(hours=24 - hours)
    referral = submit_referral(program, received_at=received, **person)
    if assign_to is not None:
        referral = referral_assign(referral=referral, assignee=assign_to, by=cast.supervisor)
    assert abs((referral.contact_deadline - timezone.now()) - dt.timedelta(hours=hours)) < dt.timedelta(minutes=1)
    return referral


def warned_users(referral, kind):
    return {n.user.username for n in Notice.objects.filter(referral=referral, warning__kind=kind)}


@pytest.fixture
def huey_immediate():
    """Run huey tasks in the test's own thread with in-memory storage (no var/huey.sqlite3)."""
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = True
    yield HUEY
    HUEY.immediate = False


# ---- who is warned, and when ----


def test_a_referral_near_its_deadline_with_no_attempt_warns_the_assigned_peer_and_the_supervisor(cast):
    referral = referral_due_in(cast, 4, assign_to=cast.peer)
    assert deadline_warnings_send() == 1
    warning = DeadlineWarning.objects.get()
    assert (warning.referral, warning.kind) == (referral, DUE_SOON)
    assert warned_users(referral, DUE_SOON) == {"pat", "sam"}  # not the other peer, the admin or partners
    notice = Notice.objects.filter(user=cast.peer.user).get()
    assert notice.read_at is None
    assert "nobody has tried to reach the person yet" in notice.message
    assert len(mail.outbox) == 1
    assert sorted(mail.outbox[0].to) == ["pat@example.org", "sam@example.org"]
    warning.refresh_from_db()
    assert warning.emailed_at is not None


@pytest.mark.parametrize(
    "now",
    [
        dt.datetime(2027, 3, 14, 6, 30, tzinfo=dt.UTC),  # 1:30 am EST, half an hour before spring-forward
        dt.datetime(2026, 11, 1, 5, 30, tzinfo=dt.UTC),  # 1:30 am EDT, the first of the two at fall-back
    ],
    ids=["before-spring-forward", "in-the-repeated-hour"],
)
def test_the_deadline_and_the_warning_hours_are_real_hours_across_a_daylight_saving_change(cast, now):
    with time_machine.travel(now, tick=False):
        referral = submit_referral(cast.program, received_at=now - dt.timedelta(hours=20))  # 24 h window
        assert referral.contact_deadline == now + dt.timedelta(hours=4)
        assert deadline_warnings_send(now=now - dt.timedelta(hours=2, minutes=1)) == 0  # 6 h 1 min ahead
        assert deadline_warnings_send(now=now) == 1


def test_the_email_and_the_notice_name_no_participant_and_link_to_the_referral(cast):
    referral = referral_due_in(
        cast, 2, assign_to=cast.peer, first_name="Rosalind", last_name="Quackenbush", phone="412-555-0199"
    )
    deadline_warnings_send()
    email = mail.outbox[0]
    text = email.subject + email.body + Notice.objects.first().message
    for private in ("Rosalind", "Quackenbush", "555-0199", "5550199"):
        assert private not in text
    assert "http://127.0.0.1:8000" + reverse("referrals:detail", args=[referral.public_id]) in email.body
    assert "Riverside PORT" in email.body


def test_the_email_links_to_the_address_in_port_base_url(cast, settings):
    settings.PORT_BASE_URL = "http://127.0.0.1:8123/"  # as `make run PORT=8123` sets it
    referral = referral_due_in(cast, 2, assign_to=cast.peer)
    deadline_warnings_send()
    assert "http://127.0.0.1:8123" + reverse("referrals:detail", args=[referral.public_id]) in mail.outbox[0].body


def test_nothing_is_sent_while_the_deadline_is_further_away_than_the_warning_period(cast):
    referral_due_in(cast, 7, assign_to=cast.peer)  # the program warns 6 hours ahead
    assert deadline_warnings_send() == 0
    assert not Notice.objects.exists() and not mail.outbox


def test_nothing_is_sent_when_an_attempt_was_logged(cast):
    referral = referral_due_in(cast, 3, assign_to=cast.peer)
    contact_attempt_record(by=cast.peer, referral=referral, mode="phone", outcome="no_answer")
    assert deadline_warnings_send() == 0
    assert not DeadlineWarning.objects.exists() and not mail.outbox


def test_an_unassigned_referral_warns_the_supervisors(cast):
    referral = referral_due_in(cast, 1)
    deadline_warnings_send()
    assert warned_users(referral, DUE_SOON) == {"sam"}
    assert mail.outbox[0].to == ["sam@example.org"]


def test_a_referral_is_warned_again_when_it_becomes_overdue(cast):
    referral = referral_due_in(cast, 2, assign_to=cast.peer)
    deadline_warnings_send()
    later = timezone.now() + dt.timedelta(hours=3)
    assert deadline_warnings_send(now=later) == 1
    assert set(DeadlineWarning.objects.values_list("kind", flat=True)) == {DUE_SOON, OVERDUE}
    assert warned_users(referral, OVERDUE) == {"pat", "sam"}
    assert "Overdue since" in Notice.objects.filter(warning__kind=OVERDUE).first().message
    assert len(mail.outbox) == 2


def test_a_referral_found_already_overdue_gets_only_the_overdue_warning(cast):
    referral = referral_due_in(cast, -5, assign_to=cast.peer)
    deadline_warnings_send()
    assert list(DeadlineWarning.objects.values_list("referral", "kind")) == [(referral.pk, OVERDUE)]


def test_an_overdue_referral_with_attempts_but_no_contact_is_still_warned_as_overdue(cast):
    # The queue calls it overdue too: the clock runs until someone reaches the person.
    referral = referral_due_in(cast, 2, assign_to=cast.peer)
    contact_attempt_record(by=cast.peer, referral=referral, mode="phone", outcome="left_message")
    deadline_warnings_send(now=timezone.now() + dt.timedelta(hours=3))
    assert list(DeadlineWarning.objects.values_list("kind", flat=True)) == [OVERDUE]


def test_reached_and_closed_referrals_are_never_warned(cast):
    reached = referral_due_in(cast, 2, assign_to=cast.peer, first_name="Ann", last_name="Reached", phone="412-555-0101")
    contact_attempt_record(by=cast.peer, referral=reached, mode="in_person", outcome="reached_participant")
    closed = referral_due_in(cast, 2, assign_to=cast.peer, first_name="Bo", last_name="Closed", phone="412-555-0102")
    referral_transition(referral=closed, to_status=Status.CLOSED, reason=ClosingReason.OUT_OF_AREA, by=cast.supervisor)
    for hours in (0, 3, 48):
        assert deadline_warnings_send(now=timezone.now() + dt.timedelta(hours=hours)) == 0
    assert not DeadlineWarning.objects.exists() and not Notice.objects.exists() and not mail.outbox


def test_a_supervisor_assigned_to_the_referral_is_warned_once(cast):
    referral = referral_due_in(cast, 2, assign_to=cast.supervisor)
    deadline_warnings_send()
    assert Notice.objects.filter(referral=referral).count() == 1
    assert mail.outbox[0].to == ["sam@example.org"]


def test_a_peer_who_left_the_team_and_inactive_supervisors_are_not_warned(cast):
    referral = referral_due_in(cast, 2, assign_to=cast.peer)
    cast.peer.is_active = False
    cast.peer.save()
    second = cast.supervisor.user.__class__.objects.create_user(
        username="vic", email="vic@example.org", is_active=False
    )
    cast.program.memberships.create(user=second, role="supervisor")
    deadline_warnings_send()
    assert warned_users(referral, DUE_SOON) == {"sam"}


# ---- once per referral and kind ----


def test_running_the_job_twice_sends_nothing_twice(cast):
    referral_due_in(cast, 2, assign_to=cast.peer)
    assert deadline_warnings_send() == 1
    assert deadline_warnings_send() == 0
    assert DeadlineWarning.objects.count() == 1
    assert Notice.objects.count() == 2
    assert len(mail.outbox) == 1


def test_a_restarted_worker_sends_nothing_twice(cast):
    """A new process has no memory of what it did: only the database says what was sent."""
    referral_due_in(cast, 2, assign_to=cast.peer)
    deadline_warnings_send()
    # The service keeps nothing in memory between runs, so a new process is just the next call.
    assert deadline_warnings_send() == 0
    assert deadline_warnings_send(now=timezone.now() + dt.timedelta(minutes=5)) == 0
    assert DeadlineWarning.objects.count() == 1 and Notice.objects.count() == 2 and len(mail.outbox) == 1


def test_after_a_crash_between_the_notice_and_the_email_only_the_email_is_sent(cast):
    referral = referral_due_in(cast, 2, assign_to=cast.peer)
    deadline_warnings_send()
    # As if the worker died after committing the warning and its notices, before emailing.
    DeadlineWarning.objects.update(emailed_at=None)
    mail.outbox.clear()
    assert deadline_warnings_send() == 0
    assert len(mail.outbox) == 1
    assert Notice.objects.filter(referral=referral).count() == 2
    assert DeadlineWarning.objects.get().emailed_at is not None
    deadline_warnings_send()
    assert len(mail.outbox) == 1


def test_an_email_failure_leaves_the_warning_unemailed_and_is_retried_on_the_next_run(cast):
    referral_due_in(cast, 2, assign_to=cast.peer)
    with mock.patch("port.notifications.services.send_mail", side_effect=OSError("connection refused")):
        assert deadline_warnings_send() == 1
    warning = DeadlineWarning.objects.get()
    assert warning.emailed_at is None
    assert Notice.objects.count() == 2  # the in-app notices are there already
    assert not mail.outbox
    deadline_warnings_send()
    warning.refresh_from_db()
    assert warning.emailed_at is not None
    assert len(mail.outbox) == 1
    assert Notice.objects.count() == 2


def test_a_failed_email_is_not_retried_once_the_warning_no_longer_holds(cast):
    referral = referral_due_in(cast, 2, assign_to=cast.peer)
    with mock.patch("port.notifications.services.send_mail", side_effect=OSError):
        deadline_warnings_send()
    contact_attempt_record(by=cast.peer, referral=referral, mode="phone", outcome="reached_participant")
    assert deadline_warning_emails_send() == 0
    assert not mail.outbox


# ---- each program's own settings ----


def test_each_program_uses_its_own_warning_period_and_time_zone(cast):
    cast.program.deadline_warning_hours = 2
    cast.program.save()
    cast.other_program.deadline_warning_hours = 12
    cast.other_program.save()
    # Received at 01:00 UTC: 8 pm in Riverside (New York), 7 pm in Hilltop (Chicago); 24-hour window.
    received = dt.datetime(2025, 1, 15, 1, 0, tzinfo=dt.UTC)
    riverside = submit_referral(cast.program, received_at=received)
    hilltop = submit_referral(cast.other_program, received_at=received, first_name="Hil", last_name="Top")
    now = dt.datetime(2025, 1, 15, 20, 0, tzinfo=dt.UTC)  # both deadlines are 5 hours away
    assert riverside.contact_deadline == hilltop.contact_deadline == dt.datetime(2025, 1, 16, 1, 0, tzinfo=dt.UTC)
    assert deadline_warnings_send(now=now) == 1
    assert warned_users(hilltop, DUE_SOON) == {"olga"}  # Hilltop's supervisor, nobody from Riverside
    assert "Jan 15, 7:00 PM CST" in Notice.objects.get().message
    assert deadline_warnings_send(now=now + dt.timedelta(hours=3, minutes=30)) == 1  # within Riverside's 2 h
    assert warned_users(riverside, DUE_SOON) == {"sam"}
    assert "Jan 15, 8:00 PM EST" in Notice.objects.get(referral=riverside).message


# ---- the background worker ----


def test_the_job_is_a_periodic_huey_task_every_five_minutes():
    from huey.contrib.djhuey import HUEY

    from port.notifications.tasks import deadline_warnings

    assert deadline_warnings.task_class in {type(task) for task in HUEY._registry.periodic_tasks}
    for minute, due in ((0, True), (5, True), (35, True), (3, False), (59, False)):
        run = {type(task) for task in HUEY.read_periodic(dt.datetime(2025, 1, 15, 9, minute))}
        assert (deadline_warnings.task_class in run) is due, minute


def test_calling_the_task_runs_the_warning_service(cast, huey_immediate):
    from port.notifications.tasks import deadline_warnings

    referral_due_in(cast, 2, assign_to=cast.peer)
    deadline_warnings()  # enqueued and, in immediate mode, run at once
    assert DeadlineWarning.objects.count() == 1 and len(mail.outbox) == 1
    assert deadline_warnings.call_local() == 0  # run directly: nothing twice
    assert not huey_immediate.is_locked("deadline-warnings")  # the lock is released after each run


def test_a_lock_left_by_a_killed_run_is_flushed_when_the_worker_starts(settings, huey_immediate):
    from huey.consumer_options import ConsumerConfig

    import port.notifications.tasks  # noqa: F401  (registers the task's lock)

    huey_immediate.lock_task("deadline-warnings").acquire()  # as if a run was killed holding it
    assert huey_immediate.is_locked("deadline-warnings")
    config = ConsumerConfig(**settings.HUEY["consumer"])  # what `manage.py run_huey` starts with
    huey_immediate.create_consumer(**config.values)
    assert not huey_immediate.is_locked("deadline-warnings")
