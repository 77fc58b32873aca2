"""The distribution report (per week or month in the program's time zone, per recipient type, per lot)
and a lot's recall list."""

import datetime as dt
import zoneinfo

import pytest
from django.urls import reverse

from port.audit.models import AuditEvent
from port.outreach.selectors import Period, distribution_report
from port.testing.budgets import assert_within_budget
from port.testing.outreach import a_participant, a_supporter, give
from port.testing.supplies import receive

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")  # cast.program's zone


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=NEW_YORK)


@pytest.fixture
def given(cast, stock):
    """Kits given at encounters around month and week boundaries, as seen on New York's clock."""
    naloxone, hygiene = stock.lot("NAL-A"), stock.lot("HYG-1", item=stock.hygiene)
    receive(cast, naloxone, stock.pat_bag, 20)
    receive(cast, hygiene, stock.office, 20)
    avery = a_participant(
        cast.program, cast.supervisor, first_name="Avery", last_name="Lindqvist", phone="412-555-0111"
    )
    blake = a_participant(cast.program, cast.supervisor, first_name="Blake", last_name="Okonkwo", phone="412-555-0122")
    sister = a_supporter(cast.peer, blake)
    give(cast.peer, avery, naloxone, stock.pat_bag, 5, occurred_at=local(2024, 12, 31, 23, 50))  # before range
    give(cast.peer, avery, naloxone, stock.pat_bag, 1, occurred_at=local(2025, 1, 1, 0, 10))
    # 23:30 on Friday 31 January in New York is already 1 February in UTC: it counts in January.
    give(cast.peer2, blake, naloxone, stock.pat_bag, 2, occurred_at=local(2025, 1, 31, 23, 30))
    # Sunday night in New York, Monday in UTC: it counts in the week of 3 February.
    give(
        cast.peer,
        blake,
        naloxone,
        stock.pat_bag,
        1,
        recipient_type="supporter",
        supporter=sister,
        occurred_at=local(2025, 2, 9, 23, 30),
    )
    give(cast.peer2, blake, hygiene, stock.office, 3, recipient_type="community", occurred_at=local(2025, 2, 10, 9, 0))
    give(cast.peer, avery, naloxone, stock.pat_bag, 4, occurred_at=local(2025, 3, 1, 0, 30))  # after range
    return {"naloxone": naloxone, "hygiene": hygiene, "avery": avery, "blake": blake}


def figures(rows) -> list[tuple]:
    return [(row.label, row.counts, row.total) for row in rows]


def test_kits_are_counted_per_month_in_the_programs_time_zone(cast, given):
    report = distribution_report(viewer=cast.supervisor, start=dt.date(2025, 1, 1), end=dt.date(2025, 2, 28))
    assert report.items == ["Hygiene kit", "Naloxone nasal spray 4 mg"]
    assert figures(report.by_period) == [("January 2025", [0, 3], 3), ("February 2025", [3, 1], 4)]
    assert report.total == 7


def test_kits_are_counted_per_week_starting_on_monday_with_empty_weeks_shown(cast, given):
    report = distribution_report(
        viewer=cast.peer, start=dt.date(2025, 1, 27), end=dt.date(2025, 2, 23), period=Period.WEEK
    )
    assert figures(report.by_period) == [
        ("Week of 27 Jan 2025", [0, 2], 2),
        ("Week of 3 Feb 2025", [0, 1], 1),
        ("Week of 10 Feb 2025", [3, 0], 3),
        ("Week of 17 Feb 2025", [0, 0], 0),
    ]


def test_kits_are_counted_per_recipient_type(cast, given):
    report = distribution_report(viewer=cast.peer, start=dt.date(2025, 1, 1), end=dt.date(2025, 2, 28))
    assert figures(report.by_recipient) == [
        ("Participant", [0, 3], 3),
        ("Supporter", [0, 1], 1),
        ("Community member", [3, 0], 3),
    ]


def test_kits_are_counted_per_lot_with_the_number_of_encounters(cast, given):
    report = distribution_report(viewer=cast.peer, start=dt.date(2025, 1, 1), end=dt.date(2025, 3, 31))
    assert [(row.item_name, row.lot_number, row.kits, row.encounters) for row in report.by_lot] == [
        ("Hygiene kit", "HYG-1", 3, 1),
        ("Naloxone nasal spray 4 mg", "NAL-A", 8, 4),
    ]


def test_the_report_can_count_one_item(cast, stock, given):
    report = distribution_report(
        viewer=cast.peer, start=dt.date(2025, 1, 1), end=dt.date(2025, 2, 28), item=stock.hygiene
    )
    assert report.items == ["Hygiene kit"] and report.total == 3


def test_the_report_shows_nothing_of_another_program(cast, given):
    report = distribution_report(viewer=cast.outsider, start=dt.date(2025, 1, 1), end=dt.date(2025, 2, 28))
    assert report.total == 0 and report.by_lot == [] and report.items == []
    assert distribution_report(viewer=cast.partner, start=dt.date(2025, 1, 1), end=dt.date(2025, 2, 28)).total == 0


def test_the_report_page_shows_the_figures_for_the_chosen_range(cast, given):
    client = cast.client_for(cast.peer)
    client.get(reverse("supplies:report"))
    with assert_within_budget("supplies:report"):
        response = client.get(
            reverse("supplies:report"), {"start": "2025-01-01", "end": "2025-02-28", "period": "month"}
        )
    page = response.content.decode()
    assert "7 units given from Jan 1, 2025 to Feb 28, 2025" in page
    assert '<th scope="row">January 2025</th>' in page
    assert '<td data-label="Naloxone nasal spray 4 mg">3</td>' in page
    assert f'href="{reverse("supplies:lot", args=[given["naloxone"].pk])}"' in page
    assert "Lindqvist" not in page and "Avery" not in page


def test_the_report_page_opens_on_the_last_three_months(cast):
    page = cast.client_for(cast.supervisor).get(reverse("supplies:report")).content.decode()
    assert "Nothing was given out in this period." in page


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2025-03-01", "end": "2025-02-01"}, "The end date is before the start date."),
        ({"start": "2015-01-01", "end": "2025-02-01"}, "Choose a range of at most five years."),
        ({"start": "31/01/2025", "end": "2025-02-01"}, "Enter the date as year-month-day"),
        ({"start": "2025-01-01", "end": "2025-02-01", "period": "decade"}, "Choose week or month from the list."),
    ],
)
def test_a_bad_report_range_gets_a_clear_message(cast, params, message):
    response = cast.client_for(cast.supervisor).get(reverse("supplies:report"), params)
    assert response.status_code == 200
    assert message in response.content.decode()


# ---- a lot's recall list ----


def test_a_lots_page_lists_every_encounter_that_gave_it_with_dates_and_peer_but_no_names(cast, given):
    lot = given["naloxone"]
    response = cast.client_for(cast.supervisor).get(reverse("supplies:lot", args=[lot.pk]))
    page = response.content.decode()
    table = page[page.index("Given out at encounters") :]
    assert table.count("Open participant") == 5
    assert table.index("Mar 1, 2025, 12:30 AM EST") < table.index("Jan 31, 2025, 11:30 PM EST")
    assert "Quinn Tester" in table and "Pat Tester" in table and "Supporter" in table
    assert f'href="{reverse("participants:detail", args=[given["blake"].public_id])}"' in table
    for name in ("Avery", "Lindqvist", "Blake", "Okonkwo", "Robin"):
        assert name not in page
    assert "<dt>Received</dt><dd>20</dd>" in page and "<dt>Given out</dt><dd>13</dd>" in page
    assert "<dt>On hand</dt><dd>7</dd>" in page


def test_opening_a_lots_recall_list_is_audited_with_the_participants_shown(cast, given):
    cast.client_for(cast.peer).get(reverse("supplies:lot", args=[given["naloxone"].pk]))
    event = AuditEvent.objects.get(action=AuditEvent.Action.LIST, target_type="outreach.encounter")
    assert event.user == cast.peer.user and event.program == cast.program
    assert event.participant_ids == sorted([given["avery"].pk, given["blake"].pk])
    assert len(event.target_ids) == 5


def test_a_lot_nobody_was_given_is_not_audited_as_a_participant_list(cast, stock):
    lot = stock.lot("UNUSED")
    page = cast.client_for(cast.peer).get(reverse("supplies:lot", args=[lot.pk])).content.decode()
    assert "This lot has not been given out." in page
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.LIST).exists()


def test_a_lots_page_is_for_the_team_of_its_own_program(cast, given):
    url = reverse("supplies:lot", args=[given["naloxone"].pk])
    assert cast.client_for(cast.partner).get(url).status_code == 403
    assert cast.client_for(cast.outsider).get(url).status_code == 404


def test_another_programs_lot_is_not_found(cast, stock):
    lot = stock.lot("MINE")
    assert cast.client_for(cast.outsider).get(reverse("supplies:lot", args=[lot.pk])).status_code == 404
    assert cast.client_for(cast.peer).get(reverse("supplies:lot", args=[999999])).status_code == 404


def test_a_lots_page_does_not_make_more_queries_for_more_encounters(cast, stock):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    lot = stock.lot("MANY")
    receive(cast, lot, stock.pat_bag, 100)
    client = cast.client_for(cast.supervisor)
    url = reverse("supplies:lot", args=[lot.pk])

    def give_to(count: int, start: int) -> None:
        for number in range(start, start + count):
            person = a_participant(
                cast.program, cast.supervisor, first_name=f"Person{number}", phone=f"412-555-{1000 + number}"
            )
            give(cast.peer, person, lot, stock.pat_bag, 1)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    give_to(3, 0)
    client.get(url)
    with_three = queries()
    give_to(27, 3)
    assert queries() == with_three
