"""The EMS/fire partner's pages: the people they recently went to see with the team, and each one's visit
sheet (port.casefile.visit_sheet). Everyone else: 403 for the list, 404 for a sheet."""

from uuid import UUID

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from port.accounts.access import membership_required
from port.accounts.http import MemberRequest
from port.accounts.roles import Role
from port.casefile.visit_sheet import VISIT_SHEET_DAYS, visit_sheet_get, visits_list


@require_GET
@membership_required({Role.FIRST_RESPONDER})
def visits(request: MemberRequest) -> HttpResponse:
    return render(
        request,
        "casefile/visits.html",
        {
            "rows": visits_list(viewer=request.membership),
            "days": VISIT_SHEET_DAYS,
            "nav_active": "visits",
        },
    )


@require_GET
@membership_required(Role.values)  # the selector answers 404 to anyone who did not go on a visit
def visit_sheet(request: MemberRequest, public_id: UUID) -> HttpResponse:
    sheet = visit_sheet_get(viewer=request.membership, public_id=public_id)
    return render(
        request,
        "casefile/visit_sheet.html",
        {
            "sheet": sheet,
            "participant": sheet.participant,
            "days": VISIT_SHEET_DAYS,
            "nav_active": "visits",
        },
    )
