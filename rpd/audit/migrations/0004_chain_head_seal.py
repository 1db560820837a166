from django.db import migrations, models


def seal_existing_head(apps, schema_editor):
    # A log begun before heads were sealed: seal it as it stands now, which is all that
    # can be vouched for (docs/adr/006).
    from rpd.audit.seal import seal

    ChainHead = apps.get_model("audit", "ChainHead")
    for head in ChainHead.objects.using(schema_editor.connection.alias).filter(seq__gt=0):
        head.seal = seal(head.seq, head.hash)
        head.save(update_fields=["seal"])


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_guard_replace_and_truncate")]

    operations = [
        migrations.AddField(
            model_name="chainhead",
            name="seal",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
        migrations.RunPython(seal_existing_head, migrations.RunPython.noop),
    ]
