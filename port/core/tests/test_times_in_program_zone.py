"""Every time a person sees is in the program's zone: pages rendered for a program at UTC+14, with records
at known instants, show the local time and never the UTC one."""

import datetime as dt

import pytest
from django.urls import reverse

from port.outreach.models import Mode, Outcome
from port.outreach.services import contact_attempt_record
from port.referrals.models import Referral
from port.referrals.services import referral_assign
from port.testing.factories import submit_referral

UTC = dt.UTC
NOW = dt.datetime(2026, 6, 10, 6, 0, tzinfo=UTC)  # 8 pm on 10 June in Kiritimati
RECEIVED = dt.datetime(2026, 6, 10, 1, 15, tzinfo=UTC)  # 3:15 pm local; 1:15 am in UTC
ATTEMPTED = dt.datetime(2026, 6, 10, 2, 40, tzinfo=UTC)  # 4:40 pm local; 2:40 am in UTC
DEADLINE = RECEIVED + dt.timedelta(hours=24)  # 3:15 pm on 11 June local


@pytest.fixture
def far_from_utc(cast, time_machine) -> Referral:
    """The cast's program moved to Pacific/Kiritimati (UTC+14), a referral assigned to the peer and an
    attempt, all at known instants."""
    time_machine.move_to(NOW, tick=False)
    cast.program.time_zone = "Pacific/Kiritimati"
    cast.program.save()
    referral = submit_referral(cast.program, agency=cast.ed, by=cast.partner, received_at=RECEIVED)
    referral = referral_assign(referral=referral, assignee=cast.peer, by=cast.supervisor)
    contact_attempt_record(
        by=cast.peer,
        referral=Referral.objects.get(pk=referral.pk),
        mode=Mode.PHONE,
        outcome=Outcome.NO_ANSWER,
        attempted_at=ATTEMPTED,
    )
    return Referral.objects.get(pk=referral.pk)


def page(cast, membership, url) -> str:
    response = cast.client_for(membership).get(url)
    assert response.status_code == 200
    if response.streaming:  # CSV exports
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def test_the_referral_page_shows_received_attempts_first_attempt_and_deadline_on_the_programs_clock(cast, far_from_utc):
    html = page(cast, cast.supervisor, reverse("referrals:detail", args=[far_from_utc.public_id]))
    assert "Jun 10, 2026, 3:15 PM" in html  # received
    assert "Jun 10, 2026, 4:40 PM" in html  # the attempt and "First attempt"
    assert "First attempt Jun 10, 2026, 4:40 PM" in html
    assert "Jun 11, 2026, 3:15 PM" in html  # the deadline
    for utc_time in ("1:15 AM", "2:40 AM"):
        assert utc_time not in html


@pytest.mark.parametrize(("role", "url_name"), [("supervisor", "referrals:queue"), ("peer", "referrals:my_queue")])
def test_the_queues_show_the_deadline_on_the_programs_clock(cast, far_from_utc, role, url_name):
    html = page(cast, getattr(cast, role), reverse(url_name))
    assert "Jun 11, 2026, 3:15 PM" in html
    assert "1:15 AM" not in html


def test_the_participant_page_and_timeline_show_times_on_the_programs_clock(cast, far_from_utc):
    html = page(cast, cast.peer, reverse("participants:detail", args=[far_from_utc.participant.public_id]))
    assert "4:40" in html and "3:15" in html
    for utc_time in ("1:15 AM", "2:40 AM", "1:15 a.m.", "2:40 a.m."):
        assert utc_time not in html


def test_the_sent_list_shows_the_received_time_on_the_programs_clock(cast, far_from_utc):
    html = page(cast, cast.partner, reverse("referrals:sent"))
    assert "3:15" in html
    assert "1:15 AM" not in html and "1:15 a.m." not in html


UTC_FORMS_OF_NOW = ("6:00 AM", "6:00 a.m.", "T06:00", " 06:00")  # NOW in UTC; 8 pm in Kiritimati


def test_the_audit_trail_of_a_participant_shows_when_on_the_programs_clock(cast, far_from_utc):
    """The entries were written at NOW, 8 pm on the program's clock."""
    html = page(cast, cast.supervisor, reverse("audit:participant_trail", args=[far_from_utc.participant.public_id]))
    assert "8:00:00 PM" in html
    for utc_form in UTC_FORMS_OF_NOW:
        assert utc_form not in html


def test_the_audit_csv_gives_the_programs_time_beside_the_labelled_utc_time(cast, far_from_utc):
    """The export keeps the recorded UTC instant in its own `time_utc` column (for verification) and
    gives the program's clock in `time_local`."""
    rows = page(
        cast, cast.supervisor, reverse("audit:participant_trail_csv", args=[far_from_utc.participant.public_id])
    ).splitlines()
    header = rows[0].lstrip("\ufeff").split(",")
    assert header[1:3] == ["time_utc", "time_local"]
    assert all(",2026-06-10 20:00:00 +14," in row for row in rows[1:])
