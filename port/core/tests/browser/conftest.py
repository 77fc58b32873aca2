"""Shared fixtures for the browser tests: Debian's Chromium driven by Playwright against pytest-django's
live server, with guards that fail a test on any request to another host, on console errors and on
server errors, and an axe-core check for WCAG 2.1 A/AA.

All browser tests live in this one folder, so one Chromium serves the whole run (a second session-scoped
Playwright in the same thread would fail). Run them with `.venv/bin/pytest port/core/tests/browser -q`
(marked `browser`). Never run
`playwright install`: the tests use the system's /usr/bin/chromium.
"""

import os
import shutil
from collections.abc import Callable, Iterator

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, sync_playwright

from port.accounts.models import Membership
from port.testing.browser import PHONE, Guard, assert_accessible, guard_context, sign_in, sign_out
from port.testing.supplies import Stock, stock_build

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


@pytest.fixture
def stock(cast) -> Stock:
    """The outreach pages' stock: the seeded items and office, a bag for each peer."""
    return stock_build(cast)


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

    def open_page(viewport: ViewportSize = PHONE) -> Page:
        phone = viewport["width"] < 640
        context = browser.new_context(
            viewport=viewport, is_mobile=phone, has_touch=phone, base_url=live_server.url, locale="en-US"
        )
        context.set_default_timeout(TIMEOUT_MS)
        guard_context(context, guard)
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


@pytest.fixture
def log_in() -> Callable[[Page, Membership], None]:
    return sign_in


@pytest.fixture
def log_out() -> Callable[[Page], None]:
    return sign_out


@pytest.fixture
def axe_check() -> Callable[..., None]:
    return assert_accessible
