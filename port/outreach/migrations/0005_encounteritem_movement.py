"""The ledger points one way: an encounter's item points at its DISTRIBUTE entry (EncounterItem.movement),
and the ledger's old link back (StockMovement.encounter_item) goes.

supplies 0001 was edited to no longer create `supplies_stockmovement.encounter_item_id`, so a fresh
database never has it and this migration only adds `movement`. A database made before that edit still has
the column (in the database, no longer in the migration state): its links are copied onto `movement` and
the column is dropped. Backwards, the column is put back as it was (nullable, indexed, a foreign key to
the encounter item) and the links copied back, so the code before this change runs on it again.
"""

from django.db import migrations, models

LEDGER = "supplies_stockmovement"
ITEMS = "outreach_encounteritem"
OLD_COLUMN = "encounter_item_id"


def _has_old_column(schema_editor) -> bool:
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        return OLD_COLUMN in {column.name for column in connection.introspection.get_table_description(cursor, LEDGER)}


def _old_field(apps) -> models.ForeignKey:
    """The field as it was, bound to the historical models, for the schema editor to create."""
    field = models.ForeignKey(
        apps.get_model("outreach", "EncounterItem"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    field.set_attributes_from_name("encounter_item")
    field.model = apps.get_model("supplies", "StockMovement")
    return field


def links_to_items(apps, schema_editor) -> None:
    if not _has_old_column(schema_editor):
        return  # a database made after supplies 0001 was edited: nothing to move
    quote = schema_editor.quote_name
    schema_editor.execute(
        # Constant table and column names, quoted by the schema editor: nothing here comes from input.
        f"UPDATE {quote(ITEMS)} SET {quote('movement_id')} = (SELECT MIN(m.{quote('id')}) FROM {quote(LEDGER)} m "  # nosec B608
        f"WHERE m.{quote(OLD_COLUMN)} = {quote(ITEMS)}.{quote('id')})"
    )
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, LEDGER)
    # PostgreSQL drops the column's index and foreign key with it; SQLite (3.35 or later) wants the index
    # gone first.
    for name, constraint in constraints.items():
        if constraint["index"] and not constraint["primary_key"] and constraint["columns"] == [OLD_COLUMN]:
            schema_editor.execute(f"DROP INDEX {quote(name)}")
    schema_editor.execute(f"ALTER TABLE {quote(LEDGER)} DROP COLUMN {quote(OLD_COLUMN)}")


def links_to_ledger(apps, schema_editor) -> None:
    if not _has_old_column(schema_editor):
        schema_editor.add_field(apps.get_model("supplies", "StockMovement"), _old_field(apps))
    quote = schema_editor.quote_name
    schema_editor.execute(
        # Constant table and column names, quoted by the schema editor: nothing here comes from input.
        f"UPDATE {quote(LEDGER)} SET {quote(OLD_COLUMN)} = (SELECT i.{quote('id')} FROM {quote(ITEMS)} i "  # nosec B608
        f"WHERE i.{quote('movement_id')} = {quote(LEDGER)}.{quote('id')})"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("outreach", "0004_encrypt_existing_notes"),
        ("supplies", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="encounteritem",
            name="movement",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=models.deletion.PROTECT,
                related_name="encounter_item",
                to="supplies.stockmovement",
            ),
        ),
        migrations.RunPython(links_to_items, links_to_ledger),
    ]
