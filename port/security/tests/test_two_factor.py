import datetime as dt
import re

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from port.accounts.models import User
from port.audit.models import AuditEvent
from port.security.forms import wait_in_words
from port.testing.factories import PASSWORD
from port.testing.security import enrolled

NOW = dt.datetime(2026, 6, 10, 16, 0, tzinfo=dt.UTC)


def code_for(device: TOTPDevice) -> str:
    device.refresh_from_db()
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"


def past_grace(user: User) -> User:
    User.objects.filter(pk=user.pk).update(date_joined=timezone.now() - dt.timedelta(days=8))
    user.refresh_from_db()
    return user


def sign_in_with_password(user: User) -> Client:
    client = Client()
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def recovery_codes_in(response) -> list[str]:
    return re.findall(r"<li><code>([a-z2-7]{8})</code></li>", response.content.decode())


# --- Enrolment ----------------------------------------------------------------------------------


def test_the_enrolment_page_shows_the_qr_code_as_inline_svg_and_the_secret(cast):
    client = cast.client_for(cast.peer)
    response = client.get(reverse("security:enrol"))
    assert response.status_code == 200
    page = response.content.decode()
    device = TOTPDevice.objects.get(user=cast.peer.user)
    assert not device.confirmed
    assert re.search(r'<svg class="qr-code" role="img" aria-label="[^"]+"', page)
    assert "<path d=" in page
    secret = re.search(r'<code class="totp-secret">([A-Z2-7 ]+)</code>', page).group(1)
    assert secret.replace(" ", "") in device.config_url
    # Drawn in the page: no image fetched from anywhere, no inline style.
    assert "<img" not in page and "style=" not in page
    assert response["Cache-Control"].startswith("max-age=0, no-cache, no-store")


def test_the_enrolment_page_gives_the_setup_key_before_the_qr_code_and_does_not_only_say_scan(cast):
    page = cast.client_for(cast.peer).get(reverse("security:enrol")).content.decode()
    key_at, qr_at = page.index('class="totp-secret"'), page.index('<svg class="qr-code"')
    assert key_at < qr_at  # a phone shows the key first: it cannot scan its own screen
    device = TOTPDevice.objects.get(user=cast.peer.user)
    plain = re.search(r'<input[^>]*id="setup-key"[^>]*value="([A-Z2-7]+)"', page).group(1)
    assert plain in device.config_url
    assert '<label for="setup-key">' in page
    assert "On this phone" in page and "on another device" in page
    assert "scan this QR code:" not in page


def test_reloading_the_enrolment_page_keeps_the_same_secret(cast):
    client = cast.client_for(cast.peer)
    client.get(reverse("security:enrol"))
    client.get(reverse("security:enrol"))
    assert TOTPDevice.objects.filter(user=cast.peer.user).count() == 1


def test_a_right_code_turns_on_two_factor_and_shows_ten_recovery_codes_once(cast):
    client = cast.client_for(cast.peer)
    client.get(reverse("security:enrol"))
    device = TOTPDevice.objects.get(user=cast.peer.user)
    response = client.post(reverse("security:enrol"), {"code": code_for(device), "next": "/referrals/mine/"})
    assert response.status_code == 200
    codes = recovery_codes_in(response)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert sorted(StaticToken.objects.filter(device__user=cast.peer.user).values_list("token", flat=True)) == sorted(
        codes
    )
    device.refresh_from_db()
    assert device.confirmed
    assert 'href="/referrals/mine/"' in response.content.decode()
    # This session counts as having given a code: pages open without another one.
    assert client.get(reverse("referrals:my_queue")).status_code == 200
    # The codes are not shown again.
    assert recovery_codes_in(client.get(reverse("security:two_factor"))) == []
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.UPDATE, user=cast.peer.user, note="two-factor sign-in set up"
    ).exists()


def test_a_wrong_code_at_enrolment_is_refused_with_a_clear_message(cast):
    client = cast.client_for(cast.peer)
    client.get(reverse("security:enrol"))
    response = client.post(reverse("security:enrol"), {"code": "000000"})
    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    assert not TOTPDevice.objects.get(user=cast.peer.user).confirmed
    assert not StaticDevice.objects.filter(user=cast.peer.user).exists()


def test_enrolling_signs_the_person_out_of_their_other_sessions(cast):
    other_device = cast.client_for(cast.peer)
    client = cast.client_for(cast.peer)
    client.get(reverse("security:enrol"))
    device = TOTPDevice.objects.get(user=cast.peer.user)
    client.post(reverse("security:enrol"), {"code": code_for(device)})
    assert other_device.get(reverse("referrals:my_queue")).status_code == 302
    assert client.get(reverse("referrals:my_queue")).status_code == 200


def test_someone_with_two_factor_must_give_a_code_before_setting_up_a_new_phone(cast):
    enrolled(cast.peer.user)
    client = sign_in_with_password(cast.peer.user)
    response = client.get(reverse("security:enrol"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("security:verify"))
    assert TOTPDevice.objects.filter(user=cast.peer.user).count() == 1


# --- Signing in with a code ---------------------------------------------------------------------


def test_after_the_password_a_person_with_two_factor_is_asked_for_a_code(cast):
    enrolled(cast.peer.user)
    client = sign_in_with_password(cast.peer.user)
    response = client.get(reverse("referrals:my_queue"))
    assert response.status_code == 302
    assert response["Location"] == reverse("security:verify") + "?next=%2Freferrals%2Fmine%2F"
    response = client.post(
        reverse("security:verify"),
        {"code": code_for(TOTPDevice.objects.get(user=cast.peer.user)), "next": "/referrals/mine/"},
    )
    assert response.status_code == 302 and response["Location"] == "/referrals/mine/"
    assert client.get(reverse("referrals:my_queue")).status_code == 200
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.LOGIN, user=cast.peer.user, note="authenticator code given"
    ).exists()


def test_a_code_is_asked_for_even_within_the_grace_period(cast):
    enrolled(cast.partner.user)  # a new account: still in its grace period
    client = sign_in_with_password(cast.partner.user)
    assert client.get(reverse("referrals:sent"))["Location"].startswith(reverse("security:verify"))


def test_a_recovery_code_signs_in_once_only(cast):
    codes = enrolled(cast.peer.user)
    client = sign_in_with_password(cast.peer.user)
    response = client.post(reverse("security:verify"), {"code": codes[0].upper()[:4] + "-" + codes[0][4:]})
    assert response.status_code == 200
    assert "You have 9 recovery codes left" in response.content.decode()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN, note="recovery code used").exists()
    assert client.get(reverse("referrals:my_queue")).status_code == 200

    client.post(reverse("logout"))
    client = sign_in_with_password(cast.peer.user)
    response = client.post(reverse("security:verify"), {"code": codes[0]})
    assert "That code is not right" in response.content.decode()
    assert client.get(reverse("referrals:my_queue")).status_code == 302


def test_a_wrong_code_is_refused_and_recorded_as_a_failed_sign_in(cast):
    enrolled(cast.peer.user)
    client = sign_in_with_password(cast.peer.user)
    response = client.post(reverse("security:verify"), {"code": "123456"})
    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_FAILED, note=cast.peer.user.username).exists()
    assert client.get(reverse("referrals:my_queue")).status_code == 302


def test_one_wrong_code_says_the_code_was_wrong_and_what_to_check(cast, time_machine):
    time_machine.move_to(NOW, tick=False)
    enrolled(cast.peer.user)
    client = sign_in_with_password(cast.peer.user)
    page = client.post(reverse("security:verify"), {"code": "123456"}).content.decode()
    assert "That code is not right" in page
    assert "newest code" in page and "clock" in page
    assert "Wait" not in page and "Too many" not in page and "Try again in" not in page


def test_a_code_tried_while_a_wait_is_in_force_says_how_long_in_words(cast, time_machine):
    time_machine.move_to(NOW, tick=False)
    enrolled(cast.peer.user)
    client = sign_in_with_password(cast.peer.user)
    client.post(reverse("security:verify"), {"code": "123456"})
    page = client.post(reverse("security:verify"), {"code": "654321"}).content.decode()
    assert "Try again in 1 second" in page
    assert "Too many" not in page


def test_once_the_wait_is_over_the_next_wrong_code_is_just_wrong(cast, time_machine):
    time_machine.move_to(NOW, tick=False)
    enrolled(cast.peer.user)
    client = sign_in_with_password(cast.peer.user)
    client.post(reverse("security:verify"), {"code": "123456"})
    time_machine.move_to(NOW + dt.timedelta(seconds=5), tick=False)
    page = client.post(reverse("security:verify"), {"code": "654321"}).content.decode()
    assert "That code is not right" in page and "Try again in" not in page


def test_a_device_that_answers_a_right_code_after_the_wait_signs_in(cast, time_machine):
    time_machine.move_to(NOW, tick=False)
    enrolled(cast.peer.user)
    client = sign_in_with_password(cast.peer.user)
    client.post(reverse("security:verify"), {"code": "123456"})
    time_machine.move_to(NOW + dt.timedelta(seconds=2), tick=False)
    device = TOTPDevice.objects.get(user=cast.peer.user, confirmed=True)
    assert client.post(reverse("security:verify"), {"code": code_for(device)}).status_code == 302


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (1, "1 second"),
        (2, "2 seconds"),
        (59, "59 seconds"),
        (60, "1 minute"),
        (61, "2 minutes"),
        (900, "15 minutes"),
        (3600, "1 hour"),
        (5400, "2 hours"),
    ],
)
def test_waits_are_said_in_seconds_minutes_or_hours(seconds, words):
    assert wait_in_words(seconds) == words


def test_the_code_page_does_not_send_people_to_another_site(cast):
    enrolled(cast.peer.user)
    client = sign_in_with_password(cast.peer.user)
    response = client.post(
        reverse("security:verify"),
        {"code": code_for(TOTPDevice.objects.get(user=cast.peer.user)), "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("home")


# --- Who must use it, and the grace period -------------------------------------------------------


def test_within_the_grace_period_a_person_is_reminded_but_not_stopped(cast):
    response = cast.client_for(cast.peer).get(reverse("referrals:my_queue"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Set up two-factor sign-in." in page
    assert reverse("security:enrol") + "?next=/referrals/mine/" in page


def test_after_the_grace_period_every_page_leads_to_enrolment(cast):
    past_grace(cast.peer.user)
    client = cast.client_for(cast.peer)
    for url in (reverse("referrals:my_queue"), reverse("home"), reverse("security:two_factor")):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("security:enrol"))
    # A form post too, without a "next" that would replay it.
    response = client.post(reverse("accounts:program_switch"), {"program": cast.program.pk})
    assert response["Location"] == reverse("security:enrol")
    page = client.get(reverse("security:enrol")).content.decode()
    assert "the time to set it up has passed" in page


def test_after_the_grace_period_htmx_requests_are_sent_to_enrolment_with_a_full_page_load(cast):
    past_grace(cast.supervisor.user)
    response = cast.client_for(cast.supervisor).get(reverse("referrals:queue"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith(reverse("security:enrol"))


def test_after_the_grace_period_signing_out_resetting_a_password_and_public_pages_still_work(cast):
    past_grace(cast.partner.user)
    client = cast.client_for(cast.partner)
    assert client.get(reverse("password_reset")).status_code == 200
    assert client.get(reverse("public:help", args=[cast.program.slug])).status_code == 200
    assert client.get(reverse("security:enrol")).status_code == 200
    assert client.get("/api/v1/referrals/00000000-0000-0000-0000-000000000000").status_code == 401
    assert client.post(reverse("logout")).status_code == 302


@pytest.mark.parametrize(
    "member", ["admin", "supervisor", "peer", "partner", "first_responder", "law_enforcement", "provider"]
)
def test_every_role_that_sees_identities_must_use_two_factor(cast, member):
    membership = getattr(cast, member)
    past_grace(membership.user)
    response = cast.client_for(membership).get(reverse("security:two_factor"))
    assert response["Location"].startswith(reverse("security:enrol"))


def test_analysts_are_not_required_to_use_two_factor(cast):
    past_grace(cast.analyst.user)
    response = cast.client_for(cast.analyst).get(reverse("security:two_factor"))
    assert response.status_code == 200
    assert "Set up two-factor sign-in." not in response.content.decode()


def test_superusers_must_use_two_factor(db):
    user = past_grace(User.objects.create_superuser(username="root", password=PASSWORD, email="root@example.org"))
    client = Client()
    client.force_login(user)
    assert client.get(reverse("admin:index"))["Location"].startswith(reverse("security:enrol"))


# --- Recovery codes and the admin's reset ---------------------------------------------------------


def test_people_get_new_recovery_codes_and_the_old_ones_stop_working(cast):
    old_codes = enrolled(cast.peer.user)
    client = cast.verified_client_for(cast.peer)
    response = client.post(reverse("security:recovery_codes"))
    new_codes = recovery_codes_in(response)
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    assert "Your earlier recovery codes no longer work." in response.content.decode()
    assert set(StaticToken.objects.filter(device__user=cast.peer.user).values_list("token", flat=True)) == set(
        new_codes
    )
    assert AuditEvent.objects.filter(user=cast.peer.user, note="recovery codes regenerated").exists()


def test_new_recovery_codes_need_a_code_given_this_session(cast):
    old_codes = enrolled(cast.peer.user)
    client = sign_in_with_password(cast.peer.user)
    response = client.post(reverse("security:recovery_codes"))
    assert response["Location"].startswith(reverse("security:verify"))
    assert set(StaticToken.objects.filter(device__user=cast.peer.user).values_list("token", flat=True)) == set(
        old_codes
    )


def reset_action(client: Client, *users: User):
    return client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_two_factor", "_selected_action": [user.pk for user in users]},
    )


def test_an_admin_resets_a_persons_two_factor_which_signs_them_out_and_is_audited(cast):
    enrolled(cast.peer.user)
    peer_client = cast.verified_client_for(cast.peer)
    response = reset_action(cast.client_for(cast.admin), cast.peer.user)
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=cast.peer.user).exists()
    assert not StaticDevice.objects.filter(user=cast.peer.user).exists()
    assert peer_client.get(reverse("referrals:my_queue"))["Location"].startswith(reverse("login"))
    event = AuditEvent.objects.get(note="two-factor sign-in reset by an admin")
    assert (event.user, event.program, event.target_ids) == (cast.admin.user, cast.program, [str(cast.peer.user.pk)])
    assert LogEntry.objects.filter(
        object_id=str(cast.peer.user.pk), change_message="Two-factor sign-in reset."
    ).exists()
    # Signed in again, they set it up anew (here within the grace period, so only reminded).
    assert (
        "Set up two-factor sign-in."
        in sign_in_with_password(cast.peer.user).get(reverse("referrals:my_queue")).content.decode()
    )


def test_a_program_admin_cannot_reset_two_factor_of_someone_in_another_program(cast):
    enrolled(cast.outsider.user)
    reset_action(cast.client_for(cast.admin), cast.outsider.user)
    assert TOTPDevice.objects.filter(user=cast.outsider.user).exists()
    assert not AuditEvent.objects.filter(note="two-factor sign-in reset by an admin").exists()


def test_sessions_are_recorded_at_sign_in_and_forgotten_at_sign_out(cast):
    from port.security.models import UserSession

    client = sign_in_with_password(cast.peer.user)
    key = client.session.session_key
    assert UserSession.objects.filter(user=cast.peer.user, session_key=key).exists()
    client.post(reverse("logout"))
    assert not UserSession.objects.filter(session_key=key).exists()
    assert not Session.objects.filter(session_key=key).exists()
