"""Reads of in-app notices: a person only ever sees their own, for the program they act in."""

from django.db.models import Q, QuerySet
from django.http import Http404

from port.accounts.models import Membership
from port.accounts.roles import TEAM_ROLES
from port.notifications.models import Notice


def notices_for(*, viewer: Membership) -> QuerySet[Notice]:
    """The viewer's own notices in the program they act in, newest first. Notices name no participant,
    so listing them is not a read of participant data."""
    if viewer.role not in TEAM_ROLES:
        return Notice.objects.none()
    return (Notice.objects.filter(user_id=viewer.user_id)
            .filter(Q(referral__program_id=viewer.program_id) | Q(referral__isnull=True))
            .select_related("referral", "warning")
            .order_by("-created_at", "-pk"))


def notice_get(*, viewer: Membership, pk) -> Notice:
    """One of the viewer's own notices, or 404."""
    try:
        return notices_for(viewer=viewer).get(pk=int(pk))
    except (Notice.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def unread_notice_count(*, viewer: Membership) -> int:
    """How many of the viewer's notices are unread: one COUNT on the (user, read_at) index."""
    if viewer.role not in TEAM_ROLES:
        return 0
    return (Notice.objects.filter(user_id=viewer.user_id, read_at__isnull=True)
            .filter(Q(referral__program_id=viewer.program_id) | Q(referral__isnull=True)).count())
