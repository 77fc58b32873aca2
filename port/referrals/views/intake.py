"""Intake by hand: the staff referral form, a partner's list of the referrals it sent, and the public
"ask for help" page. Each only parses the form and calls the intake service."""

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods
from django_ratelimit.core import get_usage

from port.accounts.access import membership_required
from port.accounts.http import MemberRequest
from port.accounts.models import Program
from port.accounts.roles import PARTNER_ROLES, REFERRING_ROLES
from port.core.pagination import page_of
from port.referrals.forms import HelpRequestForm, ReferralForm, least_urgent_level, window_phrase
from port.referrals.intake import IntakeRejected, IntakeResult, referral_intake
from port.referrals.models import Channel, Referral, Status
from port.referrals.selectors import audit_list_read, referrals_sent

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

SENT_PAGE_SIZE = 25


def _deadline_text(referral: Referral) -> str:
    local = timezone.localtime(referral.contact_deadline, referral.program.zone)
    return f"{formats.date_format(local, 'DATETIME_FORMAT')} ({local.tzname()})"


@membership_required(REFERRING_ROLES)
@require_http_methods(["GET", "POST"])
def referral_new(request: MemberRequest) -> HttpResponse:
    membership = request.membership
    program = membership.program
    form = ReferralForm(request.POST if request.method == "POST" else None, program=program, membership=membership)
    if request.method == "POST":
        if not form.is_valid():
            form.add_intake_checks(program)
        else:
            try:
                result = referral_intake(
                    program=program,
                    submission=form.to_submission(),
                    channel=Channel.STAFF_FORM,
                    agency=membership.agency,
                    submitted_by=membership,
                )
            except IntakeRejected as rejected:
                form.add_intake_errors(rejected.errors)
            else:
                return _after_sending(request, result)
    return render(
        request,
        "referrals/new.html",
        {
            "form": form,
            "open_sections": form.open_sections(),
            "nav_active": "new",
        },
    )


def _after_sending(request: MemberRequest, result: IntakeResult) -> HttpResponse:
    referral = result.referral
    deadline = _deadline_text(referral)
    if result.created:
        messages.success(
            request, _("Referral sent. The team will try to reach the person by %(deadline)s.") % {"deadline": deadline}
        )
    else:
        messages.warning(
            request,
            _(
                "A referral with your reference number %(ref)s was already sent; it was "
                "not sent again. The team will try to reach the person by %(deadline)s."
            )
            % {"ref": referral.external_id, "deadline": deadline},
        )
    if request.membership.role in PARTNER_ROLES:
        # Partners learn the deadline, never whether the person was already known to the team.
        return redirect("referrals:sent")
    if result.match == "likely":
        messages.warning(
            request,
            _("This person may already have a record. The possible duplicate is waiting under Possible duplicates."),
        )
    elif result.match == "exact" and result.created:
        messages.info(request, _("Linked to this person's existing record."))
    return redirect("referrals:detail", public_id=referral.public_id)


@dataclass
class SentRow:
    """One line of a partner's sent list: only what the partner may know."""

    received_at: dt.datetime
    external_id: str
    person: str
    status: str
    status_label: "StrOrPromise"


def _first_name_and_initial(submitted: dict) -> str:
    # What the partner's own agency sent, not the team's record, which other referrals may have filled.
    first = (submitted.get("first_name") or submitted.get("preferred_name") or "").strip()
    last = (submitted.get("last_name") or "").strip()
    if first and last:
        return f"{first} {last[0].upper()}."
    return first or (f"{last[0].upper()}." if last else "")


@membership_required(PARTNER_ROLES)
@require_GET
def sent(request: MemberRequest) -> HttpResponse:
    membership = request.membership
    page = page_of(request, referrals_sent(viewer=membership), SENT_PAGE_SIZE)
    referrals = list(page.object_list)
    audit_list_read(viewer=membership, referrals=referrals, note="sent referrals")
    rows = [
        SentRow(
            received_at=r.received_at,
            external_id=r.external_id,
            person=_first_name_and_initial(r.submitted_participant),
            status=r.status,
            status_label=Status(r.status).label,
        )
        for r in referrals
    ]
    return render(
        request,
        "referrals/sent.html",
        {
            "page": page,
            "rows": rows,
            "statuses": Status,
            "nav_active": "sent",
        },
    )


@require_GET
def ask_for_help_index(request: HttpRequest) -> HttpResponse:
    programs = list(Program.objects.order_by("name"))
    if len(programs) == 1:
        return redirect("public:help", program_slug=programs[0].slug)
    return render(request, "referrals/help_index.html", {"programs": programs})


# Two limits per address, counted in the shared cache: accepted requests (a family member who mistypes a
# phone number four times must still get through), and every try, set higher, so a flood is stopped
# before it reaches the form's checks.
_ACCEPTED_GROUP = "public_help.accepted"
_TRIES_GROUP = "public_help.tries"


def _public_help_usage(request: HttpRequest, *, group: str, rate_setting: str, increment: bool) -> dict | None:
    # The rate is read at each request, so it can be changed without restarting (and in tests).
    return get_usage(
        request,
        group=group,
        key="ip",
        rate=lambda group, request: getattr(settings, rate_setting),
        method="POST",
        increment=increment,
    )


def _public_help_refusal(request: HttpRequest) -> int | None:
    """Seconds until this address may send again, or None when it may send now. Counts this try."""
    tries = _public_help_usage(request, group=_TRIES_GROUP, rate_setting="PUBLIC_HELP_ATTEMPT_RATE", increment=True)
    if tries and tries["should_limit"]:
        return max(tries["time_left"], 1)
    accepted = _public_help_usage(request, group=_ACCEPTED_GROUP, rate_setting="PUBLIC_HELP_RATE", increment=False)
    if accepted and accepted["count"] >= accepted["limit"]:
        return max(accepted["time_left"], 1)
    return None


def _public_help_accepted(request: HttpRequest) -> None:
    _public_help_usage(request, group=_ACCEPTED_GROUP, rate_setting="PUBLIC_HELP_RATE", increment=True)


def _next_steps(program: Program) -> dict:
    level = least_urgent_level(program)
    when = _("within %(window)s") % {"window": window_phrase(level.window_hours)} if level else _("soon")
    return {"program": program, "when": when}


@require_http_methods(["GET", "POST"])
def ask_for_help(request: HttpRequest, program_slug: str) -> HttpResponse:
    program = get_object_or_404(Program, slug=program_slug)
    form = HelpRequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        wait_seconds = _public_help_refusal(request)
        if wait_seconds is not None:
            # The form comes back as it was typed, unchecked, so nothing is lost and nothing is blamed on it.
            minutes = -(-wait_seconds // 60)
            return render(
                request,
                "referrals/help.html",
                {
                    "form": HelpRequestForm(initial=request.POST.dict()),
                    "refused": ngettext(
                        "Too many requests were sent from this connection. You can try again in "
                        "about %(minutes)d minute.",
                        "Too many requests were sent from this connection. You can try again in "
                        "about %(minutes)d minutes.",
                        minutes,
                    )
                    % {"minutes": minutes},
                    **_next_steps(program),
                },
                status=429,
            )
        if form.is_from_a_bot:
            # Answer exactly as for a person, so the bot learns nothing; nothing is saved.
            _public_help_accepted(request)
            return redirect("public:help_thanks", program_slug=program.slug)
        if not form.is_valid():
            form.add_intake_checks(program)
        else:
            try:
                referral_intake(
                    program=program,
                    submission=form.to_submission(),
                    channel=Channel.PUBLIC_FORM,
                    agency=None,
                    submitted_by=None,
                )
            except IntakeRejected as rejected:
                form.add_intake_errors(rejected.errors)
            else:
                _public_help_accepted(request)
                return redirect("public:help_thanks", program_slug=program.slug)
    return render(request, "referrals/help.html", {"form": form, **_next_steps(program)})


@require_GET
def ask_for_help_thanks(request: HttpRequest, program_slug: str) -> HttpResponse:
    program = get_object_or_404(Program, slug=program_slug)
    return render(request, "referrals/help_thanks.html", _next_steps(program))
