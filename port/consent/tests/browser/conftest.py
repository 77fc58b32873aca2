"""The project's browser fixtures (port/core/tests/browser/conftest.py): Debian's Chromium, guarded pages."""

from port.core.tests.browser.conftest import browser, guard, new_page, page, start_session  # noqa: F401
