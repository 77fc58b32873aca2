"""Opening hours from schedules (port.directory.hours): pure functions, no database."""

import datetime as dt
from zoneinfo import ZoneInfo

from port.directory.hours import CLOSED, OPEN, UNKNOWN, Rule, hours_at, parse_byday

NEW_YORK = ZoneInfo("America/New_York")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")


def t(value: str) -> dt.time:
    return dt.time.fromisoformat(value)


def at(zone: ZoneInfo, year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=zone)


WEEKDAYS = Rule(
    freq="WEEKLY", byday=frozenset({"MO", "TU", "WE", "TH", "FR"}), opens_at=t("09:00"), closes_at=t("17:00")
)
# 2026-03-06 is a Friday; 2026-03-08 the Sunday the US clocks go forward; 2026-11-01 the one they go back.


def test_a_weekday_rule_is_open_inside_its_hours_and_closed_outside():
    assert hours_at([WEEKDAYS], at(NEW_YORK, 2026, 3, 6, 10, 0), NEW_YORK).state == OPEN
    assert hours_at([WEEKDAYS], at(NEW_YORK, 2026, 3, 6, 17, 0), NEW_YORK).state == CLOSED
    assert hours_at([WEEKDAYS], at(NEW_YORK, 2026, 3, 7, 10, 0), NEW_YORK).state == CLOSED  # Saturday


def test_open_now_is_read_on_the_programs_clock_not_utc():
    moment = dt.datetime(2026, 3, 6, 23, 30, tzinfo=dt.UTC)  # 6:30 PM in New York, 3:30 PM in Los Angeles
    assert hours_at([WEEKDAYS], moment, NEW_YORK).state == CLOSED
    assert hours_at([WEEKDAYS], moment, LOS_ANGELES).state == OPEN


def test_hours_past_midnight_belong_to_the_day_they_start():
    night = Rule(freq="WEEKLY", byday=frozenset({"FR"}), opens_at=t("20:00"), closes_at=t("02:00"))
    saturday_1am = at(NEW_YORK, 2026, 3, 7, 1, 0)
    hours = hours_at([night], saturday_1am, NEW_YORK)
    assert hours.state == OPEN
    assert hours.open_until == at(NEW_YORK, 2026, 3, 7, 2, 0)
    assert hours_at([night], at(NEW_YORK, 2026, 3, 7, 2, 30), NEW_YORK).state == CLOSED
    assert hours_at([night], at(NEW_YORK, 2026, 3, 6, 1, 0), NEW_YORK).state == CLOSED  # Friday 1 AM: Thursday's


def test_a_closed_holiday_closes_the_day_and_says_so():
    holiday = Rule(valid_from=dt.date(2026, 3, 6), valid_to=dt.date(2026, 3, 6), note="Staff training")
    hours = hours_at([WEEKDAYS, holiday], at(NEW_YORK, 2026, 3, 6, 10, 0), NEW_YORK)
    assert hours.state == CLOSED
    assert hours.closed_today and hours.closure_note == "Staff training"
    assert hours_at([WEEKDAYS, holiday], at(NEW_YORK, 2026, 3, 9, 10, 0), NEW_YORK).state == OPEN


def test_a_holiday_also_closes_the_hours_past_midnight_that_would_have_started_on_it():
    night = Rule(freq="DAILY", opens_at=t("20:00"), closes_at=t("02:00"))
    holiday = Rule(valid_from=dt.date(2026, 12, 25), valid_to=dt.date(2026, 12, 25))
    assert hours_at([night, holiday], at(NEW_YORK, 2026, 12, 26, 1, 0), NEW_YORK).state == CLOSED
    assert hours_at([night, holiday], at(NEW_YORK, 2026, 12, 26, 21, 0), NEW_YORK).state == OPEN


def test_twenty_four_hours_is_open_at_any_time_of_the_day():
    always = Rule(freq="DAILY", opens_at=t("00:00"), closes_at=t("00:00"))
    for hour in (0, 3, 12, 23):
        assert hours_at([always], at(NEW_YORK, 2026, 3, 6, hour, 59), NEW_YORK).state == OPEN
    assert hours_at([always], at(NEW_YORK, 2026, 3, 6, 12, 0), NEW_YORK).today[0].all_day


def test_no_schedule_means_the_hours_are_unknown_not_closed():
    assert hours_at([], at(NEW_YORK, 2026, 3, 6, 10, 0), NEW_YORK).state == UNKNOWN


def test_on_the_day_the_clocks_go_forward_hours_follow_the_wall_clock():
    sunday = Rule(freq="WEEKLY", byday=frozenset({"SU"}), opens_at=t("01:00"), closes_at=t("04:00"))
    # 1:59 AM EST, then 3:00 AM EDT: both inside 1:00-4:00 on the wall clock.
    assert hours_at([sunday], at(NEW_YORK, 2026, 3, 8, 1, 59), NEW_YORK).state == OPEN
    assert hours_at([sunday], dt.datetime(2026, 3, 8, 7, 30, tzinfo=dt.UTC), NEW_YORK).state == OPEN  # 3:30 EDT
    assert hours_at([sunday], dt.datetime(2026, 3, 8, 8, 0, tzinfo=dt.UTC), NEW_YORK).state == CLOSED  # 4:00 EDT


def test_on_the_night_the_clocks_go_back_the_second_one_oclock_is_compared_in_real_time():
    early = Rule(freq="WEEKLY", byday=frozenset({"SU"}), opens_at=t("00:00"), closes_at=t("01:30"))
    first_one_fifteen = dt.datetime(2026, 11, 1, 5, 15, tzinfo=dt.UTC)  # 1:15 EDT
    second_one_fifteen = dt.datetime(2026, 11, 1, 6, 15, tzinfo=dt.UTC)  # 1:15 EST, an hour later
    assert hours_at([early], first_one_fifteen, NEW_YORK).state == OPEN
    assert hours_at([early], second_one_fifteen, NEW_YORK).state == CLOSED


def test_dated_hours_open_only_on_their_dates():
    fair = Rule(
        valid_from=dt.date(2026, 3, 10), valid_to=dt.date(2026, 3, 11), opens_at=t("10:00"), closes_at=t("14:00")
    )
    assert hours_at([fair], at(NEW_YORK, 2026, 3, 11, 11, 0), NEW_YORK).state == OPEN
    assert hours_at([fair], at(NEW_YORK, 2026, 3, 12, 11, 0), NEW_YORK).state == CLOSED


def test_a_weekly_rule_outside_its_valid_dates_does_not_open():
    summer = Rule(
        freq="WEEKLY",
        byday=frozenset({"FR"}),
        opens_at=t("09:00"),
        closes_at=t("17:00"),
        valid_from=dt.date(2026, 6, 1),
    )
    assert hours_at([summer], at(NEW_YORK, 2026, 3, 6, 10, 0), NEW_YORK).state == CLOSED


def test_todays_hours_and_the_next_opening_are_given_when_closed():
    split = [
        Rule(freq="DAILY", opens_at=t("08:00"), closes_at=t("12:00")),
        Rule(freq="DAILY", opens_at=t("13:00"), closes_at=t("17:00")),
    ]
    hours = hours_at(split, at(NEW_YORK, 2026, 3, 6, 12, 30), NEW_YORK)
    assert hours.state == CLOSED
    assert [(i.opens_at, i.closes_at) for i in hours.today] == [(t("08:00"), t("12:00")), (t("13:00"), t("17:00"))]
    assert hours.opens_next == at(NEW_YORK, 2026, 3, 6, 13, 0)


def test_byday_is_read_loosely():
    assert parse_byday("mo, Tu;1WE,XX") == frozenset({"MO", "TU", "WE"})
