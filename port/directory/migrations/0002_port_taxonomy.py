"""Every program that exists gets PORT's categories (new programs get them from program_set_up)."""

from django.db import migrations


def seed(apps, schema_editor):
    from port.directory.categories import CATEGORIES, TAXONOMY_DESCRIPTION, TAXONOMY_NAME, term_hsds_id

    Program = apps.get_model("accounts", "Program")
    Taxonomy = apps.get_model("directory", "Taxonomy")
    TaxonomyTerm = apps.get_model("directory", "TaxonomyTerm")
    for program in Program.objects.all():
        taxonomy, _ = Taxonomy.objects.get_or_create(
            program=program,
            hsds_id=term_hsds_id(program, "taxonomy"),
            defaults={"name": TAXONOMY_NAME, "description": TAXONOMY_DESCRIPTION},
        )
        terms = {}
        for category in CATEGORIES:
            terms[category.code], _ = TaxonomyTerm.objects.get_or_create(
                program=program,
                hsds_id=term_hsds_id(program, category.code),
                defaults={
                    "taxonomy": taxonomy,
                    "code": category.code,
                    "name": category.name,
                    "description": category.name,
                    "parent": terms.get(category.parent),
                    "language": "en",
                },
            )


class Migration(migrations.Migration):
    dependencies = [("directory", "0001_hsds_directory"), ("accounts", "0006_organization")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
