"""The contact clock: a window in hours is elapsed time, also across daylight-saving changes; the program's
zone only decides how the deadline is shown."""

import datetime as dt
import zoneinfo

import pytest
from django.utils import translation

from port.accounts.models import Program
from port.referrals.clock import contact_clock, contact_deadline, describe_time_left, time_left
from port.referrals.models import Referral

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
CHICAGO = zoneinfo.ZoneInfo("America/Chicago")
PHOENIX = zoneinfo.ZoneInfo("America/Phoenix")  # no daylight saving
UTC = dt.UTC


def local(
    zone: dt.tzinfo, year: int, month: int, day: int, hour: int = 0, minute: int = 0, *, fold: int = 0
) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=zone, fold=fold)


def deadline(received_at, window_hours, available_from=None) -> dt.datetime:
    return contact_deadline(received_at=received_at, available_from=available_from, window_hours=window_hours)


# --- ordinary days ---------------------------------------------------------------------------------


def test_deadline_is_received_time_plus_the_window():
    received = local(NEW_YORK, 2025, 6, 10, 9, 15)
    assert deadline(received, 24) == local(NEW_YORK, 2025, 6, 11, 9, 15)
    assert deadline(received, 48) == local(NEW_YORK, 2025, 6, 12, 9, 15)
    assert deadline(received, 72) == local(NEW_YORK, 2025, 6, 13, 9, 15)


def test_deadline_is_returned_in_utc():
    result = deadline(local(NEW_YORK, 2025, 6, 10, 9, 15), 24)
    assert result.tzinfo is UTC
    assert result == dt.datetime(2025, 6, 11, 13, 15, tzinfo=UTC)


def test_an_evening_referral_is_due_the_next_evening_on_the_programs_calendar_not_utcs():
    # 9 pm in New York is already tomorrow in UTC; the deadline is still tomorrow 9 pm local, not a
    # day later (the mistake DESIGN.md section 7 warns about).
    received = local(NEW_YORK, 2025, 6, 10, 21, 0)
    result = deadline(received, 24).astimezone(NEW_YORK)
    assert (result.date(), result.hour, result.minute) == (dt.date(2025, 6, 11), 21, 0)


def test_the_received_time_may_arrive_in_any_zone():
    in_utc = dt.datetime(2025, 6, 11, 1, 0, tzinfo=UTC)  # 9 pm the evening before in New York
    in_chicago = in_utc.astimezone(CHICAGO)
    assert deadline(in_utc, 24) == deadline(in_chicago, 24) == local(NEW_YORK, 2025, 6, 11, 21, 0)


# --- spring forward: Sunday 9 March 2025, 2:00 am EST becomes 3:00 am EDT -----------------------------


def test_a_24_hour_window_across_spring_forward_is_24_real_hours_so_it_ends_an_hour_later_on_the_wall_clock():
    received = local(NEW_YORK, 2025, 3, 8, 21, 0)  # Saturday 9 pm EST
    result = deadline(received, 24)
    assert result - received == dt.timedelta(hours=24)
    assert result.astimezone(NEW_YORK) == local(NEW_YORK, 2025, 3, 9, 22, 0)  # Sunday 10 pm EDT
    assert result.astimezone(NEW_YORK).tzname() == "EDT"


def test_a_window_that_would_end_in_the_skipped_hour_on_the_wall_clock_ends_24_real_hours_later():
    received = local(NEW_YORK, 2025, 3, 8, 2, 30)  # the next day's 2:30 am does not exist
    result = deadline(received, 24)
    assert result - received == dt.timedelta(hours=24)
    local_result = result.astimezone(NEW_YORK)
    assert (local_result.day, local_result.hour, local_result.minute, local_result.tzname()) == (9, 3, 30, "EDT")


def test_a_72_hour_window_that_starts_before_spring_forward_is_72_real_hours():
    received = local(NEW_YORK, 2025, 3, 7, 14, 45)  # Friday afternoon, EST
    result = deadline(received, 72)
    assert result - received == dt.timedelta(hours=72)
    assert result.astimezone(NEW_YORK) == local(NEW_YORK, 2025, 3, 10, 15, 45)


def test_a_zone_with_daylight_saving_and_one_without_show_the_same_deadline_an_hour_apart_after_the_change():
    received = dt.datetime(2025, 3, 9, 2, 0, tzinfo=UTC)  # Saturday evening in both zones, 9 pm in New York
    result = deadline(received, 24)
    assert result - received == dt.timedelta(hours=24)
    assert result.astimezone(NEW_YORK) == local(NEW_YORK, 2025, 3, 9, 22, 0)
    assert result.astimezone(PHOENIX) == local(PHOENIX, 2025, 3, 9, 19, 0)  # as Saturday: 7 pm


# --- fall back: Sunday 2 November 2025, 2:00 am EDT becomes 1:00 am EST -------------------------------


def test_a_24_hour_window_across_fall_back_is_24_real_hours_so_it_ends_an_hour_earlier_on_the_wall_clock():
    received = local(NEW_YORK, 2025, 11, 1, 21, 0)  # Saturday 9 pm EDT
    result = deadline(received, 24)
    assert result - received == dt.timedelta(hours=24)
    assert result.astimezone(NEW_YORK) == local(NEW_YORK, 2025, 11, 2, 20, 0)  # Sunday 8 pm EST
    assert result.astimezone(NEW_YORK).tzname() == "EST"


def test_a_window_that_ends_in_the_repeated_hour_ends_at_the_real_instant_24_hours_on():
    received = local(NEW_YORK, 2025, 11, 1, 1, 30)  # EDT, 05:30 UTC
    result = deadline(received, 24)
    assert result == dt.datetime(2025, 11, 2, 5, 30, tzinfo=UTC)  # the first 1:30 am, EDT
    assert result.astimezone(NEW_YORK).tzname() == "EDT"


def test_a_referral_received_in_the_second_repeated_hour_is_timed_from_its_real_instant():
    second_one_thirty = local(NEW_YORK, 2025, 11, 2, 1, 30, fold=1)  # EST, 06:30 UTC
    assert second_one_thirty.utcoffset() == dt.timedelta(hours=-5)
    first_one_thirty = local(NEW_YORK, 2025, 11, 2, 1, 30)  # EDT, 05:30 UTC: an hour earlier
    assert deadline(second_one_thirty, 24) == dt.datetime(2025, 11, 3, 6, 30, tzinfo=UTC)
    assert deadline(first_one_thirty, 24) == dt.datetime(2025, 11, 3, 5, 30, tzinfo=UTC)


def test_the_same_utc_instant_gets_one_deadline_shown_on_each_programs_own_clock():
    received = dt.datetime(2025, 11, 2, 1, 0, tzinfo=UTC)  # 9 pm Saturday in New York, 8 pm in Chicago
    result = deadline(received, 24)
    assert result.astimezone(NEW_YORK) == local(NEW_YORK, 2025, 11, 2, 20, 0)
    assert result.astimezone(CHICAGO) == local(CHICAGO, 2025, 11, 2, 19, 0)


# --- available_from --------------------------------------------------------------------------------


def test_the_clock_starts_at_available_from_when_it_is_later_than_received():
    received = local(NEW_YORK, 2025, 6, 10, 9, 0)
    discharge = local(NEW_YORK, 2025, 6, 12, 16, 30)
    assert deadline(received, 24, available_from=discharge) == local(NEW_YORK, 2025, 6, 13, 16, 30)


def test_an_available_from_earlier_than_received_is_ignored():
    received = local(NEW_YORK, 2025, 6, 10, 9, 0)
    earlier = local(NEW_YORK, 2025, 6, 9, 9, 0)
    assert deadline(received, 48, available_from=earlier) == deadline(received, 48)


def test_available_from_across_spring_forward_is_counted_in_real_hours():
    received = local(NEW_YORK, 2025, 3, 6, 10, 0)
    discharge = local(NEW_YORK, 2025, 3, 8, 20, 0)  # Saturday 8 pm EST
    result = deadline(received, 24, available_from=discharge)
    assert result - discharge == dt.timedelta(hours=24)
    assert result.astimezone(NEW_YORK) == local(NEW_YORK, 2025, 3, 9, 21, 0)


# --- time left, in words ---------------------------------------------------------------------------


def test_time_left_is_positive_before_the_deadline_and_negative_after():
    due = dt.datetime(2025, 6, 11, 13, 0, tzinfo=UTC)
    assert time_left(due, due - dt.timedelta(hours=2)) == dt.timedelta(hours=2)
    assert time_left(due, due + dt.timedelta(minutes=5)) == dt.timedelta(minutes=-5)


@pytest.mark.parametrize(
    ("delta", "words"),
    [
        (dt.timedelta(hours=5, minutes=20), "5 h 20 min left"),
        (dt.timedelta(days=1, hours=3, minutes=59), "1 d 3 h left"),
        (dt.timedelta(days=2), "2 d 0 h left"),
        (dt.timedelta(minutes=45, seconds=59), "45 min left"),
        (dt.timedelta(seconds=30), "0 min left"),
        (-dt.timedelta(days=1, hours=3), "1 d 3 h overdue"),
        (-dt.timedelta(hours=2, minutes=5), "2 h 5 min overdue"),
        (-dt.timedelta(minutes=1), "1 min overdue"),
    ],
)
def test_time_left_is_described_plainly(delta, words):
    with translation.override("en"):
        assert describe_time_left(delta) == words


# ---- how the clock reads (the queue, the referral's page, the participant's page) ----


def unsaved_referral(status: str, deadline_in: dt.timedelta, now: dt.datetime):
    return Referral(program=Program(time_zone="America/New_York"), status=status, contact_deadline=now + deadline_in)


NOW = dt.datetime(2026, 6, 10, 16, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("deadline_in", "text", "badge", "overdue"),
    [
        (dt.timedelta(hours=20), "20 h 0 min left", "badge-ok", False),
        (dt.timedelta(hours=5, minutes=20), "5 h 20 min left", "badge-due-soon", False),
        (-dt.timedelta(days=1, hours=3), "1 d 3 h overdue", "badge-overdue", True),
    ],
)
def test_a_running_clock_reads_time_left_or_overdue(deadline_in, text, badge, overdue):
    with translation.override("en"):
        clock = contact_clock(unsaved_referral("received", deadline_in, NOW), NOW)
    assert (clock.text, clock.badge, clock.running, clock.overdue) == (text, badge, True, overdue)
    assert clock.deadline.utcoffset() == dt.timedelta(hours=-4)  # on the program's wall clock (EDT)


def test_a_stopped_clock_reads_the_status_and_is_never_overdue():
    with translation.override("en"):
        reached = contact_clock(unsaved_referral("reached", -dt.timedelta(hours=2), NOW), NOW)
        closed = contact_clock(unsaved_referral("closed", -dt.timedelta(hours=2), NOW), NOW)
    assert (reached.text, reached.badge, reached.running, reached.overdue) == ("Reached", "badge-neutral", False, False)
    assert (closed.running, closed.overdue, closed.badge) == (False, False, "badge-neutral")
