"""The browser tests' guards really catch what they are for (otherwise every page would pass them)."""

import pytest
from playwright.sync_api import Page

from port.core.tests.browser.conftest import Guard

pytestmark = pytest.mark.browser


def test_requests_to_other_hosts_are_blocked_and_console_errors_recorded(page: Page, guard: Guard):
    page.goto("/accounts/login/")
    page.evaluate("""() => {
        const image = document.createElement('img');
        image.src = 'https://example.org/tracker.png';
        document.body.append(image);
        console.error('something broke');
        return new Promise(resolve => { image.onerror = resolve; });
    }""")
    assert guard.third_party_requests == ["https://example.org/tracker.png"]
    assert any("something broke" in error for error in guard.console_errors)
    # Blocked as intended: nothing left for the teardown check to fail on.
    guard.third_party_requests.clear()
    guard.console_errors.clear()
