"""The supervisor's queue, a peer's own queue, the referral page, and assigning and moving referrals."""

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from port.accounts.access import membership_required, team_only
from port.accounts.http import MemberRequest
from port.accounts.models import Membership
from port.accounts.roles import SUPERVISING_ROLES, Role
from port.core.names import display_name
from port.core.pagination import page_of
from port.core.redirects import safe_next
from port.outreach.selectors import referral_outreach_summary
from port.participants.normalize import format_phone
from port.referrals.clock import ContactClock, contact_clock
from port.referrals.forms_queue import (
    AssignForm,
    CloseReferralForm,
    QueueFilterForm,
    ReopenReferralForm,
    TransitionForm,
    member_label,
)
from port.referrals.models import ClosingReason, Referral, ReferralChange, Status
from port.referrals.selectors import assignable_members, audit_list_read, referral_get, referral_queue
from port.referrals.services import (
    ALLOWED_TRANSITIONS,
    ReferralChangeRefused,
    referral_assign,
    referral_reopen,
    referral_transition,
    reopen_status,
)
from port.supplies.selectors import inventory_warnings

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

PAGE_SIZE = 50


@dataclass
class QueueRow:
    referral: Referral
    clock: ContactClock
    assignee_options: str = ""


class AssigneeOptions:
    """The assign control's <option>s, rendered once per page: only which one is selected differs per row
    (50 rows x 30 people rendered through the template took most of the page's time)."""

    def __init__(self, members: list[Membership]) -> None:
        self._options = [(member.pk, member.user_id, member_label(member)) for member in members]
        self._by_assignee: dict[int | None, str] = {}

    def for_assignee(self, user_id: int | None) -> str:
        if user_id not in self._by_assignee:
            self._by_assignee[user_id] = format_html_join(
                "",
                "{}",
                (
                    (
                        format_html('<option value="{}" selected>{}</option>', pk, label)
                        if member_user == user_id
                        else format_html('<option value="{}">{}</option>', pk, label),
                    )
                    for pk, member_user, label in self._options
                ),
            )
        return self._by_assignee[user_id]


def _members_for(viewer: Membership) -> list[Membership]:
    # Loaded once per page and shared by the filter and every row's assign control.
    return list(assignable_members(viewer=viewer))


def _queue_page(request: MemberRequest, *, mine: bool) -> HttpResponse:
    viewer = request.membership
    now = timezone.now()
    can_assign = viewer.role in SUPERVISING_ROLES
    members = _members_for(viewer) if can_assign else []
    acuity_levels = list(viewer.program.acuity_levels.all())
    form_args: dict[str, Any] = {"acuity_levels": acuity_levels, "members": members, "show_assigned": not mine}

    submitted = QueueFilterForm(request.GET, **form_args)
    submitted.is_valid()
    filters, ignored = submitted.queue_filters()
    for message in ignored:
        messages.warning(request, message)
    # Shown back without error styling: what was ignored simply is not selected.
    filter_form = QueueFilterForm(initial=submitted.valid_values(), **form_args)
    filtering = bool(submitted.valid_values())

    queue = referral_queue(viewer=viewer, filters=filters, mine=mine, now=now)
    page = page_of(request, queue, PAGE_SIZE)
    options = AssigneeOptions(members)
    rows = [
        QueueRow(referral, contact_clock(referral, now), options.for_assignee(referral.assigned_to_id))
        for referral in page.object_list
    ]
    audit_list_read(viewer=viewer, referrals=[row.referral for row in rows], note="my queue" if mine else "queue")
    return render(
        request,
        "referrals/queue.html",
        {
            "nav_active": "my_queue" if mine else "queue",
            "mine": mine,
            "page": page,
            "rows": rows,
            "filter_form": filter_form,
            "filtering": filtering,
            "members": members,
            "can_assign": can_assign,
            "next": request.get_full_path(),
            "time_zone": viewer.program.time_zone,
            "inventory_warnings": inventory_warnings(viewer),
        },
    )


@require_GET
@membership_required(SUPERVISING_ROLES)
def queue(request: MemberRequest) -> HttpResponse:
    """Every open referral of the program, overdue first, then by deadline."""
    return _queue_page(request, mine=False)


@require_GET
@team_only
def my_queue(request: MemberRequest) -> HttpResponse:
    """The open referrals assigned to the person signed in, in the same order."""
    return _queue_page(request, mine=True)


@require_POST
@membership_required(SUPERVISING_ROLES)
def assign(request: MemberRequest, public_id: UUID) -> HttpResponse:
    """Assign or re-assign in one action: htmx gets the row back, a plain form post is redirected."""
    viewer = request.membership
    referral = referral_get(viewer=viewer, public_id=public_id, for_update=True)
    members = _members_for(viewer)
    form = AssignForm(request.POST, members=members)
    error = success = ""
    if form.is_valid():
        assignee = form.cleaned_data["assignee"]
        try:
            referral_assign(referral=referral, assignee=assignee, by=viewer)
        except ReferralChangeRefused as refused:
            error = str(refused)
        else:
            success = _("Assigned to %(name)s.") % {"name": member_label(assignee)}
    else:
        error = " ".join(str(message) for message in form.errors["assignee"])  # str already, as above

    if request.htmx:
        if success:
            # Read back with everything the row shows; the change itself was audited by the service.
            referral = referral_get(viewer=viewer, public_id=public_id, for_update=True)
        else:
            # Nothing changed, but the row is shown again: a read.
            audit_list_read(viewer=viewer, referrals=[referral], note="queue row")
        return render(
            request,
            "referrals/_queue_row.html",
            {
                "row": QueueRow(
                    referral,
                    contact_clock(referral, timezone.now()),
                    AssigneeOptions(members).for_assignee(referral.assigned_to_id),
                ),
                "members": members,
                "can_assign": True,
                "next": safe_next(request, reverse("referrals:queue")),
                "row_error": error,
                "row_success": success,
            },
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, success)
    return redirect(safe_next(request, reverse("referrals:queue")))


@dataclass
class HistoryEntry:
    at: dt.datetime
    who: str
    what: str


def _status_label(value: str) -> "StrOrPromise":
    return Status(value).label if value in Status.values else value


def _history(referral: Referral) -> list[HistoryEntry]:
    """The referral's changes in words: who did what, and when (in the program's time zone)."""
    zone = referral.program.zone
    entries = []
    assignee = None
    for change in referral.changes.select_related("changed_by", "assigned_to"):
        if change.changed_by:
            who = display_name(change.changed_by)
        elif referral.referring_agency:
            who = referral.referring_agency.name
        else:
            who = referral.get_channel_display()
        if change.kind == ReferralChange.Kind.ASSIGNMENT:
            name = str(change.assigned_to) if change.assigned_to else _("nobody")
            if assignee:
                what = _("Re-assigned from %(before)s to %(after)s") % {"before": assignee, "after": name}
            elif change.from_status and change.from_status != change.to_status:
                what = _("Assigned to %(name)s; status %(from)s → %(to)s") % {
                    "name": name,
                    "from": _status_label(change.from_status),
                    "to": _status_label(change.to_status),
                }
            else:
                what = _("Assigned to %(name)s") % {"name": name}
            assignee = name
        elif not change.from_status:
            what = _("Referral received (%(channel)s)") % {"channel": referral.get_channel_display()}
        elif change.from_status == Status.CLOSED:
            what = _("Reopened: status %(from)s → %(to)s. Why: %(why)s") % {
                "from": _status_label(change.from_status),
                "to": _status_label(change.to_status),
                "why": change.reopen_reason,
            }
        elif change.reason:
            reason = ClosingReason(change.reason).label if change.reason in ClosingReason.values else change.reason
            what = _("Status %(from)s → %(to)s (%(reason)s)") % {
                "from": _status_label(change.from_status),
                "to": _status_label(change.to_status),
                "reason": reason,
            }
        else:
            what = _("Status %(from)s → %(to)s") % {
                "from": _status_label(change.from_status),
                "to": _status_label(change.to_status),
            }
        entries.append(HistoryEntry(timezone.localtime(change.changed_at, zone), who, what))
    return entries


def _may_close(viewer: Membership, referral: Referral) -> bool:
    return viewer.role in SUPERVISING_ROLES or viewer.user_id == referral.assigned_to_id


@require_GET
@membership_required(Role.values)
def referral_detail(request: MemberRequest, public_id: UUID) -> HttpResponse:
    """One referral: the person, the overdose, the clock, its history and what can happen next."""
    viewer = request.membership
    referral = referral_get(viewer=viewer, public_id=public_id)  # 404 for anyone outside the team
    zone = referral.program.zone
    allowed = ALLOWED_TRANSITIONS.get(referral.status, frozenset())
    next_statuses = [
        status
        for status in Status
        if status in allowed
        and status != Status.CLOSED
        and referral.status != Status.CLOSED  # a closed referral is reopened, with a reason (below)
        # Moving to "assigned" happens by assigning someone; without an assignee the service refuses.
        and (status != Status.ASSIGNED or referral.assigned_to_id)
    ]
    can_assign = viewer.role in SUPERVISING_ROLES and referral.is_open
    members = _members_for(viewer) if can_assign else []
    assign_form = AssignForm(
        members=members,
        initial={"assignee": next((str(m.pk) for m in members if m.user_id == referral.assigned_to_id), "")},
    )
    return render(
        request,
        "referrals/detail.html",
        {
            "nav_active": "queue" if viewer.role in SUPERVISING_ROLES else "my_queue",
            "referral": referral,
            "participant": referral.participant,
            "phones": [(phone.number, format_phone(phone.number)) for phone in referral.participant.phones.all()],
            "event": referral.overdose_event,
            "clock": contact_clock(referral, timezone.now()),
            "received_at": timezone.localtime(referral.received_at, zone),
            "available_from": timezone.localtime(referral.available_from, zone) if referral.available_from else None,
            "occurred_at": (
                timezone.localtime(referral.overdose_event.occurred_at, zone)
                if referral.overdose_event.occurred_at
                else None
            ),
            "history": _history(referral),
            "next_statuses": next_statuses,
            "can_close": Status.CLOSED in allowed and _may_close(viewer, referral),
            "close_form": CloseReferralForm(),
            "can_reopen": referral.status == Status.CLOSED and _may_close(viewer, referral),
            "reopen_form": ReopenReferralForm(),
            "reopen_to": Status(reopen_status(referral)).label if referral.status == Status.CLOSED else "",
            "can_assign": can_assign,
            "assign_form": assign_form,
            "time_zone": referral.program.time_zone,
            "outreach": referral_outreach_summary(viewer=viewer, referral=referral),
        },
    )


@require_POST
@team_only
def transition(request: MemberRequest, public_id: UUID) -> HttpResponse:
    """Move a referral to its next status; the service says no, in words, to anything else."""
    viewer = request.membership
    referral = referral_get(viewer=viewer, public_id=public_id, for_update=True)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))  # a str already; the stubs type ErrorList's items wider
    else:
        to_status = form.cleaned_data["to_status"]
        if to_status == Status.CLOSED and form.cleaned_data["reason"] == ClosingReason.UNABLE_TO_REACH:
            # Confirmed first, on the page that says what the attempt policy asks (port.outreach).
            return redirect("outreach:close_unable_to_reach", public_id=referral.public_id)
        try:
            referral_transition(referral=referral, to_status=to_status, by=viewer, reason=form.cleaned_data["reason"])
        except ReferralChangeRefused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, _("The referral is now “%(status)s”.") % {"status": _status_label(to_status)})
    return redirect("referrals:detail", public_id=referral.public_id)


@require_http_methods(["GET", "POST"])
@team_only
def reopen(request: MemberRequest, public_id: UUID) -> HttpResponse:
    """Reopen a closed referral with a written reason (a supervisor or the assigned peer). The contact
    clock does not restart (port.referrals.services.reopen_status says where it goes back to)."""
    viewer = request.membership
    referral = referral_get(viewer=viewer, public_id=public_id, for_update=request.method == "POST")
    form = ReopenReferralForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            referral_reopen(referral=referral, by=viewer, reason=form.cleaned_data["reason"])
        except ReferralChangeRefused as refused:
            form.add_error(None, str(refused))
        else:
            referral.refresh_from_db(fields=["status"])
            messages.success(
                request, _("The referral is reopened: “%(status)s”.") % {"status": _status_label(referral.status)}
            )
            return redirect("referrals:detail", public_id=referral.public_id)
    return render(
        request,
        "referrals/reopen.html",
        {
            "nav_active": "queue" if viewer.role in SUPERVISING_ROLES else "my_queue",
            "referral": referral,
            "form": form,
            "closed": referral.status == Status.CLOSED,
            "may_reopen": _may_close(viewer, referral),
            "reopen_to": Status(reopen_status(referral)).label,
        },
    )
