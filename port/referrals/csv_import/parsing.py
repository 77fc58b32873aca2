"""Row level: one row's cells -> `ReferralSubmission` plus the cells that could not be read (dates,
times in the program's zone, yes/no, whole numbers, codes). Types only, no database: the business rules
stay in `port.referrals.intake.validate_submission`."""

import datetime as dt
import re
import zoneinfo
from collections.abc import Callable
from typing import TypeVar

from django.utils.translation import gettext as _

from port.accounts.models import Organization
from port.referrals.csv_import.columns import (
    COLUMNS_BY_NAME,
    DATE_FORMATS_HELP,
    DATETIME_FORMATS_HELP,
    MAX_SUBSTANCE_LENGTH,
    MAX_SUBSTANCES,
)
from port.referrals.intake import (
    OverdoseDetails,
    ParticipantDetails,
    ReferralSubmission,
    time_problem,
)
from port.referrals.models import Source

# Row level: cells -> ReferralSubmission (types only; the rules are intake's).

T = TypeVar("T")


class _CellError(ValueError):
    """One cell that cannot be read; its message is shown on the row."""


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?\s*(Z|[+-]\d{2}(:?\d{2})?)?", re.IGNORECASE
)
_US = re.compile(
    r"(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{4})"
    r"(?:[ T]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?\s*(?P<ampm>[AaPp][Mm])?)?"
)


# No message repeats the cell: what a cell says is about the person, and messages are shown and
# downloaded (the rejected-rows file keeps the cells themselves, beside the messages).


def _us_date(us: re.Match) -> dt.date:
    try:
        return dt.date(int(us["y"]), int(us["m"]), int(us["d"]))
    except ValueError as exc:
        if int(us["m"]) > 12:
            raise _CellError(_("This is not a real date: in this format the month comes first (MM/DD/YYYY).")) from exc
        raise _CellError(_("This is not a real date.")) from exc


def _not_a_date(formats: str) -> _CellError:
    return _CellError(_("This is not a date we can read. Use %(formats)s.") % {"formats": formats})


def parse_date(value: str) -> dt.date:
    value = value.strip()
    formats = str(DATE_FORMATS_HELP)
    try:
        if _ISO_DATE.fullmatch(value):
            return dt.date.fromisoformat(value)
        if _ISO_DATETIME.fullmatch(value):
            raise _CellError(_("Give only the date, without a time (%(formats)s).") % {"formats": formats})
        us = _US.fullmatch(value)
        if us:
            if us["H"] is not None:
                raise _CellError(_("Give only the date, without a time (%(formats)s).") % {"formats": formats})
            return _us_date(us)
    except ValueError as exc:
        if isinstance(exc, _CellError):
            raise
        raise _CellError(_("This is not a real date.")) from exc
    raise _not_a_date(formats)


def parse_datetime(value: str, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    """ISO 8601 with or without an offset, or MM/DD/YYYY HH:MM; naive times are in `zone`."""
    value = value.strip()
    formats = str(DATETIME_FORMATS_HELP)
    try:
        if _ISO_DATETIME.fullmatch(value):
            parsed = dt.datetime.fromisoformat(re.sub(r"\s+(?=[Zz+-])", "", value).upper())
        elif (us := _US.fullmatch(value)) and us["H"] is not None:
            hour = int(us["H"])
            if us["ampm"]:
                if not 1 <= hour <= 12:
                    raise _CellError(_("With AM or PM the hour is 1 to 12."))
                hour = hour % 12 + (12 if us["ampm"].lower() == "pm" else 0)
            parsed = dt.datetime.combine(_us_date(us), dt.time(hour, int(us["M"]), int(us["S"] or 0)))
        elif _ISO_DATE.fullmatch(value) or _US.fullmatch(value):
            raise _CellError(_("This needs a time as well as a date, e.g. 2025-01-15 14:30 or 01/15/2025 14:30."))
        else:
            raise _not_a_date(formats)
        # Years far ahead are typing errors, and would overflow the clock's arithmetic; an offset no
        # place uses or a time before 2000 is refused here (as intake would), before it becomes UTC.
        if parsed.year > 2999:
            raise _CellError(_("Check the year: times after 2999 cannot be right."))
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=zone)
        problem = time_problem(parsed)
        if problem:
            raise _CellError(problem)
        return parsed.astimezone(dt.UTC)
    except _CellError:
        raise
    except (ValueError, OverflowError) as exc:
        raise _CellError(_("This is not a real date and time.")) from exc


_YES = frozenset({"yes", "y", "true"})
_NO = frozenset({"no", "n", "false"})


def parse_yes_no(value: str) -> bool | None:
    lowered = value.strip().lower()
    if not lowered:
        return None
    if lowered in _YES:
        return True
    if lowered in _NO:
        return False
    raise _CellError(_("Use yes, no, or leave it blank."))


def parse_whole_number(value: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    if not re.fullmatch(r"[+-]?\d{1,6}", value):
        raise _CellError(_("This is not a whole number, such as 2."))
    return int(value)


def _code(value: str) -> str:
    """'Emergency Department' -> 'emergency_department': codes are matched leniently."""
    return re.sub(r"[\s\-]+", "_", value.strip().lower())


def default_source_for(agency: Organization | None) -> str:
    """A partner's blank `source` is its agency's kind, where that kind is also a source."""
    return agency.kind if agency is not None and agency.kind in Source.values else ""


def parse_row(
    values: dict[str, str], *, zone: zoneinfo.ZoneInfo, default_source: str = ""
) -> tuple[ReferralSubmission, dict[str, str]]:
    """One row's cells into a ReferralSubmission, and a message for each cell that could not be read.

    Only types and lengths are checked here; what makes a referral acceptable is decided by
    `validate_submission`, the same for every channel.
    """
    problems: dict[str, str] = {}

    def text(name: str) -> str:
        cell = (values.get(name) or "").strip()
        limit = COLUMNS_BY_NAME[name].max_length
        if limit and len(cell) > limit:
            # Intake would cut it short; say so instead of dropping the rest silently.
            problems[name] = _("Too long: %(length)d characters, at most %(limit)d.") % {
                "length": len(cell),
                "limit": limit,
            }
        return cell

    def typed(name: str, parse: Callable[[str], T]) -> T | None:
        cell = (values.get(name) or "").strip()
        if not cell:
            return None
        try:
            return parse(cell)
        except _CellError as exc:
            problems[name] = str(exc)
            return None

    source = _code(values.get("source") or "") or default_source
    if not source:
        problems["source"] = _("Required. Use one of: %(choices)s.") % {"choices": ", ".join(Source.values)}

    substances = [s.strip() for s in (values.get("substances") or "").split(";") if s.strip()]
    if len(substances) > MAX_SUBSTANCES:
        problems["substances"] = _("At most %(count)d substances.") % {"count": MAX_SUBSTANCES}
    elif any(len(s) > MAX_SUBSTANCE_LENGTH for s in substances):
        problems["substances"] = _(
            "Each substance can be at most %(limit)d characters; separate substances with semicolons (;)."
        ) % {"limit": MAX_SUBSTANCE_LENGTH}

    submission = ReferralSubmission(
        source=source,
        external_id=text("external_id"),
        received_at=typed("received_at", lambda v: parse_datetime(v, zone)),
        acuity=_code(values.get("acuity") or ""),
        available_from=typed("available_from", lambda v: parse_datetime(v, zone)),
        participant=ParticipantDetails(
            first_name=text("first_name"),
            last_name=text("last_name"),
            preferred_name=text("preferred_name"),
            date_of_birth=typed("date_of_birth", parse_date),
            phone=text("phone"),
            address=text("address"),
            location_notes=text("location_notes"),
            preferred_language=text("preferred_language"),
        ),
        overdose=OverdoseDetails(
            occurred_at=typed("overdose_occurred_at", lambda v: parse_datetime(v, zone)),
            location=text("overdose_location"),
            substances=substances,
            naloxone_doses=typed("naloxone_doses", parse_whole_number),
            naloxone_given_by=_code(values.get("naloxone_given_by") or ""),
            transported=typed("transported", parse_yes_no),
        ),
        consent_to_contact=typed("consent_to_contact", parse_yes_no),
        notes=text("notes"),
    )
    return submission, problems
