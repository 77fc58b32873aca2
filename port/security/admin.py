"""django-axes' failed sign-in records, on PORT's admin site for operators (superusers) only.

Program admins unlock their own users with the "Unlock sign-in" action on the user list.
"""

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.http import HttpRequest

from port.accounts.admin_site import admin_site, superuser_only
from port.audit.admin_mixins import AuditedAdminMixin


class OperatorAccessAttemptAdmin(AuditedAdminMixin, AccessAttemptAdmin):
    """Deleting a record lifts that lockout (audited)."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return superuser_only(request)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return superuser_only(request)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return superuser_only(request)


admin_site.register(AccessAttempt, OperatorAccessAttemptAdmin)
