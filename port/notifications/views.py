"""The signed-in person's notices (deadline warnings), newest first, and marking them read."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from port.accounts.access import team_only
from port.accounts.http import MemberRequest
from port.core.pagination import page_of
from port.notifications.selectors import notice_get, notices_for, notices_named
from port.notifications.services import notices_mark_read

PAGE_SIZE = 50


@require_GET
@team_only
def notice_list(request: MemberRequest) -> HttpResponse:
    viewer = request.membership
    page = page_of(request, notices_for(viewer=viewer), PAGE_SIZE)
    return render(
        request,
        "notifications/list.html",
        {
            "page": page,
            "notices": notices_named(viewer=viewer, notices=list(page.object_list)),
            "time_zone": viewer.program.time_zone,
            "nav_active": "notices",
        },
    )


@require_POST
@team_only
def mark_all_read(request: MemberRequest) -> HttpResponse:
    count = notices_mark_read(viewer=request.membership)
    if count:
        messages.success(
            request,
            ngettext("%(count)d notice marked read.", "%(count)d notices marked read.", count) % {"count": count},
        )
    else:
        messages.info(request, _("There were no unread notices."))
    return redirect("notifications:list")


@require_POST
@team_only
def mark_read(request: MemberRequest, pk: int) -> HttpResponse:
    notice = notice_get(viewer=request.membership, pk=pk)  # 404 for anyone else's notice
    notices_mark_read(viewer=request.membership, notice=notice)
    page = request.POST.get("page", "")
    return redirect(reverse("notifications:list") + (f"?page={page}" if page.isdigit() else ""))
