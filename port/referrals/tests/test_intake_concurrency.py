"""Referrals for one person sent at the same moment end with one participant.

Each thread has its own database connection and calls the real intake service; a barrier starts them
together. On PostgreSQL intake serialises referrals that could match each other with advisory locks;
SQLite serialises every writer (IMMEDIATE transactions), so the 2- and 10-referral cases run on both.
"""

import datetime as dt
import threading

import pytest
from django.db import connection

from port.participants.models import MatchCandidate, Participant
from port.referrals.intake import ParticipantDetails, ReferralSubmission, referral_intake
from port.referrals.models import Channel, Referral, Source

DOB = dt.date(1987, 3, 14)
# 100 threads each with a connection would exhaust PostgreSQL's max_connections (100 here, shared with
# other test databases): at most this many connections send at once, each its share back to back.
MOST_CONNECTIONS = 20


def _referral(number: int, **person) -> ReferralSubmission:
    return ReferralSubmission(
        source=Source.EMERGENCY_DEPARTMENT,
        external_id=f"ED-RACE-{number}",
        participant=ParticipantDetails(
            **{"first_name": "Robin", "last_name": "Alvarez", "date_of_birth": DOB, "phone": "412-555-0131", **person}
        ),
    )


def send_at_once(cast, submissions: list[ReferralSubmission]) -> list[str]:
    """Send every submission through intake from concurrent connections; returns each outcome."""
    workers = min(len(submissions), MOST_CONNECTIONS)
    shares = [submissions[i::workers] for i in range(workers)]
    start = threading.Barrier(workers)
    outcomes: list[str] = []

    def send(share: list[ReferralSubmission]) -> None:
        try:
            start.wait(timeout=30)
            for submission in share:
                result = referral_intake(
                    program=cast.program, submission=submission, channel=Channel.API, agency=cast.ed
                )
                outcomes.append(result.match)
        except Exception as error:  # shown by the assertions instead of being lost in the thread
            outcomes.append(f"error: {error!r}")
        finally:
            connection.close()  # each thread has its own connection; the test database must be freed

    threads = [threading.Thread(target=send, args=(share,)) for share in shares]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def _on_postgresql() -> bool:
    return connection.vendor == "postgresql"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("count", [2, 10, 100])
def test_simultaneous_referrals_for_one_person_end_with_one_participant(cast, count):
    if count > 10 and not _on_postgresql():
        pytest.skip(
            "100 writers waiting on SQLite's single write lock outlast its busy timeout; "
            "the PostgreSQL run covers this case"
        )

    outcomes = send_at_once(cast, [_referral(n) for n in range(count)])

    assert sorted(outcomes) == ["exact"] * (count - 1) + ["new"], outcomes
    assert Participant.objects.count() == 1
    assert Referral.objects.count() == count
    assert set(Referral.objects.values_list("participant", flat=True)) == {Participant.objects.get().pk}
    assert not MatchCandidate.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_simultaneous_referrals_with_first_and_last_name_swapped_make_one_possible_duplicate(cast):
    # They share no exact name key, but the same birth date and phone: the second waits for the first
    # and finds it, as a likely match.
    outcomes = send_at_once(cast, [_referral(1), _referral(2, first_name="Alvarez", last_name="Robin")])

    assert sorted(outcomes) == ["likely", "new"], outcomes
    assert Participant.objects.count() == 2
    assert MatchCandidate.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_simultaneous_retries_of_one_referral_make_one_referral(cast):
    outcomes = send_at_once(cast, [_referral(7) for _ in range(5)])

    assert not [o for o in outcomes if o.startswith("error")], outcomes
    assert Referral.objects.count() == 1
    assert Participant.objects.count() == 1
