"""Safe redirects: a `next` to sign in with names no one, and a `next` followed afterwards stays on this site."""

import pytest
from django.test import RequestFactory

from port.core.redirects import return_path, safe_next

rf = RequestFactory()


@pytest.mark.parametrize("target", ["/referrals/?page=2", "/participants/5f2c/#timeline", "/security/two-factor/"])
def test_a_path_on_this_site_is_followed(target):
    assert safe_next(rf.post("/x/", {"next": target}), "/home/") == target
    assert safe_next(rf.get("/x/", {"next": target}), "/home/") == target


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/path", "http://testserver/", "javascript:alert(1)", ""]
)
def test_anything_else_goes_to_the_default(target):
    request = rf.get("/x/", {"next": target}, secure=True)
    assert safe_next(request, "/home/") == "/home/"


def test_the_posted_next_wins_over_the_query():
    request = rf.post("/x/?next=/from-query/", {"next": "/from-form/"})
    assert safe_next(request, "/home/") == "/from-form/"


def test_the_path_to_come_back_to_keeps_only_parameters_that_name_no_one():
    request = rf.get("/referrals/", {"status": "received", "q": "Marisol", "page": "2", "name": "x"})
    assert return_path(request) == "/referrals/?status=received&page=2"
    assert return_path(rf.get("/referrals/", {"q": "Marisol"})) == "/referrals/"
