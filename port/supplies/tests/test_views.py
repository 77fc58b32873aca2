"""Inventory pages for each role, the stock forms (a refusal is shown on the form, values kept), and
query counts that do not grow with the number of lots."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from port.supplies.models import Lot, StockBalance, StockLocation, StockMovement
from port.supplies.services import stock_transfer
from port.testing.supplies import receive

TEAM_PAGES = ["supplies:inventory", "supplies:ledger", "supplies:report", "supplies:transfer"]
SUPERVISOR_PAGES = ["supplies:receive", "supplies:write_off"]


def html(response) -> str:
    return response.content.decode()


@pytest.mark.parametrize(
    ("member", "team_status", "supervisor_status"),
    [
        ("admin", 200, 200),
        ("supervisor", 200, 200),
        ("peer", 200, 403),
        ("partner", 403, 403),
        ("partner_211", 403, 403),
    ],
)
def test_each_role_gets_the_supply_pages_it_may_use(cast, stock, member, team_status, supervisor_status):
    client = cast.client_for(getattr(cast, member))
    lot = stock.lot("R1")
    for name in TEAM_PAGES:
        assert client.get(reverse(name)).status_code == team_status, name
    assert client.get(reverse("supplies:lot", args=[lot.pk])).status_code == team_status
    for name in SUPERVISOR_PAGES:
        assert client.get(reverse(name)).status_code == supervisor_status, name
        assert client.post(reverse(name), {}).status_code == supervisor_status, name


def test_signed_out_visitors_are_sent_to_sign_in(client, cast):
    response = client.get(reverse("supplies:inventory"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_outsider_sees_only_their_own_programs_stock(cast, stock):
    receive(cast, stock.lot("RIVER1"), stock.office, 4)
    page = html(cast.client_for(cast.outsider).get(reverse("supplies:inventory")))
    assert "RIVER1" not in page and "Pat&#x27;s bag" not in page
    ledger = html(cast.client_for(cast.outsider).get(reverse("supplies:ledger")))
    assert "RIVER1" not in ledger


def test_the_nav_links_to_supplies_for_the_team_only(cast):
    url = reverse("supplies:inventory")
    assert f'href="{url}"' in html(cast.client_for(cast.peer).get(reverse("referrals:my_queue")))
    assert f'href="{url}"' not in html(cast.client_for(cast.partner).get(reverse("referrals:new")))
    page = html(cast.client_for(cast.peer).get(url))
    assert f'href="{url}" aria-current="page"' in page


# ---- the inventory page ----


def test_a_peer_sees_their_own_bag_first_with_expiry_in_words(cast, stock):
    soon, later = stock.lot("SOON", days=45), stock.lot("LATER", days=400)
    expired = stock.lot("OLD", days=-5)
    receive(cast, soon, stock.office, 10)
    receive(cast, later, stock.pat_bag, 2)
    receive(cast, expired, stock.quinn_bag, 1)

    page = html(cast.client_for(cast.peer).get(reverse("supplies:inventory")))
    assert page.index("Pat&#x27;s bag") < page.index("Office") < page.index("Quinn&#x27;s vehicle")
    assert "expires in 45 days" in page and "expired" in page
    assert "2 units at Pat&#x27;s bag" in page
    # A peer may move stock out of their bag and the office, not out of Quinn's vehicle; no write-offs.
    assert f"?source={stock.pat_bag.pk}&amp;lot={later.pk}" in page
    assert f"?source={stock.office.pk}&amp;lot={soon.pk}" in page
    assert f"?source={stock.quinn_bag.pk}" not in page
    assert reverse("supplies:write_off") not in page and reverse("supplies:receive") not in page


def test_the_inventory_shows_the_warnings_at_the_top(cast, stock):
    stock.naloxone.low_stock_level = 50
    stock.naloxone.save()
    receive(cast, stock.lot("EXP30", days=30), stock.office, 3)
    page = html(cast.client_for(cast.supervisor).get(reverse("supplies:inventory")))
    warnings = page.index("Supplies need attention")
    assert warnings < page.index('<h2 id="location-')
    assert "Naloxone nasal spray 4 mg: 3 left across the program (warning below 50 kit)" in page
    assert "EXP30</a>" in page and "expires in 30 days" in page


def test_the_inventory_can_show_one_location(cast, stock):
    receive(cast, stock.lot("IN-OFFICE"), stock.office, 1)
    receive(cast, stock.lot("IN-BAG"), stock.pat_bag, 1)
    client = cast.client_for(cast.supervisor)
    page = html(client.get(reverse("supplies:inventory"), {"location": stock.pat_bag.pk}))
    assert "IN-BAG" in page and "IN-OFFICE" not in page


def test_an_unknown_location_filter_is_ignored_with_a_message(cast, stock, hilltop_office):
    receive(cast, stock.lot("STILL-SHOWN"), stock.office, 1)
    response = cast.client_for(cast.supervisor).get(reverse("supplies:inventory"), {"location": hilltop_office.pk})
    assert response.status_code == 200
    assert "STILL-SHOWN" in html(response)
    assert "The “Location” filter was ignored" in html(response)


@pytest.fixture
def hilltop_office(cast) -> StockLocation:
    return StockLocation.objects.get(program=cast.other_program, name="Office")


def count_queries(client, url: str, params: dict | None = None) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params or {}).status_code == 200
    return len(queries)


def add_lots(cast, stock, count: int, start: int = 0) -> None:
    for number in range(start, start + count):
        lot = stock.lot(f"BULK{number:03d}", days=10 + number)
        receive(cast, lot, stock.office, 5)
        stock_transfer(by=cast.supervisor, lot=lot, source=stock.office, destination=stock.pat_bag, quantity=2)


@pytest.mark.parametrize("member", ["peer", "supervisor"])
def test_the_inventory_page_does_not_make_more_queries_for_more_lots(cast, stock, member):
    stock.naloxone.low_stock_level = 10_000
    stock.naloxone.save()
    client = cast.client_for(getattr(cast, member))
    url = reverse("supplies:inventory")
    add_lots(cast, stock, 3)
    client.get(url)  # the session is warmed up once
    with_three = count_queries(client, url)
    add_lots(cast, stock, 27, start=3)
    with_thirty = count_queries(client, url)
    assert with_three == with_thirty
    page = html(client.get(url))
    assert page.count('data-label="Lot"') == 2 * 30  # every lot in two locations
    assert page.count('<li><a href="/supplies/lots/') == 30  # and 30 expiry warnings


def test_the_ledger_page_does_not_make_more_queries_for_more_lots(cast, stock):
    client = cast.client_for(cast.peer)
    url = reverse("supplies:ledger")
    add_lots(cast, stock, 3)
    client.get(url)
    with_three = count_queries(client, url)
    with_three_filtered = count_queries(client, url, {"location": stock.pat_bag.pk, "kind": "transfer_in"})
    add_lots(cast, stock, 27, start=3)
    assert count_queries(client, url) == with_three
    assert count_queries(client, url, {"location": stock.pat_bag.pk, "kind": "transfer_in"}) == with_three_filtered


# ---- the ledger ----


def test_the_ledger_lists_every_change_newest_first_in_pages(cast, stock):
    lot = stock.lot("LEDGER1")
    receive(cast, lot, stock.office, 100)
    for _ in range(30):
        stock_transfer(by=cast.peer, lot=lot, source=stock.office, destination=stock.pat_bag, quantity=1)
    client = cast.client_for(cast.peer)
    first = html(client.get(reverse("supplies:ledger")))
    assert "61 changes" in first and "Page 1 of 2" in first
    table = first[first.index("<table") :]
    assert table.count("<tr>") == 1 + 50
    assert table.index("Transferred in") < table.index("Transferred out")
    assert "Received" not in table
    second = html(client.get(reverse("supplies:ledger"), {"page": 2}))
    table = second[second.index("<table") :]
    assert table.count("<tr>") == 1 + 11
    assert "Received" in table and "+100" in table


def test_the_ledger_filters_by_item_lot_location_and_kind(cast, stock):
    naloxone, hygiene = stock.lot("NAL-A"), stock.lot("HYG-A", item=stock.hygiene)
    receive(cast, naloxone, stock.office, 5)
    receive(cast, hygiene, stock.office, 5)
    stock_transfer(by=cast.peer, lot=naloxone, source=stock.office, destination=stock.pat_bag, quantity=2)
    client = cast.client_for(cast.supervisor)

    def lots_listed(**params) -> list[str]:
        page = html(client.get(reverse("supplies:ledger"), params))
        return sorted(number for number in ("NAL-A", "HYG-A") if f">{number}</a>" in page)

    assert lots_listed(item=stock.hygiene.pk) == ["HYG-A"]
    assert lots_listed(lot=naloxone.pk) == ["NAL-A"]
    assert lots_listed(location=stock.pat_bag.pk) == ["NAL-A"]
    assert lots_listed(kind="receive") == ["HYG-A", "NAL-A"]
    page = html(client.get(reverse("supplies:ledger"), {"lot": naloxone.pk, "kind": "transfer_out"}))
    assert "1 change " in page and "−2" not in page and "-2" in page


def test_a_ledger_filter_it_does_not_know_is_ignored_with_a_message(cast, stock):
    response = cast.client_for(cast.peer).get(reverse("supplies:ledger"), {"kind": "stolen", "lot": "abc"})
    assert response.status_code == 200
    assert "The “Kind of change” filter was ignored: “stolen”" in html(response)
    assert "The “Lot” filter was ignored" in html(response)


# ---- receiving ----


def test_a_supervisor_receives_a_delivery_of_a_new_lot(cast, stock):
    expires = stock.today + dt.timedelta(days=500)
    response = cast.client_for(cast.supervisor).post(
        reverse("supplies:receive"),
        {
            "item": stock.naloxone.pk,
            "lot_number": "NEW-77",
            "expires_on": expires.isoformat(),
            "location": stock.office.pk,
            "quantity": "48",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("supplies:inventory")
    assert "Received 48 of Naloxone nasal spray 4 mg lot NEW-77 at Office." in html(response)
    lot = Lot.objects.get(lot_number="NEW-77")
    assert lot.expires_on == expires
    assert StockBalance.objects.get(lot=lot, location=stock.office).quantity == 48


def test_receiving_a_known_lot_with_another_date_is_refused_on_the_form_with_the_values_kept(cast, stock):
    lot = stock.lot("KNOWN1", days=100)
    wrong = lot.expires_on + dt.timedelta(days=31)
    response = cast.client_for(cast.supervisor).post(
        reverse("supplies:receive"),
        {
            "item": stock.naloxone.pk,
            "lot_number": "KNOWN1",
            "expires_on": wrong.isoformat(),
            "location": stock.office.pk,
            "quantity": "12",
        },
    )
    assert response.status_code == 200
    page = html(response)
    assert "is recorded as expiring on" in page and 'class="form-errors"' in page
    assert 'value="KNOWN1"' in page and f'value="{wrong.isoformat()}"' in page and 'value="12"' in page
    assert not StockMovement.objects.exists()


def test_naloxone_needs_an_expiry_date_and_bad_input_gets_clear_messages(cast, stock):
    response = cast.client_for(cast.supervisor).post(
        reverse("supplies:receive"),
        {"item": stock.naloxone.pk, "lot_number": "", "expires_on": "", "location": "999999", "quantity": "0"},
    )
    page = html(response)
    assert response.status_code == 200
    assert "Naloxone always has an expiry date" in page
    assert "Choose a location from the list." in page
    assert "The quantity must be at least 1." in page
    assert "This field is required." in page  # the lot number


def test_another_programs_location_cannot_be_chosen_when_receiving(cast, stock, hilltop_office):
    response = cast.client_for(cast.supervisor).post(
        reverse("supplies:receive"),
        {
            "item": stock.naloxone.pk,
            "lot_number": "X1",
            "expires_on": (stock.today + dt.timedelta(days=9)).isoformat(),
            "location": hilltop_office.pk,
            "quantity": "1",
        },
    )
    assert "Choose a location from the list." in html(response)
    assert not Lot.objects.exists()


# ---- transfers ----


def test_a_peer_fills_their_bag_from_the_office(cast, stock):
    lot = stock.lot("FILL1")
    receive(cast, lot, stock.office, 10)
    client = cast.client_for(cast.peer)
    form_page = html(client.get(reverse("supplies:transfer"), {"source": stock.office.pk, "lot": lot.pk}))
    assert f'<option value="{stock.office.pk}" selected>' in form_page
    response = client.post(
        reverse("supplies:transfer"),
        {"source": stock.office.pk, "lot": lot.pk, "destination": stock.pat_bag.pk, "quantity": "4"},
        follow=True,
    )
    assert "Moved 4 of Naloxone nasal spray 4 mg lot FILL1 from Office to Pat&#x27;s bag." in html(response)
    assert StockBalance.objects.get(lot=lot, location=stock.pat_bag).quantity == 4


def test_a_transfer_of_more_than_is_there_is_refused_on_the_form_with_the_values_kept(cast, stock):
    lot = stock.lot("SHORT1")
    receive(cast, lot, stock.office, 3)
    response = cast.client_for(cast.peer).post(
        reverse("supplies:transfer"),
        {"source": stock.office.pk, "lot": lot.pk, "destination": stock.pat_bag.pk, "quantity": "5"},
    )
    assert response.status_code == 200
    page = html(response)
    assert "Only 3 of Naloxone nasal spray 4 mg lot SHORT1 at Office; cannot take 5." in page
    assert f'<option value="{stock.pat_bag.pk}" selected>' in page and 'value="5"' in page
    assert StockBalance.objects.get(lot=lot, location=stock.office).quantity == 3


def test_a_peer_cannot_move_stock_out_of_another_peers_vehicle(cast, stock):
    lot = stock.lot("THEIRS")
    receive(cast, lot, stock.quinn_bag, 3)
    client = cast.client_for(cast.peer)
    form_page = html(client.get(reverse("supplies:transfer")))
    sources = form_page[form_page.index('name="source"') : form_page.index("</select>")]
    assert f'value="{stock.office.pk}"' in sources and f'value="{stock.pat_bag.pk}"' in sources
    assert f'value="{stock.quinn_bag.pk}"' not in sources
    response = client.post(
        reverse("supplies:transfer"),
        {"source": stock.quinn_bag.pk, "lot": lot.pk, "destination": stock.pat_bag.pk, "quantity": "1"},
    )
    assert "Choose where the stock comes from from the list." in html(response)
    assert StockBalance.objects.get(lot=lot, location=stock.quinn_bag).quantity == 3


# ---- write-offs ----


def test_a_supervisor_writes_off_damaged_stock(cast, stock):
    lot = stock.lot("DMG1")
    receive(cast, lot, stock.pat_bag, 3)
    response = cast.client_for(cast.supervisor).post(
        reverse("supplies:write_off"),
        {"location": stock.pat_bag.pk, "lot": lot.pk, "quantity": "2", "reason": "damaged"},
        follow=True,
    )
    assert "Wrote off 2 of Naloxone nasal spray 4 mg lot DMG1 at Pat&#x27;s bag." in html(response)
    movement = StockMovement.objects.get(kind="write_off")
    assert (movement.quantity, movement.reason) == (-2, "damaged")


def test_writing_off_more_than_is_there_is_refused_on_the_form(cast, stock):
    lot = stock.lot("DMG2")
    receive(cast, lot, stock.pat_bag, 1)
    response = cast.client_for(cast.admin).post(
        reverse("supplies:write_off"),
        {"location": stock.pat_bag.pk, "lot": lot.pk, "quantity": "2", "reason": "expired"},
    )
    page = html(response)
    assert response.status_code == 200
    assert "Only 1 of Naloxone nasal spray 4 mg lot DMG2 at Pat&#x27;s bag; cannot take 2." in page
    assert 'value="expired" required id="id_reason_0" checked' in page and 'value="2"' in page
    assert not StockMovement.objects.filter(kind="write_off").exists()
