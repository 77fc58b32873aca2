"""A referral partner's list of the referrals its agency sent: the status, and nothing more."""

import datetime as dt
import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from port.accounts.roles import Role
from port.audit.models import AuditEvent
from port.referrals.intake import OverdoseDetails, ParticipantDetails, ReferralSubmission, referral_intake
from port.referrals.models import Channel, ClosingReason, Source, Status
from port.referrals.services import referral_assign, referral_transition
from port.referrals.views.intake import SENT_PAGE_SIZE
from port.testing.cast import make_member
from port.testing.factories import submit_referral

URL = reverse("referrals:sent")
JAN_15_EVENING = dt.datetime(2025, 1, 16, 2, 30, tzinfo=dt.UTC)  # 9:30 pm on 15 January in New York


def text_of(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def rows_of(response) -> list[str]:
    body = re.search(r"<tbody>(.*?)</tbody>", response.content.decode(), re.S)
    if not body:
        return []
    return [
        " ".join(html.unescape(re.sub(r"<[^>]+>", " ", row)).split())
        for row in re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S)
    ]


def sent_by_ed(cast, n: int = 1, **kwargs) -> list:
    return [
        submit_referral(
            cast.program,
            agency=cast.ed,
            by=cast.partner,
            received_at=JAN_15_EVENING + dt.timedelta(minutes=i),
            **kwargs,
        )
        for i in range(n)
    ]


# ---- who may see it ----


@pytest.mark.parametrize("role", ["admin", "supervisor", "peer", "outsider"])
def test_only_referral_partners_have_a_sent_list(cast, role):
    assert cast.client_for(getattr(cast, role)).get(URL).status_code == 403


def test_it_asks_anonymous_visitors_to_sign_in(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_a_partner_sees_only_its_own_agencys_referrals(cast):
    ours = submit_referral(cast.program, agency=cast.ed, by=cast.partner, external_id="ED-OURS")
    submit_referral(cast.program, agency=cast.two_one_one, by=cast.partner_211, external_id="211-THEIRS")
    submit_referral(cast.program, by=cast.peer, first_name="Teamonly")
    submit_referral(cast.other_program, agency=cast.other_agency, external_id="HILLTOP")

    response = cast.client_for(cast.partner).get(URL)

    assert response.status_code == 200
    assert response.context["nav_active"] == "sent"
    [row] = rows_of(response)
    assert "ED-OURS" in row
    assert "211-THEIRS" not in response.content.decode()
    assert "HILLTOP" not in response.content.decode()
    assert "Teamonly" not in response.content.decode()
    assert ours.external_id in row


def test_a_colleague_at_the_same_agency_sees_the_agencys_referrals(cast):
    colleague = make_member(cast.program, "ed-nights", Role.PARTNER, cast.ed)
    sent_by_ed(cast, external_id="ED-1")
    assert len(rows_of(cast.client_for(colleague).get(URL))) == 1


# ---- what a row shows ----


def test_a_row_shows_the_received_time_in_program_time_the_reference_the_first_name_and_initial(cast):
    submit_referral(
        cast.program,
        agency=cast.ed,
        by=cast.partner,
        received_at=JAN_15_EVENING,
        external_id="MRN-55",
        first_name="Alex",
        last_name="example",
    )

    [row] = rows_of(cast.client_for(cast.partner).get(URL))

    assert "Jan. 15, 2025, 9:30 p.m." in row  # New York time, not 2:30 am UTC on the 16th
    assert "MRN-55" in row
    assert "Alex E." in row
    assert "xample" not in row
    assert "Received" in row


def test_without_a_name_the_row_says_so(cast):
    sent_by_ed(cast, first_name="", last_name="")
    assert "name not given" in rows_of(cast.client_for(cast.partner).get(URL))[0]


@pytest.mark.parametrize(
    ("steps", "word"),
    [
        ([], "Received"),
        (["assign"], "Assigned"),
        (["assign", Status.ATTEMPTING], "Attempting contact"),
        (["assign", Status.ATTEMPTING, Status.REACHED], "Reached"),
        (["assign", Status.CLOSED], "Closed"),
    ],
)
def test_the_status_is_shown_in_plain_words(cast, steps, word):
    [referral] = sent_by_ed(cast)
    for step in steps:
        if step == "assign":
            referral = referral_assign(referral=referral, assignee=cast.peer, by=cast.supervisor)
        else:
            reason = ClosingReason.DECEASED if step == Status.CLOSED else ""
            referral = referral_transition(referral=referral, to_status=step, by=cast.supervisor, reason=reason)
    [row] = rows_of(cast.client_for(cast.partner).get(URL))
    assert row.endswith(word)


def test_nothing_beyond_the_status_is_shown(cast):
    submission = ReferralSubmission(
        source=Source.EMERGENCY_DEPARTMENT,
        acuity="high",
        external_id="ED-77",
        received_at=JAN_15_EVENING,
        notes="Mentioned a custody hearing",
        participant=ParticipantDetails(
            first_name="Morgan",
            last_name="Whitfield",
            phone="412-555-0133",
            date_of_birth=dt.date(1987, 2, 3),
            address="77 Canal St",
            location_notes="Red door at the back",
        ),
        overdose=OverdoseDetails(substances=["xylazine"], naloxone_doses=4, location="Canal St bus stop"),
    )
    referral = referral_intake(
        program=cast.program,
        submission=submission,
        channel=Channel.STAFF_FORM,
        agency=cast.ed,
        submitted_by=cast.partner,
    ).referral
    referral = referral_assign(referral=referral, assignee=cast.peer, by=cast.supervisor)
    referral_transition(
        referral=referral, to_status=Status.CLOSED, by=cast.supervisor, reason=ClosingReason.INCARCERATED
    )

    page = text_of(cast.client_for(cast.partner).get(URL))

    assert "Morgan W." in page
    assert "Closed" in page
    for hidden in (
        "Whitfield",
        "custody",
        "555",
        "0133",
        "1987",
        "Canal",
        "Red door",
        "xylazine",
        cast.peer.user.first_name,
        "Incarcerated",
        "incarcerated",
        "High risk",
        "deadline",
    ):
        assert hidden not in page


def test_the_name_is_what_the_agency_sent_not_what_the_team_knows(cast):
    [referral] = sent_by_ed(cast, first_name="Alex", last_name="Example")
    person = referral.participant
    person.first_name, person.last_name = "Alexandra", "Example-Moreno"
    person.save()
    [row] = rows_of(cast.client_for(cast.partner).get(URL))
    assert "Alex E." in row
    assert "Alexandra" not in row


# ---- order, pages, audit, queries ----


def test_newest_referrals_come_first(cast):
    for i, ref in enumerate(["OLD", "MIDDLE", "NEW"]):
        submit_referral(
            cast.program,
            agency=cast.ed,
            by=cast.partner,
            external_id=ref,
            received_at=JAN_15_EVENING + dt.timedelta(days=i),
        )
    rows = rows_of(cast.client_for(cast.partner).get(URL))
    assert ["NEW" in rows[0], "MIDDLE" in rows[1], "OLD" in rows[2]] == [True, True, True]


def test_the_list_is_paginated(cast):
    sent_by_ed(cast, SENT_PAGE_SIZE + 3)
    client = cast.client_for(cast.partner)

    first = client.get(URL)
    second = client.get(URL, {"page": 2})

    assert len(rows_of(first)) == SENT_PAGE_SIZE
    assert len(rows_of(second)) == 3
    assert "Page 1 of 2" in text_of(first)
    assert 'href="?page=2"' in first.content.decode()
    assert len(rows_of(client.get(URL, {"page": "not-a-number"}))) == SENT_PAGE_SIZE
    assert len(rows_of(client.get(URL, {"page": 99}))) == 3


def test_reading_the_list_is_audited_with_the_people_shown(cast):
    referrals = sent_by_ed(cast, SENT_PAGE_SIZE + 2)
    client = cast.client_for(cast.partner)
    before = AuditEvent.objects.count()

    client.get(URL)

    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.latest("pk")
    assert (event.action, event.user, event.role) == (AuditEvent.Action.LIST, cast.partner.user, "partner")
    newest_page = sorted(referrals, key=lambda r: r.received_at, reverse=True)[:SENT_PAGE_SIZE]
    assert event.target_ids == [str(r.pk) for r in newest_page]
    assert event.participant_ids == sorted({r.participant_id for r in newest_page})


def test_an_empty_list_says_so(cast):
    response = cast.client_for(cast.partner).get(URL)
    assert "has not sent any referrals yet" in text_of(response)
    assert rows_of(response) == []


def test_the_number_of_queries_does_not_grow_with_the_rows(cast):
    client = cast.client_for(cast.partner)
    sent_by_ed(cast, 2)
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    sent_by_ed(cast, 20)
    with CaptureQueriesContext(connection) as many:
        assert len(rows_of(client.get(URL))) == 22
    assert len(many) == len(few)
