# The live lists' agency indexes end in id, as the lists are ordered (next_due, id), so
# PostgreSQL reads a page of them in order without sorting ties.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("disagreements", "0012_copied_agencies"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="disagreement", name="disagreement_live_raise_idx"),
        migrations.RemoveIndex(model_name="disagreement", name="disagreement_live_recv_idx"),
        migrations.AddIndex(
            model_name="disagreement",
            index=models.Index(
                condition=models.Q(("status__in", ["open", "paused"])),
                fields=["raising_agency", "next_due", "id"],
                name="disagreement_live_raise_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="disagreement",
            index=models.Index(
                condition=models.Q(("status__in", ["open", "paused"])),
                fields=["receiving_agency", "next_due", "id"],
                name="disagreement_live_recv_idx",
            ),
        ),
    ]
