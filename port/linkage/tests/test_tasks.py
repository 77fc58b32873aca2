"""Check-ins at the program's days, hand-off checks by the periodic job, reminders once only, tasks
closed with the case, and the task list."""

import datetime as dt
from zoneinfo import ZoneInfo

import time_machine
from django.core import mail
from django.urls import reverse

from port.linkage.models import CheckReason, HandOff, How, Task, TaskKind, TaskReminder, TaskState
from port.linkage.services import handoff_checks_create, task_complete, task_reminders_send
from port.notifications.models import Notice
from port.referrals.models import ClosingReason, Status
from port.referrals.services import referral_transition
from port.testing.linkage import handoff_make, person_build

NEW_YORK = ZoneInfo("America/New_York")


def reach(cast, person):
    referral_transition(referral=person.referral, to_status=Status.REACHED, by=cast.peer)


def test_a_person_reached_in_the_evening_gets_check_ins_on_the_programs_calendar(cast, person):
    # 9:30 pm in New York on March 3 is already March 4 in UTC.
    with time_machine.travel(dt.datetime(2031, 3, 3, 21, 30, tzinfo=NEW_YORK), tick=False):
        reach(cast, person)
    tasks = Task.objects.filter(referral=person.referral, kind=TaskKind.CHECK_IN).order_by("due_on")
    assert [t.due_on for t in tasks] == [dt.date(2031, 3, 10), dt.date(2031, 4, 2), dt.date(2031, 6, 1)]
    assert {t.owner for t in tasks} == {cast.peer.user} and [t.offset_days for t in tasks] == [7, 30, 90]


def test_the_program_sets_the_check_in_days(cast, person):
    cast.program.checkin_days = "3, 14"
    cast.program.save()
    with time_machine.travel(dt.datetime(2031, 3, 3, 9, 0, tzinfo=NEW_YORK), tick=False):
        reach(cast, person)
    assert sorted(Task.objects.values_list("offset_days", flat=True)) == [3, 14]


def test_check_ins_are_made_once_even_if_asked_again(cast, person):
    from port.linkage.services import checkins_create

    reach(cast, person)
    assert checkins_create(referral=person.referral) == []
    assert Task.objects.filter(kind=TaskKind.CHECK_IN).count() == 3


def test_open_tasks_close_with_the_case(cast, person):
    reach(cast, person)
    done = Task.objects.order_by("due_on").first()
    task_complete(task=done, by=cast.peer, outcome="reached_well")
    referral_transition(referral=person.referral, to_status=Status.CLOSED, by=cast.peer, reason=ClosingReason.GOALS_MET)
    assert set(Task.objects.exclude(pk=done.pk).values_list("state", "closed_reason")) == {
        (TaskState.CANCELLED, "case closed")
    }
    assert Task.objects.get(pk=done.pk).state == TaskState.DONE


def test_a_provider_that_does_not_answer_gives_the_peer_a_task_once(cast, person):
    with time_machine.travel(dt.datetime(2031, 3, 3, 9, 0, tzinfo=NEW_YORK), tick=False):
        handoff = handoff_make(cast, person)
    assert handoff_checks_create(now=dt.datetime(2031, 3, 5, 8, 0, tzinfo=NEW_YORK)) == 0  # 47 hours
    assert handoff_checks_create(now=dt.datetime(2031, 3, 5, 9, 30, tzinfo=NEW_YORK)) == 1
    assert handoff_checks_create(now=dt.datetime(2031, 3, 5, 10, 0, tzinfo=NEW_YORK)) == 0  # restart-safe
    task = Task.objects.get(kind=TaskKind.HANDOFF_CHECK)
    assert (task.handoff, task.check_reason, task.owner, task.due_on) == (
        handoff,
        CheckReason.NO_ANSWER,
        cast.peer.user,
        dt.date(2031, 3, 5),
    )


def test_an_appointment_passed_without_an_update_gives_the_peer_a_task(cast, person):
    with time_machine.travel(dt.datetime(2031, 3, 3, 9, 0, tzinfo=NEW_YORK), tick=False):
        handoff = handoff_make(cast, person, appointment_at=dt.datetime(2031, 3, 4, 10, 0, tzinfo=NEW_YORK))
        HandOff.objects.filter(pk=handoff.pk).update(status="accepted")
        info = handoff_make(
            cast, person, how=How.INFORMATION_ONLY, appointment_at=dt.datetime(2031, 3, 4, 10, 0, tzinfo=NEW_YORK)
        )
    assert handoff_checks_create(now=dt.datetime(2031, 3, 4, 9, 0, tzinfo=NEW_YORK)) == 0
    assert handoff_checks_create(now=dt.datetime(2031, 3, 4, 11, 0, tzinfo=NEW_YORK)) == 2
    reasons = set(Task.objects.filter(kind=TaskKind.HANDOFF_CHECK).values_list("handoff_id", "check_reason"))
    assert reasons == {(handoff.pk, CheckReason.APPOINTMENT_PASSED), (info.pk, CheckReason.APPOINTMENT_PASSED)}


def test_reminders_go_once_per_task_and_kind_in_the_app_and_by_email_naming_no_one(cast, person):
    cast.peer.user.email = "pat@example.org"
    cast.peer.user.save()
    with time_machine.travel(dt.datetime(2031, 3, 3, 9, 0, tzinfo=NEW_YORK), tick=False):
        reach(cast, person)  # first check-in due March 10
    assert task_reminders_send(now=dt.datetime(2031, 3, 8, 12, 0, tzinfo=NEW_YORK)) == 0
    assert task_reminders_send(now=dt.datetime(2031, 3, 9, 12, 0, tzinfo=NEW_YORK)) == 1  # tomorrow
    assert task_reminders_send(now=dt.datetime(2031, 3, 9, 18, 0, tzinfo=NEW_YORK)) == 0  # restarted worker
    assert task_reminders_send(now=dt.datetime(2031, 3, 10, 8, 0, tzinfo=NEW_YORK)) == 1  # today
    assert task_reminders_send(now=dt.datetime(2031, 3, 11, 8, 0, tzinfo=NEW_YORK)) == 1  # overdue
    assert task_reminders_send(now=dt.datetime(2031, 3, 12, 8, 0, tzinfo=NEW_YORK)) == 0
    assert sorted(TaskReminder.objects.values_list("kind", flat=True)) == ["due_today", "due_tomorrow", "overdue"]
    assert Notice.objects.filter(user=cast.peer.user).count() == 3
    assert len(mail.outbox) == 3 and all("Dana" not in m.body and "Whitfield" not in m.body for m in mail.outbox)
    assert all(m.to == ["pat@example.org"] for m in mail.outbox)


def test_a_peer_sees_their_own_tasks_overdue_first_and_a_supervisor_filters_by_peer(cast, person):
    other = person_build(cast, last_name="Okafor")
    reach(cast, person)
    today = cast.program.today()
    late = Task.objects.filter(referral=person.referral).order_by("due_on").last()
    Task.objects.filter(pk=late.pk).update(due_on=today - dt.timedelta(days=2))  # the 90-day one, overdue
    Task.objects.create(
        program=cast.program,
        participant=other.participant,
        referral=other.referral,
        kind=TaskKind.CHECK_IN,
        offset_days=7,
        due_on=today - dt.timedelta(days=5),
        owner=cast.peer2.user,
    )
    page = cast.client_for(cast.peer).get(reverse("linkage:tasks")).content.decode()
    assert "Okafor" not in page and page.count("badge-overdue") == 1
    rows = page[page.index("<tbody>") :]
    assert rows.index("(90 days)") < rows.index("(7 days)") < rows.index("(30 days)")  # overdue first
    everyone = cast.client_for(cast.supervisor).get(reverse("linkage:tasks")).content.decode()
    assert everyone.index("Okafor") < everyone.index("Whitfield")
    only = cast.client_for(cast.supervisor).get(reverse("linkage:tasks"), {"owner": cast.peer2.user.pk})
    assert "Okafor" in only.content.decode() and "Whitfield" not in only.content.decode()
    ignored = cast.client_for(cast.peer).get(reverse("linkage:tasks"), {"owner": cast.peer2.user.pk})
    assert "Okafor" not in ignored.content.decode()  # a peer cannot look at someone else's


def test_a_task_page_records_its_outcome(cast, person):
    reach(cast, person)
    task = Task.objects.order_by("due_on").first()
    client = cast.client_for(cast.peer)
    page = client.get(reverse("linkage:task", args=[task.pk])).content.decode()
    assert "Reached, doing well" in page
    here = reverse("linkage:task", args=[task.pk])
    barc10 = reverse("outreach:barc10_new", args=[person.participant.public_id]) + f"?task={task.pk}&amp;next={here}"
    assert barc10 in page  # a check-in offers the BARC-10, which remembers the task and comes back to it
    assert client.post(reverse("linkage:task_outcome", args=[task.pk]), {}).status_code == 200
    response = client.post(
        reverse("linkage:task_outcome", args=[task.pk]), {"outcome": "not_reached", "note": "voicemail"}
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.state, task.outcome, task.completed_by) == (TaskState.DONE, "not_reached", cast.peer.user)
    assert "Record BARC-10" not in client.get(here).content.decode()  # a done check-in offers no more
    assert cast.client_for(cast.peer2).get(reverse("linkage:task", args=[task.pk])).status_code == 404


def test_the_task_list_makes_the_same_queries_for_five_or_five_hundred_tasks(cast, person):
    from port.testing.budgets import assert_within_budget

    today = cast.program.today()

    def tasks(count: int) -> None:
        Task.objects.bulk_create(
            Task(
                program=cast.program,
                participant=person.participant,
                referral=person.referral,
                kind=TaskKind.HANDOFF_CHECK,
                due_on=today + dt.timedelta(days=n % 40 - 20),
                owner=cast.peer.user,
            )
            for n in range(count)
        )

    client = cast.client_for(cast.peer)
    tasks(5)
    client.get(reverse("linkage:tasks"))  # warm the session
    with assert_within_budget("linkage:tasks"):
        assert client.get(reverse("linkage:tasks")).status_code == 200
    tasks(495)
    with assert_within_budget("linkage:tasks"):
        assert client.get(reverse("linkage:tasks")).status_code == 200


def test_the_check_in_days_setting_refuses_anything_but_whole_days():
    import pytest
    from django.core.exceptions import ValidationError

    from port.accounts.models import parse_checkin_days, validate_checkin_days

    assert parse_checkin_days("90, 7,30, 7") == [7, 30, 90]
    for bad in ("", "seven", "0", "7, 800", "7.5"):
        with pytest.raises(ValidationError, match="such as 7, 30, 90"):
            validate_checkin_days(bad)
