"""Opening hours from HSDS schedules: is a service open at a moment, and what are its hours on a day.

Pure functions over plain values (`Rule`, made from a `Schedule` row with `rule_of`), evaluated on the
program's wall clock: the caller gives a zone and an aware moment. The conventions (docs/directory.md,
"Schedules"):

- A weekly rule (`freq` WEEKLY, or no `freq` with `byday`) opens on the days `byday` lists ("MO,TU"),
  from `opens_at` to `closes_at`, between `valid_from` and `valid_to` when they are given.
- A daily rule (`freq` DAILY) opens every day; a dated rule (no `byday`, no `freq`, with `valid_from`)
  opens each day from `valid_from` to `valid_to` (the one day when `valid_to` is empty).
- Hours past midnight belong to the day they start: opens 20:00, closes 02:00 on "FR" is open at 01:00
  on Saturday. `closes_at` equal to `opens_at` (00:00 to 00:00 included) means 24 hours.
- A rule with dates and no hours is a closure on those days (a holiday), whatever other rules say; it
  also closes the part past midnight of hours that began on a closed day.
- No rule with hours: the hours are unknown, never "closed".
"""

import datetime as dt
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeVar
from zoneinfo import ZoneInfo

DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")  # date.weekday() order

OPEN: Literal["open"] = "open"
CLOSED: Literal["closed"] = "closed"
UNKNOWN: Literal["unknown"] = "unknown"
State = Literal["open", "closed", "unknown"]


@dataclass(frozen=True)
class Rule:
    """One schedule's meaning: days it applies to and its hours (none: a closure on its dates)."""

    freq: str = ""
    byday: frozenset[str] = frozenset()
    opens_at: dt.time | None = None
    closes_at: dt.time | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    note: str = ""

    @property
    def is_closure(self) -> bool:
        return self.opens_at is None and self.closes_at is None and self.valid_from is not None

    @property
    def has_hours(self) -> bool:
        return self.opens_at is not None and self.closes_at is not None

    def in_dates(self, day: dt.date) -> bool:
        if self.valid_from is not None and day < self.valid_from:
            return False
        if self.valid_to is not None and day > self.valid_to:
            return False
        if self.valid_to is None and self.valid_from is not None and self.is_dated:
            return day == self.valid_from
        return True

    @property
    def is_dated(self) -> bool:
        """Hours (or a closure) on specific dates rather than a weekly or daily pattern."""
        return not self.byday and self.freq.upper() not in ("WEEKLY", "DAILY")

    def applies_on(self, day: dt.date) -> bool:
        """Whether this rule's hours start on `day` (or, for a closure, whether `day` is closed)."""
        if self.is_closure:
            return self.in_dates(day)
        if not self.has_hours:
            return False
        freq = self.freq.upper()
        if self.byday and freq in ("", "WEEKLY"):
            return DAY_CODES[day.weekday()] in self.byday and self.in_dates(day)
        if freq == "DAILY":
            return self.in_dates(day)
        if self.is_dated:
            return self.valid_from is not None and self.in_dates(day)
        return False


def parse_byday(value: str) -> frozenset[str]:
    """ "MO,TU" (or "mo, tu", or "1MO" as RRULE allows) as day codes; unknown parts are ignored."""
    codes = set()
    for part in value.replace(";", ",").split(","):
        code = part.strip().upper()[-2:]
        if code in DAY_CODES:
            codes.add(code)
    return frozenset(codes)


def rule_of(schedule: Any) -> Rule:
    """A Rule from a Schedule row (or anything with its fields)."""
    return Rule(
        freq=schedule.freq or "",
        byday=parse_byday(schedule.byday or ""),
        opens_at=schedule.opens_at,
        closes_at=schedule.closes_at,
        valid_from=schedule.valid_from,
        valid_to=schedule.valid_to,
        note=schedule.description or schedule.notes or "",
    )


@dataclass(frozen=True)
class Interval:
    """One opening, on the day it starts; `start` and `end` are aware, in the program's zone."""

    day: dt.date
    opens_at: dt.time
    closes_at: dt.time
    start: dt.datetime
    end: dt.datetime

    @property
    def all_day(self) -> bool:
        return self.opens_at == self.closes_at


def _at(day: dt.date, time: dt.time, zone: ZoneInfo) -> dt.datetime:
    # A wall time that does not exist (spring forward) is read with the offset before the change, as
    # zoneinfo does (02:30 becomes 03:30 daylight time); one that happens twice is its first occurrence.
    return dt.datetime.combine(day, time.replace(tzinfo=None), tzinfo=zone)


def intervals_on(rules: Iterable[Rule], day: dt.date, zone: ZoneInfo) -> list[Interval]:
    """The openings that start on `day`, earliest first; none when a closure lists the day."""
    rules = list(rules)
    if any(rule.is_closure and rule.applies_on(day) for rule in rules):
        return []
    found = set()
    for rule in rules:
        if rule.is_closure or not rule.applies_on(day):
            continue
        assert rule.opens_at is not None and rule.closes_at is not None  # has_hours
        opens, closes = rule.opens_at.replace(tzinfo=None), rule.closes_at.replace(tzinfo=None)
        end_day = day if closes > opens else day + dt.timedelta(days=1)
        found.add((opens, closes, end_day))
    return sorted(
        (
            Interval(day, opens, closes, _at(day, opens, zone), _at(end_day, closes, zone))
            for opens, closes, end_day in found
        ),
        key=lambda interval: (interval.start, interval.end),
    )


@dataclass(frozen=True)
class Hours:
    """A service's hours as seen at one moment."""

    state: State
    today: tuple[Interval, ...] = ()  # openings that start today
    closed_today: bool = False  # a closure lists today
    closure_note: str = ""
    open_until: dt.datetime | None = None  # when open: when the current opening ends
    opens_next: dt.datetime | None = None  # when closed: the next opening today, if any

    @property
    def is_open(self) -> bool:
        return self.state == OPEN


def hours_at(rules: Iterable[Rule], moment: dt.datetime, zone: ZoneInfo) -> Hours:
    """Open, closed or unknown at `moment` (aware), on the wall clock of `zone`, with today's hours."""
    rules = list(rules)
    local = moment.astimezone(zone)
    today = local.date()
    utc = moment.astimezone(dt.UTC)
    closure = next((rule for rule in rules if rule.is_closure and rule.applies_on(today)), None)
    todays = intervals_on(rules, today, zone)
    current = [
        interval
        for interval in [*intervals_on(rules, today - dt.timedelta(days=1), zone), *todays]
        # Compared in UTC: Python compares two times of the same zone by their wall clocks, which is wrong
        # on the night the clocks go back.
        if interval.start.astimezone(dt.UTC) <= utc < interval.end.astimezone(dt.UTC)
    ]
    if current:
        until = max(interval.end for interval in current)
        return Hours(OPEN, tuple(todays), closure is not None, closure.note if closure else "", open_until=until)
    if not any(rule.has_hours for rule in rules) and closure is None:
        return Hours(UNKNOWN)
    later = [interval.start for interval in todays if interval.start.astimezone(dt.UTC) > utc]
    return Hours(
        CLOSED,
        tuple(todays),
        closure is not None,
        closure.note if closure else "",
        opens_next=min(later) if later else None,
    )


def open_at(rules: Iterable[Rule], moment: dt.datetime, zone: ZoneInfo) -> bool:
    return hours_at(rules, moment, zone).is_open


def relevant_days(moment: dt.datetime, zone: ZoneInfo) -> tuple[dt.date, dt.date]:
    """Yesterday and today on the program's calendar: the only days whose rules can open `moment`."""
    today = moment.astimezone(zone).date()
    return today - dt.timedelta(days=1), today


@dataclass(frozen=True)
class Window:
    """What a database may compare to keep only the schedules that could open `moment`, before
    `hours_at` decides: the program's yesterday and today, and the wall-clock time of the moment.

    A rule can open the moment only if its hours start today at or before `wall_time` and end after it
    (or run past midnight), or started yesterday and run past midnight to after `wall_time`. Wall-clock
    comparisons are only safe when the clocks do not change: on the days around a change `wall_time`
    is None and only the days are compared (more candidates, the same answer)."""

    yesterday: dt.date
    today: dt.date
    wall_time: dt.time | None


def window_at(moment: dt.datetime, zone: ZoneInfo) -> Window:
    yesterday, today = relevant_days(moment, zone)
    offsets = {
        dt.datetime.combine(yesterday + dt.timedelta(days=n), dt.time(), tzinfo=zone).utcoffset() for n in range(3)
    }
    wall_time = moment.astimezone(zone).time().replace(tzinfo=None) if len(offsets) == 1 else None
    return Window(yesterday, today, wall_time)


Key = TypeVar("Key", bound=Hashable)


def open_among(rules: Mapping[Key, Iterable[Rule]], moment: dt.datetime, zone: ZoneInfo) -> set[Key]:
    """The keys (services) whose rules make them open at `moment`, by `hours_at`. Services often share
    the same hours ("MO,TU,WE,TH,FR 09:00-17:00"): each distinct set of rules is evaluated once."""
    decided: dict[frozenset[Rule], bool] = {}
    found = set()
    for key, its_rules in rules.items():
        same = frozenset(its_rules)
        is_open = decided.get(same)
        if is_open is None:
            is_open = decided[same] = hours_at(same, moment, zone).is_open
        if is_open:
            found.add(key)
    return found
