"""The trail pages: who saw or changed a participant, and what a person saw and did. For program
admins and supervisors, scoped to their program, read only, audited, and downloadable as CSV."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse

from port.audit.models import AuditEvent
from port.audit.services import audit_record
from port.participants.models import Participant
from port.testing.budgets import assert_within_budget
from port.testing.factories import submit_referral

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(cast) -> Participant:
    return submit_referral(cast.program, by=cast.supervisor, first_name="Avery", last_name="Sample").participant


def trail_url(participant: Participant, csv_: bool = False) -> str:
    name = "audit:participant_trail_csv" if csv_ else "audit:participant_trail"
    return reverse(name, args=[participant.public_id])


def read_csv(response) -> list[dict]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(body)))


def today(cast) -> str:
    return cast.program.today().isoformat()


# ---- who may see the pages ----


@pytest.mark.parametrize("member", ["admin", "supervisor"])
def test_admins_and_supervisors_see_who_saw_a_participant(cast, person, member):
    audit_record(
        action=AuditEvent.Action.VIEW,
        by=cast.peer,
        target_type="participants.participant",
        target_ids=[person.pk],
        participant_ids=[person.pk],
    )
    response = cast.client_for(getattr(cast, member)).get(trail_url(person))
    assert response.status_code == 200
    assert "Pat Tester (pat)" in response.content.decode()


@pytest.mark.parametrize("member", ["peer", "partner"])
def test_other_roles_are_refused(cast, person, member):
    client = cast.client_for(getattr(cast, member))
    for url in (
        trail_url(person),
        trail_url(person, csv_=True),
        reverse("audit:index"),
        reverse("audit:user_trail"),
        reverse("audit:break_glass_list"),
    ):
        assert client.get(url).status_code == 403, url


def test_another_programs_supervisor_gets_404_for_the_participant(cast, person):
    client = cast.client_for(cast.outsider)
    assert client.get(trail_url(person)).status_code == 404
    assert client.get(trail_url(person, csv_=True)).status_code == 404
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()


def test_anonymous_visitors_are_sent_to_sign_in(person):
    from django.test import Client

    response = Client().get(trail_url(person))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_the_participant_page_links_to_the_trail_for_supervisors_only(cast, person):
    page = reverse("participants:detail", args=[person.public_id])
    assert trail_url(person) in cast.client_for(cast.supervisor).get(page).content.decode()
    assert trail_url(person) not in cast.client_for(cast.peer).get(page).content.decode()


# ---- who saw or changed this participant ----


def test_the_participant_trail_shows_who_role_what_when_where_and_why(cast, person):
    other = submit_referral(
        cast.program, by=cast.supervisor, first_name="Blake", last_name="Other", phone="412-555-0199"
    ).participant
    audit_record(
        action=AuditEvent.Action.UPDATE,
        by=cast.peer,
        target_type="referrals.referral",
        target_ids=[5],
        participant_ids=[person.pk],
        changes={"status": ["assigned", "attempting"]},
        reason="covering for a colleague",
        flagged=True,
    )
    audit_record(
        action=AuditEvent.Action.VIEW,
        by=cast.peer2,
        target_type="participants.participant",
        target_ids=[other.pk],
        participant_ids=[other.pk],
    )
    html = cast.client_for(cast.supervisor).get(trail_url(person)).content.decode()
    assert "Pat Tester (pat)" in html and "Peer specialist" in html
    assert "Changed referral 5" in html and "assigned → attempting" in html
    assert "covering for a colleague" in html and "Flagged for review" in html
    assert "Quinn" not in html  # an entry about someone else


def test_the_participant_trail_includes_records_merged_into_this_one(cast, person):
    absorbed = submit_referral(
        cast.program, by=cast.supervisor, first_name="Avery", last_name="Sampel", phone="412-555-0177"
    ).participant
    audit_record(
        action=AuditEvent.Action.VIEW,
        by=cast.peer2,
        target_type="participants.participant",
        target_ids=[absorbed.pk],
        participant_ids=[absorbed.pk],
        note="before the merge",
    )
    Participant.objects.filter(pk=absorbed.pk).update(merged_into=person)
    assert "before the merge" in cast.client_for(cast.supervisor).get(trail_url(person)).content.decode()


def test_reading_the_participant_trail_is_audited(cast, person):
    cast.client_for(cast.supervisor).get(trail_url(person))
    event = AuditEvent.objects.filter(action=AuditEvent.Action.LIST, target_type="audit.auditevent").get()
    assert (event.user, event.participant_ids) == (cast.supervisor.user, [person.pk])


def test_the_participant_trail_downloads_as_csv_and_the_download_is_audited(cast, person):
    audit_record(
        action=AuditEvent.Action.VIEW,
        by=cast.peer,
        target_type="participants.participant",
        target_ids=[person.pk],
        participant_ids=[person.pk],
        note='=HYPERLINK("http://evil")',
    )
    response = cast.client_for(cast.supervisor).get(trail_url(person, csv_=True))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = read_csv(response)
    viewed = next(row for row in rows if row["action"] == "view" and row["username"] == "pat")
    assert viewed["participant_ids"] == str(person.pk)
    assert viewed["note"] == '\'=HYPERLINK("http://evil")'  # not a formula in a spreadsheet
    assert viewed["entry_hash"] == AuditEvent.objects.get(seq=int(viewed["seq"])).entry_hash
    export = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert (export.user, export.role, export.participant_ids) == (cast.supervisor.user, "supervisor", [person.pk])


def test_the_participant_trail_pages(cast, person):
    for n in range(60):
        audit_record(
            action=AuditEvent.Action.VIEW,
            by=cast.peer,
            target_type="participants.participant",
            target_ids=[n],
            participant_ids=[person.pk],
        )
    client = cast.client_for(cast.supervisor)
    with assert_within_budget("audit:participant_trail"):
        first = client.get(trail_url(person))
    assert len(first.context["entries"]) == 50
    assert len(client.get(trail_url(person) + "?page=2").context["entries"]) >= 10


# ---- what did this person see and do ----


def test_the_user_trail_shows_what_a_person_saw_with_the_participants_named(cast, person):
    audit_record(
        action=AuditEvent.Action.LIST,
        by=cast.peer,
        target_type="participants.participant",
        target_ids=[person.pk],
        participant_ids=[person.pk],
        note="participant search",
    )
    response = cast.client_for(cast.supervisor).get(
        reverse("audit:user_trail"), {"user": cast.peer.user.pk, "start": today(cast), "end": today(cast)}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Viewed a list" in html and "participant search" in html and "Avery Sample" in html
    # Naming them is a read of participant data, and audited as one.
    shown = AuditEvent.objects.get(action=AuditEvent.Action.LIST, target_type="audit.auditevent")
    assert shown.participant_ids == [person.pk] and shown.note == f"audit trail of user {cast.peer.user.pk}"


def test_the_user_trail_includes_sign_ins_but_not_another_programs_entries(cast):
    from port.accounts.models import Membership
    from port.accounts.roles import Role

    Membership.objects.create(user=cast.peer.user, program=cast.other_program, role=Role.PEER)
    other_membership = Membership.objects.get(user=cast.peer.user, program=cast.other_program)
    audit_record(action=AuditEvent.Action.LOGIN, user=cast.peer.user)
    audit_record(
        action=AuditEvent.Action.VIEW,
        by=other_membership,
        target_type="participants.participant",
        note="in the other program",
    )
    response = cast.client_for(cast.supervisor).get(
        reverse("audit:user_trail"), {"user": cast.peer.user.pk, "start": today(cast), "end": today(cast)}
    )
    actions = [entry.event.action for entry in response.context["entries"]]
    assert actions == [AuditEvent.Action.LOGIN]


def test_the_user_trail_keeps_to_the_dates_in_the_programs_time_zone(cast):
    event = audit_record(action=AuditEvent.Action.LOGIN, user=cast.peer.user)
    yesterday = (cast.program.today() - dt.timedelta(days=1)).isoformat()
    client = cast.client_for(cast.supervisor)
    response = client.get(
        reverse("audit:user_trail"), {"user": cast.peer.user.pk, "start": yesterday, "end": yesterday}
    )
    assert response.context["entries"] == []
    assert "Nothing was recorded for this person in these dates." in response.content.decode()
    response = client.get(
        reverse("audit:user_trail"), {"user": cast.peer.user.pk, "start": yesterday, "end": today(cast)}
    )
    assert [entry.event for entry in response.context["entries"]] == [event]


def test_someone_outside_the_program_cannot_be_chosen(cast):
    response = cast.client_for(cast.supervisor).get(
        reverse("audit:user_trail"), {"user": cast.outsider.user.pk, "start": today(cast), "end": today(cast)}
    )
    assert response.status_code == 200
    assert "Choose a person from the list." in response.content.decode()
    assert response.context["entries"] is None


def test_a_bad_date_range_is_explained_and_the_choice_kept(cast):
    response = cast.client_for(cast.supervisor).get(
        reverse("audit:user_trail"), {"user": cast.peer.user.pk, "start": "2026-03-10", "end": "2026-03-01"}
    )
    html = response.content.decode()
    assert "The end date is before the start date." in html
    assert 'value="2026-03-10"' in html and 'value="2026-03-01"' in html
    response = cast.client_for(cast.supervisor).get(
        reverse("audit:user_trail"), {"user": cast.peer.user.pk, "start": "March", "end": "2026-03-01"}
    )
    assert "Enter the date as YYYY-MM-DD" in response.content.decode()


def test_the_user_trail_downloads_as_csv_and_the_download_is_audited(cast, person):
    audit_record(
        action=AuditEvent.Action.VIEW,
        by=cast.peer,
        target_type="participants.participant",
        target_ids=[person.pk],
        participant_ids=[person.pk],
    )
    query = {"user": cast.peer.user.pk, "start": today(cast), "end": today(cast)}
    response = cast.client_for(cast.supervisor).get(reverse("audit:user_trail_csv"), query)
    rows = read_csv(response)
    assert [(row["username"], row["action"], row["role"]) for row in rows] == [("pat", "view", "peer")]
    export = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert (export.target_type, export.target_ids, export.participant_ids) == (
        "accounts.user",
        [str(cast.peer.user.pk)],
        [person.pk],
    )


def test_a_bad_csv_request_goes_back_to_the_page_that_explains_it(cast):
    response = cast.client_for(cast.supervisor).get(reverse("audit:user_trail_csv"), {"user": "x"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("audit:user_trail"))
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()


def test_the_hub_page_offers_the_three_questions(cast):
    response = cast.client_for(cast.admin).get(reverse("audit:index"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Break-the-glass reviews" in html and "What did a person see and do?" in html
    assert "Who saw or changed a participant?" in html
    assert 'aria-current="page"' in html  # the menu marks where we are


def test_nothing_on_the_pages_changes_or_deletes_entries(cast, person):
    audit_record(action=AuditEvent.Action.VIEW, by=cast.peer, participant_ids=[person.pk])
    client = cast.client_for(cast.supervisor)
    assert client.post(trail_url(person)).status_code == 405
    assert client.post(reverse("audit:user_trail")).status_code == 405
    assert client.delete(trail_url(person)).status_code == 405
