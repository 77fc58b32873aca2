"""Make the audit trail append-only in the database itself: triggers refuse UPDATE and DELETE of
audit entries and their participant index, on PostgreSQL and on SQLite (port/audit/triggers.py)."""

from django.db import migrations

from port.audit.triggers import triggers_create_sql, triggers_drop_sql


def create_triggers(apps, schema_editor) -> None:
    for statement in triggers_create_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement, params=None)


def drop_triggers(apps, schema_editor) -> None:
    for statement in triggers_drop_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0003_chain_existing_entries"),
    ]

    operations = [
        migrations.RunPython(create_triggers, drop_triggers),
    ]
