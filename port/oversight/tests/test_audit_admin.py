"""The audit trail in the admin: scoped to the admin's programs, read only for everyone (superusers
included), filterable by participant, and exportable as CSV with the export audited."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from port.accounts.models import User
from port.audit.models import AuditEvent
from port.audit.services import audit_record
from port.participants.models import BreakGlassAccess
from port.testing.factories import PASSWORD, submit_referral

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:audit_auditevent_changelist"


@pytest.fixture
def superuser(db) -> User:
    return User.objects.create_superuser(username="root", password=PASSWORD, email="root@example.org")


def test_a_program_admin_sees_only_their_programs_entries(cast):
    ours = audit_record(action=AuditEvent.Action.VIEW, by=cast.peer, note="ours")
    theirs = audit_record(action=AuditEvent.Action.VIEW, by=cast.outsider, note="theirs")
    client = cast.client_for(cast.admin)
    shown = list(client.get(reverse(CHANGELIST)).context["cl"].result_list)
    assert ours in shown and theirs not in shown
    assert client.get(reverse("admin:audit_auditevent_change", args=[theirs.pk])).status_code == 404


def test_the_entry_page_shows_the_chain_fields_read_only(cast):
    event = audit_record(action=AuditEvent.Action.VIEW, by=cast.peer, reason="why", flagged=True)
    response = cast.client_for(cast.admin).get(reverse("admin:audit_auditevent_change", args=[event.pk]))
    html = response.content.decode()
    assert event.entry_hash in html and event.prev_hash in html
    assert response.context["adminform"].form.fields == {}  # nothing editable
    assert 'name="_save"' not in html


@pytest.mark.parametrize("who", ["program_admin", "superuser"])
def test_there_is_no_way_to_delete_from_the_list(cast, superuser, who):
    event = audit_record(action=AuditEvent.Action.VIEW, by=cast.peer)
    client = cast.client_for(cast.admin)
    if who == "superuser":
        client.force_login(superuser)
    response = client.get(reverse(CHANGELIST))
    actions = [name for name, _label in response.context["action_form"].fields["action"].choices if name]
    assert actions == ["export_csv"]
    client.post(reverse(CHANGELIST), {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"})
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_selected_entries_download_as_csv_and_the_download_is_audited(cast):
    person = submit_referral(cast.program, by=cast.supervisor).participant
    event = audit_record(action=AuditEvent.Action.VIEW, by=cast.peer, participant_ids=[person.pk], note="@SUM(1)")
    response = cast.client_for(cast.admin).post(
        reverse(CHANGELIST), {"action": "export_csv", "_selected_action": [event.pk]}
    )
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert [(row["seq"], row["note"]) for row in rows] == [(str(event.seq), "'@SUM(1)")]
    export = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert (export.user, export.role, export.participant_ids) == (cast.admin.user, "admin", [person.pk])


def test_the_entries_about_one_participant(cast):
    person = submit_referral(cast.program, by=cast.supervisor).participant
    about = audit_record(action=AuditEvent.Action.VIEW, by=cast.peer, participant_ids=[person.pk])
    other = audit_record(action=AuditEvent.Action.VIEW, by=cast.peer, participant_ids=[person.pk + 1000])
    client = cast.client_for(cast.admin)
    shown = list(client.get(reverse(CHANGELIST), {"participant": str(person.public_id)}).context["cl"].result_list)
    assert about in shown and other not in shown
    # Another program's participant, or nonsense: nothing, never everything.
    hilltop = submit_referral(cast.other_program, by=cast.outsider, first_name="Morgan").participant
    audit_record(action=AuditEvent.Action.VIEW, by=cast.outsider, participant_ids=[hilltop.pk])
    for value in (str(hilltop.public_id), "not-a-uuid"):
        assert list(client.get(reverse(CHANGELIST), {"participant": value}).context["cl"].result_list) == []


def test_break_the_glass_accesses_are_listed_read_only_without_naming_the_participant(cast):
    hilltop = submit_referral(
        cast.other_program, by=cast.outsider, first_name="Morgan", last_name="Example"
    ).participant
    now = timezone.now()
    access = BreakGlassAccess.objects.create(
        user=cast.supervisor.user,
        membership=cast.supervisor,
        participant=hilltop,
        reason="moved from Hilltop",
        granted_at=now,
        expires_at=now + dt.timedelta(hours=1),
    )
    client = cast.client_for(cast.admin)
    response = client.get(reverse("admin:participants_breakglassaccess_changelist"))
    html = response.content.decode()
    assert list(response.context["cl"].result_list) == [access]
    assert "moved from Hilltop" in html and "Hilltop PORT" in html and "Morgan" not in html
    assert reverse("audit:break_glass_detail", args=[access.pk]) in html
    change = reverse("admin:participants_breakglassaccess_change", args=[access.pk])
    assert client.post(change, {"reason": "edited"}).status_code == 403
    assert (
        client.post(
            reverse("admin:participants_breakglassaccess_delete", args=[access.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    access.refresh_from_db()
    assert access.reason == "moved from Hilltop"
    # Hilltop's admin would see it too (their participant); an unrelated program's admin would not.
    assert list(cast.client_for(cast.outsider).get(reverse("audit:break_glass_list")).context["accesses"]) == [access]
