"""Break-the-glass: a supervisor opens a record of another program only with a reason and the person's exact
name and date of birth; the access is read-only, expires, and every step is audited and flagged."""

import datetime as dt
import html

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from port.accounts.roles import Role
from port.audit.models import AuditEvent
from port.participants.break_glass import BREAK_GLASS_MINUTES
from port.participants.models import BreakGlassAccess, ParticipantAlias
from port.participants.normalize import name_key
from port.testing.cast import make_member
from port.testing.factories import submit_referral

SEARCH = reverse("participants:break_glass")
OPEN = reverse("participants:break_glass_open")
REASON = "Referred to us today; says Hilltop's team followed her last spring."
DOB = dt.date(1979, 7, 23)


@pytest.fixture
def moved(cast):
    """A participant of the other program (Hilltop) who has since moved to Riverside."""
    referral = submit_referral(
        cast.other_program,
        agency=cast.other_agency,
        first_name="Dana",
        last_name="Farmove",
        date_of_birth=DOB,
        address="9 Hilltop Rd",
    )
    return referral.participant


def asking(**fields) -> dict:
    return {"reason": REASON, "first_name": "Dana", "last_name": "Farmove", "date_of_birth": DOB.isoformat(), **fields}


def detail_url(participant) -> str:
    return reverse("participants:detail", args=[participant.public_id])


def opened(cast, moved, member=None):
    client = cast.client_for(member or cast.supervisor)
    return client, client.post(OPEN, asking(participant=str(moved.public_id)))


# ---- who may ----


@pytest.mark.parametrize("role", ["peer", "partner", "first_responder", "law_enforcement", "provider", "analyst"])
def test_only_supervisors_and_admins_may_break_the_glass(cast, moved, role):
    client = cast.client_for(getattr(cast, role))
    assert client.get(SEARCH).status_code == 403
    assert client.post(SEARCH, asking()).status_code == 403
    response = client.post(OPEN, asking(participant=str(moved.public_id)))
    assert response.status_code == 403
    assert "Farmove" not in response.content.decode()
    assert not BreakGlassAccess.objects.exists()


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    response = client.get(SEARCH)
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_the_page_asks_for_a_reason_and_exact_details_and_lists_nobody(cast, moved):
    response = cast.client_for(cast.supervisor).get(SEARCH)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Farmove" not in page
    for label in ("Why you need this record", "First name", "Last name", "Date of birth"):
        assert label in page


# ---- finding the record ----


def test_a_short_reason_is_refused_and_nothing_is_searched(cast, moved):
    response = cast.client_for(cast.supervisor).post(SEARCH, asking(reason="moved"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "at least 15 characters" in page
    assert "Farmove" in page  # what they typed stays in the form
    assert "Exact matches in other programs" not in page
    assert not AuditEvent.objects.filter(flagged=True).exists()


@pytest.mark.parametrize("missing", ["first_name", "last_name", "date_of_birth"])
def test_every_detail_is_required(cast, moved, missing):
    response = cast.client_for(cast.supervisor).post(SEARCH, asking(**{missing: ""}))
    assert response.status_code == 200
    assert "Exact matches in other programs" not in response.content.decode()


def test_an_exact_match_in_another_program_is_shown_with_its_program(cast, moved):
    response = cast.client_for(cast.supervisor).post(SEARCH, asking(first_name="dana", last_name="FARMOVE"))
    page = response.content.decode()
    assert "Dana Farmove" in page and "Hilltop PORT" in page
    assert f'value="{moved.public_id}"' in page
    assert "9 Hilltop Rd" not in page  # nothing beyond the name, birth date and program before opening
    event = AuditEvent.objects.get(flagged=True)
    assert (event.action, event.reason, event.participant_ids) == (AuditEvent.Action.LIST, REASON, [moved.pk])


def test_near_misses_and_the_supervisors_own_program_are_not_shown(cast, moved):
    submit_referral(cast.program, first_name="Dana", last_name="Farmove", date_of_birth=DOB, by=cast.peer)
    client = cast.client_for(cast.supervisor)
    for fields in ({"first_name": "Dan"}, {"last_name": "Farmov"}, {"date_of_birth": "1979-07-24"}):
        page = client.post(SEARCH, asking(**fields)).content.decode()
        assert "Hilltop PORT" not in page and "No record in another program matches" in page
    page = client.post(SEARCH, asking()).content.decode()
    assert page.count("Open Dana Farmove") == 1
    # A search that found nobody is audited and flagged too: looking outside is what a reviewer reviews.
    assert AuditEvent.objects.filter(flagged=True, action=AuditEvent.Action.LIST).count() == 4


def test_a_known_alias_matches_exactly_too(cast, moved):
    ParticipantAlias.objects.create(
        participant=moved, first_name="Danielle", last_name="Farmove", name_key=name_key("Danielle", "Farmove")
    )
    page = cast.client_for(cast.supervisor).post(SEARCH, asking(first_name="Danielle")).content.decode()
    assert "Hilltop PORT" in page


# ---- opening it ----


def test_opening_grants_an_hour_of_flagged_read_only_access(cast, moved):
    client, response = opened(cast, moved)
    assert response.status_code == 302
    assert response["Location"] == detail_url(moved)  # no reason or name in the address
    grant = BreakGlassAccess.objects.get()
    assert (grant.user, grant.membership, grant.participant, grant.reason) == (
        cast.supervisor.user,
        cast.supervisor,
        moved,
        REASON,
    )
    assert grant.expires_at - grant.granted_at == dt.timedelta(minutes=BREAK_GLASS_MINUTES)
    event = AuditEvent.objects.get(action=AuditEvent.Action.BREAK_GLASS)
    assert (event.reason, event.flagged, event.participant_ids, event.user) == (
        REASON,
        True,
        [moved.pk],
        cast.supervisor.user,
    )

    page = html.unescape(client.get(detail_url(moved)).content.decode())
    assert "Dana Farmove" in page and "9 Hilltop Rd" in page
    assert "Opened by breaking the glass." in page and REASON in page and "Hilltop PORT" in page
    assert "Referral received" in page  # the history, read from the other program
    for action in ("Add encounter", "Merge with another record", "Add a supporter", "Log an attempt"):
        assert action not in page
    read = AuditEvent.objects.filter(action=AuditEvent.Action.VIEW, participant_ids=[moved.pk]).get()
    assert (read.reason, read.flagged, read.user) == (REASON, True, cast.supervisor.user)


def test_a_program_admin_may_break_the_glass_too(cast, moved):
    client, response = opened(cast, moved, cast.admin)
    assert response.status_code == 302
    assert client.get(detail_url(moved)).status_code == 200


def test_without_a_grant_the_record_is_a_404(cast, moved):
    response = cast.client_for(cast.supervisor).get(detail_url(moved))
    assert response.status_code == 404
    assert "Farmove" not in response.content.decode()


def test_the_grant_expires(cast, moved):
    client, _response = opened(cast, moved)
    BreakGlassAccess.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert client.get(detail_url(moved)).status_code == 404


def test_the_grant_is_the_holders_alone(cast, moved):
    opened(cast, moved)
    colleague = make_member(cast.program, "sage", Role.SUPERVISOR)
    assert cast.client_for(colleague).get(detail_url(moved)).status_code == 404
    assert cast.client_for(cast.peer).get(detail_url(moved)).status_code == 404


def test_the_grant_opens_the_participants_page_and_nothing_else(cast, moved):
    client, _response = opened(cast, moved)
    for url in (
        reverse("participants:merge_choose", args=[moved.public_id]),
        reverse("outreach:encounter_new", args=[moved.public_id]),
        reverse("outreach:supporters", args=[moved.public_id]),
        reverse("referrals:detail", args=[moved.referrals.get().public_id]),
    ):
        assert client.get(url).status_code == 404, url


def test_a_record_cannot_be_opened_by_its_id_without_the_matching_name(cast, moved):
    client = cast.client_for(cast.supervisor)
    response = client.post(OPEN, asking(first_name="Someone", participant=str(moved.public_id)))
    assert response.status_code == 200
    assert "No record in another program matches" in response.content.decode()
    assert not BreakGlassAccess.objects.exists()
    assert client.get(detail_url(moved)).status_code == 404


def test_a_record_of_the_supervisors_own_program_is_never_opened_this_way(cast):
    own = submit_referral(
        cast.program, first_name="Dana", last_name="Farmove", date_of_birth=DOB, by=cast.peer
    ).participant
    response = cast.client_for(cast.supervisor).post(OPEN, asking(participant=str(own.public_id)))
    assert response.status_code == 200
    assert not BreakGlassAccess.objects.exists()


# ---- the program's calendar ----


@pytest.mark.parametrize(
    ("zone", "now", "born", "refused"),
    [
        # UTC+14: the program is already on 11 June while the server (UTC) is still on 10 June.
        ("Pacific/Kiritimati", dt.datetime(2026, 6, 10, 12, 0, tzinfo=dt.UTC), dt.date(2026, 6, 11), False),
        # UTC-10: the server is on 11 June while the program is still on 10 June.
        ("Pacific/Honolulu", dt.datetime(2026, 6, 11, 5, 0, tzinfo=dt.UTC), dt.date(2026, 6, 11), True),
    ],
)
def test_a_future_date_of_birth_is_judged_on_the_programs_calendar_not_the_servers(
    cast, moved, zone, now, born, refused
):
    cast.program.time_zone = zone
    cast.program.save()
    with time_machine.travel(now, tick=False):
        response = cast.client_for(cast.supervisor).post(SEARCH, asking(date_of_birth=born.isoformat()))
    assert response.status_code == 200
    assert ("The date of birth is in the future." in response.content.decode()) is refused
