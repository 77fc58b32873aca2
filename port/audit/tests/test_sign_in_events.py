"""Sign-in, failed sign-in and sign-out are in the trail, with the address they came from, alongside
django-axes's lockout."""

import pytest
from django.contrib.auth import authenticate
from django.test import Client, RequestFactory
from django.urls import reverse

from port.audit.models import AuditEvent
from port.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db


def sign_in(client: Client, username: str, password: str, address: str = "198.51.100.7"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def test_a_sign_in_is_recorded_with_the_address(cast):
    client = Client()
    sign_in(client, "sam", PASSWORD)
    event = AuditEvent.objects.get(action=AuditEvent.Action.LOGIN)
    assert (event.user, event.ip_address, event.path) == (cast.supervisor.user, "198.51.100.7", reverse("login"))


def test_a_failed_sign_in_is_recorded_with_the_address_and_the_account_tried(cast):
    response = sign_in(Client(), "SAM", "wrong password", address="203.0.113.9")
    assert response.status_code == 200
    event = AuditEvent.objects.get(action=AuditEvent.Action.LOGIN_FAILED)
    assert event.ip_address == "203.0.113.9"
    assert event.note == "SAM"
    # Filed under the account it was tried against, so that person's trail shows it.
    assert event.user == cast.supervisor.user
    assert "wrong password" not in str(event.changes) + event.note


def test_a_failed_sign_in_for_an_unknown_username_is_recorded_without_an_account(cast):
    sign_in(Client(), "nobody-here", "whatever")
    event = AuditEvent.objects.get(action=AuditEvent.Action.LOGIN_FAILED)
    assert (event.user, event.note, event.ip_address) == (None, "nobody-here", "198.51.100.7")


def test_a_failed_sign_in_outside_a_view_takes_the_address_from_the_request(cast):
    request = RequestFactory().post("/accounts/login/", REMOTE_ADDR="192.0.2.44")
    assert authenticate(request, username="sam", password="not it") is None
    event = AuditEvent.objects.get(action=AuditEvent.Action.LOGIN_FAILED)
    assert (event.ip_address, event.path) == ("192.0.2.44", "/accounts/login/")


def test_an_address_that_is_not_an_ip_is_left_out_rather_than_failing(cast):
    request = RequestFactory().post("/accounts/login/", REMOTE_ADDR="unix:/run/gunicorn.sock")
    authenticate(request, username="sam", password="not it")
    assert AuditEvent.objects.get(action=AuditEvent.Action.LOGIN_FAILED).ip_address is None


def test_sign_out_is_recorded_with_the_address(cast):
    client = Client()
    sign_in(client, "sam", PASSWORD)
    client.post(reverse("logout"), REMOTE_ADDR="198.51.100.8")
    event = AuditEvent.objects.get(action=AuditEvent.Action.LOGOUT)
    assert (event.user, event.ip_address) == (cast.supervisor.user, "198.51.100.8")


def test_tries_during_a_lockout_are_recorded_as_refused(cast, settings):
    client = Client()
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "sam", "wrong password")
    sign_in(client, "sam", PASSWORD)  # the right password, but locked out
    failures = list(AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_FAILED).order_by("seq"))
    assert len(failures) == settings.AXES_FAILURE_LIMIT + 1
    assert "locked out" in failures[-1].note
    assert "locked out" not in failures[0].note
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN).exists()
