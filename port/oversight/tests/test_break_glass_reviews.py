"""Break-the-glass reviews: every access outside normal scope, waiting ones first, reviewed by someone
other than the person who took it, once, with a note; the review is audited, and the list exports."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from port.accounts.models import Membership
from port.audit.models import AuditEvent
from port.audit.services import audit_record
from port.oversight.services import ReviewRefused, break_glass_review
from port.participants.models import BreakGlassAccess
from port.testing.factories import submit_referral

pytestmark = pytest.mark.django_db


def grant(
    membership: Membership,
    participant,
    *,
    reason: str = "Referred today; was followed by Hilltop",
    minutes_ago: int = 5,
) -> BreakGlassAccess:
    """An access as port.participants.break_glass grants it, with its flagged audit entry."""
    granted = timezone.now() - dt.timedelta(minutes=minutes_ago)
    access = BreakGlassAccess.objects.create(
        user=membership.user,
        membership=membership,
        participant=participant,
        reason=reason,
        granted_at=granted,
        expires_at=granted + dt.timedelta(minutes=60),
    )
    audit_record(
        action=AuditEvent.Action.BREAK_GLASS,
        by=membership,
        target_type="participants.participant",
        target_ids=[participant.pk],
        participant_ids=[participant.pk],
        reason=reason,
        flagged=True,
    )
    return access


@pytest.fixture
def hilltop_person(cast):
    return submit_referral(cast.other_program, by=cast.outsider, first_name="Morgan", last_name="Example").participant


@pytest.fixture
def riverside_person(cast):
    return submit_referral(cast.program, by=cast.supervisor, first_name="Avery", last_name="Sample").participant


def detail_url(access: BreakGlassAccess) -> str:
    return reverse("audit:break_glass_detail", args=[access.pk])


def test_waiting_accesses_come_first(cast, hilltop_person):
    older = grant(cast.supervisor, hilltop_person, minutes_ago=120)
    reviewed = grant(cast.supervisor, hilltop_person, minutes_ago=30)
    break_glass_review(access=reviewed, by=cast.admin, note="Appropriate.")
    newest = grant(cast.supervisor, hilltop_person, minutes_ago=1)
    response = cast.client_for(cast.admin).get(reverse("audit:break_glass_list"))
    assert response.context["accesses"] == [newest, older, reviewed]
    assert response.context["waiting"] == 2


def test_the_accessors_program_sees_why_but_not_the_other_programs_participant(cast, hilltop_person):
    access = grant(cast.supervisor, hilltop_person)
    html = cast.client_for(cast.admin).get(reverse("audit:break_glass_list")).content.decode()
    assert "Referred today; was followed by Hilltop" in html
    assert "A participant of Hilltop PORT" in html
    assert "Morgan" not in html
    assert "Morgan" not in cast.client_for(cast.admin).get(detail_url(access)).content.decode()
    listed = AuditEvent.objects.get(action=AuditEvent.Action.LIST, target_type="audit.breakglassaccess")
    assert listed.participant_ids == []


def test_the_participants_program_sees_the_access_to_its_participant_by_name(cast, riverside_person):
    access = grant(cast.outsider, riverside_person)
    response = cast.client_for(cast.supervisor).get(reverse("audit:break_glass_list"))
    assert response.context["accesses"] == [access]
    assert "Avery Sample" in response.content.decode()
    listed = AuditEvent.objects.get(action=AuditEvent.Action.LIST, target_type="audit.breakglassaccess")
    assert listed.participant_ids == [riverside_person.pk]


def test_an_unrelated_program_sees_nothing(cast, hilltop_person):
    grant(cast.outsider, hilltop_person)  # Hilltop's own supervisor, Hilltop's participant
    assert cast.client_for(cast.admin).get(reverse("audit:break_glass_list")).context["accesses"] == []


def test_another_programs_access_answers_404(cast, hilltop_person):
    access = grant(cast.outsider, hilltop_person)
    client = cast.client_for(cast.supervisor)
    assert client.get(detail_url(access)).status_code == 404
    assert client.post(detail_url(access), {"note": "fine"}).status_code == 404
    access.refresh_from_db()
    assert access.reviewed_at is None


def test_a_review_records_the_reviewer_the_time_and_the_note_and_is_audited(cast, hilltop_person):
    access = grant(cast.supervisor, hilltop_person)
    response = cast.client_for(cast.admin).post(detail_url(access), {"note": "  Covering Pat's crisis call; fine. "})
    assert response.status_code == 302 and response["Location"] == reverse("audit:break_glass_list")
    access.refresh_from_db()
    assert access.reviewed_by == cast.admin.user
    assert access.review_note == "Covering Pat's crisis call; fine."
    assert timezone.now() - access.reviewed_at < dt.timedelta(minutes=1)
    event = AuditEvent.objects.get(action=AuditEvent.Action.UPDATE, target_type="audit.breakglassaccess")
    assert (event.user, event.role, event.target_ids) == (cast.admin.user, "admin", [str(access.pk)])
    assert event.changes["review_note"] == ["", "Covering Pat's crisis call; fine."]
    assert event.participant_ids == [hilltop_person.pk]


def test_the_review_page_shows_what_was_done_while_the_glass_was_broken(cast, hilltop_person):
    access = grant(cast.supervisor, hilltop_person)
    audit_record(
        action=AuditEvent.Action.VIEW,
        by=cast.supervisor,
        target_type="outreach.encounter",
        target_ids=[3],
        participant_ids=[hilltop_person.pk],
        reason=access.reason,
        flagged=True,
    )
    response = cast.client_for(cast.admin).get(detail_url(access))
    assert response.status_code == 200
    assert [entry.event.target_type for entry in response.context["entries"]] == [
        "outreach.encounter",
        "participants.participant",
    ]
    assert "Viewed a record encounter 3" in response.content.decode()


def test_nobody_reviews_their_own_access(cast, hilltop_person):
    access = grant(cast.supervisor, hilltop_person)
    client = cast.client_for(cast.supervisor)
    page = client.get(detail_url(access)).content.decode()
    assert "someone else (another supervisor or a program admin) reviews it" in page
    response = client.post(detail_url(access), {"note": "I was right to."}, follow=True)
    assert response.redirect_chain == [(detail_url(access), 302)]
    assert "Error:</strong> You opened this record yourself" in response.content.decode()
    access.refresh_from_db()
    assert access.reviewed_at is None


def test_an_empty_note_is_explained(cast, hilltop_person):
    access = grant(cast.supervisor, hilltop_person)
    response = cast.client_for(cast.admin).post(detail_url(access), {"note": "   "})
    assert response.status_code == 400
    assert "Write what you found before marking the access reviewed." in response.content.decode()


def test_a_review_is_recorded_once(cast, hilltop_person):
    from port.testing.cast import make_member

    access = grant(cast.supervisor, hilltop_person)
    break_glass_review(access=access, by=cast.admin, note="Fine.")
    second = make_member(cast.program, "sasha", "supervisor")
    with pytest.raises(ReviewRefused, match="already reviewed"):
        break_glass_review(access=access, by=second, note="Also fine.")
    response = cast.client_for(second).post(detail_url(access), {"note": "Also fine."}, follow=True)
    assert "This access was already reviewed, by Adele Tester." in response.content.decode()
    access.refresh_from_db()
    assert (access.reviewed_by, access.review_note) == (cast.admin.user, "Fine.")


def test_peers_cannot_review(cast, hilltop_person):
    access = grant(cast.supervisor, hilltop_person)
    assert cast.client_for(cast.peer).post(detail_url(access), {"note": "fine"}).status_code == 403


def test_the_reviews_download_as_csv_and_the_download_is_audited(cast, hilltop_person, riverside_person):
    mine = grant(cast.supervisor, hilltop_person)
    theirs = grant(cast.outsider, riverside_person)
    response = cast.client_for(cast.admin).get(reverse("audit:break_glass_csv"))
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    by_id = {int(row["id"]): row for row in rows}
    assert set(by_id) == {mine.pk, theirs.pk}
    assert by_id[mine.pk]["participant_public_id"] == ""  # Hilltop's participant: program only
    assert by_id[mine.pk]["participant_program"] == "Hilltop PORT"
    assert by_id[theirs.pk]["participant_public_id"] == str(riverside_person.public_id)
    assert by_id[theirs.pk]["reason"] == "Referred today; was followed by Hilltop"
    export = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert (export.user, export.participant_ids) == (cast.admin.user, [riverside_person.pk])
