"""On a phone: a peer records a consent the person signs on the screen, prints it in Spanish, refers the person to
the provider it names, and the provider sees only what was shared. Every page passes axe (WCAG 2.1 AA)
and fits 360 px."""

import re

import pytest
from playwright.sync_api import Page, expect

from port.consent.models import Consent, Disclosure
from port.testing.browser import DESKTOP, assert_accessible, assert_no_sideways_scroll
from port.testing.cast import Cast
from port.testing.factories import submit_referral

pytestmark = pytest.mark.browser


def _usable_on_a_phone(page: Page) -> None:
    assert_accessible(page)
    assert_no_sideways_scroll(page)


def sign_on_the_pad(page: Page) -> None:
    pad = page.locator("canvas.signature-canvas")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    assert box is not None  # the pad is on the page and visible
    page.mouse.move(box["x"] + 20, box["y"] + box["height"] * 0.7)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(box["x"] + 20 + step * 18, box["y"] + box["height"] * (0.7 - 0.04 * (step % 4)))
    page.mouse.up()


def test_a_peer_records_a_signed_consent_and_shares_under_it(new_page, start_session, cast: Cast) -> None:
    participant = submit_referral(
        cast.program, agency=cast.ed, by=cast.partner, first_name="Dana", last_name="Whitfield", phone="412-555-0142"
    ).participant
    page = new_page()
    start_session(page, cast.peer)
    page.goto(f"/participants/{participant.public_id}/")
    card = page.get_by_role("region", name="Consents and sharing")
    card.get_by_role("link", name="Record a consent").click()
    _usable_on_a_phone(page)
    page.get_by_role("link", name=re.compile(r"^Record, form in English.*Disclosure to a named recipient")).click()

    # An empty pad cannot be submitted as a drawn signature: the page says so and keeps what was typed.
    what = page.get_by_role("group", name=re.compile("^What information"))
    what.get_by_label("Name and date of birth").check()
    what.get_by_label("That a referral was made and its status").check()
    page.get_by_role("textbox", name=re.compile("^The information, described specifically")).fill(
        "Name, date of birth and whether the team reached Dana after the overdose"
    )
    page.get_by_role("combobox", name=re.compile(r"^To whom \(an organization")).select_option(
        label="Riverside Recovery Clinic (Treatment provider)"
    )
    page.get_by_role("textbox", name=re.compile("^Purpose")).fill("To arrange an intake appointment")
    page.get_by_role("textbox", name=re.compile("^Or expires when")).fill("When I finish treatment at the clinic")
    page.get_by_role("radio", name="Signed on the screen").check()
    page.get_by_role("button", name="Record the consent").click()
    expect(page.locator(".field-error").first).to_contain_text("The signature pad is empty")
    expect(page.get_by_role("textbox", name=re.compile("^Purpose"))).to_have_value("To arrange an intake appointment")
    _usable_on_a_phone(page)

    # Verbal consent hides the pad; back to the screen signature, drawn with a finger.
    page.get_by_role("radio", name="Verbal consent, witnessed").check()
    expect(page.locator("canvas.signature-canvas")).to_be_hidden()
    page.get_by_role("radio", name="Signed on the screen").check()
    sign_on_the_pad(page)
    expect(page.locator("[data-signature-status]")).to_have_text("Signature captured.")
    assert page.locator("#id_signature_image").input_value().startswith("data:image/png;base64,")
    page.get_by_role("button", name="Record the consent").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Dana Whitfield")
    expect(page.get_by_text("The consent is recorded.")).to_be_visible()
    consent = Consent.objects.get()
    assert consent.signature_image.startswith("data:image/png;base64,") and consent.recipient_agency == cast.treatment
    signature = page.get_by_role("img", name="The signature drawn on the screen")
    expect(signature).to_be_visible()
    assert signature.evaluate("img => img.naturalWidth") > 0
    _usable_on_a_phone(page)

    # The same consent printed in Spanish.
    page.get_by_role("link", name="Print in Spanish").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Consentimiento para divulgar")
    _usable_on_a_phone(page)

    # Refer to the clinic it names; the printable disclosure carries the notice.
    page.goto(f"/participants/{participant.public_id}/refer/")
    page.get_by_role("combobox", name=re.compile("^Organization")).select_option(
        label="Riverside Recovery Clinic (Treatment provider)"
    )
    page.get_by_role("combobox", name=re.compile("^What it is for")).select_option(label="— Buprenorphine")
    page.get_by_label("Accompanied in person").check()
    page.get_by_role("group", name=re.compile("^What to share")).get_by_label("Name and date of birth").check()
    page.get_by_role("textbox", name=re.compile("^Purpose")).fill("Warm hand-off for intake")
    _usable_on_a_phone(page)
    page.get_by_role("button", name="Refer").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Dana")
    _usable_on_a_phone(page)
    page.get_by_role("link", name="Printable disclosure with the federal notice").click()
    expect(page.get_by_role("region", name="Notice to the recipient (42 CFR 2.32)")).to_contain_text(
        "protected by federal confidentiality rules"
    )
    _usable_on_a_phone(page)
    assert Disclosure.objects.filter(channel=Disclosure.Channel.HANDOFF).count() == 1

    # The provider sees the hand-off, and of the person only their name and date of birth.
    provider = new_page(DESKTOP)
    start_session(provider, cast.provider)
    provider.goto("/")
    expect(provider.get_by_role("heading", level=1)).to_have_text("Shared with you")
    assert_accessible(provider)
    provider.get_by_role("link", name="Dana Whitfield").click()
    expect(provider.get_by_role("heading", level=1)).to_have_text("Dana Whitfield")
    assert_accessible(provider)
    provider.get_by_role("link", name="What the team shared about the person").click()
    expect(provider.get_by_role("region", name="The information shared")).to_contain_text("Name and date of birth")
    expect(provider.get_by_text(re.compile("555-0142"))).to_have_count(0)
    assert_accessible(provider)
    assert Disclosure.objects.filter(channel=Disclosure.Channel.PROVIDER_VIEW).count() == 2
