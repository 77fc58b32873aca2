"""Import and export of the directory as Open Referral HSDS 3.0, against the real files in ../shared/data."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from port.accounts.models import Organization
from port.audit.models import AuditEvent
from port.directory.categories import (
    TAXONOMY_NAME,
    term_hsds_id,  # noqa: I001
)
from port.directory.hsds.csv_io import csv_folder_files, read_csv_folder
from port.directory.hsds.export import hsds_csv_files, hsds_json_files
from port.directory.hsds.json_io import json_folder_files, read_json_files
from port.directory.hsds.plan import ImportRefused, import_plan
from port.directory.hsds.services import directory_files_read, directory_import, directory_path_read
from port.directory.hsds.tables import TABLES, WRITE_ORDER
from port.directory.models import Attribute, Location, Service, Taxonomy, TaxonomyTerm


def imported(program, dataset, *, valid_only=False):
    return directory_import(program=program, dataset=dataset, actor=None, valid_only=valid_only, source="test")


def dump(program) -> dict:
    """The directory as comparable data: every stored table's records by HSDS id, links as HSDS ids; PORT's
    own taxonomy and terms (whose ids are each program's) by their name and code."""
    port_ids = {term_hsds_id(program, "taxonomy"): "PORT taxonomy"}
    port_ids |= {
        hsds_id: f"PORT {code}"
        for hsds_id, code in TaxonomyTerm.objects.filter(
            program=program, taxonomy__hsds_id=term_hsds_id(program, "taxonomy")
        ).values_list("hsds_id", "code")
    }
    out: dict[str, dict] = {}
    for table in WRITE_ORDER:
        spec = TABLES[table]
        names = ["hsds_id", "hsds_extra"] + [f.name for _h, f in spec.fields()]
        links = [f"{link.model_field}__hsds_id" for link in spec.links]
        rows = spec.model._default_manager.filter(program=program).values(*names, *links)
        if table == "organization":
            rows = rows.filter(hsds_extra__isnull=False).exclude(services=None, locations=None)
        out[table] = {}
        for r in rows:
            for link in links:
                r[link] = port_ids.get(r[link], r[link])
            out[table][str(port_ids.get(r["hsds_id"], r.pop("hsds_id")))] = r
            r.pop("hsds_id", None)
    return out


def test_every_official_example_imports_whole_and_again_changes_nothing(cast, spec):
    plan = imported(cast.program, read_json_files(json_folder_files(spec / "examples")))
    assert plan.ok, plan.report_lines()
    assert all(plan.counts[t].added == 1 for t in WRITE_ORDER)
    service = Service.objects.get(program=cast.program, name="Community Counselling")
    assert service.organization.name == "Example Organization Inc."
    assert {x["id"] for x in service.hsds_extra["cost_options"]} == {"1fdf4d39-3d80-484d-9f92-a8ffa08621e7"}
    assert service.hsds_extra["program"]["name"] == "Community Mental Health Support"
    assert (
        "funding" in service.organization.hsds_extra
        and "accessibility" in Location.objects.get(program=cast.program).hsds_extra
    )
    again = import_plan(cast.program, read_json_files(json_folder_files(spec / "examples")))
    assert all(c.added == c.changed == 0 for c in again.counts.values())


@pytest.mark.parametrize(
    "name",
    [
        "organization_full.json",
        "service_full.json",
        "service_at_location_full.json",
        "location.json",
        "taxonomy.json",
        "taxonomy_term.json",
        "service_list.json",
        "service_at_location_list.json",
        "organization_list.json",
        "taxonomy_list.json",
        "taxonomy_term_list.json",
    ],
)
def test_each_official_example_file_imports_on_its_own(cast, spec, name):
    plan = import_plan(cast.program, read_json_files([(name, (spec / "examples" / name).read_bytes())]))
    assert plan.ok, plan.report_lines()
    assert sum(c.added for c in plan.counts.values()) >= 1


def test_the_official_csv_folder_imports_with_its_extra_tables_kept(cast, spec):
    plan = imported(cast.program, read_csv_folder(csv_folder_files(spec / "examples" / "csv")))
    assert plan.ok, plan.report_lines()
    service = Service.objects.get(program=cast.program)
    assert service.hsds_extra["program_id"] == "e7ec2e57-4540-43fa-b2c7-6be5a0ef7f42"
    assert service.hsds_extra["required_documents"][0]["id"] == "f6ad7e69-b9c8-42ce-92db-92cedb4c05c0"
    # A link to a record the folder does not have is kept as HSDS gave it.
    assert (
        Location.objects.get(program=cast.program).hsds_extra["organization_id"]
        == "985e4a42-bd9f-4edc-911d-0243a4640aca"
    )


def test_every_exported_object_validates_against_the_hsds_schemas(cast, spec, validators):
    imported(cast.program, read_json_files(json_folder_files(spec / "examples")))
    imported(
        cast.program,
        directory_path_read(
            cast.program,
            spec.parent.parent / "directories" / "layer04_dbhids-tad+map_2020-winter.csv",
            mapping="philly-treatment-access",
        ),
        valid_only=True,
    )
    files = {name: json.loads(content) for name, content in hsds_json_files(cast.program).items()}
    schema_of = {
        "organizations.json": "organization.json",
        "services.json": "service.json",
        "locations.json": "location.json",
        "service_at_locations.json": "service_at_location.json",
        "taxonomies.json": "taxonomy.json",
        "taxonomy_terms.json": "taxonomy_term.json",
    }
    assert set(files) == set(schema_of)
    for name, objects in files.items():
        assert objects, name
        for obj in objects:
            errors = [e.message for e in validators[schema_of[name]].iter_errors(obj)]
            assert not errors, (name, obj["id"], errors[:3])


def test_importing_an_export_gives_back_the_same_directory(cast, spec, shared_data):
    imported(cast.program, read_json_files(json_folder_files(spec / "examples")))
    imported(
        cast.program,
        directory_path_read(
            cast.program,
            shared_data / "directories" / "layer04_dbhids-tad+map_2020-winter.csv",
            mapping="philly-treatment-access",
        ),
        valid_only=True,
    )
    before = dump(cast.program)
    json_files = hsds_json_files(cast.program)
    # Into the same program: nothing changes.
    again = import_plan(cast.program, read_json_files(list(json_files.items())))
    assert all(c.added == c.changed == c.rejected == c.removed == 0 for c in again.counts.values()), (
        again.report_lines()
    )
    again = import_plan(cast.program, read_csv_folder(hsds_csv_files(cast.program)))
    assert all(c.added == c.changed == c.rejected == c.removed == 0 for c in again.counts.values()), (
        again.report_lines()
    )
    # Into another program: the same directory.
    imported(cast.other_program, read_json_files(list(json_files.items())), valid_only=True)
    after = dump(cast.other_program)
    for table in WRITE_ORDER:
        assert after[table] == before[table], table
    # PORT's categories were recognised by name and code: the other program still has one PORT taxonomy.
    assert Taxonomy.objects.filter(program=cast.other_program, name=TAXONOMY_NAME).count() == 1
    assert Attribute.objects.filter(program=cast.other_program, taxonomy_term__code="treatment.methadone").exists()
    # And importing it again there changes nothing either.
    again = import_plan(cast.other_program, read_json_files(list(json_files.items())))
    assert all(c.added == c.changed == c.removed == 0 for c in again.counts.values()), again.report_lines()


def test_the_csv_export_is_a_frictionless_data_package(cast, spec):
    imported(cast.program, read_csv_folder(csv_folder_files(spec / "examples" / "csv")))
    files = hsds_csv_files(cast.program)
    package = json.loads(files["datapackage.json"])
    assert package["profile"] == "tabular-data-package"
    for resource in package["resources"]:
        header = files[resource["path"]].decode("utf-8-sig").splitlines()[0].split(",")
        assert [f["name"] for f in resource["schema"]["fields"]] == header


def test_the_miami_records_import_with_their_problems_reported_row_by_row(cast, shared_data):
    dataset = directory_path_read(cast.program, shared_data / "hsds" / "open211-miami", mapping="open211-miami")
    plan = imported(cast.program, dataset)
    assert plan.counts["service"].added == 5
    notes = [str(p) for p in plan.problems]
    assert any("row 3, service.url" in n and "www.girlscoutsfl.org" in n for n in notes)
    assert any("row 2, provider_description: line breaks" in n for n in notes)
    naacp = Service.objects.get(program=cast.program, name="NAACP - MIAMI DADE COUNTY BRANCH")
    assert "\\n" not in naacp.description and "###MON###" not in naacp.description
    assert naacp.service_at_locations.get().location.addresses.get().country == "US"


def test_a_mapped_spreadsheet_imports_its_flags_as_port_categories_and_reimports_idempotently(cast, shared_data):
    path = shared_data / "directories" / "layer04_dbhids-tad+map_2020-winter.csv"
    plan = imported(cast.program, directory_path_read(cast.program, path, mapping="philly-treatment-access"))
    assert plan.ok
    amha = Service.objects.get(program=cast.program, name="Addiction Medicine and Health Advocates (AMHA)")
    codes = set(Attribute.objects.filter(link_id=amha.hsds_id).values_list("taxonomy_term__code", flat=True))
    assert "treatment.methadone" in codes and "treatment.buprenorphine" not in codes
    again = import_plan(cast.program, directory_path_read(cast.program, path, mapping="philly-treatment-access"))
    assert all(c.added == c.changed == c.removed == 0 for c in again.counts.values())
    # A flag turned to no on the next upload removes the category.
    text = path.read_text().replace(
        "Addiction Medicine and Health Advocates (AMHA),928 Market St,19107,No,Yes",
        "Addiction Medicine and Health Advocates (AMHA),928 Market St,19107,No,No",
    )
    changed = directory_files_read(cast.program, {"sheet.csv": text.encode()}, mapping="philly-treatment-access")
    plan = imported(cast.program, changed)
    assert plan.counts["attribute"].removed == 1
    assert not Attribute.objects.filter(link_id=amha.hsds_id, taxonomy_term__code="treatment.methadone").exists()


def test_coordinates_columns_land_on_the_location(cast, shared_data):
    path = shared_data / "directories" / "layer02_samhsa_programs_geocoded.csv"
    imported(cast.program, directory_path_read(cast.program, path, mapping="samhsa-programs"), valid_only=True)
    location = Location.objects.get(program=cast.program, name="White Deer Run")
    assert (location.latitude, location.longitude) == (41.09999076, -76.92598353)
    assert location.addresses.get().city == "Allenwood"


def test_a_dry_run_prints_the_plan_and_changes_nothing(cast, spec):
    out = StringIO()
    call_command("directory_import", "--program", cast.program.slug, str(spec / "examples"), "--dry-run", stdout=out)
    assert "service: 1 to add" in out.getvalue() and "Dry run" in out.getvalue()
    assert not Service.objects.filter(program=cast.program).exists()
    call_command("directory_import", "--program", cast.program.slug, str(spec / "examples"), stdout=StringIO())
    assert Service.objects.filter(program=cast.program).count() == 1
    assert AuditEvent.objects.filter(note__startswith="Directory import").count() == 1


def test_the_export_command_writes_the_hsds_files(cast, spec, tmp_path):
    imported(cast.program, read_json_files(json_folder_files(spec / "examples")))
    call_command(
        "directory_export",
        "--program",
        cast.program.slug,
        "--format",
        "hsds-csv",
        str(tmp_path / "csv"),
        stdout=StringIO(),
    )
    assert (tmp_path / "csv" / "datapackage.json").exists() and (tmp_path / "csv" / "services.csv").exists()
    call_command(
        "directory_export",
        "--program",
        cast.program.slug,
        "--format",
        "hsds-json",
        str(tmp_path / "j"),
        stdout=StringIO(),
    )
    assert len(json.loads((tmp_path / "j" / "services.json").read_text())) == 1


SERVICE = {
    "id": "ac148810-d857-441c-9679-408f346de14b",
    "name": "X",
    "status": "active",
    "organization": {"id": "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610", "name": "Org", "description": ""},
}


@pytest.mark.parametrize(
    "change,where,field,reason",
    [
        ({"id": "not-a-uuid"}, "service.json", "id", "is not a UUID"),
        ({"status": "open"}, "service.json", "status", "is not one of"),
        ({"minimum_age": "twelve"}, "service.json", "minimum_age", "is not a number"),
        ({"name": None}, "service.json", "name", "missing"),
        (
            {"schedules": [{"id": "48102e86-bb50-41c4-8f1e-e269368c41d1", "opens_at": "25:99"}]},
            "service.json › schedules[0]",
            "opens_at",
            "is not a time",
        ),
        ({"phones": [{"id": "1554f2e2-a373-45db-a3fa-9fc48a61c15e"}]}, "service.json › phones[0]", "number", "missing"),
        ({"email": 5}, "service.json", "email", "must be text"),
        ({"organization": None}, "service.json", "organization_id", "missing"),
    ],
)
def test_a_malformed_record_gets_its_row_and_field_and_nothing_is_imported(cast, change, where, field, reason):
    body = json.dumps({**SERVICE, **change}).encode()
    dataset = read_json_files([("service.json", body)])
    plan = import_plan(cast.program, dataset)
    matching = [p for p in plan.fatal_problems if p.where == where and p.field == field and reason in p.message]
    assert matching, plan.report_lines()
    with pytest.raises(ImportRefused):
        imported(cast.program, read_json_files([("service.json", body)]))
    assert not Service.objects.filter(program=cast.program).exists()


@pytest.mark.parametrize(
    "raw,reason",
    [
        (b"", "empty"),
        (b"{not json", "not valid JSON"),
        ("{}".encode("latin-1") + b"\xff\xfe\xfa", "not UTF-8"),
        (b"\x93caf\xe9\x94", "not UTF-8"),
    ],
)
def test_a_malformed_file_is_refused_with_a_reason(cast, raw, reason):
    dataset = directory_files_read(cast.program, {"upload.json": raw})
    assert any(reason in p.message for p in dataset.problems), [str(p) for p in dataset.problems]
    with pytest.raises(ImportRefused):
        imported(cast.program, dataset)


def test_valid_rows_only_imports_the_good_rows_and_reports_the_rejected(cast):
    good = {**SERVICE}
    bad = {**SERVICE, "id": "5b7e3f4c-3d7e-4c19-9b6a-0a8f8a5d1e01", "status": "open"}
    dataset = read_json_files([("services.json", json.dumps([good, bad]).encode())])
    plan = imported(cast.program, dataset, valid_only=True)
    assert plan.counts["service"].added == 1 and plan.counts["service"].rejected == 1
    assert [p.where for p in plan.fatal_problems] == ["services.json[1]"]


def test_an_organization_the_program_already_has_is_matched_by_name(cast):
    Organization.objects.create(program=cast.program, name="Org")
    imported(cast.program, read_json_files([("service.json", json.dumps(SERVICE).encode())]))
    assert Organization.objects.filter(program=cast.program, name="Org").count() == 1
    assert Service.objects.get(program=cast.program).organization.name == "Org"


def test_an_import_uses_a_bounded_number_of_queries(cast, shared_data, django_assert_max_num_queries):
    path = shared_data / "directories" / "layer02_samhsa_programs_geocoded.csv"
    dataset = directory_path_read(cast.program, path, mapping="samhsa-programs")
    with django_assert_max_num_queries(60):
        imported(cast.program, dataset, valid_only=True)


def test_unknown_mapping_names_the_built_in_ones(cast, shared_data):
    out = StringIO()
    with pytest.raises(CommandError, match="Problems would stop"):
        call_command(
            "directory_import",
            "--program",
            cast.program.slug,
            str(shared_data / "directories" / "hf_samsha_programs.csv"),
            "--mapping",
            "nope",
            "--dry-run",
            stdout=out,
        )
    assert "No mapping named “nope”" in out.getvalue() and "samhsa-programs" in out.getvalue()
