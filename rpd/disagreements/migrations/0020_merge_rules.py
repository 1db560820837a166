# The rules branch's migrations after 0017, beside the data protection and pathways ones.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("disagreements", "0019_merge_dataprotection_pathways"),
        ("disagreements", "0019_rules_accounts_and_confirmation"),
    ]
    operations = []
