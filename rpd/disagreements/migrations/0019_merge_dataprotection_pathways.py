# Two branches each added a migration after 0017: the subject's indexes and the pack format.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("disagreements", "0018_dataprotection_subject_indexes"),
        ("disagreements", "0018_pathways_pack_format"),
    ]
    operations = []
