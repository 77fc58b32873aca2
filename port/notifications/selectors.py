"""Reads of in-app notices: a person only ever sees their own, for the program they act in."""

from django.db.models import Q, QuerySet
from django.http import Http404

from port.accounts.models import Membership
from port.accounts.roles import TEAM_ROLES
from port.notifications.models import Notice
from port.referrals.models import Referral
from port.referrals.selectors import audit_list_read, referrals_visible_to


def notices_for(*, viewer: Membership) -> QuerySet[Notice]:
    """The viewer's own notices in the program they act in, newest first. A notice's stored text names no
    participant; the page adds the person's name for the viewer through `notices_named`."""
    if viewer.role not in TEAM_ROLES:
        return Notice.objects.none()
    return (
        Notice.objects.filter(user_id=viewer.user_id)
        .filter(Q(referral__program_id=viewer.program_id) | Q(referral__isnull=True))
        .select_related("referral", "warning")
        .order_by("-created_at", "-pk")
    )


def notice_get(*, viewer: Membership, pk: int | str) -> Notice:
    """One of the viewer's own notices, or 404."""
    try:
        return notices_for(viewer=viewer).get(pk=int(pk))
    except (Notice.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def unread_notice_count(*, viewer: Membership) -> int:
    """How many of the viewer's notices are unread: one COUNT on the (user, read_at) index."""
    if viewer.role not in TEAM_ROLES:
        return 0
    return (
        Notice.objects.filter(user_id=viewer.user_id, read_at__isnull=True)
        .filter(Q(referral__program_id=viewer.program_id) | Q(referral__isnull=True))
        .count()
    )


def notices_named(*, viewer: Membership, notices: list[Notice]) -> list[Notice]:
    """`notices` with `person_name` set: the display name of the person each is about, when the viewer may
    see that referral now ("" otherwise, and for notices without a referral). Names are never stored in a
    notice (emails stay anonymous); showing them here is a read of those participants, audited as one list."""
    referral_ids = {notice.referral_id for notice in notices if notice.referral_id}
    visible: dict[int | None, Referral] = {
        referral.pk: referral
        for referral in referrals_visible_to(viewer).filter(pk__in=referral_ids).select_related("participant")
    }
    for notice in notices:
        referral = visible.get(notice.referral_id)
        notice.person_name = referral.participant.display_name if referral is not None else ""
    audit_list_read(viewer=viewer, referrals=list(visible.values()), note="notices")
    return notices
