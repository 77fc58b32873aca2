"""Making a resource list on the participant's page: pick directory services (from the directory's
search, which carries "add to the list" checkboxes while a list is being made: the session holds the
list in progress, the URL holds only the participant's public id), choose who it is for and the
language, save; then print it or copy its text-message version. Every page here is an audited read."""

from uuid import UUID

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from port.accounts.access import team_only
from port.accounts.http import MemberRequest
from port.casefile import resource_lists
from port.casefile.resource_wording import LANGUAGES, WORDS
from port.directory.selectors import services_listed
from port.directory.views import PICK_SESSION_KEY
from port.outreach.selectors import participant_supporters
from port.participants import selectors as people


def _pick(request: MemberRequest, public_id: UUID) -> dict:
    """The list in progress for this participant (a new one if the session holds another's)."""
    post_to = reverse("participants:resource_list_new", args=[public_id])
    pick = request.session.get(PICK_SESSION_KEY)
    if not isinstance(pick, dict) or pick.get("post_to") != post_to:
        pick = {"post_to": post_to, "services": []}
    return pick


def _ids(values: list[str]) -> list[int]:
    return [int(value) for value in values if value.isdigit()]


@require_http_methods(["GET", "POST"])
@team_only
def resource_list_new(request: MemberRequest, public_id: UUID) -> HttpResponse:
    viewer = request.membership
    participant = people.participant_get(viewer=viewer, public_id=public_id)
    supporters = participant_supporters(viewer=viewer, participant=participant, agreed_only=True)
    pick = _pick(request, public_id)
    error = ""
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "add":
            pick["services"] = list(dict.fromkeys([*pick["services"], *_ids(request.POST.getlist("service"))]))
            pick["services"] = pick["services"][: resource_lists.MAX_SERVICES]
        elif action == "remove":
            gone = set(_ids(request.POST.getlist("service")))
            pick["services"] = [pk for pk in pick["services"] if pk not in gone]
        elif action == "save":
            recipient = request.POST.get("recipient", "participant")
            supporter = None
            if recipient != "participant":
                supporter = next((s for s in supporters if str(s.pk) == recipient), None)
                if supporter is None:
                    error = _("Choose who the list is for.")
            language = request.POST.get("language", "")
            if not error:
                try:
                    made = resource_lists.resource_list_save(
                        by=viewer,
                        participant=participant,
                        service_ids=pick["services"],
                        language=language,
                        supporter=supporter,
                    )
                except resource_lists.ResourceListRefused as refused:
                    error = str(refused)
                else:
                    request.session.pop(PICK_SESSION_KEY, None)
                    messages.success(request, _("Resource list saved."))
                    return redirect("participants:resource_list", public_id=public_id, pk=made.pk)
        if not error:
            request.session[PICK_SESSION_KEY] = pick
            return redirect("participants:resource_list_new", public_id=public_id)
    request.session[PICK_SESSION_KEY] = pick
    return render(
        request,
        "casefile/resource_list_new.html",
        {
            "participant": participant,
            "supporters": supporters,
            "picked": services_listed(viewer=viewer, ids=pick["services"]),
            "languages": LANGUAGES.items(),
            "error": error,
            "chosen_language": request.POST.get("language", "en"),
            "chosen_recipient": request.POST.get("recipient", "participant"),
        },
        status=400 if error else 200,
    )


def _list_context(request: MemberRequest, public_id: UUID, pk: int, note: str) -> dict:
    viewer = request.membership
    participant = people.participant_get(viewer=viewer, public_id=public_id)
    made = resource_lists.resource_list_get(viewer=viewer, participant=participant, pk=pk, note=note)
    shown = resource_lists.entries(viewer=viewer, made=made)
    return {
        "participant": participant,
        "made": made,
        "entries": shown,
        "words": WORDS[made.language],
        "given_on": resource_lists.given_on(made),
        "text": resource_lists.text_message(made, shown),
        "lang": made.language,
    }


@require_GET
@team_only
def resource_list(request: MemberRequest, public_id: UUID, pk: int) -> HttpResponse:
    context = _list_context(request, public_id, pk, "resource list")
    return render(request, "casefile/resource_list.html", context)


@require_GET
@team_only
def resource_list_print(request: MemberRequest, public_id: UUID, pk: int) -> HttpResponse:
    context = _list_context(request, public_id, pk, "resource list printed")
    if not context["entries"]:
        raise Http404
    return render(request, "casefile/resource_list_print.html", context)
