"""HSDS 3.0 JSON in: one object, a list of objects, an API page (`contents`), or a folder of such files.

Nested objects land in their own tables with their parent's id as their link (a service's phones get
`service_id`); HSDS parts without a table are kept whole in the owner's hsds_extra."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from port.directory.hsds.dataset import Dataset, Problem, Row, read_record
from port.directory.hsds.reading import FileRefused, decode
from port.directory.hsds.tables import EXTRA_KEYS, TABLES

# File names and the table their objects are (longest first: taxonomy_term before taxonomy).
_BY_NAME = (
    ("service_at_location", "service_at_location"),
    ("taxonomy_term", "taxonomy_term"),
    ("taxonomies", "taxonomy"),
    ("taxonomy", "taxonomy"),
    ("organization", "organization"),
    ("service", "service"),
    ("location", "location"),
)
# Keys of an API page around its `contents`.
_PAGE_KEYS = {"total_items", "total_pages", "page_number", "size", "first_page", "last_page", "empty", "contents"}


def _table_of(name: str, obj: dict[str, Any]) -> str | None:
    stem = Path(name).stem.lower()
    for prefix, table in _BY_NAME:
        if stem.startswith(prefix):
            return table
    # Otherwise by its keys.
    if "location_type" in obj:
        return "location"
    if "service" in obj and "location" in obj or "service_id" in obj and "location_id" in obj:
        return "service_at_location"
    if "status" in obj or "organization" in obj or "service_areas" in obj:
        return "service"
    if "code" in obj or "taxonomy_detail" in obj or "term_uri" in obj:
        return "taxonomy_term"
    if "website" in obj or "services" in obj or "year_incorporated" in obj:
        return "organization"
    return None


def _walk(
    dataset: Dataset, table_name: str, obj: Any, where: str, parent: tuple[str, uuid.UUID] | None, link: str
) -> uuid.UUID | None:
    if not isinstance(obj, dict):
        dataset.problems.append(Problem(where, "", f"must be an object, not {type(obj).__name__}"))
        return None
    table = TABLES[table_name]
    row = read_record(table, obj, where, from_text=False)
    assert row is not None
    if row.id.int == 0:
        dataset.problems += row.problems
        return None
    if parent is not None and link:
        if table_name == "attribute" and link == "link_id":
            row.values.setdefault("link_id", parent[1])
            row.values.setdefault("link_entity", parent[0])
        else:
            row.links.setdefault(link, parent[1])
    nests = {nest.key: nest for nest in table.nests}
    known = {hsds for hsds, _f in table.fields()} | {lk.hsds for lk in table.links} | {"id"}
    for key, value in obj.items():
        if key in known:
            continue
        nest = nests.get(key)
        if nest is None:
            if value is not None:
                row.extra[key] = value  # funding, contacts, metadata..., and any field PORT does not know
            continue
        if nest.many:
            if value is None:
                continue
            if not isinstance(value, list):
                row.problem(key, f"must be a list, not {type(value).__name__}")
                continue
            for index, child in enumerate(value):
                _walk(dataset, nest.table, child, f"{where} › {key}[{index}]", (table_name, row.id), nest.link)
        elif value is not None:
            child_id = _walk(dataset, nest.table, value, f"{where} › {key}", None, "")
            if child_id is not None:
                row.links.setdefault(nest.parent_link, child_id)
    # Attribute link ids are values, not links: a bad one is a problem of the attribute.
    if table_name == "attribute" and not isinstance(row.values.get("link_id"), uuid.UUID):
        row.problem("link_id", "missing: an attribute must say which record it describes")
    if table_name == "attribute":
        row.values.setdefault("link_entity", "")
    dataset.add(row)
    return row.id


def read_json_files(files: list[tuple[str, bytes]], dataset: Dataset | None = None) -> Dataset:
    """Every file's records into one Dataset (a folder's files, or one upload)."""
    dataset = dataset or Dataset()
    for name, raw in files:
        try:
            text = decode(raw, name)
        except FileRefused as exc:
            dataset.problems.append(Problem(name, "", str(exc).removeprefix(f"{name}: ")))
            continue
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            dataset.problems.append(
                Problem(name, "", f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}")
            )
            continue
        if isinstance(data, dict) and "contents" in data and set(data) <= _PAGE_KEYS:
            data = data["contents"]
            name_where = f"{name} › contents"
        else:
            name_where = name
        items = data if isinstance(data, list) else [data]
        single = not isinstance(data, list)
        for index, obj in enumerate(items):
            where = name_where if single else f"{name_where}[{index}]"
            if not isinstance(obj, dict):
                dataset.problems.append(Problem(where, "", f"must be an HSDS object, not {type(obj).__name__}"))
                continue
            if single and {"version", "profile"} & set(obj) and "id" not in obj:
                dataset.problems.append(
                    Problem(where, "", "an HSDS API's description, not a record: skipped", fatal=False)
                )
                continue
            table = _table_of(name, obj)
            if table is None:
                dataset.problems.append(
                    Problem(
                        where,
                        "",
                        "not an HSDS record PORT imports (no organization, "
                        "service, location, service_at_location, taxonomy or "
                        "taxonomy_term): skipped",
                        fatal=False,
                    )
                )
                continue
            _walk(dataset, table, obj, where, None, "")
    return dataset


def json_folder_files(folder: Path) -> list[tuple[str, bytes]]:
    return [(path.name, path.read_bytes()) for path in sorted(folder.glob("*.json"))]


__all__ = ["EXTRA_KEYS", "Row", "json_folder_files", "read_json_files"]
