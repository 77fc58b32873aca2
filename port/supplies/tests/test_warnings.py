"""Warnings for the dashboard: stock below the program's level, lots expiring within 60 days."""

import datetime as dt

import pytest

from port.supplies.selectors import expiry_for, inventory_warnings, lots_expiring, low_stock_items
from port.supplies.services import stock_transfer
from port.testing.budgets import assert_within_budget
from port.testing.supplies import receive

TODAY = dt.date(2025, 3, 1)


@pytest.mark.parametrize(
    ("days", "words", "badge"),
    [
        (-30, "expired", "badge-overdue"),
        (-1, "expired", "badge-overdue"),
        (0, "expires today", "badge-due-soon"),
        (1, "expires tomorrow", "badge-due-soon"),
        (45, "expires in 45 days", "badge-due-soon"),
        (60, "expires in 60 days", "badge-due-soon"),
        (61, "expires in 61 days", "badge-ok"),
    ],
)
def test_expiry_reads_in_words(days, words, badge):
    expiry = expiry_for(TODAY + dt.timedelta(days=days), TODAY)
    assert (expiry.words, expiry.badge, expiry.expired) == (words, badge, days < 0)


def test_an_item_without_an_expiry_date_says_so():
    assert expiry_for(None, TODAY).words == "no expiry date"


def test_an_item_below_its_level_across_all_locations_is_low(cast, stock):
    stock.naloxone.low_stock_level = 10
    stock.naloxone.save()
    stock.hygiene.low_stock_level = 5
    stock.hygiene.save()
    first, second = stock.lot("N1"), stock.lot("N2")
    receive(cast, first, stock.office, 6)
    receive(cast, second, stock.pat_bag, 3)
    receive(cast, stock.lot("HY1", item=stock.hygiene), stock.office, 5)
    # Moving stock around does not change the program's total.
    stock_transfer(by=cast.peer, lot=first, source=stock.office, destination=stock.pat_bag, quantity=2)

    assert low_stock_items(viewer=cast.peer) == [(stock.naloxone, 9)]
    receive(cast, second, stock.office, 1)
    assert low_stock_items(viewer=cast.peer) == []


def test_an_item_with_no_stock_at_all_is_low_and_one_without_a_level_never_is(cast, stock):
    stock.naloxone.low_stock_level = 1
    stock.naloxone.save()
    assert low_stock_items(viewer=cast.supervisor) == [(stock.naloxone, 0)]


def test_lots_expiring_within_60_days_or_expired_are_listed_soonest_first(cast, stock):
    lots = {
        number: stock.lot(number, days=days)
        for number, days in (("IN60", 60), ("IN61", 61), ("IN10", 10), ("PAST", -3), ("NODATE", None), ("EMPTY", 5))
    }
    for number, lot in lots.items():
        if number != "EMPTY":
            receive(cast, lot, stock.office, 2)
    receive(cast, lots["IN10"], stock.pat_bag, 1)

    expiring = list(lots_expiring(viewer=cast.peer))
    assert [(lot.lot_number, lot.on_hand) for lot in expiring] == [("PAST", 2), ("IN10", 3), ("IN60", 2)]


def test_the_warnings_block_data_is_empty_for_partners_and_when_all_is_well(cast, stock):
    assert not inventory_warnings(cast.peer)
    stock.naloxone.low_stock_level = 1
    stock.naloxone.save()
    receive(cast, stock.lot("W1", days=30), stock.office, 1)
    stock.hygiene.low_stock_level = 3
    stock.hygiene.save()

    warnings = inventory_warnings(cast.peer)
    assert [(w.item.name, w.on_hand) for w in warnings.low_stock] == [("Hygiene kit", 0)]
    assert [(w.lot.lot_number, w.on_hand, w.expiry.words) for w in warnings.expiring] == [
        ("W1", 1, "expires in 30 days")
    ]
    assert not inventory_warnings(cast.partner)
    assert not inventory_warnings(cast.outsider)


def test_the_warnings_cost_three_queries_however_many_lots(cast, stock):
    for number in range(20):
        receive(cast, stock.lot(f"Q{number}", days=number), stock.office, 1)
    stock.naloxone.low_stock_level = 100
    stock.naloxone.save()
    with assert_within_budget("inventory_warnings"):
        warnings = inventory_warnings(cast.peer, today=stock.today)
    assert len(warnings.expiring) == 20 and len(warnings.low_stock) == 1


def test_the_warnings_include_renders_on_any_page_and_nothing_when_all_is_well(cast, stock, rf):
    from django.template.loader import render_to_string

    request = rf.get("/referrals/mine/")
    assert (
        render_to_string(
            "supplies/_warnings.html", {"inventory_warnings": inventory_warnings(cast.peer)}, request=request
        ).strip()
        == ""
    )
    stock.naloxone.low_stock_level = 5
    stock.naloxone.save()
    receive(cast, stock.lot("INC1", days=12), stock.office, 2)
    block = render_to_string(
        "supplies/_warnings.html", {"inventory_warnings": inventory_warnings(cast.peer)}, request=request
    )
    assert "Naloxone nasal spray 4 mg: 2 left across the program (warning below 5 kit)" in block
    assert "lot INC1</a>" in block and "expires in 12 days" in block
    assert 'href="/supplies/"' in block
