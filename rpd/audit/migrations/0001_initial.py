from django.db import migrations, models

GENESIS_HASH = "0" * 64


def create_chain_head(apps, schema_editor):
    # The row appenders lock; append() would create it too, but having it from
    # the start lets "head missing while events exist" mean tampering, not a new log.
    apps.get_model("audit", "ChainHead").objects.using(schema_editor.connection.alias).create(
        id=1, seq=0, hash=GENESIS_HASH
    )


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="ChainHead",
            fields=[
                (
                    "id",
                    models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False),
                ),
                ("seq", models.BigIntegerField(default=0)),
                ("hash", models.CharField(default=GENESIS_HASH, max_length=64)),
            ],
            options={
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("id", 1)), name="audit_chainhead_singleton"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="Event",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("seq", models.BigIntegerField(unique=True)),
                ("at", models.DateTimeField()),
                ("actor_id", models.BigIntegerField(blank=True, null=True)),
                ("actor_label", models.CharField(max_length=150)),
                ("action", models.CharField(max_length=100)),
                ("target", models.CharField(max_length=200)),
                ("partnership_id", models.BigIntegerField(blank=True, db_index=True, null=True)),
                ("data", models.JSONField(blank=True, default=dict)),
                ("prev_hash", models.CharField(max_length=64)),
                ("hash", models.CharField(max_length=64)),
            ],
            options={
                "ordering": ["seq"],
                "indexes": [models.Index(fields=["target", "seq"], name="audit_event_target_seq")],
            },
        ),
        migrations.RunPython(create_chain_head, migrations.RunPython.noop),
    ]
