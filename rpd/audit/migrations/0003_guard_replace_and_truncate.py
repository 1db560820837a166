"""Reinstall the guards: SQLite's INSERT OR REPLACE and PostgreSQL's TRUNCATE are refused too."""

from django.db import migrations

from rpd.audit import guards


def reinstall(apps, schema_editor):
    guards.remove(schema_editor.connection)
    guards.install(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only")]

    operations = [migrations.RunPython(reinstall, migrations.RunPython.noop)]
