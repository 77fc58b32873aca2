"""HSDS 3.0's tabular form in: a folder of CSV files (organizations.csv, services.csv, ...; datapackage.json
is not needed), one file per table, rows linked by their `*_id` columns. Extra tables (funding.csv,
contacts.csv...) are kept in their owner's hsds_extra like the nested JSON form keeps them."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from port.core.csv import csv_unquote
from port.directory.hsds.dataset import Dataset, Problem, parse_uuid, read_record
from port.directory.hsds.reading import FileRefused, decode
from port.directory.hsds.tables import EXTRAS, TABLES, WRITE_ORDER

# Other names the tabular form's files go by.
_ALIASES = {"service_at_locations.csv": "service_at_location.csv"}
_NUMBERS = {"amount"}  # extra tables' number columns (cost_options.amount)


def read_csv_text(name: str, raw: bytes, dataset: Dataset) -> list[tuple[int, dict[str, str]]] | None:
    try:
        text = decode(raw, name)
    except FileRefused as exc:
        dataset.problems.append(Problem(name, "", str(exc).removeprefix(f"{name}: ")))
        return None
    try:
        reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        table = list(reader)
    except csv.Error as exc:
        dataset.problems.append(Problem(name, "", f"not valid CSV: {exc}"))
        return None
    if not table:
        dataset.problems.append(Problem(name, "", "the file is empty"))
        return None
    header = [cell.strip() for cell in table[0]]
    rows = []
    for number, cells in enumerate(table[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            dataset.problems.append(
                Problem(f"{name} row {number}", "", f"has {len(cells)} cells; the header has {len(header)}")
            )
            continue
        rows.append((number, {h: csv_unquote(c) for h, c in zip(header, cells, strict=True) if h}))
    return rows


def read_csv_folder(files: dict[str, bytes], dataset: Dataset | None = None) -> Dataset:
    dataset = dataset or Dataset()
    files = {_ALIASES.get(Path(n).name, Path(n).name): raw for n, raw in files.items()}
    known = {TABLES[t].csv_name for t in WRITE_ORDER} | {e.csv_name for e in EXTRAS.values()}
    if not known & set(files):
        dataset.problems.append(
            Problem("folder", "", "no HSDS tabular files found (organizations.csv, services.csv, locations.csv...)")
        )
        return dataset
    for table in WRITE_ORDER:
        spec = TABLES[table]
        if spec.csv_name not in files:
            continue
        rows = read_csv_text(spec.csv_name, files[spec.csv_name], dataset) or []
        for number, values in rows:
            row = read_record(spec, values, f"{spec.csv_name} row {number}", from_text=True)
            assert row is not None
            if row.id.int == 0:
                dataset.problems += row.problems
                continue
            known_columns = {h for h, _f in spec.fields()} | {lk.hsds for lk in spec.links} | {"id"}
            for column, cell in values.items():
                if column not in known_columns and cell != "":
                    row.extra[column] = cell  # program_id, contact_id, columns PORT does not know
            if table == "attribute" and "link_id" not in row.values and not row.fatal:
                row.problem("link_id", "missing: an attribute must say which record it describes")
            dataset.add(row)
    for extra in EXTRAS.values():
        if extra.csv_name not in files:
            continue
        for number, values in read_csv_text(extra.csv_name, files[extra.csv_name], dataset) or []:
            where = f"{extra.csv_name} row {number}"
            item: dict[str, Any] = {}
            for column, cell in values.items():
                if cell == "":
                    continue
                if column in _NUMBERS:
                    try:
                        item[column] = float(cell) if "." in cell else int(cell)
                    except ValueError:
                        dataset.problems.append(Problem(where, column, f"“{cell[:40]}” is not a number"))
                        break
                else:
                    item[column] = cell
            else:
                _attach(dataset, extra.name, item, where)
    return dataset


def _attach(dataset: Dataset, name: str, item: dict[str, Any], where: str) -> None:
    extra = EXTRAS[name]
    for column, owner in extra.owners:
        target = parse_uuid(item.get(column, ""))
        if target is None:
            continue
        tables = WRITE_ORDER if owner == "*" else (owner,)
        for table in tables:
            row = dataset.rows[table].get(target)
            if row is not None:
                # Kept as the nested JSON form has it: without the link to the record it is kept in
                # (the CSV export writes that column again).
                item = {k: v for k, v in item.items() if k != column}
                row.extra.setdefault(extra.key, [])
                if item not in row.extra[extra.key]:
                    row.extra[extra.key].append(item)
                return
    dataset.problems.append(
        Problem(where, "", "belongs to no record of this import (its link columns name none): not kept", fatal=False)
    )


def csv_folder_files(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.glob("*.csv"))}
