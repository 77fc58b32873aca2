"""The view decorators: team_only lets the program's team in, everyone else gets 403, nobody signed in signs in."""

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import RequestFactory

from port.accounts.access import team_only
from port.accounts.models import Membership, User
from port.accounts.roles import TEAM_ROLES, Role


@team_only
def view(request: Any) -> HttpResponse:
    return HttpResponse("ok")


def request_as(role: str | None) -> Any:
    request: Any = RequestFactory().get("/participants/", {"q": "Marisol", "page": "2"})
    request.user = User(username="someone") if role else AnonymousUser()
    request.membership = Membership(role=role) if role else None
    return request


@pytest.mark.parametrize("role", sorted(TEAM_ROLES))
def test_the_team_may_use_a_team_only_view(role):
    response: Any = view(request_as(role))
    assert response.content == b"ok"


@pytest.mark.parametrize("role", sorted(set(Role.values) - TEAM_ROLES))
def test_everyone_else_is_refused(role):
    with pytest.raises(PermissionDenied):
        view(request_as(role))


def test_nobody_signed_in_is_sent_to_sign_in_with_a_next_that_names_no_one():
    response = view(request_as(None))
    assert response.status_code == 302
    assert response["Location"].endswith("?next=/participants/%3Fpage%3D2")
