from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from port.accounts.roles import TEAM_ROLES
from port.notifications.selectors import unread_notice_count


def notices(request: HttpRequest) -> dict:
    """The unread count for the nav. Lazy: a page that does not show the nav costs no query."""
    membership = getattr(request, "membership", None)
    if membership is None or membership.role not in TEAM_ROLES:
        return {}
    return {"notice_unread_count": SimpleLazyObject(lambda: unread_notice_count(viewer=membership))}
