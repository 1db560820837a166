# The raise branch's migration after 0017, beside the others.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("disagreements", "0020_merge_rules"),
        ("disagreements", "0018_raise_receiver_to_name"),
    ]
    operations = []
