"""Shared fixtures for the browser tests: Debian's Chromium driven by Playwright against pytest-django's
live server, with guards that fail a test on any request to another host, on console errors and on
server errors, and an axe-core check for WCAG 2.1 A/AA.

All browser tests live in this one folder, so one Chromium serves the whole run (a second session-scoped
Playwright in the same thread would fail). Run them with `.venv/bin/pytest port/core/tests/browser -q`
(marked `browser`). Never run
`playwright install`: the tests use the system's /usr/bin/chromium.
"""

import os
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Response, Route, sync_playwright

from port.accounts.models import Membership
from port.conftest import PASSWORD
from port.outreach.tests.conftest import stock  # noqa: F401 (the outreach pages' stock fixture)

# Playwright's sync API runs an event loop in the test's thread; Django would otherwise refuse to touch
# the database from it ("You cannot call this from an async context"). Set for the whole run, not per
# test: the session-scoped browser keeps that loop until the end, under the tests collected after these.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}
# Matched by the browser side, so requests to the live server are never held up by a round trip to
# Python; everything else is checked again in the handler, recorded and aborted.
NOT_THIS_MACHINE = re.compile(r"^(?!https?://(localhost|127\.0\.0\.1|\[::1\])(:\d+)?/)")
WCAG_21_AA = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
# Short waits: everything is served from this machine, so a slow answer is itself a failure.
TIMEOUT_MS = 10_000


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (never `playwright install`)")
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
    finally:
        playwright.stop()


@dataclass
class Guard:
    """What went wrong in a test's pages besides its own assertions."""

    third_party_requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    server_errors: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        return (
            [f"request to another host: {url}" for url in self.third_party_requests]
            + [f"console error: {text}" for text in self.console_errors]
            + [f"server error: {text}" for text in self.server_errors]
        )


def _guard(context: BrowserContext, guard: Guard) -> None:
    def route(route: Route) -> None:
        url = route.request.url
        if urlsplit(url).scheme in {"http", "https", "ws", "wss"} and urlsplit(url).hostname not in LOCAL_HOSTS:
            guard.third_party_requests.append(url)
            route.abort()
        else:
            route.continue_()

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            guard.console_errors.append(f"{message.text} ({message.location.get('url', '')})")

    def response(answer: Response) -> None:
        if answer.status >= 500:
            guard.server_errors.append(f"{answer.status} {answer.request.method} {answer.url}")

    context.route(NOT_THIS_MACHINE, route)
    context.on("console", console)
    context.on("weberror", lambda error: guard.console_errors.append(f"uncaught: {error.error}"))
    context.on("response", response)


@pytest.fixture
def guard() -> Guard:
    return Guard()


@pytest.fixture
def new_page(browser: Browser, live_server, transactional_db, guard: Guard) -> Iterator[Callable[..., Page]]:
    """Open a page in a fresh context (no cookies) at a viewport: `new_page()` is a phone, 360 x 740
    with touch; `new_page(DESKTOP)` a desktop. Every page is guarded; the test fails at teardown if
    any of its pages asked another host for anything, logged a console error or got a 5xx answer.

    `transactional_db`: the live server runs in another thread, so data must be committed to be seen.
    """
    contexts: list[BrowserContext] = []

    def open_page(viewport: dict = PHONE) -> Page:
        phone = viewport["width"] < 640
        context = browser.new_context(
            viewport=viewport, is_mobile=phone, has_touch=phone, base_url=live_server.url, locale="en-US"
        )
        context.set_default_timeout(TIMEOUT_MS)
        _guard(context, guard)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()
    problems = guard.problems()
    assert not problems, "\n".join(problems)


@pytest.fixture
def page(new_page) -> Page:
    """A phone-sized page (360 x 740, touch)."""
    return new_page()


def sign_in(page: Page, membership: Membership) -> None:
    """Sign in through the login form, as a person would."""
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(membership.user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert "/accounts/login/" not in page.url, f"{membership.user.username} could not sign in"


@pytest.fixture
def start_session(live_server) -> Callable[[Page, Membership], None]:
    """Sign in without the form, for tests about what comes after it (the form has its own test): a
    session made by Django's test client, handed to the browser as its cookie."""

    def start(page: Page, membership: Membership) -> None:
        client = Client()
        client.force_login(membership.user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])

    return start


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()


@pytest.fixture
def log_in() -> Callable[[Page, Membership], None]:
    return sign_in


@pytest.fixture
def log_out() -> Callable[[Page], None]:
    return sign_out


def assert_no_sideways_scroll(page: Page) -> None:
    """Nothing is wider than the viewport, so a phone never has to scroll sideways."""
    width = page.viewport_size["width"]
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    if scroll_width > width:
        culprits = page.evaluate(
            """(width) => [...document.querySelectorAll('body *')]
            .filter(el => el.getBoundingClientRect().right > width + 0.5)
            .slice(0, 5).map(el => el.outerHTML.slice(0, 120))""",
            width,
        )
        pytest.fail(f"{page.url} is {scroll_width}px wide at a {width}px viewport; too wide: {culprits}")


def assert_accessible(page: Page, *, exclude: list[str] | None = None) -> None:
    """axe-core with the WCAG 2.0/2.1 A and AA rules; zero violations. `exclude`: CSS selectors of
    parts that are not ours (say why at the call)."""
    context = {"exclude": [[selector] for selector in exclude]} if exclude else None
    results = Axe().run(page, context=context, options=WCAG_21_AA)
    assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"


@pytest.fixture
def axe_check() -> Callable[..., None]:
    return assert_accessible
