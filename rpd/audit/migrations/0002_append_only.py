"""Triggers that refuse UPDATE and DELETE on audit events (see rpd.audit.guards)."""

from django.db import migrations

from rpd.audit import guards


def install(apps, schema_editor):
    # RunPython rather than RunSQL: the SQL differs by backend (and there is
    # none for backends without triggers we know how to write).
    guards.install(schema_editor.connection)


def remove(apps, schema_editor):
    guards.remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(install, remove)]
