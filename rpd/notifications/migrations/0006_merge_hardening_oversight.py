# Two branches each added a notifications migration after 0004.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0005_hardening_preferences_links_from"),
        ("notifications", "0005_oversight_notice_kind_learning"),
    ]
    operations = []
