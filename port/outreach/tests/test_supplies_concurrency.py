"""Stock never goes negative, even when two peers give the last kits at the same moment."""

import threading

import pytest
from django.db import connection

from port.outreach.services import OutreachRefused
from port.supplies.models import StockBalance, StockMovement
from port.testing.outreach import a_participant, give
from port.testing.supplies import receive


@pytest.mark.django_db(transaction=True)
def test_two_peers_giving_the_last_kits_at_once_leave_zero_and_exactly_one_is_refused(cast, stock):
    # Runs on both databases: SQLite serialises the two transactions (IMMEDIATE mode), PostgreSQL makes
    # the second wait on the balance's row lock; either way the loser sees 0 left and is refused.
    lot = stock.lot("RACE1")
    receive(cast, lot, stock.office, 2)
    participants = [
        a_participant(cast.program, cast.supervisor, first_name=name, phone=phone)
        for name, phone in (("Avery", "412-555-0101"), ("Blake", "412-555-0102"))
    ]
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def give_two(peer, participant) -> None:
        try:
            start.wait(timeout=10)
            give(peer, participant, lot, stock.office, 2)
            outcomes.append("given")
        except OutreachRefused as refused:
            outcomes.append(f"refused: {refused}")
        except Exception as error:  # shown by the assertion below instead of being lost in the thread
            outcomes.append(f"error: {error!r}")
        finally:
            connection.close()  # each thread has its own connection; the test database must be freed

    threads = [
        threading.Thread(target=give_two, args=(peer, participant))
        for peer, participant in zip((cast.peer, cast.peer2), participants, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(o.split(":")[0] for o in outcomes) == ["given", "refused"], outcomes
    assert "Only 0 of Naloxone nasal spray 4 mg lot RACE1 at Office" in next(o for o in outcomes if o != "given")
    assert StockBalance.objects.get(lot=lot, location=stock.office).quantity == 0
    assert StockMovement.objects.filter(lot=lot, kind=StockMovement.Kind.DISTRIBUTE).count() == 1
