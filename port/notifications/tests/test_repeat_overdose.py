"""A new overdose of a known participant, from any intake channel: the peer and the supervisors are told
at once in the app and by email (naming no one), once per referral; the new referral has its own clock
and the timeline says "repeat overdose"."""

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from port.notifications.models import DeadlineWarning, Notice
from port.notifications.services import deadline_warning_emails_send, repeat_overdose_alert
from port.outreach.models import Mode, Outcome
from port.outreach.services import contact_attempt_record
from port.referrals.csv_import.services import IMPORT_VALID_ONLY, referral_import_confirm
from port.referrals.intake import OverdoseDetails, ParticipantDetails, ReferralSubmission, referral_intake
from port.referrals.models import Channel, ClosingReason, OverdoseEvent, Referral, Status
from port.referrals.services import referral_assign, referral_transition
from port.security.accounts import api_token_issue
from port.testing.api import referral_body, send
from port.testing.factories import submit_referral
from port.testing.referrals import good_row, minimal, upload

REPEAT = DeadlineWarning.Kind.REPEAT_OVERDOSE
PERSON: dict[str, Any] = {"first_name": "Alex", "last_name": "Example", "phone": "412-555-0100"}


@pytest.fixture(autouse=True)
def _fresh_rate_limits(db):
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def earlier(cast) -> Referral:
    """The person's first referral, three days ago, assigned to Pat (the peer)."""
    referral = submit_referral(
        cast.program, agency=cast.ed, by=cast.partner, received_at=timezone.now() - dt.timedelta(days=3), **PERSON
    )
    return referral_assign(referral=referral, assignee=cast.peer, by=cast.supervisor)


def refer(cast, *, occurred_at=None, received_at=None, agency=None) -> Referral:
    """The same person referred now, through the intake service, with the overdose time given."""
    return referral_intake(
        program=cast.program,
        channel=Channel.STAFF_FORM,
        agency=agency,
        submission=ReferralSubmission(
            source="emergency_department",
            participant=ParticipantDetails(**PERSON),
            overdose=OverdoseDetails(occurred_at=occurred_at),
            received_at=received_at or timezone.now(),
        ),
    ).referral


def newest() -> Referral:
    return Referral.objects.select_related("overdose_event").latest("pk")


def alerted(referral: Referral) -> dict[str, str]:
    return {
        n.user.username: n.message
        for n in Notice.objects.filter(referral=referral, warning__kind=REPEAT).select_related("user")
    }


def assert_alerted(cast, earlier: Referral, referral: Referral) -> None:
    assert referral.pk != earlier.pk
    assert referral.participant_id == earlier.participant_id
    assert referral.overdose_event.repeat
    assert DeadlineWarning.objects.filter(referral=referral, kind=REPEAT).count() == 1
    assert alerted(referral) == {
        "pat": "A participant you work with has a new overdose referral. It is assigned to you.",
        "sam": "A participant you work with has a new overdose referral.",
    }
    # The assignment is told by the alert, not by a second notice.
    assert Notice.objects.filter(referral=referral).count() == 2
    assert deadline_warning_emails_send() == 1
    email = mail.outbox[-1]
    assert sorted(email.to) == ["pat@example.org", "sam@example.org"]
    assert email.subject == "PORT: new overdose referral"
    assert "A participant you work with has a new overdose referral." in email.body
    assert str(referral.public_id) in email.body
    for detail in ("Alex", "Example", "412", "555"):
        assert detail not in email.body + email.subject


def test_a_new_referral_from_the_staff_form_alerts_the_peer_and_the_supervisors(cast, earlier):
    response = cast.client_for(cast.partner).post(reverse("referrals:new"), minimal(**PERSON))
    assert response.status_code == 302
    assert_alerted(cast, earlier, newest())


def test_a_new_referral_from_the_ask_for_help_page_alerts_them_too(cast, earlier):
    response = Client().post(
        reverse("public:help", kwargs={"program_slug": cast.program.slug}), {"source": "self", **PERSON}
    )
    assert response.status_code == 302
    referral = newest()
    assert referral.channel == Channel.PUBLIC_FORM
    assert_alerted(cast, earlier, referral)


def test_a_new_referral_from_a_csv_import_alerts_them_too(cast, earlier):
    received = cast.program.local(timezone.now() - dt.timedelta(hours=1)).strftime("%Y-%m-%d %H:%M")
    batch = upload(cast, [good_row(1, **PERSON, received_at=received)])
    batch = referral_import_confirm(batch=batch, by=cast.partner, choice=IMPORT_VALID_ONLY)
    assert batch.rejected_rows == [] and batch.imported_count == 1, batch.rejected_rows
    referral = newest()
    assert referral.channel == Channel.CSV
    assert_alerted(cast, earlier, referral)


def test_a_new_referral_from_the_api_alerts_them_too(cast, earlier):
    _token, raw = api_token_issue(agency=cast.ed, name="ED nightly feed")
    body = referral_body(participant={**PERSON, "date_of_birth": None}, external_id="ED-0777")
    response = send(Client(), body, raw)
    assert response.status_code == 201, response.content
    referral = newest()
    assert referral.channel == Channel.API
    assert_alerted(cast, earlier, referral)


def test_the_new_referral_has_its_own_contact_clock(cast, earlier):
    now = timezone.now()
    referral = refer(cast, received_at=now)
    assert referral.received_at == now
    assert referral.contact_deadline == now + dt.timedelta(hours=referral.acuity.window_hours)
    assert referral.contact_deadline != earlier.contact_deadline
    assert referral.first_attempt_at is None and referral.first_contact_at is None


def test_with_no_open_referral_the_peer_of_the_most_recent_one_is_alerted(cast, earlier):
    contact_attempt_record(by=cast.peer, referral=earlier, mode=Mode.PHONE, outcome=Outcome.REACHED_PARTICIPANT)
    referral_transition(referral=earlier, to_status=Status.CLOSED, by=cast.peer, reason=ClosingReason.GOALS_MET)
    referral = submit_referral(cast.program, agency=cast.ed, by=cast.partner, **PERSON)
    assert referral.assigned_to_id is None  # nobody follows a closed case's peer automatically
    assert alerted(referral) == {
        "pat": "A participant you work with has a new overdose referral.",
        "sam": "A participant you work with has a new overdose referral.",
    }


def test_a_first_referral_and_a_new_person_raise_no_alert(cast, earlier):
    assert not DeadlineWarning.objects.filter(kind=REPEAT).exists()
    assert not earlier.overdose_event.repeat
    submit_referral(
        cast.program,
        agency=cast.ed,
        by=cast.partner,
        first_name="Someone",
        last_name="Else",
        phone="",
        location_notes="Room 4",
    )
    assert not DeadlineWarning.objects.filter(kind=REPEAT).exists()


def test_a_second_referral_about_the_same_overdose_is_not_a_repeat(cast):
    occurred = timezone.now() - dt.timedelta(hours=5)
    refer(cast, occurred_at=occurred, agency=cast.ed)
    second = refer(cast, occurred_at=occurred + dt.timedelta(minutes=20), agency=cast.two_one_one)
    assert second.match_result == "exact"
    assert not second.overdose_event.repeat
    assert not DeadlineWarning.objects.filter(kind=REPEAT).exists()
    third = refer(cast, occurred_at=occurred + dt.timedelta(hours=3))
    assert third.overdose_event.repeat


def test_a_retry_of_the_same_referral_alerts_once(cast, earlier):
    _token, raw = api_token_issue(agency=cast.ed, name="ED nightly feed")
    body = referral_body(participant={**PERSON, "date_of_birth": None}, external_id="ED-0888")
    assert send(Client(), body, raw).status_code == 201
    assert send(Client(), body, raw).status_code == 200
    assert DeadlineWarning.objects.filter(kind=REPEAT).count() == 1


def test_the_alert_is_raised_once_per_referral(cast, earlier):
    referral = submit_referral(cast.program, agency=cast.ed, by=cast.partner, **PERSON)
    assert repeat_overdose_alert(referral=referral) is None
    assert DeadlineWarning.objects.filter(referral=referral, kind=REPEAT).count() == 1


def test_a_failed_email_is_retried_by_the_next_run_and_sent_once(cast, earlier, monkeypatch):
    from unittest import mock

    referral = submit_referral(cast.program, agency=cast.ed, by=cast.partner, **PERSON)
    with mock.patch("port.notifications.services.send_mail", side_effect=OSError):
        assert deadline_warning_emails_send() == 0
    assert deadline_warning_emails_send() == 1
    assert deadline_warning_emails_send() == 0
    assert len(mail.outbox) == 1
    assert DeadlineWarning.objects.get(referral=referral, kind=REPEAT).emailed_at is not None


def test_the_timeline_and_the_referral_page_say_repeat_overdose(cast, earlier):
    referral = submit_referral(cast.program, agency=cast.ed, by=cast.partner, **PERSON)
    client = cast.client_for(cast.peer)
    timeline = client.get(reverse("participants:detail", args=[referral.participant.public_id])).content.decode()
    assert timeline.count("Repeat overdose: referral received") == 1  # the earlier one is not
    assert timeline.count("eferral received") == 2
    page = client.get(reverse("referrals:detail", args=[referral.public_id])).content.decode()
    assert "Repeat overdose" in page
    assert "Repeat overdose" not in client.get(reverse("referrals:detail", args=[earlier.public_id])).content.decode()


def test_existing_events_are_marked_by_the_data_migration_rule(cast, earlier):
    """The migration's rule is the intake's: marking again from scratch gives what intake stored."""
    import importlib

    from django.apps import apps

    submit_referral(cast.program, agency=cast.ed, by=cast.partner, **PERSON)
    stored = dict(OverdoseEvent.objects.values_list("pk", "repeat"))
    OverdoseEvent.objects.update(repeat=False)
    importlib.import_module("port.referrals.migrations.0010_mark_repeat_overdoses").mark(apps, None)
    assert dict(OverdoseEvent.objects.values_list("pk", "repeat")) == stored
    assert sorted(stored.values()) == [False, True]
