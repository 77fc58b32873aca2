"""Two workers at once: task generation makes one task per kind, and of two simultaneous changes of one
hand-off one wins and the other gets a clear refusal. Each thread has its own database connection and a
barrier starts them together; on PostgreSQL (DATABASE_URL) these are real concurrent transactions, on
SQLite the IMMEDIATE transactions serialise them."""

import datetime as dt
import threading
from collections.abc import Callable

import pytest
from django.db import connection, transaction

from port.linkage.models import HandOff, Task, TaskKind, TaskStatus
from port.linkage.services import HandOffRefused, checkins_create, handoff_checks_create, handoff_transition
from port.testing.linkage import handoff_make, person_build


def at_once(work: list[Callable[[], object]]) -> list[str]:
    start = threading.Barrier(len(work))
    outcomes: list[str] = []

    def run(job: Callable[[], object]) -> None:
        try:
            start.wait(timeout=30)
            outcomes.append(f"ok: {job()!r}")
        except HandOffRefused as refused:
            outcomes.append(f"refused: {refused}")
        except Exception as error:  # shown by the assertions instead of being lost in the thread
            outcomes.append(f"error: {error!r}")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_two_workers_generating_hand_off_checks_at_once_make_one_task_per_reason(cast):
    person = person_build(cast)
    handoff = handoff_make(cast, person)
    HandOff.objects.filter(pk=handoff.pk).update(created_at=handoff.created_at - dt.timedelta(days=3))
    outcomes = at_once([handoff_checks_create, handoff_checks_create])
    assert not [o for o in outcomes if o.startswith("error")], outcomes
    assert sorted(outcomes) == ["ok: 0", "ok: 1"], outcomes
    assert Task.objects.filter(kind=TaskKind.HANDOFF_CHECK).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_making_check_ins_at_once_make_one_per_day(cast):
    person = person_build(cast)

    def make() -> int:
        with transaction.atomic():
            return len(checkins_create(referral=person.referral))

    outcomes = at_once([make, make])
    assert not [o for o in outcomes if o.startswith("error")], outcomes
    assert sorted(outcomes) == ["ok: 0", "ok: 3"], outcomes
    assert sorted(Task.objects.values_list("offset_days", flat=True)) == [7, 30, 90]


@pytest.mark.django_db(transaction=True)
def test_of_two_simultaneous_changes_of_one_hand_off_one_wins_and_the_other_is_refused(cast):
    person = person_build(cast)
    handoff = handoff_make(cast, person)

    def accept() -> str:
        return handoff_transition(handoff=handoff, to_status=TaskStatus.ACCEPTED, by=cast.provider).status

    outcomes = at_once([accept, accept])
    assert sorted(o.split(":")[0] for o in outcomes) == ["ok", "refused"], outcomes
    refused = next(o for o in outcomes if o.startswith("refused"))
    assert "cannot be moved" in refused or "changed it meanwhile" in refused
    assert HandOff.objects.get().status == TaskStatus.ACCEPTED
    assert handoff.changes.filter(to_status=TaskStatus.ACCEPTED).count() == 1
