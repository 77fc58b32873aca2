"""Program.today(): the one way to get a program's date, on its own calendar whatever the server's is."""

import datetime as dt
import zoneinfo

import time_machine

from port.accounts.models import Program
from port.core.time import local, today_in

KIRITIMATI = zoneinfo.ZoneInfo("Pacific/Kiritimati")  # UTC+14
HONOLULU = zoneinfo.ZoneInfo("Pacific/Honolulu")  # UTC-10


@time_machine.travel(dt.datetime(2026, 6, 10, 12, 0, tzinfo=dt.UTC), tick=False)
def test_today_is_the_programs_date_not_the_servers():
    assert Program(time_zone="Pacific/Kiritimati").today() == dt.date(2026, 6, 11)
    assert Program(time_zone="Pacific/Honolulu").today() == dt.date(2026, 6, 10)
    assert Program(time_zone="UTC").today() == dt.date(2026, 6, 10)


def test_today_at_a_moment_is_the_date_the_program_had_then():
    moment = dt.datetime(2026, 3, 1, 3, 30, tzinfo=dt.UTC)
    assert Program(time_zone="America/New_York").today(at=moment) == dt.date(2026, 2, 28)
    assert Program(time_zone="Europe/Berlin").today(at=moment) == dt.date(2026, 3, 1)


def test_local_is_the_moment_on_the_programs_wall_clock():
    moment = dt.datetime(2026, 6, 10, 12, 0, tzinfo=dt.UTC)
    shown = Program(time_zone="Pacific/Honolulu").local(moment)
    assert shown == moment and (shown.hour, shown.tzinfo) == (2, HONOLULU)


@time_machine.travel(dt.datetime(2026, 6, 10, 12, 0, tzinfo=dt.UTC), tick=False)
def test_the_ground_helpers_take_a_bare_zone():
    assert today_in(KIRITIMATI) == dt.date(2026, 6, 11)
    assert today_in(HONOLULU, dt.datetime(2026, 6, 11, 5, 0, tzinfo=dt.UTC)) == dt.date(2026, 6, 10)
    assert local(KIRITIMATI).hour == 2
