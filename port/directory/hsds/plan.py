"""The preview every import shows before it writes, and the write itself.

`import_plan(program, dataset)` resolves each row's links (to rows of the same file or records already in
the program's directory), finds what each row will add, change or leave alone, and lists every problem
with where it is and which field; it reads the directory with one or two queries per table and writes
nothing. `import_apply(plan, valid_only=...)` writes the plan with bulk operations: all of it, or (asked
for) only the valid rows, the rejected ones named in the report. port.directory.hsds.services wraps it
with the audit entry."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from port.accounts.models import Organization, Program
from port.directory.categories import TAXONOMY_NAME
from port.directory.hsds.dataset import Dataset, Problem, Row
from port.directory.hsds.tables import TABLES, WRITE_ORDER
from port.directory.models import Attribute, Taxonomy, TaxonomyTerm

ADD, CHANGE, SAME = "add", "change", "same"


class ImportRefused(Exception):
    """The import cannot go ahead as asked; the message says why (nothing was changed)."""


@dataclass
class Counts:
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    rejected: int = 0
    removed: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(vars(self))


@dataclass
class Action:
    kind: str  # ADD, CHANGE or SAME
    row: Row
    pk: int | None = None  # the existing record's
    changes: dict[str, Any] = field(default_factory=dict)  # model field (or "<fk>_id") -> new value
    extra: dict[str, Any] | None = None  # the new hsds_extra, when it changes


@dataclass
class ImportPlan:
    program: Program
    dataset: Dataset
    actions: dict[str, dict[uuid.UUID, Action]]
    rejected: dict[str, list[Row]]
    existing_pks: dict[str, dict[uuid.UUID, int]]
    aliases: dict[uuid.UUID, int]  # organizations matched by name: file id -> existing pk
    removals: list[int]  # Attribute pks a spreadsheet's flags no longer give
    counts: dict[str, Counts]

    @property
    def problems(self) -> list[Problem]:
        return self.dataset.all_problems()

    @property
    def fatal_problems(self) -> list[Problem]:
        return [p for p in self.problems if p.fatal]

    @property
    def ok(self) -> bool:
        return not self.fatal_problems

    @property
    def file_refused(self) -> bool:
        """Nothing at all can be imported (the file itself is unreadable)."""
        return any(p.fatal for p in self.dataset.problems) and not any(self.actions[t] for t in self.actions)

    def as_dict(self) -> dict[str, Any]:
        return {
            "counts": {t: c.as_dict() for t, c in self.counts.items() if any(c.as_dict().values())},
            "problems": [p.as_dict() for p in self.problems],
        }

    def report_lines(self) -> list[str]:
        lines = []
        for table, c in self.counts.items():
            if any(c.as_dict().values()):
                line = (
                    f"{table}: {c.added} to add, {c.changed} to change, {c.unchanged} unchanged, {c.rejected} rejected"
                )
                lines.append(line + (f", {c.removed} to remove" if c.removed else ""))
        if not lines:
            lines.append("Nothing to import.")
        for p in self.problems:
            lines.append(("problem: " if p.fatal else "note: ") + str(p))
        return lines


def merge_extra(before: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """The record's hsds_extra after an import: the file's parts replace the stored ones, except that an
    item the file gives again (same id) without a nested part the stored one has keeps it. The tabular
    CSV form cannot carry a contact's phones, so re-importing a CSV export leaves them as they were."""
    out = {**before, **new}
    for key, items in new.items():
        old = before.get(key)
        if not (isinstance(items, list) and isinstance(old, list)):
            continue
        stored = {o["id"]: o for o in old if isinstance(o, dict) and o.get("id")}
        merged = []
        for item in items:
            was = stored.get(item.get("id")) if isinstance(item, dict) else None
            if was is not None:
                item = {**{k: v for k, v in was.items() if k not in item and isinstance(v, (list, dict))}, **item}
            merged.append(item)
        out[key] = merged
    return out


def _existing(program: Program, table: str, ids: set[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    spec = TABLES[table]
    names = ["pk", "hsds_id", "hsds_extra"] + [f.name for _h, f in spec.fields()]
    names += [f"{link.model_field}__hsds_id" for link in spec.links]
    if not ids:
        return {}
    found = spec.model._default_manager.filter(program=program, hsds_id__in=ids).values(*names)
    return {values["hsds_id"]: values for values in found}


def port_taxonomy_recognise(program: Program, dataset: Dataset) -> None:
    """PORT's own taxonomy in a file (another program's export) is this program's: its taxonomy and terms
    are matched by the taxonomy's name and each term's code, not by the ids the other program gave them
    (uuid5 of its slug), so an import never adds a second "PORT categories". Every link to them follows."""
    file_taxonomies = [r for r in dataset.rows["taxonomy"].values() if r.values.get("name") == TAXONOMY_NAME]
    mine = Taxonomy.objects.filter(program=program, name=TAXONOMY_NAME).order_by("pk").first()
    if mine is None:
        return
    renamed: dict[uuid.UUID, uuid.UUID] = {r.id: mine.hsds_id for r in file_taxonomies}
    terms = dict(TaxonomyTerm.objects.filter(program=program, taxonomy=mine).values_list("code", "hsds_id"))
    for row in dataset.rows["taxonomy_term"].values():
        in_port = (row.links.get("taxonomy_id") in renamed) or (
            "taxonomy_id" not in row.links and row.values.get("taxonomy_name") == TAXONOMY_NAME
        )
        code = row.values.get("code")
        if in_port and code in terms:
            renamed[row.id] = terms[code]
    renamed = {old: new for old, new in renamed.items() if old != new}
    if not renamed:
        return
    for table, rows in dataset.rows.items():
        moved: dict[uuid.UUID, Row] = {}
        for row in rows.values():
            row.id = renamed.get(row.id, row.id)
            row.links = {name: renamed.get(target, target) for name, target in row.links.items()}
            if row.id in moved:  # the file had it twice under two ids: one record
                continue
            moved[row.id] = row
        dataset.rows[table] = moved
    dataset.managed_attributes = {
        record: {renamed.get(t, t) for t in term_ids} for record, term_ids in dataset.managed_attributes.items()
    }


def import_plan(program: Program, dataset: Dataset) -> ImportPlan:
    port_taxonomy_recognise(program, dataset)
    existing: dict[str, dict[uuid.UUID, dict[str, Any]]] = {}
    for table in WRITE_ORDER:
        ids = set(dataset.rows[table])
        for other in TABLES.values():
            for link in other.links:
                if link.table == table:
                    ids |= {row.links[link.hsds] for row in dataset.rows[other.name].values() if link.hsds in row.links}
        existing[table] = _existing(program, table, ids)

    # One record per organization: a new id whose name the program already has is that organization.
    aliases: dict[uuid.UUID, int] = {}
    names_seen: dict[str, uuid.UUID] = {}
    new_orgs = [r for r in dataset.rows["organization"].values() if r.id not in existing["organization"]]
    by_name = {
        o["name"].casefold(): o
        for o in Organization.objects.filter(
            program=program, name__in=[r.values.get("name", "") for r in new_orgs]
        ).values("pk", "hsds_id", "name")
    }
    for row in dataset.rows["organization"].values():
        name = str(row.values.get("name") or "").casefold()
        if name in names_seen and names_seen[name] != row.id:
            row.problem("name", "another organization in this import has the same name")
        names_seen.setdefault(name, row.id)
        if row.id not in existing["organization"] and name in by_name:
            aliases[row.id] = by_name[name]["pk"]
            row.problem(
                "name", "an organization of this name is already in the directory: this record updates it", fatal=False
            )
            existing["organization"][row.id] = _existing(program, "organization", {by_name[name]["hsds_id"]})[
                by_name[name]["hsds_id"]
            ]

    # Links: to a valid row of this import or to a record already there; rejection cascades.
    valid = {table: {i for i, r in rows.items() if not r.fatal} for table, rows in dataset.rows.items()}
    changed = True
    while changed:
        changed = False
        for table in WRITE_ORDER:
            for row in dataset.rows[table].values():
                if row.id not in valid[table]:
                    continue
                for link in TABLES[table].links:
                    target = row.links.get(link.hsds)
                    if target is None:
                        if link.required:
                            row.problem(link.hsds, "missing: HSDS needs it for this record")
                            valid[table].discard(row.id)
                            changed = True
                        continue
                    if target in valid[link.table] or target in existing[link.table]:
                        continue
                    if target in dataset.rows[link.table]:
                        row.problem(link.hsds, f"{link.table} {target} is rejected (see its problems)")
                    elif link.required:
                        row.problem(link.hsds, f"no {link.table} {target} in this import or the directory")
                    else:
                        # Kept as HSDS gave it, so the export says it again.
                        row.extra[link.hsds] = str(target)
                        del row.links[link.hsds]
                        row.problem(link.hsds, f"no {link.table} {target} here: the link is kept as text", fatal=False)
                        continue
                    valid[table].discard(row.id)
                    changed = True

    actions: dict[str, dict[uuid.UUID, Action]] = {t: {} for t in WRITE_ORDER}
    rejected: dict[str, list[Row]] = {t: [] for t in WRITE_ORDER}
    counts = {t: Counts() for t in WRITE_ORDER}
    for table in WRITE_ORDER:
        spec = TABLES[table]
        for row in dataset.rows[table].values():
            if row.id not in valid[table]:
                rejected[table].append(row)
                counts[table].rejected += 1
                continue
            before = existing[table].get(row.id)
            if before is None:
                actions[table][row.id] = Action(ADD, row)
                counts[table].added += 1
                continue
            changes = {name: value for name, value in row.values.items() if before.get(name) != value}
            for link in spec.links:
                target = row.links.get(link.hsds)
                if target is not None and before.get(f"{link.model_field}__hsds_id") != target:
                    changes[f"{link.model_field}_id"] = target
            extra = merge_extra(before["hsds_extra"] or {}, row.extra)
            new_extra = extra if extra != (before["hsds_extra"] or {}) else None
            kind = CHANGE if changes or new_extra is not None else SAME
            actions[table][row.id] = Action(kind, row, before["pk"], changes, new_extra)
            if kind == CHANGE:
                counts[table].changed += 1
            else:
                counts[table].unchanged += 1

    removals: list[int] = []
    if dataset.managed_attributes:
        kept = set(actions["attribute"])
        for pk, link_id, term_id, hsds_id in Attribute.objects.filter(
            program=program, link_id__in=list(dataset.managed_attributes)
        ).values_list("pk", "link_id", "taxonomy_term__hsds_id", "hsds_id"):
            if term_id in dataset.managed_attributes[link_id] and hsds_id not in kept:
                removals.append(pk)
        counts["attribute"].removed = len(removals)

    existing_pks = {t: {i: v["pk"] for i, v in rows.items()} for t, rows in existing.items()}
    return ImportPlan(program, dataset, actions, rejected, existing_pks, aliases, removals, counts)


@transaction.atomic
def import_apply(plan: ImportPlan, *, valid_only: bool) -> dict[str, Counts]:
    """Write `plan`. Without `valid_only` a plan with any problem that rejects a row writes nothing."""
    if plan.fatal_problems and not valid_only:
        raise ImportRefused(
            f"Nothing was imported: {len(plan.fatal_problems)} problems (first: {plan.fatal_problems[0]}). "
            "Fix them and import the file again, or import only the valid rows."
        )
    program = plan.program
    pks: dict[str, dict[uuid.UUID, int]] = {t: dict(v) for t, v in plan.existing_pks.items()}
    pks["organization"].update(plan.aliases)
    for table in WRITE_ORDER:
        spec = TABLES[table]
        model = spec.model
        actions = plan.actions[table]
        self_links = [link for link in spec.links if link.table == table]
        other_links = [link for link in spec.links if link.table != table]

        def fk_values(row: Row, links: list) -> dict[str, Any]:
            return {
                f"{link.model_field}_id": pks[link.table][row.links[link.hsds]]
                for link in links
                if link.hsds in row.links
            }

        new: list[Any] = [
            model(
                program=program,
                hsds_id=a.row.id,
                hsds_extra=a.row.extra,
                **a.row.values,
                **fk_values(a.row, other_links),
            )
            for a in actions.values()
            if a.kind == ADD
        ]
        model._default_manager.bulk_create(new, batch_size=500)
        if new:
            pks[table].update(
                model._default_manager.filter(program=program, hsds_id__in=[o.hsds_id for o in new]).values_list(
                    "hsds_id", "pk"
                )
            )
        changes = [a for a in actions.values() if a.kind == CHANGE]
        if changes:
            instances = model._default_manager.in_bulk([a.pk for a in changes])
            fields: set[str] = set()
            for action in changes:
                obj = instances[action.pk]
                for name, value in action.changes.items():
                    if name.endswith("_id") and name[:-3] in {link.model_field for link in other_links}:
                        link = next(lk for lk in other_links if f"{lk.model_field}_id" == name)
                        value = pks[link.table][value]
                    elif name.endswith("_id") and name[:-3] in {link.model_field for link in self_links}:
                        continue  # below, once every record of the table exists
                    setattr(obj, name, value)
                    fields.add(name)
                if action.extra is not None:
                    obj.hsds_extra = action.extra  # type: ignore[attr-defined]  # as above
                    fields.add("hsds_extra")
            if fields:
                model._default_manager.bulk_update(
                    list(instances.values()), sorted(fields | {"updated_at"}), batch_size=500
                )
        if self_links:
            linked = [a for a in actions.values() if any(lk.hsds in a.row.links for lk in self_links)]
            objs = model._default_manager.in_bulk([pks[table][a.row.id] for a in linked])
            for action in linked:
                obj = objs[pks[table][action.row.id]]
                for name, value in fk_values(action.row, self_links).items():
                    setattr(obj, name, value)
            if linked:
                model._default_manager.bulk_update(
                    list(objs.values()), [f"{lk.model_field}_id" for lk in self_links], batch_size=500
                )
    if plan.removals:
        Attribute.objects.filter(pk__in=plan.removals).delete()
    return plan.counts
