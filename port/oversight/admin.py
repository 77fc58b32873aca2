"""The audit trail in the admin: read-only for everyone, and each program admin sees their programs'.

The app's own pages (port.oversight.views, "Audit trail" in the menu) answer the day-to-day questions for
supervisors too; the admin adds free filtering and CSV downloads of any selection. Both are read only:
nobody, superusers included, adds, changes or deletes an entry (the database refuses it as well,
migration 0004).
"""

import datetime as dt
import uuid

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest, StreamingHttpResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from port.accounts.admin_site import admin_site, administered_program_ids
from port.accounts.roles import Role
from port.audit.admin_mixins import ProgramScopedAdmin
from port.audit.models import AuditEvent, AuditParticipant
from port.audit.services import audit_record
from port.core.csv import csv_response
from port.oversight import presenters
from port.participants.models import BreakGlassAccess, Participant
from port.participants.selectors import participant_record_ids


class ReadOnlyAdmin(ProgramScopedAdmin):
    # Nobody edits the trail, superusers included: it is written only by port.audit.services.
    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


def _admin_actor(request: HttpRequest) -> dict:
    """Who exports from the admin, for the audit entry: their admin membership, or the superuser alone."""
    membership = getattr(request, "membership", None)
    if membership is not None and membership.role == Role.ADMIN:
        return {"by": membership}
    return {"user": request.user}


class ParticipantFilter(admin.SimpleListFilter):
    """?participant=<public id>: the entries about one participant (and records merged into them).

    Reached from a link, not chosen from a list: listing participants here would itself be a read."""

    title = _("participant")
    parameter_name = "participant"

    def _participant(self, request: HttpRequest) -> Participant | None:
        try:
            public_id = uuid.UUID(str(self.value()))
        except ValueError:
            return None
        participants = Participant.objects.filter(public_id=public_id)
        if not request.user.is_superuser:
            participants = participants.filter(program_id__in=administered_program_ids(request))
        return participants.first()

    def lookups(self, request: HttpRequest, model_admin):
        # Shown (and so applied) only while one is chosen.
        return [(self.value(), _("The chosen participant"))] if self.value() else []

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if not self.value():
            return queryset
        participant = self._participant(request)
        if participant is None:
            return queryset.none()
        about = AuditParticipant.objects.filter(participant_id__in=participant_record_ids(participant))
        return queryset.filter(pk__in=about.values("event_id"))


@admin.register(AuditEvent, site=admin_site)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = (
        "at",
        "user",
        "role",
        "action",
        "target_type",
        "target_ids",
        "participant_ids",
        "ip_address",
        "path",
        "flagged",
    )
    list_filter = ("action", "role", "flagged", ("at", admin.DateFieldListFilter), ParticipantFilter)
    list_select_related = ("user", "program", "api_token__agency")
    search_fields = ("user__username", "target_type", "note", "reason")
    # Counting a large trail on every page is slow, and the number adds nothing here.
    show_full_result_count = False
    fields = (
        "seq",
        "at",
        "program",
        "user",
        "role",
        "api_token",
        "action",
        "target_type",
        "target_ids",
        "participant_ids",
        "changes",
        "path",
        "ip_address",
        "note",
        "reason",
        "flagged",
        "prev_hash",
        "entry_hash",
    )
    readonly_fields = fields
    actions = ["export_csv"]

    @admin.action(description=_("Download the selected entries as CSV"))
    def export_csv(self, request: HttpRequest, queryset: QuerySet) -> StreamingHttpResponse:
        events = queryset.select_related("user", "api_token__agency").order_by("seq", "pk")
        named = AuditParticipant.objects.filter(event__in=queryset).values_list("participant_id", flat=True).distinct()
        audit_record(
            action=AuditEvent.Action.EXPORT,
            **_admin_actor(request),
            target_type="audit.auditevent",
            participant_ids=named,
            note=f"audit entries from the admin, CSV, {queryset.count()} entries",
        )
        membership = getattr(request, "membership", None)
        zone = membership.program.zone if membership is not None else dt.UTC
        rows = presenters.event_csv_rows(events.iterator(chunk_size=2000), zone=zone)
        return csv_response("audit-entries.csv", presenters.event_csv_header(), rows)


@admin.register(BreakGlassAccess, site=admin_site)
class BreakGlassAccessAdmin(ReadOnlyAdmin):
    """Who opened a record outside their program, and why; reviewed in the app ("Audit trail")."""

    list_display = (
        "granted_at",
        "user",
        "accessor_program",
        "participant_program",
        "reason",
        "reviewed_at",
        "reviewed_by",
        "review_link",
    )
    list_filter = (("reviewed_at", admin.EmptyFieldListFilter),)
    list_select_related = ("user", "membership__program", "participant__program", "reviewed_by")
    # The participant is not named here (it may be another program's); the app's review page names
    # the reviewer's own program's participants and audits that it did.
    fields = (
        "granted_at",
        "expires_at",
        "user",
        "accessor_program",
        "participant_program",
        "reason",
        "reviewed_at",
        "reviewed_by",
        "review_note",
        "review_link",
    )
    readonly_fields = fields

    def scope_queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        programs = administered_program_ids(request)
        return queryset.filter(Q(membership__program_id__in=programs) | Q(participant__program_id__in=programs))

    @admin.display(description=_("program of the person who opened it"))
    def accessor_program(self, access: BreakGlassAccess) -> str:
        return access.membership.program.name

    @admin.display(description=_("participant's program"))
    def participant_program(self, access: BreakGlassAccess) -> str:
        return access.participant.program.name

    @admin.display(description=_("review"))
    def review_link(self, access: BreakGlassAccess) -> str:
        label = _("Details") if access.reviewed_at else _("Review in the app")
        return format_html('<a href="{}">{}</a>', reverse("audit:break_glass_detail", args=[access.pk]), label)
