"""Assign or re-assign in one action: the htmx row, the plain-form fallback, refusals, query budget."""

import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from port.audit.models import AuditEvent
from port.referrals.models import ClosingReason, Referral, ReferralChange, Status
from port.referrals.services import referral_assign, referral_transition
from port.testing.budgets import assert_within_budget
from port.testing.cast import make_member
from port.testing.factories import submit_referral
from port.testing.referrals import make_many

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def referral(cast) -> Referral:
    return submit_referral(cast.program, agency=cast.ed, by=cast.partner, first_name="Morgan")


def assign_url(referral: Referral) -> str:
    return reverse("referrals:assign", args=[referral.public_id])


def post_assign(cast, referral, assignee, by=None, **extra):
    data = {"assignee": assignee.pk if hasattr(assignee, "pk") else assignee, **extra.pop("data", {})}
    return cast.client_for(by or cast.supervisor).post(assign_url(referral), data, **extra)


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- who may assign ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("admin", 302),
        ("supervisor", 302),
        ("peer", 403),
        ("partner", 403),
        ("partner_211", 403),
        ("outsider", 404),  # a supervisor, but of another program: the referral does not exist for them
    ],
)
def test_each_role_may_or_may_not_assign(cast, referral, role, status):
    response = post_assign(cast, referral, cast.peer, by=getattr(cast, role))
    assert response.status_code == status
    referral.refresh_from_db()
    assert referral.assigned_to_id == (cast.peer.user_id if status == 302 else None)


def test_anonymous_visitors_are_sent_to_sign_in(client, cast, referral):
    response = client.post(assign_url(referral), {"assignee": cast.peer.pk})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    referral.refresh_from_db()
    assert referral.assigned_to_id is None


def test_assigning_is_a_post_only(cast, referral):
    assert cast.client_for(cast.supervisor).get(assign_url(referral)).status_code == 405


def test_an_unknown_referral_is_not_found(cast, referral):
    url = reverse("referrals:assign", args=["00000000-0000-4000-8000-000000000000"])
    assert cast.client_for(cast.supervisor).post(url, {"assignee": cast.peer.pk}).status_code == 404


# --- htmx: the row comes back ------------------------------------------------------------------------


def test_with_htmx_the_re_rendered_row_comes_back(cast, referral):
    response = post_assign(cast, referral, cast.peer2, data={"next": "/referrals/?status=received"}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.strip().startswith(f'<tr id="referral-{referral.public_id}">')
    assert "<html" not in html and "<body" not in html
    assert "<p>Quinn Tester</p>" in html
    assert '<span class="status-assigned">Assigned</span>' in html
    assert f'<option value="{cast.peer2.pk}" selected>' in html
    assert 'role="status"><strong>Done:</strong> Assigned to Quinn Tester (Peer specialist).' in html
    # The row keeps the queue's filters for its next no-JavaScript post.
    assert 'name="next" value="/referrals/?status=received"' in html
    referral.refresh_from_db()
    assert (referral.assigned_to_id, referral.status) == (cast.peer2.user_id, Status.ASSIGNED)


def test_with_htmx_a_refusal_is_shown_in_the_row(cast, referral):
    referral_transition(referral=referral, to_status=Status.CLOSED, by=cast.supervisor, reason=ClosingReason.DUPLICATE)
    response = post_assign(cast, referral, cast.peer, **HTMX)
    assert response.status_code == 200  # htmx swaps 2xx answers only; the row must show the error
    html = response.content.decode()
    assert html.strip().startswith("<tr ")
    assert 'role="alert"><strong>Error:</strong> This referral is closed; it cannot be assigned.' in html
    assert messages_of(response) == []
    referral.refresh_from_db()
    assert referral.assigned_to_id is None


@pytest.mark.parametrize("bad_choice", ["", "abc", "999999", "partner", "outsider", "admin"])
def test_with_htmx_a_person_who_cannot_be_assigned_is_refused_in_the_row(cast, referral, bad_choice):
    value = getattr(cast, bad_choice).pk if bad_choice in ("partner", "outsider", "admin") else bad_choice
    html = post_assign(cast, referral, value, **HTMX).content.decode()
    expected = (
        "Choose who should work on this referral."
        if bad_choice == ""
        else "That person cannot be assigned referrals in this program."
    )
    assert expected in html
    assert 'role="alert"' in html
    referral.refresh_from_db()
    assert referral.assigned_to_id is None
    assert not referral.changes.filter(kind=ReferralChange.Kind.ASSIGNMENT).exists()


def test_a_deactivated_peer_cannot_be_assigned(cast, referral):
    leaver = make_member(cast.program, "lee", "peer")
    leaver.is_active = False
    leaver.save()
    html = post_assign(cast, referral, leaver, **HTMX).content.decode()
    assert "That person cannot be assigned referrals in this program." in html


# --- without JavaScript: redirect back --------------------------------------------------------------


def test_without_javascript_the_form_redirects_back_to_the_filtered_queue(cast, referral):
    next_url = "/referrals/?status=received&source=emergency_department&page=1"
    response = post_assign(cast, referral, cast.peer, data={"next": next_url})
    assert response.status_code == 302
    assert response["Location"] == next_url
    assert messages_of(response) == ["Assigned to Pat Tester (Peer specialist)."]
    referral.refresh_from_db()
    assert referral.assigned_to_id == cast.peer.user_id


def test_without_javascript_the_success_message_is_shown_on_the_queue(cast, referral):
    client = cast.client_for(cast.supervisor)
    response = client.post(
        assign_url(referral), {"assignee": cast.peer.pk, "next": reverse("referrals:queue")}, follow=True
    )
    html = response.content.decode()
    assert '<strong class="message-label">Done:</strong> Assigned to Pat Tester (Peer specialist).' in html
    assert "<p>Pat Tester</p>" in html


def test_without_javascript_a_refusal_becomes_an_error_message(cast, referral):
    referral_transition(referral=referral, to_status=Status.CLOSED, by=cast.supervisor, reason=ClosingReason.DUPLICATE)
    client = cast.client_for(cast.supervisor)
    response = client.post(assign_url(referral), {"assignee": cast.peer.pk, "next": "/referrals/"}, follow=True)
    assert response.redirect_chain == [("/referrals/", 302)]
    assert (
        'role="alert">\n      <p class="message message-error"><strong class="message-label">Error:</strong> '
        "This referral is closed; it cannot be assigned.</p>" in response.content.decode()
    )


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/",
        "//evil.example/referrals/",
        "javascript:alert(1)",
        "http://testserver.evil.example/",
        "",
    ],
)
def test_the_next_address_must_be_on_this_site(cast, referral, next_url):
    response = post_assign(cast, referral, cast.peer, data={"next": next_url})
    assert response["Location"] == reverse("referrals:queue")


def test_assigning_from_the_referral_page_returns_to_it(cast, referral):
    detail = reverse("referrals:detail", args=[referral.public_id])
    response = post_assign(cast, referral, cast.peer2, data={"next": detail})
    assert response["Location"] == detail


# --- the change is recorded --------------------------------------------------------------------------


def test_assigning_records_who_assigned_whom_and_when(cast, referral):
    post_assign(cast, referral, cast.peer, by=cast.admin)
    post_assign(cast, referral, cast.peer2)
    changes = list(referral.changes.filter(kind=ReferralChange.Kind.ASSIGNMENT))
    assert [(c.assigned_to_id, c.changed_by_id, c.from_status, c.to_status) for c in changes] == [
        (cast.peer.user_id, cast.admin.user_id, Status.RECEIVED, Status.ASSIGNED),
        (cast.peer2.user_id, cast.supervisor.user_id, Status.ASSIGNED, Status.ASSIGNED),
    ]
    assert changes[0].changed_at <= changes[1].changed_at
    updates = AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE).order_by("pk")
    assert [e.changes["assigned_to"] for e in updates] == [
        [None, cast.peer.user_id],
        [cast.peer.user_id, cast.peer2.user_id],
    ]
    assert all(e.path == assign_url(referral) for e in updates)


def test_re_assigning_to_the_same_person_records_nothing_new(cast, referral):
    referral_assign(referral=referral, assignee=cast.peer, by=cast.supervisor)
    count = referral.changes.count()
    response = post_assign(cast, referral, cast.peer, **HTMX)
    assert response.status_code == 200
    assert referral.changes.count() == count


def test_the_assigned_peer_then_finds_it_in_their_queue(cast, referral):
    post_assign(cast, referral, cast.peer, **HTMX)
    html = cast.client_for(cast.peer).get(reverse("referrals:my_queue")).content.decode()
    assert re.search(rf'<tr id="referral-{referral.public_id}">', html)


# --- the query budget ---------------------------------------------------------------------------------

# The budgets, with what each query is for, are in port/testing/query_budgets.json.


@pytest.mark.parametrize(("htmx", "budget"), [(True, "referrals:assign (htmx)"), (False, "referrals:assign")])
def test_assigning_makes_the_same_queries_with_3_referrals_as_with_30(cast, htmx, budget):
    client = cast.client_for(cast.supervisor)
    referrals = make_many(cast, 3)
    extra = HTMX if htmx else {}
    with assert_within_budget(budget):
        client.post(assign_url(referrals[0]), {"assignee": cast.supervisor.pk}, **extra)
    referrals += make_many(cast, 27, start=3)
    with assert_within_budget(budget):
        response = client.post(assign_url(referrals[-1]), {"assignee": cast.supervisor.pk}, **extra)
    assert response.status_code == (200 if htmx else 302)


def test_a_refused_assignment_stays_within_the_budget(cast):
    referral = make_many(cast, 30)[0]
    referral_transition(referral=referral, to_status=Status.CLOSED, by=cast.supervisor, reason=ClosingReason.DUPLICATE)
    client = cast.client_for(cast.supervisor)
    with assert_within_budget("referrals:assign refused (htmx)"):
        response = client.post(assign_url(referral), {"assignee": cast.peer.pk}, **HTMX)
    assert "it cannot be assigned" in response.content.decode()
