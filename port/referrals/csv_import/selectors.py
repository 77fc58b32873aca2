"""Reads of CSV import batches, scoped to the viewer: a batch is visible to its program's importing
roles, and for partners to their agency only."""

from django.db.models import QuerySet
from django.http import Http404

from port.accounts.models import Membership
from port.accounts.roles import IMPORTING_ROLES, PARTNER_ROLES
from port.referrals.models import ReferralImport

# Reads: a batch is visible to its program's importing roles, and for partners to their agency only.


def referral_imports_visible_to(viewer: Membership) -> QuerySet[ReferralImport]:
    if viewer.role not in IMPORTING_ROLES:
        return ReferralImport.objects.none()
    batches = ReferralImport.objects.filter(program_id=viewer.program_id)
    if viewer.role in PARTNER_ROLES:
        return batches.filter(agency_id=viewer.agency_id) if viewer.agency_id else batches.none()
    return batches


def referral_import_get(*, viewer: Membership, pk: int) -> ReferralImport:
    """One batch the viewer may see, or 404 (never 403: the batch's existence is not leaked)."""
    try:
        return referral_imports_visible_to(viewer).select_related("program", "agency", "uploaded_by").get(pk=pk)
    except (ReferralImport.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def referral_imports_recent(*, viewer: Membership, limit: int = 10) -> list[ReferralImport]:
    """The viewer's latest batches (file name, state and counts only: no participant data)."""
    return list(
        referral_imports_visible_to(viewer)
        .select_related("uploaded_by")
        .defer("content", "rejected_rows")
        .order_by("-created_at", "-pk")[:limit]
    )


def already_received_count(batch: ReferralImport) -> int:
    """Rows an imported batch did not import because the referral was already received.

    Every row is imported, already received, or rejected, so the model needs no column for it."""
    return max(batch.row_count - batch.imported_count - batch.rejected_count, 0)
