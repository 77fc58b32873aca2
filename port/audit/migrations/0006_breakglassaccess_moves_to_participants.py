from django.db import migrations


class Migration(migrations.Migration):
    """BreakGlassAccess moves to port.participants (participants 0003): only Django's record of the model
    changes here; the table, audit_breakglassaccess, and its rows stay where they are."""

    dependencies = [
        ('audit', '0005_auditevent_delete_action'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='BreakGlassAccess')],
            database_operations=[],
        ),
    ]
