"""The peer's field pages: log an attempt, record an encounter, read and correct it, and keep a
participant's supporters. Team roles only (partners 403); any record of another program is a 404.
Writes go through port.outreach.services, which audit them; a refused change is shown on the form with
everything entered kept. Also the two inventory pages that read encounters: the distribution report and
a lot's page with its recall list (the ledger itself knows no encounter)."""

import datetime as dt
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from port.accounts.access import team_only
from port.accounts.http import MemberRequest
from port.accounts.models import Membership
from port.accounts.roles import SUPERVISING_ROLES
from port.audit.models import AuditEvent
from port.audit.services import audit_record
from port.core.forms import form_field
from port.core.pagination import page_of
from port.core.redirects import safe_next
from port.outreach import barc10, selectors
from port.outreach.forms import (
    AddendumForm,
    AttemptForm,
    Barc10Form,
    CloseUnableToReachForm,
    DistributionReportForm,
    EncounterEditForm,
    EncounterForm,
    LocalDateTimeField,
    SupporterForm,
    TeamFieldsMixin,
)
from port.outreach.models import ContactAttempt, Encounter, EncounterItem, Mode, Outcome, Supporter
from port.outreach.services import (
    ENCOUNTER_OUTCOMES,
    Barc10Invalid,
    EditConflict,
    OutreachRefused,
    barc10_record,
    contact_attempt_record,
    encounter_add_addendum,
    encounter_locked,
    encounter_record,
    encounter_update,
    supporter_save,
)
from port.participants.models import Participant
from port.participants.normalize import format_phone
from port.participants.selectors import participant_get
from port.referrals.models import ClosingReason, Referral, Status
from port.referrals.selectors import referral_get
from port.referrals.services import ReferralChangeRefused, attempt_policy_text, referral_transition
from port.supplies.selectors import balances_for, expiry_for, lot_get, lot_summary
from port.supplies.services import StockRefused
from port.supplies.views import page_context as supplies_page_context

# After these, the next thing to record is the conversation itself.
GO_TO_ENCOUNTER = frozenset({Outcome.REACHED_PARTICIPANT, Outcome.REACHED_SUPPORTER})


def _nav(viewer: Membership) -> str:
    return "queue" if viewer.role in SUPERVISING_ROLES else "my_queue"


# ---- contact attempts ----


def _attempt_blocked(referral: Referral) -> str:
    """Why no attempt can be logged on this referral right now ("" if one can)."""
    if referral.status == Status.CLOSED:
        return _("This referral is closed (%(reason)s); no more attempts are logged on it.") % {
            "reason": referral.get_closed_reason_display()
        }
    if referral.assigned_to_id is None:
        return _("Nobody is assigned to this referral yet. A supervisor assigns it first; then attempts can be logged.")
    return ""


@require_http_methods(["GET", "POST"])
@team_only
def attempt_new(request: MemberRequest, public_id: UUID) -> HttpResponse:
    """Log one try to reach the person: when, who went, how, where, what happened."""
    viewer = request.membership
    referral = referral_get(viewer=viewer, public_id=public_id)  # audited; 404 outside the program's team
    participant = referral.participant
    supporters = selectors.participant_supporters(viewer=viewer, participant=participant, agreed_only=True)
    form_args: dict[str, Any] = {
        "viewer": viewer,
        "members": selectors.team_members(viewer=viewer),
        "supporters": supporters,
    }
    blocked = _attempt_blocked(referral)
    if request.method == "POST" and not blocked:
        form = AttemptForm(request.POST, **form_args)
        if form.is_valid():
            data = form.cleaned_data
            try:
                attempt = contact_attempt_record(
                    by=viewer,
                    referral=referral,
                    mode=data["mode"],
                    outcome=data["outcome"],
                    attempted_at=data["attempted_at"],
                    place=data["place"],
                    team=data["team"],
                    supporter=data["supporter"],
                    note=data["note"],
                )
            except (OutreachRefused, ReferralChangeRefused) as refused:
                form.add_error(None, str(refused))
            else:
                return _after_attempt(request, attempt, participant)
    else:
        initial = {"mode": request.GET["mode"]} if request.GET.get("mode") in Mode.values else {}
        form = AttemptForm(initial=initial, **form_args)
    return render(
        request,
        "outreach/attempt_form.html",
        {
            "nav_active": _nav(viewer),
            "referral": referral,
            "participant": participant,
            "form": form,
            "blocked": blocked,
            "supporters": supporters,
            "phones": [(phone.number, format_phone(phone.number)) for phone in participant.phones.all()],
            "text_templates": selectors.text_templates_for(viewer=viewer, participant=participant),
            "add_supporter_url": _add_supporter_url(participant, request.path),
        },
    )


def _add_supporter_url(participant: Participant, back_to: str) -> str:
    return reverse("outreach:supporter_new", args=[participant.public_id]) + "?" + urlencode({"next": back_to})


def _after_attempt(request: HttpRequest, attempt: ContactAttempt, participant: Participant) -> HttpResponse:
    referral = Referral.objects.only("status", "closed_reason").get(pk=attempt.referral_id)
    if attempt.outcome in GO_TO_ENCOUNTER:
        messages.success(request, _("Attempt logged: you reached them. Now record the conversation."))
        return redirect(reverse("outreach:encounter_new", args=[participant.public_id]) + f"?attempt={attempt.pk}")
    if referral.status == Status.CLOSED:
        status = _("Closed (%(reason)s)") % {"reason": ClosingReason(referral.closed_reason).label}
    else:
        status = str(Status(referral.status).label)
    # No participant data in messages: they are stored outside the audited records (the session).
    messages.success(request, _("Attempt logged. The referral is now “%(status)s”.") % {"status": status})
    return redirect("referrals:my_queue")


@require_http_methods(["GET", "POST"])
@team_only
def close_unable_to_reach(request: MemberRequest, public_id: UUID) -> HttpResponse:
    """Closing as unable to reach, confirmed first: the page says what the attempt policy asks and how far
    along the referral is; before it is used up only a supervisor may close, with a reason. Every way to
    close as unable to reach (the outreach panel's offer, the status form's reasons) comes here."""
    viewer = request.membership
    referral = referral_get(viewer=viewer, public_id=public_id, for_update=True)
    summary = selectors.referral_outreach_summary(viewer=viewer, referral=referral)
    assert summary is not None  # a team member (team_only) and a referral of their program (referral_get)
    policy = summary.policy
    may_override = not policy.exhausted and viewer.role in SUPERVISING_ROLES
    form = CloseUnableToReachForm(request.POST if request.method == "POST" else None, initial={"confirm": "yes"})
    if request.method == "POST" and form.is_valid():
        try:
            referral_transition(
                referral=referral,
                to_status=Status.CLOSED,
                by=viewer,
                reason=ClosingReason.UNABLE_TO_REACH,
                override_reason=form.cleaned_data["override_reason"] if may_override else "",
            )
        except ReferralChangeRefused as refused:
            form.add_error("override_reason" if may_override else None, str(refused))
        else:
            messages.success(request, _("The referral is closed: unable to reach."))
            return redirect("referrals:detail", public_id=referral.public_id)
    asks, so_far = attempt_policy_text(program=referral.program, policy=policy)
    return render(
        request,
        "outreach/close_unable_to_reach.html",
        {
            "referral": referral,
            "form": form,
            "policy": policy,
            "policy_asks": asks,
            "policy_so_far": so_far,
            "may_close": referral.is_open and viewer.role in SUPERVISING_ROLES,
            "may_override": may_override and referral.is_open,
            "nav_active": "queue" if viewer.role in SUPERVISING_ROLES else "my_queue",
        },
    )


# ---- encounters ----


def _encounter_initial(attempt: ContactAttempt | None) -> dict:
    if attempt is None:
        return {}
    initial = {
        "mode": attempt.mode,
        "place": attempt.place,
        "occurred_at": attempt.attempted_at,
        "participant_present": attempt.outcome != Outcome.REACHED_SUPPORTER,
        **TeamFieldsMixin.team_initial(list(attempt.team.all())),
    }
    if attempt.supporter is not None and attempt.supporter.consent_to_contact:
        initial["supporters_present"] = [str(attempt.supporter_id)]
    return initial


@require_http_methods(["GET", "POST"])
@team_only
def encounter_new(request: MemberRequest, public_id: UUID) -> HttpResponse:
    """Record a visit, call or text exchange that reached someone; after an attempt, prefilled from it."""
    viewer = request.membership
    participant = participant_get(viewer=viewer, public_id=public_id)  # audited; 404 for others
    attempt_pk = request.POST.get("attempt") or request.GET.get("attempt")
    attempt = (
        selectors.attempt_for_encounter(viewer=viewer, participant=participant, pk=attempt_pk) if attempt_pk else None
    )
    if attempt is not None and getattr(attempt, "encounter", None) is not None:
        messages.info(request, _("The encounter for that attempt is already recorded."))
        return redirect("outreach:encounter_detail", pk=attempt.encounter.pk)
    if attempt is not None and attempt.outcome not in ENCOUNTER_OUTCOMES:
        messages.error(request, _("That attempt reached nobody, so there is no encounter to record for it."))
        return redirect("referrals:detail", public_id=attempt.referral.public_id)
    supporters = selectors.participant_supporters(viewer=viewer, participant=participant, agreed_only=True)
    form_args: dict[str, Any] = {
        "viewer": viewer,
        "members": selectors.team_members(viewer=viewer),
        "supporters": supporters,
        "supplies": selectors.supplies_to_offer(viewer=viewer),
        "referrals": [] if attempt else selectors.open_referrals_of(viewer=viewer, participant=participant),
        "fixed_referral": attempt is not None,
    }
    if request.method == "POST":
        form = EncounterForm(request.POST, **form_args)
        if form.is_valid():
            referral = attempt.referral if attempt else form.cleaned_data.get("referral")
            try:
                encounter = encounter_record(
                    by=viewer, participant=participant, data=form.encounter_in(), referral=referral, attempt=attempt
                )
            except (OutreachRefused, StockRefused, ReferralChangeRefused) as refused:
                form.add_error(None, str(refused))
            else:
                messages.success(request, _("Encounter saved."))
                return redirect("outreach:encounter_detail", pk=encounter.pk)
    else:
        form = EncounterForm(initial=_encounter_initial(attempt), **form_args)
    return render(
        request,
        "outreach/encounter_form.html",
        {
            "participant": participant,
            "attempt": attempt,
            "form": form,
            "supporters": supporters,
            "add_supporter_url": _add_supporter_url(participant, request.get_full_path()),
        },
    )


def _items_by_kind(encounter: Encounter) -> tuple[list[EncounterItem], list[EncounterItem]]:
    items = list(encounter.items.all())
    return (
        [i for i in items if i.kind == EncounterItem.Kind.SUPPLY],
        [i for i in items if i.kind != EncounterItem.Kind.SUPPLY],
    )


def _encounter_page(
    request: MemberRequest, encounter: Encounter, *, addendum_form: AddendumForm | None = None
) -> HttpResponse:
    viewer = request.membership
    now = timezone.now()
    given, taught = _items_by_kind(encounter)
    return render(
        request,
        "outreach/encounter_detail.html",
        {
            "encounter": encounter,
            "participant": encounter.participant,
            "given": given,
            "taught": taught,
            "team": list(encounter.team.all()),
            "supporters_present": list(encounter.supporters_present.all()),
            "addenda": list(encounter.addenda.all()),
            "locked": encounter_locked(encounter, now),
            "may_edit": selectors.may_edit_encounter(viewer, encounter, now),
            "is_author": encounter.author_id == viewer.user_id,
            "editable_until": selectors.encounter_editable_until(encounter),
            "addendum_form": addendum_form or AddendumForm(),
        },
    )


@require_GET
@team_only
def encounter_detail(request: MemberRequest, pk: int) -> HttpResponse:
    encounter = selectors.encounter_get(viewer=request.membership, pk=pk)
    return _encounter_page(request, encounter)


@require_POST
@team_only
def encounter_addendum(request: MemberRequest, pk: int) -> HttpResponse:
    viewer = request.membership
    encounter = selectors.encounter_get(viewer=viewer, pk=pk, audit=False)
    form = AddendumForm(request.POST)
    if form.is_valid():
        try:
            encounter_add_addendum(by=viewer, encounter=encounter, text=form.cleaned_data["text"])
        except OutreachRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("Addendum added."))
            return redirect(reverse("outreach:encounter_detail", args=[encounter.pk]) + "#addenda")
    # Shown again with the error: that is a read of the encounter.
    encounter = selectors.encounter_get(viewer=viewer, pk=pk)
    return _encounter_page(request, encounter, addendum_form=form)


def _shown(form: EncounterEditForm, name: str, value: object) -> str:
    """A value as a person reads it, for the side-by-side comparison."""
    if value in (None, ""):
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if name == "occurred_at":
        assert isinstance(value, dt.datetime)
        zone = form_field(form, name, LocalDateTimeField).zone
        return timezone.localtime(value, zone).strftime("%Y-%m-%d %H:%M")
    choices = dict(getattr(form.fields[name], "choices", ()))
    return str(choices.get(str(value), value))


@require_http_methods(["GET", "POST"])
@team_only
def encounter_edit(request: MemberRequest, pk: int) -> HttpResponse:
    """Its author changes it within the edit period; a save over a newer save shows both versions."""
    viewer = request.membership
    encounter = selectors.encounter_get(viewer=viewer, pk=pk)
    if encounter.author_id != viewer.user_id:
        raise PermissionDenied
    if request.method == "GET" and encounter_locked(encounter):
        messages.warning(request, _("This encounter is locked; add an addendum to correct it."))
        return redirect("outreach:encounter_detail", pk=encounter.pk)
    comparison = same = None
    if request.method == "POST":
        form = EncounterEditForm(request.POST, viewer=viewer)
        if form.is_valid():
            try:
                encounter_update(
                    by=viewer, encounter=encounter, version=form.cleaned_data["version"], **form.changes(encounter)
                )
            except EditConflict as conflict:
                theirs = conflict.current
                rows = [
                    (
                        form.fields[name].label,
                        _shown(form, name, getattr(theirs, name)),
                        _shown(form, name, form.cleaned_data.get(name)),
                    )
                    for name in form.editable_names()
                ]
                comparison = [row for row in rows if row[1] != row[2]]
                same = [row for row in rows if row[1] == row[2]]
                # Your values, now against their version: saving again applies them knowingly.
                data = request.POST.copy()
                data["version"] = str(theirs.version)
                form = EncounterEditForm(data, viewer=viewer)
                form.is_valid()
                form.add_error(None, str(conflict))
            except OutreachRefused as refused:
                form.add_error(None, str(refused))
            else:
                messages.success(request, _("Encounter updated."))
                return redirect("outreach:encounter_detail", pk=encounter.pk)
    else:
        form = EncounterEditForm(initial=EncounterEditForm.initial_for(encounter), viewer=viewer)
    return render(
        request,
        "outreach/encounter_edit.html",
        {
            "encounter": encounter,
            "participant": encounter.participant,
            "form": form,
            "comparison": comparison,
            "same": same,
            "editable_until": selectors.encounter_editable_until(encounter),
        },
    )


# ---- supporters ----


@require_GET
@team_only
def supporter_list(request: MemberRequest, public_id: UUID) -> HttpResponse:
    viewer = request.membership
    participant = participant_get(viewer=viewer, public_id=public_id)
    return render(
        request,
        "outreach/supporters.html",
        {
            "participant": participant,
            "supporters": selectors.participant_supporters(viewer=viewer, participant=participant),
        },
    )


def _supporter_form_page(
    request: HttpRequest,
    *,
    participant: Participant,
    form: SupporterForm,
    supporter: Supporter | None = None,
    next_url: str,
) -> HttpResponse:
    return render(
        request,
        "outreach/supporter_form.html",
        {
            "participant": participant,
            "form": form,
            "supporter": supporter,
            "next": next_url,
        },
    )


@require_http_methods(["GET", "POST"])
@team_only
def supporter_new(request: MemberRequest, public_id: UUID) -> HttpResponse:
    viewer = request.membership
    participant = participant_get(viewer=viewer, public_id=public_id)
    next_url = safe_next(request, reverse("outreach:supporters", args=[participant.public_id]))
    if request.method == "POST":
        form = SupporterForm(request.POST)
        if form.is_valid():
            try:
                supporter_save(by=viewer, participant=participant, **form.cleaned_data)
            except OutreachRefused as refused:
                form.add_error(None, str(refused))
            else:
                messages.success(request, _("Supporter added."))
                return redirect(next_url)
    else:
        form = SupporterForm()
    return _supporter_form_page(request, participant=participant, form=form, next_url=next_url)


@require_http_methods(["GET", "POST"])
@team_only
def supporter_edit(request: MemberRequest, pk: int) -> HttpResponse:
    viewer = request.membership
    supporter = selectors.supporter_get(viewer=viewer, pk=pk)
    participant = supporter.participant
    next_url = safe_next(request, reverse("outreach:supporters", args=[participant.public_id]))
    if request.method == "POST":
        form = SupporterForm(request.POST)
        if form.is_valid():
            try:
                supporter_save(by=viewer, participant=participant, supporter=supporter, **form.cleaned_data)
            except OutreachRefused as refused:
                form.add_error(None, str(refused))
            else:
                messages.success(request, _("Supporter updated."))
                return redirect(next_url)
    else:
        form = SupporterForm(initial=SupporterForm.initial_for(supporter))
    return _supporter_form_page(request, participant=participant, form=form, supporter=supporter, next_url=next_url)


# ---- supplies given at encounters (served at /supplies/report/ and /supplies/lots/<pk>/) ----

RECALL_PAGE_SIZE = 100


@require_GET
@team_only
def distribution_report(request: MemberRequest) -> HttpResponse:
    """Kits given per week or month, per recipient type and per lot, for a date range."""
    viewer = request.membership
    start, end = DistributionReportForm.default_range(viewer.program.today())
    query = request.GET.copy()
    for name, default in (("start", start.isoformat()), ("end", end.isoformat()), ("period", "month")):
        query.setdefault(name, default)
    form = DistributionReportForm(query, viewer=viewer)
    figures = None
    if form.is_valid():
        data = form.cleaned_data
        figures = selectors.distribution_report(
            viewer=viewer, start=data["start"], end=data["end"], period=data["period"], item=data["item"]
        )
    return render(
        request,
        "outreach/distribution_report.html",
        supplies_page_context(viewer, form=form, report=figures, time_zone=viewer.program.time_zone),
    )


@require_GET
@team_only
def lot_detail(request: MemberRequest, pk: int) -> HttpResponse:
    """One lot: where it is, what happened to it, and (for recalls) every encounter that gave it out."""
    viewer = request.membership
    lot = lot_get(viewer=viewer, pk=pk)
    zone = viewer.program.zone
    page = page_of(request, selectors.lot_distributions(viewer=viewer, lot=lot), RECALL_PAGE_SIZE)
    rows = selectors.lot_distribution_rows(page.object_list, zone)
    if rows:
        audit_record(
            action=AuditEvent.Action.LIST,
            by=viewer,
            target_type="outreach.encounter",
            target_ids=[row.encounter_id for row in rows],
            participant_ids=[row.participant_id for row in rows],
            note=f"recall list, lot {lot.pk}",
        )
    return render(
        request,
        "outreach/lot.html",
        supplies_page_context(
            viewer,
            lot=lot,
            expiry=expiry_for(lot.expires_on, viewer.program.today()),
            balances=list(balances_for(viewer=viewer).filter(lot=lot)),
            summary=lot_summary(viewer=viewer, lot=lot),
            page=page,
            rows=rows,
            ledger_url=f"{reverse('supplies:ledger')}?lot={lot.pk}",
            time_zone=viewer.program.time_zone,
        ),
    )


# ---- BARC-10 recovery capital ----


@require_http_methods(["GET", "POST"])
@team_only
def barc10_new(request: MemberRequest, public_id: UUID) -> HttpResponse:
    """Give the BARC-10: the ten statements in English or Spanish (?language=es), each answered 1 to 6.
    Usable at any check-in: `?task=<id>` (port.linkage's check-in task) is carried untouched in a hidden
    field and stored as `check_in_task_id`."""
    viewer = request.membership
    participant = participant_get(viewer=viewer, public_id=public_id)  # audited; 404 outside the team
    source = request.POST if request.method == "POST" else request.GET
    language = source.get("language", "en")
    if language not in barc10.LANGUAGES:
        language = "en"
    form_args: dict[str, Any] = {
        "language": language,
        "referrals": selectors.open_referrals_of(viewer=viewer, participant=participant),
        "zone": viewer.program.zone,
    }
    detail = reverse("participants:detail", args=[participant.public_id])
    if request.method == "POST":
        form = Barc10Form(request.POST, **form_args)
        if form.is_valid():
            data = form.cleaned_data
            try:
                assessment = barc10_record(
                    by=viewer,
                    participant=participant,
                    answers=data["answers"],
                    language=data["language"],
                    given_at=data["given_at"],
                    referral=data["referral"],
                    check_in_task_id=data["task"],
                )
            except Barc10Invalid as invalid:
                for name, message in invalid.errors.items():
                    form.add_error(name if name in form.fields else None, message)
            else:
                messages.success(request, _("BARC-10 recorded: %(total)d of 60.") % {"total": assessment.total})
                return redirect(safe_next(request, detail))
    else:
        form = Barc10Form(initial={"language": language, "task": request.GET.get("task", "")}, **form_args)
    task = request.POST.get("task", "") if request.method == "POST" else request.GET.get("task", "")
    other_language = "es" if language == "en" else "en"
    switch = {"language": other_language, **({"task": task} if task else {})}
    return render(
        request,
        "outreach/barc10_form.html",
        {
            "nav_active": _nav(viewer),
            "participant": participant,
            "form": form,
            "wording": form.wording,
            "other_language_url": request.path + "?" + urlencode(switch),
            "other_language": other_language,
            "next": safe_next(request, detail),
            "cut_off": barc10.REMISSION_CUT_OFF,
        },
    )
