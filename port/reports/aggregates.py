"""De-identified program figures for analysts: counts only, with small cells suppressed.

Nothing here returns a participant, a referral or any row about one person: only counts per month,
source and status, a median and sums. Any count from 1 to SMALL_CELL - 1 is suppressed (shown as "fewer
than 11"), with complementary suppression (port.reports.suppression) so that no hidden count can be worked out
from the totals shown.
"""

import datetime as dt
import statistics
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Count, DateTimeField, Sum
from django.db.models.functions import Coalesce, TruncMonth

from port.accounts.models import Membership
from port.accounts.roles import SUPERVISING_ROLES, Role
from port.referrals.models import Referral, Source, Status
from port.reports.suppression import Cell, suppress, suppress_table
from port.supplies.models import StockMovement, SupplyItem

FIGURES_MONTHS = 12
# Who may see the program's aggregate figures.
FIGURE_ROLES = SUPERVISING_ROLES | {Role.ANALYST}


@dataclass
class SourceRow:
    month: dt.date
    source_label: str
    cells: list[Cell]  # one per status, in Status order
    total: Cell


@dataclass
class MonthFigure:
    month: dt.date
    value: Cell


@dataclass
class ProgramFigures:
    start: dt.date  # first day of the first month, in the program's time zone
    statuses: list[str]  # status labels, the columns of `referrals`
    referrals: list[SourceRow]  # months newest first, sources in their usual order; empty rows left out
    median_hours_to_first_contact: float | None  # None when suppressed or no referral was reached
    reached_count: Cell  # how many referrals the median is over
    naloxone_kits: list[MonthFigure]  # newest first
    naloxone_total: Cell


def _month_starts(today: dt.date, months: int) -> list[dt.date]:
    starts, year, month = [], today.year, today.month
    for _step in range(months):
        starts.append(dt.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return starts  # newest first


def _as_month(value: dt.date | dt.datetime, zone: ZoneInfo) -> dt.date:
    # TruncMonth gives an aware datetime (or a date on some backends): the month's first day, locally.
    return (value.astimezone(zone).date() if isinstance(value, dt.datetime) else value).replace(day=1)


def program_figures(
    *, viewer: Membership, months: int = FIGURES_MONTHS, now: dt.datetime | None = None
) -> ProgramFigures | None:
    """The viewer's program's figures for the last `months` months (this one included); None for roles
    that may not see them. Four queries, whatever the program's size."""
    if viewer.role not in FIGURE_ROLES:
        return None
    zone = viewer.program.zone
    today = viewer.program.today(at=now)
    month_starts = _month_starts(today, months)
    start = month_starts[-1]
    since = dt.datetime.combine(start, dt.time.min, tzinfo=zone)
    referrals = Referral.objects.filter(program_id=viewer.program_id, received_at__gte=since)

    counts: dict[tuple[dt.date, str], dict[str, int]] = {}
    for row in (
        referrals.annotate(month=TruncMonth("received_at", tzinfo=zone))
        .values("month", "source", "status")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        counts.setdefault((_as_month(row["month"], zone), row["source"]), {})[row["status"]] = row["n"]
    labels = [(month, source) for month in month_starts for source in Source if counts.get((month, source.value))]
    # The page shows each row's total, not the columns': complementary suppression along the rows.
    table = suppress_table(
        [[counts[(month, source.value)].get(status.value, 0) for status in Status] for month, source in labels],
        row_totals=True,
        column_totals=False,
    )
    assert table.row_totals is not None  # asked for above
    rows = [
        SourceRow(month, str(source.label), cells, total)
        for (month, source), cells, total in zip(labels, table.cells, table.row_totals, strict=True)
    ]

    durations = [
        (reached - received).total_seconds() / 3600
        for received, reached in referrals.filter(first_contact_at__isnull=False).values_list(
            "received_at", "first_contact_at"
        )
        if reached is not None  # always, by the filter; says so to the type checker
    ]
    reached = suppress(len(durations))
    median = round(statistics.median(durations), 1) if durations and not reached.suppressed else None

    kits: dict[dt.date, int] = {}
    given = (
        StockMovement.objects.filter(
            program_id=viewer.program_id, kind=StockMovement.Kind.DISTRIBUTE, lot__item__kind=SupplyItem.Kind.NALOXONE
        )
        .annotate(
            given_at=Coalesce("encounter_item__encounter__occurred_at", "recorded_at", output_field=DateTimeField())
        )
        .filter(given_at__gte=since)
    )
    for given_in_month in (
        given.annotate(month=TruncMonth("given_at", tzinfo=zone))
        .values("month")
        .annotate(kits=Sum("quantity"))
        .order_by()
    ):
        month = _as_month(given_in_month["month"], zone)
        kits[month] = kits.get(month, 0) - given_in_month["kits"]  # distributions are negative movements
    # One column of months with its total ("All months").
    kit_table = suppress_table([[kits.get(month, 0)] for month in month_starts], row_totals=False, column_totals=True)
    assert kit_table.column_totals is not None  # asked for above
    kit_cells, kit_total = [row[0] for row in kit_table.cells], kit_table.column_totals[0]
    return ProgramFigures(
        start=start,
        statuses=[str(status.label) for status in Status],
        referrals=rows,
        median_hours_to_first_contact=median,
        reached_count=reached,
        naloxone_kits=[MonthFigure(month, cell) for month, cell in zip(month_starts, kit_cells, strict=True)],
        naloxone_total=kit_total,
    )
