"""The one way into the directory from a file: read the source, plan, and (unless it is a dry run) write,
with one admin audit entry naming the counts. The management commands and the admin screens both call
`directory_source_read` then `directory_import`."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from django.db import transaction

from port.accounts.models import Program, User
from port.audit.models import AuditEvent
from port.audit.services import admin_audit
from port.directory.hsds.csv_io import read_csv_folder
from port.directory.hsds.dataset import Dataset, Problem
from port.directory.hsds.json_io import read_json_files
from port.directory.hsds.plan import ImportPlan, ImportRefused, import_apply, import_plan
from port.directory.hsds.spreadsheet import mapping_for, read_spreadsheet
from port.directory.models import DirectoryImport, Service

MAX_FILES = 200
MAX_BYTES = 50 * 1024 * 1024

__all__ = ["ImportRefused", "directory_files_read", "directory_import", "directory_path_read"]


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
