"""The one way into the directory from a file: read the source, plan, and (unless it is a dry run) write,
with one admin audit entry naming the counts. The management commands and the admin screens both call
`directory_source_read` then `directory_import`."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from port.accounts.models import Program, User
from port.audit.models import AuditEvent
from port.audit.services import admin_audit
from port.directory.hsds.csv_io import read_csv_folder
from port.directory.hsds.dataset import Dataset, Problem
from port.directory.hsds.export import export_files
from port.directory.hsds.json_io import read_json_files
from port.directory.hsds.plan import ImportPlan, ImportRefused, import_apply, import_plan
from port.directory.hsds.spreadsheet import mapping_for, read_spreadsheet
from port.directory.models import DirectoryImport, Service

MAX_FILES = 200
MAX_BYTES = 50 * 1024 * 1024

__all__ = [
    "ImportRefused",
    "UploadRefused",
    "directory_export_zip",
    "directory_files_read",
    "directory_import",
    "directory_import_cancel",
    "directory_import_confirm",
    "directory_import_preview",
    "directory_import_upload",
    "directory_path_read",
    "directory_services_mark_checked",
]


class UploadRefused(Exception):
    """The uploaded file cannot be read at all: `messages` say why (nothing was kept)."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


def directory_files_read(program: Program, files: dict[str, bytes], *, mapping: str = "") -> Dataset:
    """Files (one upload, a folder's files, or a zip's) into a Dataset: HSDS JSON, the HSDS tabular CSV
    form, or, with `mapping`, a spreadsheet (CSV or XLSX)."""
    if len(files) == 1:
        name, raw = next(iter(files.items()))
        if raw.startswith(b"PK\x03\x04") and name.lower().endswith(".zip"):
            try:
                with zipfile.ZipFile(io.BytesIO(raw)) as archive:
                    members = [
                        m for m in archive.infolist() if not m.is_dir() and not m.filename.startswith("__MACOSX")
                    ]
                    if len(members) > MAX_FILES or sum(m.file_size for m in members) > MAX_BYTES:
                        return _refused(name, "the zip holds too many files or too much data")
                    files = {Path(m.filename).name: archive.read(m) for m in members}
            except zipfile.BadZipFile:
                return _refused(name, "not a readable zip file")
    if mapping:
        try:
            chosen = mapping_for(program, mapping)
        except LookupError as exc:
            return _refused("mapping", str(exc))
        sheets = [n for n in files if n.lower().endswith((".csv", ".xlsx"))]
        if len(sheets) != 1:
            return _refused("upload", "a mapping reads one spreadsheet (.csv or .xlsx)")
        return read_spreadsheet(program, chosen, sheets[0], files[sheets[0]])
    names = [n.lower() for n in files]
    if any(n.endswith(".csv") for n in names) and not any(
        n.endswith(".json") and n != "datapackage.json" for n in names
    ):
        return read_csv_folder({n: b for n, b in files.items() if n.lower().endswith(".csv")})
    jsons = [(n, b) for n, b in files.items() if n.lower().endswith(".json") and n.lower() != "datapackage.json"]
    if not jsons:
        if len(files) == 1:
            # One file of unknown kind: try it as JSON, which names its own problems.
            return read_json_files(list(files.items()))
        return _refused("upload", "no HSDS JSON or CSV files found")
    return read_json_files(jsons)


def directory_path_read(program: Program, path: Path, *, mapping: str = "") -> Dataset:
    if path.is_dir():
        files = {p.name: p.read_bytes() for p in sorted(path.iterdir()) if p.is_file()}
        if mapping and "extracted_providers.csv" in files:
            files = {"extracted_providers.csv": files["extracted_providers.csv"]}
    elif path.is_file():
        files = {path.name: path.read_bytes()}
    else:
        return _refused(str(path), "no such file or folder")
    return directory_files_read(program, files, mapping=mapping)


def _refused(where: str, message: str) -> Dataset:
    dataset = Dataset()
    dataset.problems.append(Problem(where, "", message))
    return dataset


@transaction.atomic
def directory_import(
    *,
    program: Program,
    dataset: Dataset,
    actor: User | None,
    valid_only: bool,
    dry_run: bool = False,
    source: str = "",
    batch: DirectoryImport | None = None,
) -> ImportPlan:
    """Plan `dataset` for `program` and, unless `dry_run`, write it (everything, or with `valid_only` the
    valid rows). Raises ImportRefused, changing nothing, when problems stop it."""
    if not dry_run:
        directory_import_lock(program)
    plan = import_plan(program, dataset)
    if dry_run:
        return plan
    if plan.file_refused:
        raise ImportRefused(f"Nothing was imported: {plan.fatal_problems[0]}")
    import_apply(plan, valid_only=valid_only)
    summary = "; ".join(
        f"{table} +{c.added} ~{c.changed} ={c.unchanged} x{c.rejected}" + (f" -{c.removed}" if c.removed else "")
        for table, c in plan.counts.items()
        if any(c.as_dict().values())
    )
    admin_audit(
        actor=actor,
        program=program,
        action=AuditEvent.Action.CREATE,
        target=DirectoryImport if batch else Service,
        target_ids=[batch.pk] if batch else [],
        changes={t: c.as_dict() for t, c in plan.counts.items() if any(c.as_dict().values())},
        note=f"Directory import ({'valid rows only' if valid_only else 'all rows'}) from {source[:120]}: {summary}",
    )
    return plan


def directory_import_lock(program: Program) -> None:
    """Inside the import's transaction, wait until no other import into `program` is writing, and keep
    others waiting until this one commits, so the second plans against what the first wrote (no
    duplicate records, no unique-constraint error). PostgreSQL: a transaction-scoped advisory lock per
    program; SQLite needs nothing (IMMEDIATE transactions take its single write lock at BEGIN)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_CLASS, program.pk])


_LOCK_CLASS = 0x44495231  # "DIR1": the advisory-lock namespace of directory imports


# The admin's upload, preview and confirm (port/directory/admin.py), around a stored DirectoryImport.


def _upload_format(files: dict[str, bytes], name: str, mapping: str) -> str:
    if mapping:
        return DirectoryImport.Format.SPREADSHEET
    names = [n.lower() for n in files]
    if name.lower().endswith(".zip"):
        try:
            with zipfile.ZipFile(io.BytesIO(files[name])) as archive:
                names = [m.lower() for m in archive.namelist()]
        except zipfile.BadZipFile:
            pass
    if any(n.endswith(".csv") for n in names) and not any(
        n.endswith(".json") and not n.endswith("datapackage.json") for n in names
    ):
        return DirectoryImport.Format.HSDS_CSV
    return DirectoryImport.Format.HSDS_JSON


@transaction.atomic
def directory_import_upload(
    *, actor: User, program: Program, file_name: str, raw: bytes, mapping: str = ""
) -> tuple[DirectoryImport, ImportPlan]:
    """Keep an uploaded file for its preview. Raises UploadRefused (keeping nothing) when the file
    cannot be read at all; row and field problems are the preview's."""
    file_name = Path(file_name).name[:200] or "upload"
    files = {file_name: raw}
    dataset = directory_files_read(program, files, mapping=mapping)
    plan = import_plan(program, dataset)
    if plan.file_refused:
        raise UploadRefused([str(p) for p in plan.fatal_problems])
    batch = DirectoryImport.objects.create(
        program=program,
        uploaded_by=actor,
        file_name=file_name,
        format=_upload_format(files, file_name, mapping),
        mapping_name=mapping,
        content=raw,
    )
    admin_audit(
        actor=actor,
        program=program,
        action=AuditEvent.Action.CREATE,
        target=DirectoryImport,
        target_ids=[batch.pk],
        note=f"Directory file uploaded for preview: {file_name[:120]}",
    )
    return batch, plan


def _batch_dataset(batch: DirectoryImport) -> Dataset:
    return directory_files_read(batch.program, {batch.file_name: bytes(batch.content)}, mapping=batch.mapping_name)


def directory_import_preview(batch: DirectoryImport) -> ImportPlan:
    """What confirming `batch` would do now (the directory may have changed since the upload)."""
    return import_plan(batch.program, _batch_dataset(batch))


@transaction.atomic
def directory_import_confirm(*, batch: DirectoryImport, actor: User, valid_only: bool) -> ImportPlan:
    """Import the stored file (everything, or with `valid_only` the valid rows); the file is then
    dropped and the report kept. Raises ImportRefused, changing nothing, when problems stop it."""
    batch = DirectoryImport.objects.select_for_update().get(pk=batch.pk)
    if batch.state != DirectoryImport.State.PREVIEW:
        raise ImportRefused("This file was already imported or cancelled: upload it again to import it again.")
    plan = directory_import(
        program=batch.program,
        dataset=_batch_dataset(batch),
        actor=actor,
        valid_only=valid_only,
        source=batch.file_name,
        batch=batch,
    )
    batch.state = DirectoryImport.State.IMPORTED
    batch.report = {**plan.as_dict(), "valid_only": valid_only}
    batch.content = b""
    batch.finished_at = timezone.now()
    batch.save(update_fields=["state", "report", "content", "finished_at"])
    return plan


@transaction.atomic
def directory_import_cancel(*, batch: DirectoryImport, actor: User) -> None:
    batch = DirectoryImport.objects.select_for_update().get(pk=batch.pk)
    if batch.state != DirectoryImport.State.PREVIEW:
        raise ImportRefused("This file was already imported or cancelled.")
    batch.state = DirectoryImport.State.CANCELLED
    batch.content = b""
    batch.finished_at = timezone.now()
    batch.save(update_fields=["state", "content", "finished_at"])
    admin_audit(
        actor=actor,
        program=batch.program,
        action=AuditEvent.Action.UPDATE,
        target=DirectoryImport,
        target_ids=[batch.pk],
        note=f"Directory upload cancelled: {batch.file_name[:120]}",
    )


def directory_export_zip(*, actor: User | None, program: Program, format_name: str) -> bytes:
    """The program's directory as a zip of the HSDS files (export_files), with an admin audit entry."""
    files = export_files(program, format_name)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    admin_audit(
        actor=actor,
        program=program,
        action=AuditEvent.Action.EXPORT,
        target=Service,
        target_ids=[],
        note=f"Directory export ({format_name}), {len(files)} files",
    )
    return buffer.getvalue()


@transaction.atomic
def directory_services_mark_checked(*, actor: User, services: QuerySet[Service]) -> int:
    """Someone checked these entries with their providers today: assured_date is each program's today.
    One admin audit entry per program, naming each service's date before and after."""
    changed = 0
    by_program: dict[int, list[Service]] = {}
    for service in services.select_related("program").select_for_update(of=("self",)):
        by_program.setdefault(service.program_id, []).append(service)
    for group in by_program.values():
        program = group[0].program
        today = program.today()
        Service.objects.filter(pk__in=[s.pk for s in group]).update(assured_date=today, updated_at=timezone.now())
        admin_audit(
            actor=actor,
            program=program,
            action=AuditEvent.Action.UPDATE,
            target=Service,
            target_ids=[s.pk for s in group],
            changes={
                str(s.pk): {"assured_date": [s.assured_date.isoformat() if s.assured_date else None, today.isoformat()]}
                for s in group
            },
            note=f"Directory: {len(group)} services marked checked on {today.isoformat()}",
        )
        changed += len(group)
    return changed
