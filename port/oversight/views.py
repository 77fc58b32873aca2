"""The audit trail pages, for program admins and supervisors: who saw or changed a participant, what a
person saw and did, and break-the-glass reviews. Each can be downloaded as CSV; reading a trail page
and downloading one are audited like any other read and export. Nothing here changes an audit entry.
"""

import datetime as dt
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from port.accounts.access import membership_required
from port.accounts.http import MemberRequest
from port.accounts.models import Membership
from port.audit.models import AuditEvent, AuditParticipant
from port.audit.services import audit_record
from port.core.csv import csv_response
from port.core.pagination import page_of
from port.oversight import presenters
from port.oversight.forms import BreakGlassReviewForm, UserTrailForm
from port.oversight.selectors import (
    TRAIL_ROLES,
    break_glass_accesses,
    break_glass_get,
    break_glass_waiting_count,
    participants_named,
    trail_of_participant,
    trail_of_user,
)
from port.oversight.services import ReviewRefused, break_glass_review
from port.participants.models import Participant
from port.participants.selectors import participant_get, participant_record_ids

PAGE_SIZE = 50
BREAK_GLASS_PAGE_SIZE = 25
# The CSV is read from the database a chunk at a time while it is sent.
EXPORT_CHUNK = 2000

reads_trail = membership_required(TRAIL_ROLES)


def _page_context(viewer: Membership, **context: Any) -> dict:
    return {"nav_active": "audit", "time_zone": viewer.program.time_zone, **context}


# ---- the hub ----


@require_GET
@reads_trail
def index(request: MemberRequest) -> HttpResponse:
    viewer = request.membership
    return render(
        request,
        "oversight/index.html",
        _page_context(
            viewer,
            form=UserTrailForm(viewer=viewer, today=viewer.program.today()),
            waiting=break_glass_waiting_count(viewer=viewer),
        ),
    )


# ---- who saw or changed this participant ----


def _participant(viewer: Membership, public_id: UUID) -> Participant:
    # Not recorded as a read of the record: the trail page records its own entry, naming the participant.
    return participant_get(viewer=viewer, public_id=public_id, audit=False)


@require_GET
@reads_trail
def participant_trail(request: MemberRequest, public_id: UUID) -> HttpResponse:
    viewer = request.membership
    participant = _participant(viewer, public_id)
    page = page_of(request, trail_of_participant(viewer=viewer, participant=participant), PAGE_SIZE)
    events = list(page.object_list)
    audit_record(
        action=AuditEvent.Action.LIST,
        by=viewer,
        target_type="audit.auditevent",
        target_ids=[event.pk for event in events],
        participant_ids=[participant.pk],
        note="audit trail of a participant",
    )
    return render(
        request,
        "oversight/participant_trail.html",
        _page_context(viewer, participant=participant, page=page, entries=presenters.trail_entries(events)),
    )


@require_GET
@reads_trail
def participant_trail_csv(request: MemberRequest, public_id: UUID) -> HttpResponseBase:
    viewer = request.membership
    participant = _participant(viewer, public_id)
    events = trail_of_participant(viewer=viewer, participant=participant)
    audit_record(
        action=AuditEvent.Action.EXPORT,
        by=viewer,
        target_type="audit.auditevent",
        participant_ids=participant_record_ids(participant),
        note=f"audit trail of a participant, CSV, {events.count()} entries",
    )
    rows = presenters.event_csv_rows(events.iterator(chunk_size=EXPORT_CHUNK), zone=viewer.program.zone)
    return csv_response(f"audit-participant-{participant.public_id}.csv", presenters.event_csv_header(), rows)


# ---- what did this person see and do ----


def _user_trail_events(viewer: Membership, cleaned: dict):
    zone = viewer.program.zone
    start = dt.datetime.combine(cleaned["start"], dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(cleaned["end"] + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return trail_of_user(viewer=viewer, user=cleaned["user"], start=start, end=end)


@require_GET
@reads_trail
def user_trail(request: MemberRequest) -> HttpResponse:
    viewer = request.membership
    form = UserTrailForm(request.GET if "user" in request.GET else None, viewer=viewer, today=viewer.program.today())
    page, entries = None, None
    if form.is_bound and form.is_valid():
        page = page_of(request, _user_trail_events(viewer, form.cleaned_data), PAGE_SIZE)
        events = list(page.object_list)
        named = participants_named(viewer=viewer, ids=presenters.participant_ids_shown(events))
        entries = presenters.trail_entries(events, named=named)
        audit_record(
            action=AuditEvent.Action.LIST,
            by=viewer,
            target_type="audit.auditevent",
            target_ids=[event.pk for event in events],
            participant_ids=named.keys(),
            note=f"audit trail of user {form.cleaned_data['user'].pk}",
        )
    return render(
        request,
        "oversight/user_trail.html",
        _page_context(
            viewer,
            form=form,
            page=page,
            entries=entries,
            person=form.cleaned_data["user"] if page is not None else None,
            csv_query=urlencode({name: request.GET.get(name, "") for name in ("user", "start", "end")}),
        ),
    )


@require_GET
@reads_trail
def user_trail_csv(request: MemberRequest) -> HttpResponseBase:
    viewer = request.membership
    form = UserTrailForm(request.GET, viewer=viewer, today=viewer.program.today())
    if not form.is_valid():
        # The page says what is wrong with the choice, with the values kept.
        return redirect(f"{reverse('audit:user_trail')}?{request.GET.urlencode()}")
    events = _user_trail_events(viewer, form.cleaned_data)
    person, start, end = form.cleaned_data["user"], form.cleaned_data["start"], form.cleaned_data["end"]
    # The file names, by id, the participants this person's entries concern.
    named = AuditParticipant.objects.filter(event__in=events).values_list("participant_id", flat=True).distinct()
    audit_record(
        action=AuditEvent.Action.EXPORT,
        by=viewer,
        target_type="accounts.user",
        target_ids=[person.pk],
        participant_ids=named,
        note=f"audit trail of a user, CSV, {start} to {end}, {events.count()} entries",
    )
    rows = presenters.event_csv_rows(events.iterator(chunk_size=EXPORT_CHUNK), zone=viewer.program.zone)
    return csv_response(f"audit-user-{person.pk}-{start}-{end}.csv", presenters.event_csv_header(), rows)


# ---- break-the-glass reviews ----


def _named_in(viewer: Membership, accesses) -> list[int]:
    """The participants a break-the-glass page names: only the viewer's own program's (the templates
    show another program's participant as "a participant of <program>")."""
    return [access.participant_id for access in accesses if access.participant.program_id == viewer.program_id]


@require_GET
@reads_trail
def break_glass_list(request: MemberRequest) -> HttpResponse:
    viewer = request.membership
    page = page_of(request, break_glass_accesses(viewer=viewer), BREAK_GLASS_PAGE_SIZE)
    accesses = list(page.object_list)
    audit_record(
        action=AuditEvent.Action.LIST,
        by=viewer,
        target_type="audit.breakglassaccess",
        target_ids=[access.pk for access in accesses],
        participant_ids=_named_in(viewer, accesses),
        note="break-the-glass reviews",
    )
    return render(
        request,
        "oversight/break_glass_list.html",
        _page_context(viewer, page=page, accesses=accesses, waiting=break_glass_waiting_count(viewer=viewer)),
    )


@require_http_methods(["GET", "POST"])
@reads_trail
def break_glass_detail(request: MemberRequest, pk: int) -> HttpResponse:
    """One break-the-glass access, its entries in the trail, and the review form."""
    viewer = request.membership
    access = break_glass_get(viewer=viewer, pk=pk)
    form = BreakGlassReviewForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            break_glass_review(access=access, by=viewer, note=form.cleaned_data["note"])
        except ReviewRefused as refused:
            # Reviewed meanwhile by someone else, or one's own access: the page shows how things stand.
            messages.error(request, str(refused))
            return redirect("audit:break_glass_detail", pk=access.pk)
        messages.success(request, _("The access is marked reviewed."))
        return redirect("audit:break_glass_list")
    # What the person did with the record while the glass was broken.
    window = (
        AuditEvent.objects.select_related("user", "api_token__agency")
        .filter(
            user_id=access.user_id,
            at__gte=access.granted_at,
            at__lte=access.expires_at,
            pk__in=AuditParticipant.objects.filter(participant_id=access.participant_id).values("event_id"),
        )
        .order_by("-at", "-pk")[:PAGE_SIZE]
    )
    events = list(window)
    audit_record(
        action=AuditEvent.Action.VIEW,
        by=viewer,
        target_type="audit.breakglassaccess",
        target_ids=[access.pk],
        participant_ids=_named_in(viewer, [access]),
        note="break-the-glass review page",
    )
    return render(
        request,
        "oversight/break_glass_detail.html",
        _page_context(
            viewer,
            access=access,
            form=form,
            entries=presenters.trail_entries(events),
            own=access.user_id == viewer.user_id,
            role=presenters.role_label(access.membership.role),
        ),
        status=400 if form.is_bound else 200,
    )


@require_GET
@reads_trail
def break_glass_csv(request: MemberRequest) -> HttpResponseBase:
    viewer = request.membership
    accesses = break_glass_accesses(viewer=viewer)
    audit_record(
        action=AuditEvent.Action.EXPORT,
        by=viewer,
        target_type="audit.breakglassaccess",
        participant_ids=accesses.filter(participant__program_id=viewer.program_id).values_list(
            "participant_id", flat=True
        ),
        note=f"break-the-glass accesses, CSV, {accesses.count()} rows",
    )
    rows = presenters.break_glass_csv_rows(accesses.iterator(chunk_size=EXPORT_CHUNK), viewer=viewer)
    return csv_response(f"break-the-glass-{viewer.program.today()}.csv", presenters.break_glass_csv_header(), rows)
