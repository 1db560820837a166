"""A token the database replaces whenever a row a person picker reads changes, and the
triggers that replace it (rpd/people/pickers.py)."""

from django.db import migrations, models

from rpd.people import pickers


def first_token(apps, schema_editor):
    apps.get_model("people", "PickerToken").objects.create(pk=1, token="first")


def install(apps, schema_editor):
    pickers.install(schema_editor)


def remove(apps, schema_editor):
    pickers.remove(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0013_people_listed_by_agency_and_name"),
    ]

    operations = [
        migrations.CreateModel(
            name="PickerToken",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("token", models.CharField(max_length=64)),
                ("written_by", models.BigIntegerField(null=True)),
            ],
        ),
        migrations.RunPython(first_token, migrations.RunPython.noop),
        migrations.RunPython(install, remove),
    ]
