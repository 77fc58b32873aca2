import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    """BreakGlassAccess, made by audit 0002, now belongs to participants: Django's record of the model moves
    here (audit 0006 drops it there); the table, audit_breakglassaccess, and its rows are kept as they are."""

    dependencies = [
        ('accounts', '0005_program_idle_timeout_minutes'),
        ('audit', '0006_breakglassaccess_moves_to_participants'),
        ('participants', '0002_match_pairs_once_and_folded_name_keys'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='BreakGlassAccess',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('reason', models.CharField(max_length=500)),
                        ('granted_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('expires_at', models.DateTimeField()),
                        ('reviewed_at', models.DateTimeField(blank=True, null=True)),
                        ('review_note', models.CharField(blank=True, max_length=500)),
                        ('membership', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.membership')),
                        ('participant', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='participants.participant')),
                        ('reviewed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'audit_breakglassaccess',
                        'ordering': ['-granted_at'],
                        'indexes': [models.Index(fields=['user', 'participant', 'expires_at'], name='break_glass_active')],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
