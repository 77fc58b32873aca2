"""The admin base that records: every admin write goes through an audited service.

`AuditedAdminMixin` routes the admin's saves and deletes to port.audit.services (admin_record_save,
admin_records_delete); admin classes with named services (programs, users, memberships, tokens:
port/administration/admin/) override `audited_save`. `ProgramScopedAdmin` is the usual base: scoped to
the admin's programs (port.accounts.admin_site.ProgramScopeMixin) and audited.
"""

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from port.accounts.admin_site import ProgramScopeMixin, program_of
from port.accounts.models import Program
from port.audit.services import admin_record_save, admin_records_delete


def inline_changes(formsets) -> tuple[list[Model], list[Model]]:
    """The inline rows a change page saves and deletes, not yet written (formset.save(commit=False))."""
    saved, deleted = [], []
    for formset in formsets:
        saved += formset.save(commit=False)
        deleted += formset.deleted_objects
    return saved, deleted


class AuditedAdminMixin:
    """Every admin write goes through a service that records it in the audit trail (port.audit.services).

    The admin's own writes are routed here: the change form's record and its inlines are saved together
    in `save_related` (one audit entry per page saved, list edits included), and single and bulk deletes
    are one entry each. Admins whose records have named services (programs, users, memberships, tokens)
    override `audited_save` (and `audited_delete`). Every class registered on `admin_site` has this mixin
    (port/administration/tests/test_admin_audit.py walks them all).
    """

    def _program(self, obj: Model) -> Program | None:
        # ProgramScopeMixin's lookup path; an admin without one (axes' records) has no program.
        return program_of(obj, getattr(self, "program_field", None))

    def save_model(self, request: HttpRequest, obj: Model, form, change: bool) -> None:
        """Nothing here: the object is saved with its inlines in save_related, so one page is one
        audited change."""

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        related, deleted = inline_changes(formsets)
        self.audited_save(request, form.instance, form=form, change=change, related=related, deleted=deleted)
        if hasattr(form, "save_m2m"):
            form.save_m2m()
        for formset in formsets:
            formset.save_m2m()

    def audited_save(
        self, request: HttpRequest, obj: Model, *, form, change: bool, related: list[Model], deleted: list[Model]
    ) -> None:
        admin_record_save(
            actor=request.user, record=obj, program=self._program(obj), related=related, related_deleted=deleted
        )

    def delete_model(self, request: HttpRequest, obj: Model) -> None:
        self.audited_delete(request, [obj], program=self._program(obj))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        by_program: dict[int | None, list[Model]] = {}
        for obj in queryset:
            program = self._program(obj)
            by_program.setdefault(program.pk if program else None, []).append(obj)
        for records in by_program.values():
            self.audited_delete(request, records, program=self._program(records[0]))

    def audited_delete(self, request: HttpRequest, records: list[Model], *, program: Program | None) -> None:
        """Delete `records` (of one program) with one audit entry; admins with named services override it."""
        admin_records_delete(actor=request.user, records=records, program=program)


class ProgramScopedAdmin(AuditedAdminMixin, ProgramScopeMixin, admin.ModelAdmin):
    """A model admin limited to the signed-in program admin's programs (see ProgramScopeMixin), whose
    changes are audited (AuditedAdminMixin)."""
