"""Addresses that match nothing, or name a record that does not exist, answer 404 with the normal
page (JSON under /api/), never a server error; the site has a favicon."""

import json
import re
import uuid

import pytest
from django.contrib.staticfiles import finders
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver

UNMATCHED_PAGES = ["/nope", "/participants/123/", "/referrals/not-a-uuid/", "/favicon.ico/nope"]
UNMATCHED_API = ["/api/v1/nope", "/api/v1/referrals/not-a-uuid/extra"]
CALLERS = ["peer", "partner", "anonymous"]


def _client(cast, who: str) -> Client:
    if who == "anonymous":
        return Client()
    return cast.verified_client_for(getattr(cast, who))


@pytest.mark.parametrize("who", CALLERS)
@pytest.mark.parametrize("url", UNMATCHED_PAGES)
def test_an_address_that_matches_nothing_answers_the_normal_not_found_page(cast, who, url):
    response = _client(cast, who).get(url)

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "Page not found" in page
    assert 'class="site-header"' in page  # the normal layout, not a bare error
    if who != "anonymous":
        assert 'class="site-nav"' in page  # with the member's navigation


@pytest.mark.parametrize("who", CALLERS)
@pytest.mark.parametrize("url", UNMATCHED_API)
def test_an_api_address_that_matches_nothing_answers_json_not_found(cast, who, url):
    response = _client(cast, who).get(url)

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert json.loads(response.content) == {"detail": "Not found.", "errors": {}}


@pytest.mark.parametrize("who", CALLERS)
def test_the_favicon_answers_every_caller(cast, who):
    response = _client(cast, who).get("/favicon.ico")

    assert response.status_code in (301, 302)
    assert response["Location"].endswith("/static/core/favicon.ico")
    assert finders.find("core/favicon.ico") is not None


def test_every_page_links_the_favicon(cast):
    page = _client(cast, "anonymous").get("/accounts/login/").content.decode()

    assert 'rel="icon"' in page
    assert "core/favicon.svg" in page
    assert finders.find("core/favicon.svg") is not None


def test_a_server_error_under_the_api_answers_json():
    from port.core.views import server_error

    response = server_error(RequestFactory().get("/api/v1/referrals"))

    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    assert set(json.loads(response.content)) == {"detail", "errors"}


def test_a_server_error_on_a_page_answers_the_error_page():
    from port.core.views import server_error

    response = server_error(RequestFactory().get("/referrals/queue/"))

    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()


# ---- every route with an id or a slug, given one that names nothing ----

UNKNOWN = {
    "int": "99999999999999999999",
    "uuid": str(uuid.UUID(int=7)),
    "slug": "no-such-thing",
    "str": "no-such-thing",
}


def _routes(patterns, prefix: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            if "<" in route and not route.startswith("admin/"):
                yield route


def _with_unknown_ids(route: str) -> str:
    return "/" + re.sub(r"<(\w+):\w+>", lambda m: UNKNOWN.get(m[1], "x"), route)


ROUTES_WITH_IDS = sorted({_with_unknown_ids(route) for route in _routes(get_resolver().url_patterns)})


@pytest.mark.parametrize("url", ROUTES_WITH_IDS)
def test_an_id_or_slug_that_names_nothing_never_answers_a_server_error(cast, url):
    client = cast.verified_client_for(cast.supervisor)
    client.raise_request_exception = False

    get, post = client.get(url), client.post(url)

    assert get.status_code < 500, url
    assert post.status_code < 500, url
