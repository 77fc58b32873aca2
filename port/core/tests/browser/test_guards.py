"""The browser tests' guards really catch what they are for (otherwise every page would pass them)."""

import pytest
from playwright.sync_api import Page

from port.testing.browser import Guard

pytestmark = pytest.mark.browser

TRACKER = "https://example.org/tracker.png"
ADD_TRACKER = f"""() => {{
    const image = document.createElement('img');
    image.src = '{TRACKER}';
    document.body.append(image);
    console.error('something broke');
    return new Promise(resolve => {{ image.onerror = resolve; }});
}}"""


def test_our_pages_content_security_policy_stops_a_third_party_image_before_it_is_requested(page: Page, guard: Guard):
    page.goto("/accounts/login/")
    page.evaluate(ADD_TRACKER)
    assert guard.third_party_requests == []
    assert any("Content Security Policy" in error for error in guard.console_errors)
    assert any("something broke" in error for error in guard.console_errors)
    guard.console_errors.clear()


def test_the_guard_records_and_blocks_a_request_to_another_host(page: Page, guard: Guard):
    # A page without our Content-Security-Policy, so only the guard stands in the way.
    page.goto("about:blank")
    page.set_content("<!doctype html><html lang='en'><body></body></html>")
    page.evaluate(ADD_TRACKER)
    assert guard.third_party_requests == [TRACKER]
    assert any("something broke" in error for error in guard.console_errors)
    # Blocked as intended: nothing left for the teardown check to fail on.
    guard.third_party_requests.clear()
    guard.console_errors.clear()
