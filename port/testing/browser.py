"""For the browser tests (port/core/tests/browser): viewports, the guard that records what went wrong in
a page besides the test's own assertions, signing in and out through the form, and the checks for
sideways scrolling and WCAG 2.1 A/AA (axe-core)."""

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import BrowserContext, ConsoleMessage, Page, Response, Route, ViewportSize

from port.accounts.models import Membership
from port.testing.factories import PASSWORD

PHONE: ViewportSize = {"width": 360, "height": 740}


DESKTOP: ViewportSize = {"width": 1280, "height": 900}


LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


# Matched by the browser side, so requests to the live server are never held up by a round trip to
# Python; everything else is checked again in the handler, recorded and aborted.
NOT_THIS_MACHINE = re.compile(r"^(?!https?://(localhost|127\.0\.0\.1|\[::1\])(:\d+)?/)")


WCAG_21_AA = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}


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


def guard_context(context: BrowserContext, guard: Guard) -> None:
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


def sign_in(page: Page, membership: Membership) -> None:
    """Sign in through the login form, as a person would."""
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(membership.user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert "/accounts/login/" not in page.url, f"{membership.user.username} could not sign in"


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()


def assert_no_sideways_scroll(page: Page) -> None:
    """Nothing is wider than the viewport, so a phone never has to scroll sideways."""
    viewport = page.viewport_size
    assert viewport is not None  # every browser context here is opened with a viewport
    width = viewport["width"]
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
