"""Each case says whether its next date is its stage's review date (the policy sets the
stage no limit), so the lists word it as the case page does: added, filled from the
current stage of every open case, then the rows vouched for again (ADR 017)."""

from django.db import migrations, models

from rpd.audit import upgrade

FILL = """UPDATE disagreements_disagreement SET next_due_is_review = TRUE
    WHERE status = 'open' AND EXISTS (
        SELECT 1 FROM disagreements_stageepisode e
        WHERE e.disagreement_id = disagreements_disagreement.id
            AND e.number = disagreements_disagreement.stage
            AND e.due_basis = 'review'
            AND e.due = disagreements_disagreement.next_due)"""


class Migration(migrations.Migration):
    dependencies = [
        ("disagreements", "0026_stages_carry_their_partnership"),
    ]

    operations = [
        migrations.AddField(
            model_name="disagreement",
            name="next_due_is_review",
            field=models.BooleanField(default=False),
        ),
        migrations.RunSQL(FILL, migrations.RunSQL.noop),
        upgrade.operation("disagreements", "disagreement", ["next_due_is_review"]),
    ]
