"""Agency becomes Organization: one record per organization, with Open Referral HSDS 3.0's fields and a
stable id (issue 9). Every existing agency keeps its primary key, so memberships, referrals, consents,
disclosures and API tokens keep pointing at the same organization."""

import uuid

import django.core.validators
import django.db.models.deletion
from django.db import migrations, models


def give_each_organization_its_own_id(apps, schema_editor):
    Organization = apps.get_model("accounts", "Organization")
    for pk in Organization.objects.values_list("pk", flat=True):
        Organization.objects.filter(pk=pk).update(hsds_id=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_program_idle_timeout_minutes"),
        # Every migration that points at accounts.Agency by its old name runs before the rename.
        ("consent", "0001_initial"),
        ("referrals", "0001_initial"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="agency", name="agency_name_unique_in_program"),
        migrations.RenameModel(old_name="Agency", new_name="Organization"),
        migrations.AlterModelOptions(name="organization", options={"ordering": ["program", "name"]}),
        migrations.AlterField(
            model_name="organization",
            name="program",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="organizations", to="accounts.program"
            ),
        ),
        migrations.AddField(
            model_name="organization", name="hsds_id", field=models.UUIDField(editable=False, null=True)
        ),
        migrations.RunPython(give_each_organization_its_own_id, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="organization",
            name="hsds_id",
            field=models.UUIDField(default=uuid.uuid4, editable=False),
        ),
        migrations.AddField(
            model_name="organization", name="alternate_name", field=models.CharField(blank=True, max_length=200)
        ),
        migrations.AddField(model_name="organization", name="description", field=models.TextField(blank=True)),
        migrations.AddField(model_name="organization", name="email", field=models.EmailField(blank=True, max_length=254)),
        migrations.AddField(model_name="organization", name="website", field=models.URLField(blank=True, max_length=500)),
        migrations.AddField(model_name="organization", name="tax_status", field=models.CharField(blank=True, max_length=100)),
        migrations.AddField(model_name="organization", name="tax_id", field=models.CharField(blank=True, max_length=100)),
        migrations.AddField(
            model_name="organization", name="year_incorporated", field=models.PositiveSmallIntegerField(blank=True, null=True)
        ),
        migrations.AddField(model_name="organization", name="legal_status", field=models.CharField(blank=True, max_length=200)),
        migrations.AddField(model_name="organization", name="logo", field=models.CharField(blank=True, max_length=500)),
        migrations.AddField(model_name="organization", name="uri", field=models.URLField(blank=True, max_length=500)),
        migrations.AddField(
            model_name="organization",
            name="parent",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="children",
                to="accounts.organization",
            ),
        ),
        migrations.AddField(model_name="organization", name="hsds_extra", field=models.JSONField(blank=True, default=dict)),
        migrations.AddField(model_name="organization", name="updated_at", field=models.DateTimeField(auto_now=True)),
        migrations.AddConstraint(
            model_name="organization",
            constraint=models.UniqueConstraint(fields=("program", "name"), name="organization_name_unique_in_program"),
        ),
        migrations.AddConstraint(
            model_name="organization",
            constraint=models.UniqueConstraint(fields=("program", "hsds_id"), name="organization_hsds_id_unique_in_program"),
        ),
        migrations.AddField(
            model_name="program",
            name="directory_review_months",
            field=models.PositiveSmallIntegerField(
                default=12,
                help_text="A directory entry not checked within this many months is marked as possibly out of date.",
                validators=[
                    django.core.validators.MinValueValidator(1),
                    django.core.validators.MaxValueValidator(120),
                ],
            ),
        ),
    ]
