"""A failed submit on a phone lands on the error summary, not at the top of a long page."""

import pytest
from django.core.cache import cache
from django.urls import reverse
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def test_on_a_phone_a_failed_submit_focuses_the_error_summary_and_shows_it(page: Page, cast):
    cache.clear()  # the public page's rate limits are counted in the shared cache
    page.goto(reverse("public:help", kwargs={"program_slug": cast.program.slug}))
    page.get_by_role("radio", name="I am asking for myself").check()
    page.get_by_label("First name").fill("Robin")
    page.get_by_role("button", name="Ask for a call").click()  # no phone and no place: refused
    page.wait_for_load_state()

    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Some answers need to be corrected")
    top, bottom, height = page.evaluate("""() => {
        const box = document.getElementById('error-summary').getBoundingClientRect();
        return [box.top, box.bottom, window.innerHeight];
    }""")
    assert page.viewport_size is not None and page.viewport_size["width"] == 360
    assert 0 <= top < height and bottom <= height, (top, bottom, height)
    assert page.evaluate("window.scrollY") > 0  # it was below the fold: the page moved to it
    assert page.get_by_label("First name").input_value() == "Robin"  # what was typed is kept
