"""Stage episodes, milestones, pauses and extensions carry their case's partnership, so the
oversight figures read a partnership's in a period as one index range: added empty, filled
from each row's case, then required; then the evidence rows vouched for again (ADR 017)."""

import django.db.models.deletion
from django.db import migrations, models

from rpd.audit import upgrade

# Each table's partnership, from the row it belongs to (episodes first: milestones and
# extensions read theirs).
FILL = [
    """UPDATE disagreements_stageepisode SET partnership_id = (
        SELECT d.partnership_id FROM disagreements_disagreement d
        WHERE d.id = disagreements_stageepisode.disagreement_id)""",
    """UPDATE disagreements_pause SET partnership_id = (
        SELECT d.partnership_id FROM disagreements_disagreement d
        WHERE d.id = disagreements_pause.disagreement_id)""",
    """UPDATE disagreements_milestone SET partnership_id = (
        SELECT e.partnership_id FROM disagreements_stageepisode e
        WHERE e.id = disagreements_milestone.episode_id)""",
    """UPDATE disagreements_extension SET partnership_id = (
        SELECT e.partnership_id FROM disagreements_stageepisode e
        WHERE e.id = disagreements_extension.episode_id)""",
]
MODELS = ["stageepisode", "pause", "milestone", "extension"]


def partnership(null: bool):
    return models.ForeignKey(
        db_index=False,
        null=null,
        on_delete=django.db.models.deletion.PROTECT,
        related_name="+",
        to="people.partnership",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("disagreements", "0025_figures_read_periods_as_ranges"),
        ("people", "0011_accounts_invitations"),
        ("audit", "0006_oversightbench_event_target_at"),
    ]

    operations = [
        *(
            migrations.AddField(model_name=name, name="partnership", field=partnership(True))
            for name in MODELS
        ),
        *(migrations.RunSQL(sql, migrations.RunSQL.noop) for sql in FILL),
        *(
            migrations.AlterField(model_name=name, name="partnership", field=partnership(False))
            for name in MODELS
        ),
        migrations.AddIndex(
            model_name="extension",
            index=models.Index(fields=["partnership", "agreed_at"], name="extension_agreed_idx"),
        ),
        migrations.AddIndex(
            model_name="milestone",
            index=models.Index(fields=["partnership", "due"], name="milestone_due_idx"),
        ),
        migrations.AddIndex(
            model_name="pause",
            index=models.Index(fields=["partnership", "paused_on"], name="pause_on_idx"),
        ),
        migrations.AddIndex(
            model_name="stageepisode",
            index=models.Index(fields=["partnership", "ended_at", "number", "working_days_taken"], name="episode_ended_idx"),
        ),
        migrations.AddIndex(
            model_name="stageepisode",
            index=models.Index(fields=["partnership", "started_at", "number"], name="episode_started_idx"),
        ),
        *(upgrade.operation("disagreements", name, ["partnership_id"]) for name in MODELS),
    ]
