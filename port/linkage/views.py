"""Hand-off and task pages (thin: the services decide, the selectors scope).

- The team: refer a person to a service (the new hand-off form, optionally for a directory service given
  as ?service=<HSDS id or pk>, which carries no participant data), a hand-off's page (cancel, entered in
  error, what the person reported), the task list and a task's page.
- A service provider: "Shared with you", the hand-offs sent to their organization, and each hand-off's
  page, where they accept, set the appointment, mark attended or no-show, complete or reject it.
"""

import uuid
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from port.accounts.access import membership_required, team_only
from port.accounts.http import MemberRequest
from port.accounts.models import Membership, OrganizationKind
from port.accounts.roles import SUPERVISING_ROLES, Role
from port.consent import selectors as consent_selectors
from port.consent.models import ConsentKind, InformationCategory
from port.core.pagination import page_of
from port.directory.categories import main_need
from port.directory.models import Attribute, Service
from port.directory.views import REFER_SESSION_KEY
from port.linkage import selectors
from port.linkage.forms import HandOffForm, PersonReportForm, ProviderActionForm, TaskOutcomeForm, TransitionForm
from port.linkage.models import HandOff, TaskKind, TaskState
from port.linkage.services import (
    OPEN_STATUSES,
    HandOffRefused,
    HandOffRequest,
    TaskRefused,
    handoff_create,
    handoff_person_report,
    handoff_provider_update,
    handoff_transition,
    task_complete,
)
from port.outreach.models import Encounter, Supporter
from port.participants.models import Participant
from port.participants.selectors import participant_get
from port.referrals.models import Referral

providers_only = membership_required([Role.PROVIDER])
TASKS_PER_PAGE = 50


# ---- the team: hand-offs -------------------------------------------------------------------------


NOT_REFERRED_TO = (
    OrganizationKind.EMS,
    OrganizationKind.FIRE,
    OrganizationKind.TWO_ONE_ONE,
    OrganizationKind.LAW_ENFORCEMENT,
    OrganizationKind.PORT_TEAM,
)


def _organization_id(request: MemberRequest) -> int | None:
    """The organization the form is about: the one posted, or the preselected service's."""
    value = request.POST.get("organization") if request.method == "POST" else None
    if value is None:
        service = _preselected_service(request.membership, request.GET.get("service"))
        return service.organization_id if service else None
    try:
        pk = int(value)
    except ValueError:
        return None
    return pk if 0 < pk < 2**63 else None


def _preselected_service(viewer: Membership, value: str | None) -> Service | None:
    """?service=<HSDS uuid or pk>: a directory service of the viewer's program, or nothing."""
    if not value:
        return None
    services = Service.objects.filter(program_id=viewer.program_id).select_related("organization")
    try:
        return services.get(hsds_id=uuid.UUID(value))
    except (ValueError, Service.DoesNotExist):
        pass
    try:
        return services.get(pk=int(value))
    except (ValueError, Service.DoesNotExist):
        return None


def _from_records(request: MemberRequest, participant: Participant) -> tuple[Referral | None, Encounter | None]:
    """The referral (?referral=<public id>) or encounter (?encounter=<pk>) the hand-off comes from."""
    source = request.POST if request.method == "POST" else request.GET
    referral = encounter = None
    try:
        if source.get("referral"):
            referral = Referral.objects.filter(
                program_id=participant.program_id, participant=participant, public_id=uuid.UUID(source["referral"])
            ).first()
        if source.get("encounter"):
            encounter = Encounter.objects.filter(
                program_id=participant.program_id, participant=participant, pk=int(source["encounter"])
            ).first()
    except ValueError:
        pass
    return referral, encounter


@require_GET
@team_only
def handoff_find(request: MemberRequest, public_id: UUID) -> HttpResponse:
    """Look for the service in the directory: its results then offer "Refer to" back to this person's
    referral form. The session holds only the form's path (the person's public id) and its query."""
    participant = participant_get(viewer=request.membership, public_id=public_id)
    referral, encounter = _from_records(request, participant)
    query = f"referral={referral.public_id}&" if referral else f"encounter={encounter.pk}&" if encounter else ""
    request.session[REFER_SESSION_KEY] = {
        "path": reverse("linkage:handoff_new", args=[participant.public_id]),
        "query": query,
    }
    search = reverse("directory:search")
    need = request.GET.get("need", "")
    return redirect(f"{search}?{urlencode({'need': need})}" if need else search)


@require_http_methods(["GET", "POST"])
@team_only
def handoff_new(request: MemberRequest, public_id: UUID) -> HttpResponse:
    """Refer to a service. Anything but information only goes through the disclosure gate; without a
    consent in force the form says what is missing."""
    viewer = request.membership
    participant = participant_get(viewer=viewer, public_id=public_id)
    referral, encounter = _from_records(request, participant)
    shareable = [c for c in InformationCategory.values if consent_selectors.may_share(viewer, c)]
    organization_id = _organization_id(request)
    form_args: dict[str, Any] = {
        # Where people are referred to: not the first responders, the 2-1-1 line or the team itself.
        "organizations": consent_selectors.consent_recipients(viewer=viewer).exclude(kind__in=NOT_REFERRED_TO),
        # Only the chosen organization's services: a directory has thousands (find one there instead).
        "services": Service.objects.filter(
            program_id=viewer.program_id, status=Service.Status.ACTIVE, organization_id=organization_id
        )
        .select_related("organization")
        .order_by("name")
        if organization_id
        else Service.objects.none(),
        "supporters": Supporter.objects.filter(program_id=viewer.program_id, participant=participant).order_by(
            "first_name", "pk"
        ),
        "categories": shareable,
        "zone": viewer.program.zone,
    }
    refusal: list[str] = []
    if request.method == "POST":
        form = HandOffForm(request.POST, **form_args)
        if form.is_valid():
            data = form.cleaned_data
            ask = HandOffRequest(
                organization=data["organization"],
                service=data["service"],
                need=data["need"],
                how=data["how"],
                categories=list(data["categories"]),
                purpose=data["purpose"],
                priority=data["priority"],
                appointment_at=data["appointment_at"],
                transport=data["transport"],
                ride_at=data["ride_at"],
                note=data["note"],
                referral=referral,
                encounter=encounter,
                supporter=data["supporter"],
            )
            try:
                handoff = handoff_create(by=viewer, participant=participant, ask=ask)
            except HandOffRefused as refused:
                form.add_error(refused.field if refused.field in form.fields else None, str(refused))
                refusal = refused.reasons
            else:
                request.session.pop(REFER_SESSION_KEY, None)
                messages.success(request, _handoff_done_message(handoff))
                return redirect("linkage:handoff", public_id=handoff.public_id)
    else:
        service = _preselected_service(viewer, request.GET.get("service"))
        initial: dict[str, Any] = {"service": service, "organization": service.organization if service else None}
        if service is not None:
            codes = Attribute.objects.filter(
                program_id=viewer.program_id, link_entity="service", link_id=service.hsds_id
            ).values_list("taxonomy_term__code", flat=True)
            initial["need"] = main_need(set(codes))
        form = HandOffForm(initial=initial, **form_args)
    consents = [
        row
        for row in consent_selectors.participant_consents(viewer=viewer, participant=participant)
        if row.status.code == "active" and row.consent.kind != ConsentKind.PARTICIPATION
    ]
    return render(
        request,
        "linkage/handoff_form.html",
        {
            "participant": participant,
            "form": form,
            "consents": consents,
            "refusal": refusal,
            "referral": referral,
            "encounter": encounter,
        },
    )


def _handoff_done_message(handoff: HandOff) -> str:
    if handoff.disclosure_id:
        return _("Referred. Give the provider the printed disclosure with its federal notice.")
    return _("Recorded: information only, nothing was shared with the provider.")


def _handoff_page(request: MemberRequest, handoff: HandOff, **forms: Any) -> HttpResponse:
    viewer = request.membership
    return render(
        request,
        "linkage/handoff_detail.html",
        {
            "handoff": handoff,
            "participant": handoff.participant,
            "need": selectors.need_label(handoff.need),
            "changes": selectors.handoff_changes(handoff),
            "categories": consent_selectors.category_labels(handoff.disclosure.categories)
            if handoff.disclosure
            else [],
            "is_open": handoff.status in OPEN_STATUSES,
            "transition_form": forms.get("transition_form") or TransitionForm(),
            "report_form": forms.get("report_form") or PersonReportForm(),
            "time_zone": viewer.program.time_zone,
        },
    )


@require_GET
@team_only
def handoff_detail(request: MemberRequest, public_id: UUID) -> HttpResponse:
    handoff = selectors.handoff_get(viewer=request.membership, public_id=public_id)
    return _handoff_page(request, handoff)


@require_POST
@team_only
def handoff_transition_view(request: MemberRequest, public_id: UUID) -> HttpResponse:
    """The team's side of the loop: cancel (with a reason) or entered in error."""
    viewer = request.membership
    handoff = selectors.handoff_get(viewer=viewer, public_id=public_id)
    form = TransitionForm(request.POST)
    if form.is_valid():
        try:
            handoff_transition(
                handoff=handoff,
                to_status=form.cleaned_data["to_status"],
                by=viewer,
                reason=form.cleaned_data["reason"] if form.cleaned_data["to_status"] == "cancelled" else "",
                note=form.cleaned_data["note"],
            )
        except HandOffRefused as refused:
            form.add_error(refused.field if refused.field in form.fields else None, str(refused))
        else:
            messages.success(request, _("The hand-off is changed."))
            return redirect("linkage:handoff", public_id=handoff.public_id)
    return _handoff_page(request, handoff, transition_form=form)


@require_POST
@team_only
def handoff_report_view(request: MemberRequest, public_id: UUID) -> HttpResponse:
    """Information only: what the person says happened, kept as theirs (never as the provider's answer)."""
    viewer = request.membership
    handoff = selectors.handoff_get(viewer=viewer, public_id=public_id)
    form = PersonReportForm(request.POST)
    if form.is_valid():
        try:
            handoff_person_report(
                handoff=handoff, report=form.cleaned_data["report"], by=viewer, note=form.cleaned_data["note"]
            )
        except HandOffRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("Recorded what the person told you."))
            return redirect("linkage:handoff", public_id=handoff.public_id)
    return _handoff_page(request, handoff, report_form=form)


# ---- the team: tasks -----------------------------------------------------------------------------


@require_GET
@team_only
def task_list(request: MemberRequest) -> HttpResponse:
    """A peer's own tasks, overdue first, then by due date; a supervisor's: everyone's, by peer if asked."""
    viewer = request.membership
    owners = selectors.task_owners(viewer=viewer)
    owner_id: int | None = None
    if viewer.role in SUPERVISING_ROLES and request.GET.get("owner", "").isdigit():
        owner_id = int(request.GET["owner"])
    state = request.GET.get("state", TaskState.OPEN)
    if state not in TaskState.values:
        state = TaskState.OPEN
    page = page_of(request, selectors.task_list(viewer=viewer, owner_id=owner_id, state=state), TASKS_PER_PAGE)
    tasks = list(page.object_list)
    selectors.audit_task_list(viewer=viewer, tasks=tasks)
    today = viewer.program.today()
    return render(
        request,
        "linkage/task_list.html",
        {
            "page": page,
            "tasks": tasks,
            "today": today,
            "owners": owners,
            "owner_id": owner_id,
            "state": state,
            "states": TaskState.choices,
            "supervising": viewer.role in SUPERVISING_ROLES,
            "nav_active": "tasks",
        },
    )


def _task_page(request: MemberRequest, task: Any, form: TaskOutcomeForm) -> HttpResponse:
    return render(
        request,
        "linkage/task_detail.html",
        {
            "task": task,
            "participant": task.participant,
            "form": form,
            "today": request.membership.program.today(),
            "is_check_in": task.kind == TaskKind.CHECK_IN,
            "time_zone": request.membership.program.time_zone,
            "nav_active": "tasks",
        },
    )


@require_GET
@team_only
def task_detail(request: MemberRequest, pk: int) -> HttpResponse:
    task = selectors.task_get(viewer=request.membership, pk=pk)
    return _task_page(request, task, TaskOutcomeForm())


@require_POST
@team_only
def task_outcome(request: MemberRequest, pk: int) -> HttpResponse:
    viewer = request.membership
    task = selectors.task_get(viewer=viewer, pk=pk)
    form = TaskOutcomeForm(request.POST)
    if form.is_valid():
        try:
            task_complete(task=task, by=viewer, outcome=form.cleaned_data["outcome"], note=form.cleaned_data["note"])
        except TaskRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("The task is done."))
            return redirect("linkage:tasks")
    return _task_page(request, task, form)


# ---- service providers ---------------------------------------------------------------------------


@require_GET
@providers_only
def shared_list(request: MemberRequest) -> HttpResponse:
    """Hand-offs sent to the provider's organization under a consent in force, with status and appointment."""
    viewer = request.membership
    page = page_of(request, selectors.handoffs_received(viewer=viewer), TASKS_PER_PAGE)
    handoffs = list(page.object_list)
    selectors.audit_received_list(viewer=viewer, handoffs=handoffs)
    return render(
        request,
        "linkage/shared_list.html",
        {
            "page": page,
            "rows": [selectors.ReceivedRow(h) for h in handoffs],
            "nav_active": "shared",
            "time_zone": viewer.program.time_zone,
        },
    )


def _received_page(request: MemberRequest, view: selectors.ReceivedView, form: ProviderActionForm) -> HttpResponse:
    return render(
        request,
        "linkage/shared_handoff.html",
        {
            "view": view,
            "handoff": view.handoff,
            "need": selectors.need_label(view.handoff.need),
            "is_open": view.handoff.status in OPEN_STATUSES,
            "form": form,
            "nav_active": "shared",
            "time_zone": request.membership.program.time_zone,
        },
    )


@require_GET
@membership_required(Role.values)
def shared_handoff(request: MemberRequest, public_id: UUID) -> HttpResponse:
    """A hand-off as its receiving provider sees it (asked of the gate, recorded in the accounting); else 404."""
    view = selectors.handoff_received_get(viewer=request.membership, public_id=public_id)
    return _received_page(request, view, ProviderActionForm(zone=request.membership.program.zone))


@require_POST
@membership_required(Role.values)
def shared_handoff_update(request: MemberRequest, public_id: UUID) -> HttpResponse:
    viewer = request.membership
    view = selectors.handoff_received_get(viewer=viewer, public_id=public_id)
    form = ProviderActionForm(request.POST, zone=viewer.program.zone)
    if form.is_valid():
        data = form.cleaned_data
        try:
            handoff_provider_update(
                handoff=view.handoff,
                action=data["action"],
                by=viewer,
                reason=data["reason"],
                note=data["note"],
                appointment_at=data["appointment_at"],
            )
        except HandOffRefused as refused:
            form.add_error(refused.field if refused.field in form.fields else None, str(refused))
        else:
            messages.success(request, _("Thank you: the team sees your update."))
            return redirect("linkage:shared_handoff", public_id=view.handoff.public_id)
    return _received_page(request, view, form)
