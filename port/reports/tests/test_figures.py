"""The analyst's page: the program's de-identified figures, with small cells suppressed, and no participant
page at all."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from port.referrals.models import Referral, Source, Status
from port.reports.aggregates import program_figures
from port.reports.suppression import Cell, suppress, suppress_table
from port.supplies.models import Lot, StockLocation, StockMovement, SupplyItem
from port.testing.budgets import assert_within_budget
from port.testing.factories import submit_referral
from port.testing.world import LAST_NAME, sensitive_world

HOME = reverse("home")
NOW = dt.datetime(2026, 6, 10, 16, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _now(time_machine) -> None:
    """Every figure is counted by month in the program's zone: each test says when now is."""
    time_machine.move_to(NOW, tick=False)


def suppress_row(counts: list[int]) -> tuple[list[Cell], Cell]:
    table = suppress_table([counts], row_totals=True, column_totals=False)
    assert table.row_totals is not None
    return table.cells[0], table.row_totals[0]


def refer(cast, n: int, *, source=Source.EMERGENCY_DEPARTMENT, agency=None, hours_ago: float = 2) -> list[Referral]:
    at = timezone.now() - dt.timedelta(hours=hours_ago)
    return [
        submit_referral(
            cast.program,
            agency=agency,
            by=cast.peer,
            source=source,
            received_at=at,
            first_name=f"Figure{i}",
            last_name="Person",
            phone=f"412-555-01{i:02d}",
        )
        for i in range(n)
    ]


def give_naloxone(cast, kits: int, at: dt.datetime | None = None) -> None:
    item = SupplyItem.objects.filter(program=cast.program, kind=SupplyItem.Kind.NALOXONE).first()
    assert item is not None  # program set-up seeds naloxone
    lot = Lot.objects.create(item=item, lot_number=f"L{kits}", expires_on=cast.program.today() + dt.timedelta(days=90))
    office = StockLocation.objects.get_or_create(
        program=cast.program, name="Office", defaults={"kind": StockLocation.Kind.OFFICE}
    )[0]
    StockMovement.objects.create(
        program=cast.program,
        lot=lot,
        location=office,
        kind=StockMovement.Kind.DISTRIBUTE,
        quantity=-kits,
        recorded_by=cast.peer.user,
        recorded_at=at or timezone.now(),
    )


# ---- suppression ----


def test_counts_from_one_to_ten_are_suppressed_and_zero_is_not():
    assert [suppress(n).value for n in (0, 1, 10, 11, 250)] == [0, None, None, 11, 250]
    assert suppress(10).small and not suppress(11).suppressed


def test_a_lone_small_cell_next_to_a_shown_total_takes_the_next_smallest_non_zero_count_with_it():
    cells, total = suppress_row([3, 20, 15, 0])
    assert total == Cell(38)
    assert [cell.value for cell in cells] == [None, 20, None, 0]
    assert cells[0].small and cells[2].complementary


def test_a_zero_never_protects_a_small_cell():
    # Sep 2026, emergency department: 17 received, 1 attempting, zeros elsewhere; 18 in all.
    cells, total = suppress_row([17, 1, 0, 0, 0])
    assert total == Cell(18)
    assert [cell.value for cell in cells] == [None, None, 0, 0, 0]
    assert cells[1].small and cells[0].complementary


def test_two_small_cells_protect_each_other_and_a_small_total_hides_everything():
    cells, total = suppress_row([3, 4, 30])
    assert [cell.value for cell in cells] == [None, None, 30] and total.value == 37
    cells, total = suppress_row([3, 4, 0])
    assert total.suppressed and [c.value for c in cells] == [None, None, 0]


# ---- the figures ----


# Mid-month: the referrals `refer` makes 2 hours before now are in now's month (at 05:30 UTC on 1 November
# they were, rightly, counted in October: 11:30 pm on 31 October in New York).
@time_machine.travel(dt.datetime(2026, 6, 15, 16, 0, tzinfo=dt.UTC), tick=False)
def test_the_analyst_sees_counts_by_month_source_and_status_with_small_cells_suppressed(cast):
    refer(cast, 12, agency=cast.ed)
    refer(cast, 3, source=Source.TWO_ONE_ONE, agency=cast.two_one_one)
    figures = program_figures(viewer=cast.analyst)
    rows = {row.source_label: row for row in figures.referrals}
    ed = rows["Emergency department"]
    received = [str(label) for label in Status.labels].index("Received")
    assert ed.cells[received] == Cell(12) and ed.total == Cell(12)
    assert ed.month == cast.program.today().replace(day=1)
    two = rows["2-1-1"]
    assert two.total.suppressed and two.cells[received].suppressed

    page = cast.client_for(cast.analyst).get(HOME).content.decode()
    assert "fewer than 11" in page and ">12<" in page.replace("\n", "").replace(" ", "")
    assert "Figure0" not in page and "Person" not in page


@pytest.mark.parametrize(
    ("received", "month"),
    [
        (dt.datetime(2026, 11, 1, 5, 30, tzinfo=dt.UTC), dt.date(2026, 11, 1)),  # 01:30 EDT, the first one
        (dt.datetime(2026, 11, 1, 6, 30, tzinfo=dt.UTC), dt.date(2026, 11, 1)),  # 01:30 EST, the second one
        (dt.datetime(2026, 11, 1, 3, 59, tzinfo=dt.UTC), dt.date(2026, 10, 1)),  # 23:59 EDT, Oct 31
    ],
)
def test_a_referral_is_counted_in_its_month_in_the_programs_zone_on_fall_back_night(
    cast, time_machine, received, month
):
    time_machine.move_to(received, tick=False)
    refer(cast, 11, agency=cast.ed, hours_ago=0)
    (row,) = program_figures(viewer=cast.analyst).referrals
    assert (row.month, row.total) == (month, Cell(11))


def test_the_median_time_to_first_contact_needs_eleven_reached_referrals(cast):
    referrals = refer(cast, 11, agency=cast.ed, hours_ago=30)
    for hours, referral in enumerate(referrals[:10], start=1):
        reached = referral.received_at + dt.timedelta(hours=hours)
        Referral.objects.filter(pk=referral.pk).update(first_contact_at=reached)
    figures = program_figures(viewer=cast.analyst)
    assert figures.median_hours_to_first_contact is None and figures.reached_count.suppressed
    last = referrals[10]
    Referral.objects.filter(pk=last.pk).update(first_contact_at=last.received_at + dt.timedelta(hours=20))
    figures = program_figures(viewer=cast.analyst)
    assert figures.median_hours_to_first_contact == 6.0 and figures.reached_count == Cell(11)
    assert "6.0 hours" in cast.client_for(cast.analyst).get(HOME).content.decode()


def test_naloxone_kits_given_out_are_summed_per_month(cast):
    give_naloxone(cast, 7)
    give_naloxone(cast, 8)
    figures = program_figures(viewer=cast.analyst)
    assert figures.naloxone_kits[0].value == Cell(15)
    assert figures.naloxone_total == Cell(15)
    earlier = timezone.now() - dt.timedelta(days=70)
    give_naloxone(cast, 4, at=earlier)
    figures = program_figures(viewer=cast.analyst)
    assert figures.naloxone_total == Cell(19)
    month = cast.program.today(at=earlier).replace(day=1)
    assert next(f.value for f in figures.naloxone_kits if f.month == month).small
    # The 4 would follow from the total and the other months: one of the empty months is hidden with it.
    assert sum(f.value.complementary for f in figures.naloxone_kits) == 1


def test_only_the_viewers_program_is_counted(cast):
    submit_referral(cast.other_program, agency=cast.other_agency, first_name="Elsewhere")
    assert program_figures(viewer=cast.analyst).referrals == []


def test_the_figures_take_the_same_queries_for_one_referral_or_thirty(cast):
    refer(cast, 1)
    with assert_within_budget("program_figures"):
        program_figures(viewer=cast.analyst)
    refer(cast, 29, source=Source.SELF)
    with assert_within_budget("program_figures"):
        program_figures(viewer=cast.analyst)


@pytest.mark.parametrize("role", ["peer", "partner", "law_enforcement", "first_responder", "provider"])
def test_roles_without_reports_get_no_figures(cast, role):
    assert program_figures(viewer=getattr(cast, role)) is None


# ---- what an analyst may not see ----


def test_an_analyst_sees_no_participant_page(cast):
    world = sensitive_world(cast)
    client = cast.client_for(cast.analyst)
    for url, status in (
        (reverse("participants:detail", args=[world.participant.public_id]), 404),
        (reverse("referrals:detail", args=[world.referral.public_id]), 404),
        (reverse("participants:visit_sheet", args=[world.participant.public_id]), 404),
        (reverse("participants:search"), 403),
        (reverse("referrals:queue"), 403),
        (reverse("referrals:my_queue"), 403),
        (reverse("referrals:new"), 403),
        (reverse("referrals:sent"), 403),
        (reverse("outreach:encounter_detail", args=[world.encounter.pk]), 403),
    ):
        response = client.get(url)
        assert response.status_code == status, url
        assert LAST_NAME not in response.content.decode()
