"""Every main page of the foundation meets WCAG 2.1 AA (axe-core) on a 360 px phone and on a desktop,
and never makes a phone scroll sideways. The guards in conftest.py also fail any page that asks
another host for anything or logs a console error."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.utils import timezone
from playwright.sync_api import Page, Response, expect

from port.participants.models import MatchCandidate
from port.referrals.models import Referral
from port.referrals.services import referral_assign
from port.testing.browser import DESKTOP, PHONE, assert_accessible, assert_no_sideways_scroll
from port.testing.cast import Cast
from port.testing.factories import submit_referral

pytestmark = pytest.mark.browser

DOB = dt.date(1988, 4, 12)


@dataclass
class Records:
    referral: Referral
    duplicate: MatchCandidate


@pytest.fixture
def records(cast: Cast) -> Records:
    """A queue with rows in several states, and a likely duplicate waiting for review."""
    now = timezone.now()
    referral = submit_referral(
        cast.program,
        agency=cast.ed,
        by=cast.partner,
        acuity="high",
        first_name="Maria",
        last_name="Gonzalez",
        date_of_birth=DOB,
        phone="412-555-0100",
        location_notes="Shelter on 5th Street, evenings",
    )
    submit_referral(
        cast.program,
        agency=cast.two_one_one,
        acuity="standard",
        source="211",
        received_at=now - dt.timedelta(days=4),
        first_name="Olive",
        last_name="Overdue",
        phone="412-555-0101",
    )
    assigned = submit_referral(
        cast.program,
        acuity="elevated",
        received_at=now - dt.timedelta(hours=40),
        first_name="Dana",
        last_name="Duesoon",
        phone="412-555-0102",
    )
    referral_assign(referral=assigned, assignee=cast.peer, by=cast.supervisor)
    # Similar name, same birth date, another phone: intake links nothing and asks a person.
    submit_referral(
        cast.program,
        agency=cast.ed,
        by=cast.partner,
        first_name="Marai",
        last_name="Gonzalez",
        date_of_birth=DOB,
        phone="412-555-0199",
    )
    return Records(referral=referral, duplicate=MatchCandidate.objects.get(status=MatchCandidate.Status.PENDING))


def _new_referral_with_errors(page: Page) -> None:
    page.goto("/referrals/new/")
    page.get_by_role("button", name="Send referral").click()
    expect(page.locator(".field-error").first).to_be_visible()


def _api_docs(page: Page, records: Records) -> None:
    page.goto("/api/v1/docs")
    # Swagger UI draws the page from the OpenAPI document after loading.
    expect(page.get_by_role("heading", name="PORT referral API")).to_be_visible()


@dataclass
class Screen:
    who: str | None  # the cast member signed in, or None for nobody
    open: Callable[[Page, Records], None]
    exclude: tuple[str, ...] = ()
    marks: tuple = ()


def _goto(path: str | Callable[[Records], str]) -> Callable[[Page, Records], None]:
    def open_(page: Page, records: Records) -> None:
        page.goto(path(records) if callable(path) else path)

    return open_


SCREENS = {
    "login": Screen(None, _goto("/accounts/login/")),
    "ask for help": Screen(None, _goto("/help/riverside/")),
    "new referral with errors": Screen("supervisor", lambda page, records: _new_referral_with_errors(page)),
    "queue": Screen("supervisor", _goto("/referrals/")),
    "referral": Screen("supervisor", _goto(lambda r: f"/referrals/{r.referral.public_id}/")),
    "participant": Screen("supervisor", _goto(lambda r: f"/participants/{r.referral.participant.public_id}/")),
    "refer to a service": Screen(
        "supervisor", _goto(lambda r: f"/participants/{r.referral.participant.public_id}/refer/")
    ),
    "tasks": Screen("supervisor", _goto("/tasks/")),
    "possible duplicates": Screen("supervisor", _goto("/participants/review/")),
    "duplicate review": Screen("supervisor", _goto(lambda r: f"/participants/review/{r.duplicate.pk}/")),
    "csv upload": Screen("partner", _goto("/referrals/import/")),
    "sent referrals": Screen("partner", _goto("/referrals/sent/")),
    # Swagger UI's own markup is not ours (its colours, its nested buttons): its container is left out
    # of the axe run. The page around it is served by us and still counts, as do the guards.
    "api docs": Screen(None, _api_docs, exclude=("#swagger-ui",)),
}


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
@pytest.mark.parametrize(
    "screen", [pytest.param(screen, id=name, marks=screen.marks) for name, screen in SCREENS.items()]
)
def test_the_page_meets_wcag_21_aa_and_fits_the_screen(
    new_page, start_session, cast: Cast, records: Records, screen: Screen, viewport: dict
) -> None:
    page = new_page(viewport)
    if screen.who:
        start_session(page, getattr(cast, screen.who))
    statuses: list[int] = []

    def note_status(response: Response) -> None:
        if response.request.is_navigation_request():
            statuses.append(response.status)

    page.on("response", note_status)
    screen.open(page, records)
    # Every page answered itself: no redirect (to the login page, say) and no error page.
    assert statuses and set(statuses) == {200}, statuses
    assert_accessible(page, exclude=list(screen.exclude))
    assert_no_sideways_scroll(page)
