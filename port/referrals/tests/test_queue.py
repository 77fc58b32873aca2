"""The supervisor's queue and a peer's "my queue": who sees them, order, clocks, filters, query budget."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from port.audit.models import AuditEvent
from port.referrals.models import ClosingReason, Referral, Source, Status
from port.referrals.services import referral_assign, referral_transition
from port.referrals.views import queue as queue_views
from port.testing.budgets import assert_within_budget
from port.testing.factories import submit_referral
from port.testing.referrals import make_many

QUEUE = reverse("referrals:queue")
MY_QUEUE = reverse("referrals:my_queue")


def refer(
    cast,
    name: str,
    *,
    hours_ago: float = 1,
    acuity: str = "high",
    source: str = Source.EMERGENCY_DEPARTMENT,
    agency=None,
    received_at: dt.datetime | None = None,
) -> Referral:
    """A referral for a person called `name` (each name gets its own phone, so each is a new participant)."""
    number = sum(map(ord, name)) % 100
    return submit_referral(
        cast.program,
        agency=agency or cast.ed,
        by=cast.partner,
        acuity=acuity,
        source=source,
        received_at=received_at or timezone.now() - dt.timedelta(hours=hours_ago),
        first_name=name,
        last_name="Example",
        phone=f"412-555-01{number:02d}",
    )


def assign(cast, referral: Referral, member=None) -> Referral:
    return referral_assign(referral=referral, assignee=member or cast.peer, by=cast.supervisor)


def rows(response) -> list[str]:
    """The HTML of each queue row, in order."""
    html = response.content.decode()
    return re.findall(r'<tr id="referral-.*?</tr>', html, flags=re.S)


def names(response) -> list[str]:
    return [re.search(r'<th scope="row"[^>]*><a [^>]*>([^<]+)</a>', row).group(1) for row in rows(response)]


def row_for(response, referral: Referral) -> str:
    return next(row for row in rows(response) if str(referral.public_id) in row)


# --- who may see which queue -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "queue_status", "my_queue_status"),
    [
        ("admin", 200, 200),
        ("supervisor", 200, 200),
        ("peer", 403, 200),
        ("partner", 403, 403),
        ("partner_211", 403, 403),
        ("outsider", 200, 200),
    ],
)
def test_each_role_gets_the_queues_it_may_use(cast, role, queue_status, my_queue_status):
    client = cast.client_for(getattr(cast, role))
    assert client.get(QUEUE).status_code == queue_status
    assert client.get(MY_QUEUE).status_code == my_queue_status


@pytest.mark.parametrize("url", [QUEUE, MY_QUEUE])
def test_anonymous_visitors_are_sent_to_sign_in(client, cast, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


def test_a_supervisor_of_another_program_sees_none_of_this_programs_referrals(cast):
    referral = refer(cast, "Casey")
    assign(cast, referral)
    response = cast.client_for(cast.outsider).get(QUEUE)
    assert rows(response) == []
    assert "Casey" not in response.content.decode()


def test_the_supervisors_queue_shows_every_open_referral_of_the_program(cast):
    unassigned, mine, theirs, closed = (refer(cast, name) for name in ("Avery", "Blake", "Cory", "Drew"))
    assign(cast, mine, cast.peer)
    assign(cast, theirs, cast.peer2)
    referral_transition(referral=closed, to_status=Status.CLOSED, by=cast.supervisor, reason=ClosingReason.DUPLICATE)
    response = cast.client_for(cast.supervisor).get(QUEUE)
    assert sorted(names(response)) == ["Avery Example", "Blake Example", "Cory Example"]


def test_my_queue_shows_only_the_referrals_assigned_to_me(cast):
    mine, theirs, _unassigned = (refer(cast, name) for name in ("Avery", "Blake", "Cory"))
    assign(cast, mine, cast.peer)
    assign(cast, theirs, cast.peer2)
    response = cast.client_for(cast.peer).get(MY_QUEUE)
    assert names(response) == ["Avery Example"]
    assert response.context["nav_active"] == "my_queue"


def test_a_supervisors_my_queue_is_their_own_referrals_not_the_programs(cast):
    own, other = refer(cast, "Avery"), refer(cast, "Blake")
    assign(cast, own, cast.supervisor)
    assign(cast, other, cast.peer)
    assert names(cast.client_for(cast.supervisor).get(MY_QUEUE)) == ["Avery Example"]


def test_a_closed_referral_leaves_my_queue(cast):
    referral = refer(cast, "Avery")
    assign(cast, referral)
    referral_transition(referral=referral, to_status=Status.CLOSED, by=cast.peer, reason=ClosingReason.DECLINED)
    assert rows(cast.client_for(cast.peer).get(MY_QUEUE)) == []


# --- order and clocks ------------------------------------------------------------------------------


def test_overdue_referrals_come_first_then_by_deadline_and_reached_ones_after_every_running_one(cast):
    reached = refer(cast, "Reached", hours_ago=50)  # the earliest deadline of all, but the person was reached
    assign(cast, reached)
    referral_transition(referral=reached, to_status=Status.REACHED, by=cast.peer)
    closed = refer(cast, "Closed", hours_ago=60)
    referral_transition(referral=closed, to_status=Status.CLOSED, by=cast.supervisor, reason=ClosingReason.MOVED)
    refer(cast, "Later", hours_ago=2, acuity="standard")  # 70 h left
    refer(cast, "Soon", hours_ago=1)  # 23 h left
    refer(cast, "Elevated", hours_ago=30, acuity="elevated")  # 18 h left
    refer(cast, "Slightly", hours_ago=26)  # 2 h overdue
    attempting = refer(cast, "Very", hours_ago=40)  # 16 h overdue
    assign(cast, attempting)
    referral_transition(referral=attempting, to_status=Status.ATTEMPTING, by=cast.peer)

    response = cast.client_for(cast.supervisor).get(QUEUE)
    assert names(response) == [
        "Very Example",
        "Slightly Example",
        "Elevated Example",
        "Soon Example",
        "Later Example",
        "Reached Example",
    ]


def test_each_row_says_plainly_how_much_time_is_left_or_how_long_it_is_overdue(cast):
    overdue = refer(cast, "Overdue", hours_ago=27)
    due_soon = refer(cast, "Duesoon", hours_ago=20)
    fine = refer(cast, "Fine", hours_ago=1, acuity="standard")
    reached = refer(cast, "Reached", hours_ago=1)
    assign(cast, reached)
    referral_transition(referral=reached, to_status=Status.REACHED, by=cast.peer)

    response = cast.client_for(cast.supervisor).get(QUEUE)
    assert re.search(r'class="badge badge-overdue">3 h \d+ min overdue<', row_for(response, overdue))
    assert re.search(r'class="badge badge-due-soon">[34] h \d+ min left<', row_for(response, due_soon))
    assert re.search(r'class="badge badge-ok">2 d 2[12] h left<', row_for(response, fine))
    reached_row = row_for(response, reached)
    assert ">Reached</span>" in reached_row
    assert "left<" not in reached_row and "overdue<" not in reached_row


def test_the_deadline_is_shown_in_the_programs_time_zone(cast):
    cast.program.time_zone = "America/Los_Angeles"
    cast.program.save()
    referral = refer(cast, "Zoned", received_at=dt.datetime(2025, 1, 10, 2, 0, tzinfo=dt.UTC))  # Jan 9, 6 pm PST
    response = cast.client_for(cast.supervisor).get(QUEUE)
    row = row_for(response, referral)
    assert ">Jan 10, 2025, 6:00 PM PST</time>" in row
    assert 'datetime="2025-01-10T18:00:00-08:00"' in row
    assert "America/Los_Angeles" in response.content.decode()


def test_a_deadline_across_the_spring_change_is_24_real_hours_on_shown_on_the_new_wall_clock(cast):
    referral = refer(cast, "Spring", received_at=dt.datetime(2025, 3, 9, 2, 0, tzinfo=dt.UTC))  # Mar 8, 9 pm EST
    row = row_for(cast.client_for(cast.supervisor).get(QUEUE), referral)
    assert ">Mar 9, 2025, 10:00 PM EDT</time>" in row


def test_each_row_shows_the_person_source_acuity_status_and_peer(cast):
    referral = refer(cast, "Jordan", acuity="elevated", source=Source.TWO_ONE_ONE, agency=cast.two_one_one)
    assign(cast, referral, cast.peer2)
    row = row_for(cast.client_for(cast.supervisor).get(QUEUE), referral)
    assert f'<a href="{reverse("referrals:detail", args=[referral.public_id])}">Jordan Example</a>' in row
    assert "2-1-1" in row and "Riverside 2-1-1" in row
    assert "Elevated" in row
    assert '<span class="status-assigned">Assigned</span>' in row
    assert "<p>Quinn Tester</p>" in row


def test_the_queue_page_lists_participants_by_their_public_id_only(cast):
    referral = refer(cast, "Private")
    html = cast.client_for(cast.supervisor).get(QUEUE).content.decode()
    assert str(referral.public_id) in html
    assert f"/referrals/{referral.pk}/" not in html


# --- the assign control ----------------------------------------------------------------------------


def test_supervisors_get_an_assign_control_on_every_row_with_the_assignable_people(cast):
    first, second = refer(cast, "Avery"), refer(cast, "Blake")
    assign(cast, second, cast.peer2)
    response = cast.client_for(cast.supervisor).get(QUEUE + "?source=emergency_department")
    for referral in (first, second):
        row = row_for(response, referral)
        url = reverse("referrals:assign", args=[referral.public_id])
        assert f'hx-post="{url}"' in row and f'action="{url}"' in row
        assert f'hx-target="#referral-{referral.public_id}"' in row and 'hx-swap="outerHTML"' in row
        assert 'name="next" value="/referrals/?source=emergency_department"' in row
        options = re.findall(r'<option value="(\d+)"', row)
        assert sorted(map(int, options)) == sorted([cast.peer.pk, cast.peer2.pk, cast.supervisor.pk])
    assert f'<option value="{cast.peer2.pk}" selected>' in row_for(response, second)
    assert "Re-assign" in row_for(response, second)


def test_admins_may_assign_from_the_queue_too(cast):
    refer(cast, "Avery")
    assert "hx-post" in rows(cast.client_for(cast.admin).get(QUEUE))[0]


def test_a_peers_queue_has_no_assign_control(cast):
    assign(cast, refer(cast, "Avery"))
    response = cast.client_for(cast.peer).get(MY_QUEUE)
    assert len(rows(response)) == 1
    assert "hx-post" not in response.content.decode()
    assert 'name="assigned"' not in response.content.decode()  # my queue is already one person's


# --- filters ---------------------------------------------------------------------------------------


@pytest.fixture
def varied(cast) -> dict[str, Referral]:
    referrals = {
        "unassigned_ed": refer(cast, "Unassigned"),
        "attempting_211": refer(cast, "Attempting", source=Source.TWO_ONE_ONE, agency=cast.two_one_one),
        "elevated_peer2": refer(cast, "Elevated", acuity="elevated"),
        "overdue_peer": refer(cast, "Overdue", hours_ago=30),
        "reached_overdue": refer(cast, "Reached", hours_ago=30),
    }
    assign(cast, referrals["attempting_211"], cast.peer)
    referral_transition(referral=referrals["attempting_211"], to_status=Status.ATTEMPTING, by=cast.peer)
    assign(cast, referrals["elevated_peer2"], cast.peer2)
    assign(cast, referrals["overdue_peer"], cast.peer)
    assign(cast, referrals["reached_overdue"], cast.peer)
    referral_transition(referral=referrals["reached_overdue"], to_status=Status.REACHED, by=cast.peer)
    return referrals


def filtered(cast, query: str, membership=None) -> tuple[list[str], object]:
    response = cast.client_for(membership or cast.supervisor).get(QUEUE + "?" + query)
    assert response.status_code == 200
    return sorted(name.removesuffix(" Example") for name in names(response)), response


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["Attempting", "Elevated", "Overdue", "Reached", "Unassigned"]),
        ("status=attempting", ["Attempting"]),
        ("status=reached", ["Reached"]),
        ("source=211", ["Attempting"]),
        ("source=emergency_department", ["Elevated", "Overdue", "Reached", "Unassigned"]),
        ("acuity=elevated", ["Elevated"]),
        ("assigned=unassigned", ["Unassigned"]),
        ("overdue=on", ["Overdue"]),  # the reached one is past its deadline, but its clock has stopped
        ("status=assigned&overdue=on", ["Overdue"]),
        ("source=emergency_department&acuity=high&status=received", ["Unassigned"]),
    ],
)
def test_the_queue_filters_by_status_source_acuity_peer_and_overdue(cast, varied, query, expected):
    assert filtered(cast, query)[0] == expected


def test_the_queue_filters_by_assigned_peer(cast, varied):
    assert filtered(cast, f"assigned={cast.peer.user_id}")[0] == ["Attempting", "Overdue", "Reached"]
    assert filtered(cast, f"assigned={cast.peer2.user_id}")[0] == ["Elevated"]


def test_chosen_filters_are_shown_back_and_the_panel_stays_open(cast, varied):
    _, response = filtered(cast, "status=attempting&overdue=on")
    html = response.content.decode()
    assert '<details class="filters" open>' in html
    assert '<option value="attempting" selected>' in html
    assert 'name="overdue" id="id_overdue" checked' in html
    assert "match these filters" in html


@pytest.mark.parametrize(
    ("query", "filter_label"),
    [
        ("status=closed", "Status"),  # closed referrals are not in the queue
        ("status=bogus", "Status"),
        ("source=carrier-pigeon", "Source"),
        ("acuity=urgent", "Acuity"),
        ("assigned=abc", "Assigned to"),
    ],
)
def test_an_unknown_filter_value_is_ignored_with_a_clear_message(cast, varied, query, filter_label):
    found, response = filtered(cast, query)
    assert found == ["Attempting", "Elevated", "Overdue", "Reached", "Unassigned"]
    html = response.content.decode()
    assert f"The “{filter_label}” filter was ignored:" in html
    assert "is not one of its choices" in html
    assert "field-invalid" not in html


def test_an_ignored_filter_does_not_undo_the_valid_ones(cast, varied):
    found, response = filtered(cast, "status=nonsense&source=211")
    assert found == ["Attempting"]
    assert "The “Status” filter was ignored" in response.content.decode()


def test_a_person_of_another_program_is_not_a_filter_choice(cast, varied):
    found, response = filtered(cast, f"assigned={cast.outsider.user_id}")
    assert len(found) == 5
    assert "The “Assigned to” filter was ignored" in response.content.decode()


def test_my_queue_filters_too(cast, varied):
    response = cast.client_for(cast.peer).get(MY_QUEUE + "?status=attempting")
    assert names(response) == ["Attempting Example"]


def test_my_queue_ignores_an_assigned_filter_it_does_not_offer(cast, varied):
    response = cast.client_for(cast.peer).get(MY_QUEUE + f"?assigned={cast.peer2.user_id}")
    assert sorted(names(response)) == ["Attempting Example", "Overdue Example", "Reached Example"]


# --- pages, audit, empty queues --------------------------------------------------------------------


def test_the_queue_is_paged_fifty_at_a_time(cast):
    make_many(cast, 51, assignee=cast.peer)
    client = cast.client_for(cast.supervisor)
    first = client.get(QUEUE)
    assert len(rows(first)) == 50
    assert 'href="?page=2"' in first.content.decode()
    assert "Page 1 of 2" in first.content.decode()
    second = client.get(QUEUE + "?page=2")
    assert len(rows(second)) == 1
    assert not set(names(first)) & set(names(second))


def test_page_links_keep_the_filters(cast, monkeypatch):
    monkeypatch.setattr(queue_views, "PAGE_SIZE", 2)
    make_many(cast, 5, assignee=cast.peer)
    html = cast.client_for(cast.supervisor).get(QUEUE + "?status=assigned&overdue=").content.decode()
    assert 'href="?status=assigned&amp;overdue=&amp;page=2"' in html


@pytest.mark.parametrize("page", ["abc", "999", "-1", ""])
def test_a_bad_page_number_shows_a_page_instead_of_an_error(cast, monkeypatch, page):
    monkeypatch.setattr(queue_views, "PAGE_SIZE", 2)
    make_many(cast, 3, assignee=cast.peer)
    response = cast.client_for(cast.supervisor).get(QUEUE + "?page=" + page)
    assert response.status_code == 200
    assert rows(response)


def test_the_queue_audits_the_participants_on_the_page_shown(cast, monkeypatch):
    monkeypatch.setattr(queue_views, "PAGE_SIZE", 2)
    referrals = make_many(cast, 3, assignee=cast.peer)
    response = cast.client_for(cast.supervisor).get(QUEUE + "?page=2")
    shown = [r for r in referrals if str(r.public_id) in response.content.decode()]
    assert len(shown) == 1
    event = AuditEvent.objects.get(action=AuditEvent.Action.LIST)
    assert (event.user_id, event.program_id, event.note) == (cast.supervisor.user_id, cast.program.pk, "queue")
    assert event.participant_ids == [shown[0].participant_id]
    assert event.target_ids == [str(shown[0].pk)]
    assert event.path == QUEUE


def test_my_queue_is_audited_as_my_queue(cast):
    referral = refer(cast, "Avery")
    assign(cast, referral)
    cast.client_for(cast.peer).get(MY_QUEUE)
    event = AuditEvent.objects.get(action=AuditEvent.Action.LIST)
    assert (event.user_id, event.note, event.participant_ids) == (
        cast.peer.user_id,
        "my queue",
        [referral.participant_id],
    )


def test_an_empty_page_records_no_list_read(cast):
    cast.client_for(cast.supervisor).get(QUEUE)
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.LIST).exists()


def test_an_empty_queue_says_so_kindly(cast):
    html = cast.client_for(cast.supervisor).get(QUEUE).content.decode()
    assert "The queue is empty: every referral has been followed up." in html
    assert "<table" not in html


def test_an_empty_my_queue_says_what_will_appear_there(cast):
    html = cast.client_for(cast.peer).get(MY_QUEUE).content.decode()
    assert "Nothing is assigned to you right now." in html


def test_filters_that_match_nothing_say_so_and_offer_to_clear_them(cast, varied):
    _, response = filtered(cast, "source=fire")
    html = response.content.decode()
    assert "No open referrals match these filters." in html
    assert '<a href="?">Show all open referrals</a>' in html


def test_the_queue_rejects_other_methods(cast):
    assert cast.client_for(cast.supervisor).post(QUEUE).status_code == 405


# --- the query budget: it must not grow with the number of rows ------------------------------------

# The budgets, with what each query is for, are in port/testing/query_budgets.json.


def test_the_queue_page_makes_the_same_queries_for_3_rows_as_for_30(cast):
    client = cast.client_for(cast.supervisor)
    make_many(cast, 3)
    with assert_within_budget("referrals:queue"):
        assert len(rows(client.get(QUEUE))) == 3
    make_many(cast, 27, start=3)
    with assert_within_budget("referrals:queue"):
        assert len(rows(client.get(QUEUE))) == 30
    with assert_within_budget("referrals:queue"):
        assert rows(client.get(QUEUE + f"?assigned={cast.peer.user_id}&source=211&status=bogus"))


def test_my_queue_makes_the_same_queries_for_3_rows_as_for_30(cast):
    client = cast.client_for(cast.peer)
    make_many(cast, 3, assignee=cast.peer)
    with assert_within_budget("referrals:my_queue"):
        assert len(rows(client.get(MY_QUEUE))) == 3
    make_many(cast, 27, start=3, assignee=cast.peer)
    with assert_within_budget("referrals:my_queue"):
        assert len(rows(client.get(MY_QUEUE))) == 30


def test_a_supervisors_my_queue_keeps_its_budget_with_the_assign_controls(cast):
    client = cast.client_for(cast.supervisor)
    make_many(cast, 3, assignee=cast.supervisor)
    with assert_within_budget("referrals:queue"):
        client.get(MY_QUEUE)
    make_many(cast, 27, start=3, assignee=cast.supervisor)
    with assert_within_budget("referrals:queue"):
        assert len(rows(client.get(MY_QUEUE))) == 30
