"""The facts the oversight figures count, kept by the transitions from now on
(`disagreements.facts`), computed for the rows written before by the same functions; then
the evidence rows that gained a column vouched for again (ADR 017)."""

import django.db.models.deletion
from django.db import migrations, models

from rpd.audit import upgrade


def fill(apps, schema_editor):
    from rpd.disagreements import facts

    facts.fill(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("disagreements", "0023_merge_contest_and_revouch"),
        ("people", "0011_accounts_invitations"),
        ("audit", "0006_oversightbench_event_target_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="disagreement",
            name="working_days_taken",
            field=models.IntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="milestone",
            name="met_on",
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="stageepisode",
            name="working_days_taken",
            field=models.IntegerField(blank=True, null=True),
        ),
        migrations.CreateModel(
            name="OpenStretch",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("first_day", models.DateField()),
                ("last_day", models.DateField(blank=True, null=True)),
                ("last_active", models.DateField(blank=True, null=True)),
                ("due", models.DateField(blank=True, null=True)),
                (
                    "disagreement",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="disagreements.disagreement",
                    ),
                ),
                (
                    "partnership",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="people.partnership",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["partnership", "last_day", "first_day", "last_active", "due"],
                        name="open_stretch_days_idx",
                    )
                ],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        upgrade.operation("disagreements", "disagreement", ["working_days_taken"]),
        upgrade.operation("disagreements", "stageepisode", ["working_days_taken"]),
        upgrade.operation("disagreements", "milestone", ["met_on"]),
    ]
