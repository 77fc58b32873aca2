import time

from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from port.audit.models import AuditEvent
from port.security.accounts import membership_update, user_deactivate
from port.security.models import UserSession
from port.security.services import LAST_SEEN_KEY, STARTED_KEY


def travel(client: Client, *, idle_minutes: float = 0, since_sign_in_hours: float = 0) -> None:
    """Pretend the last request was `idle_minutes` ago and the sign-in `since_sign_in_hours` ago."""
    session = client.session
    now = time.time()
    session[LAST_SEEN_KEY] = now - idle_minutes * 60
    session[STARTED_KEY] = now - max(since_sign_in_hours * 3600, idle_minutes * 60)
    session.save()


def follow_to_login(client: Client, response) -> str:
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    return client.get(response["Location"]).content.decode()


def test_after_15_minutes_without_activity_the_person_is_signed_out_with_a_clear_message(cast):
    client = cast.client_for(cast.peer)
    travel(client, idle_minutes=16)
    response = client.get(reverse("referrals:my_queue"))
    assert response["Location"] == reverse("login") + "?next=%2Freferrals%2Fmine%2F"
    page = follow_to_login(client, response)
    assert "You were signed out after 15 minutes without activity." in page
    assert client.get(reverse("referrals:my_queue"))["Location"].startswith(reverse("login"))
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOGOUT, user=cast.peer.user).exists()


def test_activity_within_the_idle_timeout_keeps_the_person_signed_in(cast):
    client = cast.client_for(cast.peer)
    travel(client, idle_minutes=14)
    assert client.get(reverse("referrals:my_queue")).status_code == 200
    assert time.time() - client.session[LAST_SEEN_KEY] < 5
    travel(client, idle_minutes=14)
    assert client.get(reverse("referrals:my_queue")).status_code == 200


def test_activity_is_written_to_the_session_at_most_once_a_minute(cast):
    client = cast.client_for(cast.peer)
    travel(client, idle_minutes=0.5)
    before = client.session[LAST_SEEN_KEY]
    client.get(reverse("referrals:my_queue"))
    assert client.session[LAST_SEEN_KEY] == before


def test_the_programs_own_idle_timeout_applies(cast):
    cast.program.idle_timeout_minutes = 30
    cast.program.save()
    client = cast.client_for(cast.peer)
    travel(client, idle_minutes=20)
    assert client.get(reverse("referrals:my_queue")).status_code == 200
    travel(client, idle_minutes=31)
    page = follow_to_login(client, client.get(reverse("referrals:my_queue")))
    assert "You were signed out after 30 minutes without activity." in page


def test_a_sign_in_ends_after_12_hours_however_active(cast):
    client = cast.client_for(cast.supervisor)
    travel(client, idle_minutes=1, since_sign_in_hours=12.1)
    page = follow_to_login(client, client.get(reverse("referrals:queue")))
    assert "You were signed out because a sign-in lasts at most 12 hours." in page


def test_the_absolute_lifetime_is_a_setting(cast, settings):
    settings.SESSION_ABSOLUTE_HOURS = 2
    client = cast.client_for(cast.supervisor)
    travel(client, idle_minutes=1, since_sign_in_hours=2.5)
    assert "at most 2 hours" in follow_to_login(client, client.get(reverse("referrals:queue")))


def test_an_htmx_request_after_the_timeout_sends_the_whole_page_to_sign_in(cast):
    client = cast.client_for(cast.supervisor)
    travel(client, idle_minutes=16)
    response = client.get(reverse("referrals:queue"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith(reverse("login"))


def test_a_form_posted_after_the_timeout_is_not_replayed_after_signing_in(cast):
    client = cast.client_for(cast.peer)
    travel(client, idle_minutes=16)
    response = client.post(reverse("accounts:program_switch"), {"program": cast.program.pk})
    assert response["Location"] == reverse("login")


# --- Disabling a person ends their sessions -------------------------------------------------------


def test_disabling_a_person_ends_all_their_sessions_at_once(cast):
    phone, desk = cast.client_for(cast.peer), cast.client_for(cast.peer)
    keys = {phone.session.session_key, desk.session.session_key}
    assert set(UserSession.objects.filter(user=cast.peer.user).values_list("session_key", flat=True)) == keys
    user = cast.peer.user
    user_deactivate(actor=cast.admin.user, user=user)
    assert not Session.objects.filter(session_key__in=keys).exists()
    assert not UserSession.objects.filter(user=user).exists()
    for client in (phone, desk):
        assert client.get(reverse("referrals:my_queue"))["Location"].startswith(reverse("login"))


def test_others_sessions_are_untouched(cast):
    other = cast.client_for(cast.peer2)
    user_deactivate(actor=cast.admin.user, user=cast.peer.user)
    assert other.get(reverse("referrals:my_queue")).status_code == 200


def test_ending_a_persons_last_membership_ends_their_sessions(cast):
    client = cast.client_for(cast.partner)
    cast.partner.is_active = False
    membership_update(actor=cast.admin.user, membership=cast.partner)
    assert not Session.objects.filter(session_key=client.session.session_key).exists()
    assert client.get(reverse("referrals:sent"))["Location"].startswith(reverse("login"))


def test_a_person_with_another_active_membership_stays_signed_in(cast):
    from port.accounts.models import Membership
    from port.accounts.roles import Role

    Membership.objects.create(user=cast.peer.user, program=cast.other_program, role=Role.PEER)
    client = cast.client_for(cast.peer)
    cast.peer.is_active = False
    membership_update(actor=cast.admin.user, membership=cast.peer)
    assert Session.objects.filter(session_key=client.session.session_key).exists()


def test_deactivating_through_the_admin_ends_the_sessions(cast):
    client = cast.client_for(cast.peer2)
    admin = cast.client_for(cast.admin)
    user = cast.peer2.user
    page = admin.get(reverse("admin:accounts_user_change", args=[user.pk]))
    assert page.status_code == 200
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "",
        "date_joined_1": "",
        "memberships-TOTAL_FORMS": 1,
        "memberships-INITIAL_FORMS": 1,
        "memberships-MIN_NUM_FORMS": 0,
        "memberships-MAX_NUM_FORMS": 1000,
        "memberships-0-id": cast.peer2.pk,
        "memberships-0-user": user.pk,
        "memberships-0-program": cast.program.pk,
        "memberships-0-role": cast.peer2.role,
        "memberships-0-is_active": "on",
    }
    response = admin.post(reverse("admin:accounts_user_change", args=[user.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    user.refresh_from_db()
    assert not user.is_active
    assert client.get(reverse("referrals:my_queue"))["Location"].startswith(reverse("login"))


def test_after_a_password_change_the_new_session_still_ends_when_the_person_is_disabled(cast):
    from port.testing.factories import PASSWORD

    client = cast.client_for(cast.peer)
    old_key = client.session.session_key
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "kettle orbit lantern mosaic",
            "new_password2": "kettle orbit lantern mosaic",
        },
    )
    assert response.status_code == 302
    new_key = client.session.session_key
    assert new_key != old_key
    assert list(UserSession.objects.filter(user=cast.peer.user).values_list("session_key", flat=True)) == [new_key]
    user = cast.peer.user
    user.refresh_from_db()
    user_deactivate(actor=cast.admin.user, user=user)
    assert not Session.objects.filter(session_key=new_key).exists()
