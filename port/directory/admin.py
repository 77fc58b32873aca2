"""The resource directory in the program admin: services (with their schedules, phones, languages and
locations), locations (addresses, schedules, phones), taxonomy terms and spreadsheet mappings, scoped to
the admin's programs and audited like every admin class (port.audit.admin_mixins.ProgramScopedAdmin).
Organizations are port.accounts' (OrganizationAdmin in port/administration/admin/programs.py).

Directory files come in through the import screens of `DirectoryImportAdmin`: upload (an HSDS JSON file,
a zip of an HSDS CSV or JSON folder, or a spreadsheet with a mapping), the preview of the plan, and
confirm (everything, or the valid rows only) or cancel; the export downloads a zip of the HSDS files.
The work is port.directory.hsds.services'.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import ForeignKey, Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from port.accounts.admin_site import (
    ProgramScopeMixin,
    admin_request,
    admin_site,
    administered_program_ids,
    may_administer,
)
from port.accounts.http import AuthenticatedRequest
from port.accounts.models import Program
from port.audit.admin_mixins import ProgramScopedAdmin
from port.audit.services import admin_record_save
from port.directory.categories import BY_CODE
from port.directory.hsds.plan import ImportPlan
from port.directory.hsds.services import (
    MAX_BYTES,
    ImportRefused,
    UploadRefused,
    directory_export_zip,
    directory_import_cancel,
    directory_import_confirm,
    directory_import_preview,
    directory_import_upload,
    directory_services_mark_checked,
)
from port.directory.hsds.spreadsheet import BUILT_IN, TARGETS
from port.directory.models import (
    Address,
    DirectoryImport,
    DirectoryMapping,
    Language,
    Location,
    Phone,
    Schedule,
    Service,
    ServiceAtLocation,
    TaxonomyTerm,
)


def _programs(request: HttpRequest) -> QuerySet[Program]:
    if request.user.is_superuser:
        return Program.objects.order_by("name")
    return Program.objects.filter(pk__in=administered_program_ids(request)).order_by("name")


class DirectoryChoicesMixin:
    """A foreign key to another directory record offers only the admin's programs' records."""

    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> forms.ModelChoiceField[Any] | None:
        related = db_field.related_model
        if (
            not request.user.is_superuser
            and related is not None
            and related._meta.app_label == "directory"
            and "queryset" not in kwargs
        ):
            kwargs["queryset"] = related._default_manager.filter(program__in=administered_program_ids(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]  # a ModelAdmin's


class DirectoryRecordForm(forms.ModelForm):
    """Every record a directory record points at is in its program."""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        program = cleaned.get("program") or getattr(self.instance, "program", None)
        if program is None:
            return cleaned
        for name, value in cleaned.items():
            if isinstance(value, Model) and not isinstance(value, Program) and hasattr(value, "program_id"):
                if value.program_id != program.pk:
                    self.add_error(name, _("Choose one of this program's records."))
        return cleaned


class DirectoryInline(DirectoryChoicesMixin, ProgramScopeMixin, admin.TabularInline):
    extra = 0


class ServiceScheduleInline(DirectoryInline):
    model = Schedule
    fk_name = "service"
    fields = ("description", "byday", "opens_at", "closes_at", "freq", "valid_from", "valid_to", "notes")
    verbose_name_plural = gettext_lazy("Opening hours (schedules)")


class ServicePhoneInline(DirectoryInline):
    model = Phone
    fk_name = "service"
    fields = ("number", "extension", "type", "description")


class ServiceLanguageInline(DirectoryInline):
    model = Language
    fk_name = "service"
    fields = ("name", "code", "note")


class ServiceAtLocationInline(DirectoryInline):
    model = ServiceAtLocation
    fk_name = "service"
    fields = ("location", "description")
    verbose_name_plural = gettext_lazy("Where the service is offered (service at location)")


class LocationAddressInline(DirectoryInline):
    model = Address
    fields = ("address_1", "address_2", "city", "state_province", "postal_code", "country", "address_type")


class LocationScheduleInline(ServiceScheduleInline):
    fk_name = "location"


class LocationPhoneInline(ServicePhoneInline):
    fk_name = "location"


class DirectoryRecordAdmin(DirectoryChoicesMixin, ProgramScopedAdmin):
    form = DirectoryRecordForm

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> tuple[str, ...]:
        # A record moves with its schedules, phones and attributes: it stays in its program.
        return ("program", "hsds_id", "updated_at") if obj is not None else ("hsds_id", "updated_at")

    def audited_save(
        self,
        request: AuthenticatedRequest,
        obj: Model,
        *,
        form: forms.ModelForm,
        change: bool,
        related: list[Model],
        deleted: list[Model],
    ) -> None:
        # A row added inline is in its record's program.
        for row in related:
            if getattr(row, "program_id", None) is None:
                row.program_id = obj.program_id  # type: ignore[attr-defined]  # every directory record has one
        admin_record_save(
            actor=request.user, record=obj, program=self._program(obj), related=related, related_deleted=deleted
        )


@admin.register(Service, site=admin_site)
class ServiceAdmin(DirectoryRecordAdmin):
    list_display = ("name", "organization", "status", "assured_date", "program")
    list_filter = ("status", ("program", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("program", "organization")
    search_fields = ("name", "alternate_name", "organization__name")
    date_hierarchy = None
    actions = ["mark_checked_today"]
    inlines = [ServiceAtLocationInline, ServiceScheduleInline, ServicePhoneInline, ServiceLanguageInline]
    fieldsets = (
        (None, {"fields": ("program", "organization", "name", "alternate_name", "status", "description")}),
        (
            gettext_lazy("Checked with the provider"),
            {
                "fields": ("assured_date", "assurer_email", "alert"),
                "description": gettext_lazy(
                    "When someone last confirmed this entry with the provider (not the same as the last edit)."
                ),
            },
        ),
        (
            gettext_lazy("Details (Open Referral HSDS)"),
            {
                "fields": (
                    "url",
                    "email",
                    "interpretation_services",
                    "application_process",
                    "fees_description",
                    "wait_time",
                    "eligibility_description",
                    "minimum_age",
                    "maximum_age",
                    "accreditations",
                    "licenses",
                    "last_modified",
                    "hsds_id",
                    "updated_at",
                ),
                "classes": ("collapse",),
            },
        ),
    )

    @admin.action(description=gettext_lazy("Mark checked today (assured date: today)"), permissions=["change"])
    def mark_checked_today(self, request: HttpRequest, queryset: QuerySet[Service]) -> None:
        changed = directory_services_mark_checked(actor=admin_request(request).user, services=queryset)
        messages.success(
            request,
            ngettext("%(count)d service marked checked today.", "%(count)d services marked checked today.", changed)
            % {"count": changed},
        )


@admin.register(Location, site=admin_site)
class LocationAdmin(DirectoryRecordAdmin):
    list_display = ("__str__", "organization", "location_type", "program")
    list_filter = ("location_type", ("program", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("program", "organization")
    search_fields = ("name", "alternate_name", "addresses__address_1", "addresses__city")
    inlines = [LocationAddressInline, LocationScheduleInline, LocationPhoneInline]
    fields = (
        "program",
        "organization",
        "name",
        "alternate_name",
        "location_type",
        "description",
        "transportation",
        "latitude",
        "longitude",
        "url",
        "external_identifier",
        "external_identifier_type",
        "hsds_id",
        "updated_at",
    )


@admin.register(TaxonomyTerm, site=admin_site)
class TaxonomyTermAdmin(DirectoryRecordAdmin):
    list_display = ("name", "code", "taxonomy", "program")
    list_filter = (("taxonomy", admin.RelatedOnlyFieldListFilter), ("program", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("program", "taxonomy")
    search_fields = ("name", "code")
    fields = (
        "program",
        "taxonomy",
        "code",
        "name",
        "description",
        "parent",
        "language",
        "term_uri",
        "hsds_id",
        "updated_at",
    )


class DirectoryMappingForm(forms.ModelForm):
    class Meta:
        model = DirectoryMapping
        fields = ("program", "name", "description", "key_columns", "columns", "flags", "true_values", "defaults")

    def clean_key_columns(self) -> list[str]:
        value = self.cleaned_data["key_columns"]
        if not isinstance(value, list) or not value or not all(isinstance(c, str) and c for c in value):
            raise forms.ValidationError(_('A list of column headers, e.g. ["Name", "Street", "ZIP"].'))
        return value

    def clean_columns(self) -> dict[str, str]:
        value = self.cleaned_data["columns"]
        if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
            raise forms.ValidationError(_('Column header → HSDS field, e.g. {"Name": "service.name"}.'))
        unknown = sorted(v for v in value.values() if v not in TARGETS)
        if unknown:
            raise forms.ValidationError(
                _("Not fields a column can fill: %(fields)s. For example: %(examples)s.")
                % {"fields": ", ".join(unknown), "examples": ", ".join(sorted(TARGETS)[:6])}
            )
        return value

    def clean_flags(self) -> dict[str, list[str]]:
        value = self.cleaned_data["flags"]
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, list) and all(isinstance(c, str) for c in v) for k, v in value.items()
        ):
            raise forms.ValidationError(
                _('Yes/no column → list of category codes, e.g. {"MAT": ["treatment.methadone"]}.')
            )
        unknown = sorted({c for codes in value.values() for c in codes if c not in BY_CODE})
        if unknown:
            raise forms.ValidationError(_("Unknown PORT category codes: %(codes)s.") % {"codes": ", ".join(unknown)})
        return value

    def clean_true_values(self) -> list[str]:
        value = self.cleaned_data["true_values"]
        if not isinstance(value, list) or not all(isinstance(c, str) for c in value):
            raise forms.ValidationError(_('A list of cells read as yes, e.g. ["Yes", "Y", "X"].'))
        return value

    def clean_defaults(self) -> dict[str, str]:
        value = self.cleaned_data["defaults"]
        if not isinstance(value, dict) or not all(k in TARGETS and isinstance(v, str) for k, v in value.items()):
            raise forms.ValidationError(_('HSDS field → text when the row has none, e.g. {"address.country": "US"}.'))
        return value


@admin.register(DirectoryMapping, site=admin_site)
class DirectoryMappingAdmin(ProgramScopedAdmin[DirectoryMapping]):
    form = DirectoryMappingForm
    list_display = ("name", "description", "program", "updated_at")
    list_filter = (("program", admin.RelatedOnlyFieldListFilter),)
    list_select_related = ("program",)
    search_fields = ("name",)


# ---- Import and export -------------------------------------------------------------------------


class UploadForm(forms.Form):
    program = forms.ModelChoiceField(queryset=Program.objects.none(), label=gettext_lazy("Program"))
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy(
            "An HSDS 3.0 JSON file; a zip of an HSDS folder (organizations.csv, services.csv... or JSON files); "
            "or a spreadsheet (.csv or .xlsx) with a mapping chosen below."
        ),
        error_messages={
            "required": gettext_lazy("Choose the file to upload."),
            "empty": gettext_lazy("The file is empty."),
        },
    )
    mapping = forms.ChoiceField(
        label=gettext_lazy("Spreadsheet mapping"),
        required=False,
        help_text=gettext_lazy("Only for a spreadsheet: how its columns become directory records."),
    )

    def __init__(self, *args: Any, request: HttpRequest, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        programs = _programs(request)
        program_field = self.fields["program"]
        assert isinstance(program_field, forms.ModelChoiceField)
        program_field.queryset = programs
        if len(programs) == 1:
            program_field.initial = programs[0].pk
        mine = DirectoryMapping.objects.filter(program__in=programs).values_list("name", flat=True)
        names = set(BUILT_IN) | set(mine)
        mapping_field = self.fields["mapping"]
        assert isinstance(mapping_field, forms.ChoiceField)
        mapping_field.choices = [("", _("None: an HSDS file or folder"))] + [(n, n) for n in sorted(names)]

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _("The file is %(size)d MB; at most %(most)d MB can be uploaded.")
                % {"size": upload.size // (1024 * 1024), "most": MAX_BYTES // (1024 * 1024)}
            )
        return upload


class ExportForm(forms.Form):
    program = forms.ModelChoiceField(queryset=Program.objects.none(), label=gettext_lazy("Program"))
    format = forms.ChoiceField(
        label=gettext_lazy("Format"),
        choices=[
            ("hsds-json", gettext_lazy("HSDS 3.0 JSON (organizations.json, services.json, ...)")),
            ("hsds-csv", gettext_lazy("HSDS 3.0 tabular CSV with datapackage.json")),
        ],
    )

    def __init__(self, *args: Any, request: HttpRequest, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        programs = _programs(request)
        program_field = self.fields["program"]
        assert isinstance(program_field, forms.ModelChoiceField)
        program_field.queryset = programs
        if len(programs) == 1:
            program_field.initial = programs[0].pk


def _plan_context(plan: ImportPlan) -> dict[str, Any]:
    counts = [(table, c) for table, c in plan.counts.items() if any(c.as_dict().values())]
    fatal = plan.fatal_problems
    importable = sum(c.added + c.changed + c.removed for _t, c in counts)
    return {
        "counts": counts,
        "problems": plan.problems,
        "fatal_count": len(fatal),
        "note_count": len(plan.problems) - len(fatal),
        "importable": importable,
        "can_import_all": not fatal and importable > 0,
        "can_import_valid": bool(fatal) and importable > 0,
    }


@admin.register(DirectoryImport, site=admin_site)
class DirectoryImportAdmin(ProgramScopedAdmin[DirectoryImport]):
    """The uploads: listed here (read-only); uploaded, previewed and confirmed on the import screens."""

    list_display = ("open_preview", "format", "mapping_name", "state", "uploaded_by", "uploaded_at", "program")
    list_filter = ("state", ("program", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("program", "uploaded_by")
    list_display_links = None
    change_list_template = "admin/directory/directoryimport/change_list.html"

    @admin.display(description=gettext_lazy("File"), ordering="file_name")
    def open_preview(self, batch: DirectoryImport) -> str:
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:directory_directoryimport_preview", args=[batch.pk]), batch.file_name
        )

    def get_queryset(self, request: HttpRequest) -> QuerySet[DirectoryImport]:
        # The list never reads the stored file; the preview loads it when it plans.
        return super().get_queryset(request).defer("content")

    def has_add_permission(self, request: HttpRequest, obj: Any | None = None) -> bool:
        return False  # the upload screen adds them

    def has_change_permission(self, request: HttpRequest, obj: Any | None = None) -> bool:
        return False  # the preview confirms or cancels them

    def has_delete_permission(self, request: HttpRequest, obj: Any | None = None) -> bool:
        return False  # the audit trail names them; a cancelled upload keeps no file

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        return [
            path("upload/", wrap(self.upload_view), name="directory_directoryimport_upload"),
            path("export/", wrap(self.export_view), name="directory_directoryimport_export"),
            path("<path:object_id>/preview/", wrap(self.preview_view), name="directory_directoryimport_preview"),
            *super().get_urls(),
        ]

    def _context(self, request: HttpRequest, title: str, **extra: Any) -> dict[str, Any]:
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            **extra,
        }

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        if not may_administer(request):
            raise PermissionDenied
        form = (
            UploadForm(request.POST, request.FILES, request=request)
            if request.method == "POST"
            else UploadForm(request=request)
        )
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                batch, _plan = directory_import_upload(
                    actor=admin_request(request).user,
                    program=form.cleaned_data["program"],
                    file_name=upload.name or "upload",
                    raw=upload.read(),
                    mapping=form.cleaned_data["mapping"],
                )
            except UploadRefused as refused:
                for message in refused.messages:
                    form.add_error("file", message)
            else:
                return HttpResponseRedirect(reverse("admin:directory_directoryimport_preview", args=[batch.pk]))
        return TemplateResponse(
            request,
            "admin/directory/directoryimport/upload.html",
            self._context(request, _("Import a directory file"), form=form, max_mb=MAX_BYTES // (1024 * 1024)),
            status=400 if form.errors else 200,
        )

    def preview_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        batch = self.get_object(request, object_id)  # another program's (or none): 404
        if request.method == "POST":
            choice = request.POST.get("choice", "")
            actor = admin_request(request).user
            try:
                if choice == "cancel":
                    directory_import_cancel(batch=batch, actor=actor)
                    messages.success(request, _("Upload cancelled. Nothing from the file was imported."))
                elif choice in ("all", "valid"):
                    plan = directory_import_confirm(batch=batch, actor=actor, valid_only=choice == "valid")
                    rejected = sum(c.rejected for c in plan.counts.values())
                    messages.success(
                        request,
                        _("Imported. %(rejected)d records were rejected: their problems are listed below.")
                        % {"rejected": rejected}
                        if rejected
                        else _("Imported."),
                    )
                else:
                    messages.error(request, _("Choose what to import."))
            except ImportRefused as refused:
                messages.error(request, str(refused))
            return HttpResponseRedirect(reverse("admin:directory_directoryimport_preview", args=[batch.pk]))
        context: dict[str, Any] = {"batch": batch}
        if batch.state == DirectoryImport.State.PREVIEW:
            context.update(_plan_context(directory_import_preview(batch)))
            title = _("Check the file before importing")
        else:
            title = _("Directory upload: %(state)s") % {"state": batch.get_state_display()}
            report = batch.report or {}
            context["report_counts"] = sorted((report.get("counts") or {}).items())
            context["report_problems"] = report.get("problems") or []
        return TemplateResponse(
            request, "admin/directory/directoryimport/preview.html", self._context(request, title, **context)
        )

    def export_view(self, request: HttpRequest) -> HttpResponse:
        if not may_administer(request):
            raise PermissionDenied
        form = ExportForm(request.GET, request=request) if "format" in request.GET else ExportForm(request=request)
        if form.is_bound and form.is_valid():
            program: Program = form.cleaned_data["program"]
            format_name = form.cleaned_data["format"]
            content = directory_export_zip(actor=admin_request(request).user, program=program, format_name=format_name)
            day = program.today().isoformat()
            response = HttpResponse(content, content_type="application/zip")
            response["Content-Disposition"] = f'attachment; filename="directory-{program.slug}-{format_name}-{day}.zip"'
            return response
        return TemplateResponse(
            request,
            "admin/directory/directoryimport/export.html",
            self._context(request, _("Export the directory"), form=form),
            status=400 if form.errors else 200,
        )
