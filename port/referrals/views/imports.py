"""CSV upload: the upload form and its template download, the preview of every row, the choice of
what to import, and the rejected rows with their reasons. The work is in port.referrals.csv_import
(columns, reading, parsing, checking, services, selectors)."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from port.accounts.access import membership_required
from port.accounts.http import MemberRequest
from port.accounts.roles import IMPORTING_ROLES, SUPERVISING_ROLES
from port.audit.models import AuditEvent
from port.audit.services import audit_record
from port.core.csv import csv_response, csv_safe
from port.referrals.csv_import.checking import referral_import_check
from port.referrals.csv_import.columns import (
    COLUMN_NAMES,
    COLUMNS,
    FORMAT_HELP,
    PROBLEMS_COLUMN,
    ROW_NUMBER_COLUMN,
    example_rows,
)
from port.referrals.csv_import.parsing import default_source_for
from port.referrals.csv_import.reading import CsvFileRefused, too_large_message
from port.referrals.csv_import.selectors import already_received_count, referral_import_get, referral_imports_recent
from port.referrals.csv_import.services import (
    IMPORT_ALL,
    IMPORT_VALID_ONLY,
    ImportRefused,
    referral_import_cancel,
    referral_import_confirm,
    referral_import_upload,
)
from port.referrals.models import ReferralImport


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        help_text=gettext_lazy(
            "Saved from a spreadsheet as “CSV UTF-8”, with the template's column names in the first row."
        ),
        error_messages={
            "required": gettext_lazy("Choose the CSV file to upload."),
            "empty": gettext_lazy("The file is empty. Download the template to see what a file looks like."),
        },
    )

    def clean_file(self) -> UploadedFile:
        upload = self.cleaned_data["file"]
        if upload.size > settings.INTAKE_CSV_MAX_BYTES:
            raise forms.ValidationError(too_large_message(upload.size))
        return upload


def _column_reference() -> list[dict]:
    return [
        {
            "name": column.name,
            "required": column.required,
            "help": column.help,
            "format": FORMAT_HELP.get(column.name, ""),
            "example": column.example,
        }
        for column in COLUMNS
    ]


@membership_required(IMPORTING_ROLES)
@require_http_methods(["GET", "POST"])
def upload(request: MemberRequest) -> HttpResponse:
    membership = request.membership
    form = ImportUploadForm(request.POST, request.FILES) if request.method == "POST" else ImportUploadForm()
    if request.method == "POST" and form.is_valid():
        upload_file = form.cleaned_data["file"]
        try:
            batch = referral_import_upload(
                by=membership, file_name=upload_file.name or "upload.csv", raw=upload_file.read()
            )
        except CsvFileRefused as refused:
            for message in refused.messages:
                form.add_error("file", message)
        else:
            return redirect("referrals:import_preview", pk=batch.pk)
    return render(
        request,
        "referrals/import_upload.html",
        {
            "form": form,
            "columns": _column_reference(),
            "default_source": default_source_for(membership.agency),
            "max_rows": settings.INTAKE_CSV_MAX_ROWS,
            "max_bytes": settings.INTAKE_CSV_MAX_BYTES,
            "recent": referral_imports_recent(viewer=membership),
            "nav_active": "import",
        },
    )


@membership_required(IMPORTING_ROLES)
@require_GET
def template(request: MemberRequest) -> StreamingHttpResponse:
    codes = list(request.membership.program.acuity_levels.values_list("code", flat=True))
    rows = [[example.get(name, "") for name in COLUMN_NAMES] for example in example_rows(acuity_codes=codes)]
    # As written: the examples are ours and re-upload unchanged.
    return csv_response("referral-template.csv", COLUMN_NAMES, rows, neutralise=False)


@membership_required(IMPORTING_ROLES)
@require_GET
def preview(request: MemberRequest, pk: int) -> HttpResponse:
    membership = request.membership
    batch = referral_import_get(viewer=membership, pk=pk)
    if batch.state != ReferralImport.State.PREVIEW:
        return render(
            request,
            "referrals/import_result.html",
            {
                "batch": batch,
                "already_received": already_received_count(batch),
                "nav_active": "import",
            },
        )
    try:
        check = referral_import_check(batch=batch)
    except CsvFileRefused as refused:  # only if the limits were lowered since the upload
        return render(
            request,
            "referrals/import_result.html",
            {
                "batch": batch,
                "refused": refused.messages,
                "nav_active": "import",
            },
            status=409,
        )
    audit_record(
        action=AuditEvent.Action.LIST,
        by=membership,
        target_type="referrals.referralimport",
        target_ids=[batch.pk],
        participant_ids=[row.existing.participant_id for row in check.already_received if row.existing is not None],
        note=f"CSV import preview, {check.row_count} rows",
    )
    return render(
        request,
        "referrals/import_preview.html",
        {
            "batch": batch,
            "check": check,
            "is_uploader": batch.uploaded_by_id == membership.user_id,
            "can_cancel": batch.uploaded_by_id == membership.user_id or membership.role in SUPERVISING_ROLES,
            "import_all": IMPORT_ALL,
            "import_valid_only": IMPORT_VALID_ONLY,
            "nav_active": "import",
        },
    )


@membership_required(IMPORTING_ROLES)
@require_POST
def confirm(request: MemberRequest, pk: int) -> HttpResponse:
    membership = request.membership
    batch = referral_import_get(viewer=membership, pk=pk)
    choice = request.POST.get("choice", "")
    try:
        if choice == "cancel":
            referral_import_cancel(batch=batch, by=membership)
            messages.success(
                request, _("Upload cancelled. Nothing from the file was imported, and the file was not kept.")
            )
        else:
            referral_import_confirm(batch=batch, by=membership, choice=choice)
    except ImportRefused as refused:
        messages.error(request, str(refused))
    return redirect("referrals:import_preview", pk=batch.pk)


@membership_required(IMPORTING_ROLES)
@require_GET
def rejected_csv(request: MemberRequest, pk: int) -> StreamingHttpResponse:
    membership = request.membership
    batch = referral_import_get(viewer=membership, pk=pk)
    if batch.state != ReferralImport.State.IMPORTED or not batch.rejected_rows:
        raise Http404
    # The columns as the uploaded file had them, in its order, then the row number and the reasons.
    header: list[str] = []
    for entry in batch.rejected_rows:
        for title, _value in entry["cells"]:
            if title not in header:
                header.append(title)
    rows = []
    for entry in batch.rejected_rows:
        cells = dict((title, value) for title, value in entry["cells"])
        rows.append(
            [csv_safe(cells.get(title, "")) for title in header]
            + [str(entry["row"]), csv_safe("; ".join(entry["problems"]))]
        )
    audit_record(
        action=AuditEvent.Action.EXPORT,
        by=membership,
        target_type="referrals.referralimport",
        target_ids=[batch.pk],
        note=f"CSV import rejected rows, {len(rows)} rows",
    )
    # The header as the upload had it (the import reads it back unchanged); the cells made safe above.
    return csv_response(
        f"rejected-rows-{batch.pk}.csv", header + [ROW_NUMBER_COLUMN, PROBLEMS_COLUMN], rows, neutralise=False
    )
