"""The browser fixtures and guards of port/core/tests/browser (Debian's Chromium, no third-party requests,
no console errors, axe-core), for the outreach pages."""

from port.core.tests.browser.conftest import *  # noqa: F403
