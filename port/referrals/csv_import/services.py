"""Writes for CSV import: upload a batch, confirm it (all rows or only the valid ones, each through
`port.referrals.intake.referral_intake`, like every other channel), or cancel it. Audited here."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from port.accounts.models import Membership
from port.accounts.roles import IMPORTING_ROLES, Role
from port.audit.models import AuditEvent
from port.audit.services import audit_record
from port.referrals.csv_import.checking import ImportRow, RowProblem, referral_import_check
from port.referrals.csv_import.columns import column_for_field
from port.referrals.csv_import.reading import examples_listed, read_upload
from port.referrals.csv_import.selectors import already_received_count
from port.referrals.intake import (
    IntakeRejected,
    intake_lock,
    referral_intake,
)
from port.referrals.models import Channel, Referral, ReferralImport

# Writes.


class ImportRefused(Exception):
    """The batch cannot be imported (or cancelled) as asked; the message says why."""


IMPORT_ALL = "all"
IMPORT_VALID_ONLY = "valid_only"
IMPORT_CHOICES = (IMPORT_ALL, IMPORT_VALID_ONLY)


def referral_import_upload(*, by: Membership, file_name: str, raw: bytes) -> ReferralImport:
    """Keep an uploaded file for preview. Raises CsvFileRefused, and saves nothing, when the file
    itself has a problem (size, encoding, CSV syntax, columns, rows). Row problems are the preview's."""
    if by.role not in IMPORTING_ROLES:
        raise ImportRefused(_("Your role cannot upload referrals."))
    table = read_upload(raw)
    batch = ReferralImport.objects.create(
        program=by.program,
        agency=by.agency,
        uploaded_by=by.user,
        file_name=file_name[:200],
        content=table.text,
        row_count=len(table.rows),
    )
    audit_record(
        action=AuditEvent.Action.CREATE,
        by=by,
        target_type="referrals.referralimport",
        target_ids=[batch.pk],
        note=f"CSV upload, {len(table.rows)} rows, waiting for preview",
    )
    return batch


def _locked(batch: ReferralImport) -> ReferralImport:
    return ReferralImport.objects.select_for_update(of=("self",)).select_related("program", "agency").get(pk=batch.pk)


def _check_waiting(batch: ReferralImport) -> None:
    if batch.state == ReferralImport.State.IMPORTED:
        raise ImportRefused(_("This file was already imported; nothing was imported again."))
    if batch.state == ReferralImport.State.CANCELLED:
        raise ImportRefused(_("This upload was cancelled; upload the file again to import it."))


def _rejected_entry(row: ImportRow) -> dict:
    return {
        "row": row.number,
        "cells": [list(cell) for cell in row.cells],
        "problems": [str(problem) for problem in row.problems],
    }


@transaction.atomic
def referral_import_confirm(
    *, batch: ReferralImport, by: Membership, choice: str, now: dt.datetime | None = None
) -> ReferralImport:
    """Import a previewed batch: every row ("all", all or nothing) or only its valid rows.

    Rows are checked again (time has passed; another upload may have sent the same referrals), in
    one transaction with the batch locked, so a double submit imports once. Each row goes through
    `referral_intake`; rejected rows are kept with their reasons for download, and the file itself
    is dropped.
    """
    if choice not in IMPORT_CHOICES:
        raise ImportRefused(_("Choose whether to import every row or only the valid rows."))
    batch = _locked(batch)
    _check_waiting(batch)
    if by.user_id != batch.uploaded_by_id:
        # The referrals are sent in the uploader's name, for the uploader's agency.
        raise ImportRefused(_("Only the person who uploaded this file can import it."))
    now = now or timezone.now()
    check = referral_import_check(batch=batch, now=now)
    if choice == IMPORT_ALL and check.with_problems:
        rows = [row.number for row in check.with_problems]
        raise ImportRefused(
            ngettext(
                "Nothing was imported: row %(rows)s has a problem. Fix it and upload the file again, or "
                "import only the valid rows.",
                "Nothing was imported: %(count)d rows have problems (rows %(rows)s). Fix them and upload "
                "the file again, or import only the valid rows.",
                len(rows),
            )
            % {"count": len(rows), "rows": examples_listed([str(n) for n in rows], 10)}
        )

    created: list[Referral] = []
    rejected: list[ImportRow] = list(check.with_problems)
    # One transaction for every row: take all their matching locks at once, in one order, so a
    # referral arriving meanwhile through another channel can never wait in a cycle with this batch.
    intake_lock(program=batch.program, submissions=[row.submission for row in check.ready])
    for row in check.ready:
        try:
            result = referral_intake(
                program=batch.program,
                submission=row.submission,
                channel=Channel.CSV,
                agency=batch.agency,
                submitted_by=by,
                now=now,
            )
        except IntakeRejected as exc:  # the checks above are the same; only a race gets here
            if choice == IMPORT_ALL:
                raise ImportRefused(
                    _("Nothing was imported: row %(row)d was refused (%(reason)s).")
                    % {"row": row.number, "reason": exc}
                ) from exc
            row.problems = [RowProblem(column_for_field(k), v) for k, v in exc.errors.items()]
            rejected.append(row)
            continue
        if result.created:
            created.append(result.referral)

    rejected.sort(key=lambda row: row.number)
    batch.state = ReferralImport.State.IMPORTED
    batch.content = ""  # the referrals now hold what was sent; the file is not kept
    batch.row_count = check.row_count
    batch.imported_count = len(created)
    batch.rejected_count = len(rejected)
    batch.rejected_rows = [_rejected_entry(row) for row in rejected]
    batch.finished_at = timezone.now()
    batch.save(
        update_fields=[
            "state",
            "content",
            "row_count",
            "imported_count",
            "rejected_count",
            "rejected_rows",
            "finished_at",
        ]
    )
    audit_record(
        action=AuditEvent.Action.CREATE,
        by=by,
        target_type="referrals.referralimport",
        target_ids=[batch.pk],
        participant_ids=[r.participant_id for r in created],
        note=f"CSV import ({choice}): {len(created)} imported, "
        f"{already_received_count(batch)} already received, {len(rejected)} rejected",
    )
    return batch


@transaction.atomic
def referral_import_cancel(*, batch: ReferralImport, by: Membership) -> ReferralImport:
    """Drop a batch waiting for preview; nothing from it is imported and the file is not kept."""
    batch = _locked(batch)
    _check_waiting(batch)
    if by.user_id != batch.uploaded_by_id and by.role not in (Role.ADMIN, Role.SUPERVISOR):
        raise ImportRefused(_("Only the person who uploaded this file, or a supervisor, can cancel it."))
    batch.state = ReferralImport.State.CANCELLED
    batch.content = ""
    batch.finished_at = timezone.now()
    batch.save(update_fields=["state", "content", "finished_at"])
    audit_record(
        action=AuditEvent.Action.UPDATE,
        by=by,
        target_type="referrals.referralimport",
        target_ids=[batch.pk],
        changes={"state": ["preview", "cancelled"]},
    )
    return batch
