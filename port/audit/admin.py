"""The audit trail in the admin: read-only for everyone, and each program admin sees their programs'."""

from django.contrib import admin
from django.http import HttpRequest

from port.accounts.admin import ProgramScopedAdmin, admin_site
from port.audit.models import AuditEvent


@admin.register(AuditEvent, site=admin_site)
class AuditEventAdmin(ProgramScopedAdmin):
    list_display = ("at", "user", "role", "action", "target_type", "target_ids", "participant_ids",
                    "ip_address", "path")
    list_filter = ("action", "role")
    list_select_related = ("user", "program", "api_token")
    search_fields = ("user__username", "target_type", "note")
    # Counting a large trail on every page is slow, and the number adds nothing here.
    show_full_result_count = False
    fields = ("at", "program", "user", "role", "api_token", "action", "target_type", "target_ids",
              "participant_ids", "changes", "path", "ip_address", "note")
    readonly_fields = fields

    # Nobody edits the trail, superusers included: it is written only by port.audit.services.
    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
