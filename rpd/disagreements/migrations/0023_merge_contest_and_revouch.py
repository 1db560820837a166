"""Joins the contest decision (0022_resolve) and the vouching again (0022_backup), and vouches
again for the contested resolutions written before 0022_resolve added its columns (ADR 017)."""

from django.db import migrations

from rpd.audit import upgrade


class Migration(migrations.Migration):
    dependencies = [
        ("disagreements", "0022_backup_revouch_added_columns"),
        ("disagreements", "0022_resolve_contest_decided_by_the_leader"),
    ]

    operations = [
        upgrade.operation(
            "disagreements",
            "contestedresolution",
            # 0022_resolve_contest_decided_by_the_leader
            [
                "decided_at",
                "decided_by_id",
                "decision_reason",
                "feedback_to_raiser",
                "learning_case_review",
                "learning_multi_agency_audit",
                "learning_procedure_amendment",
                "outcome",
            ],
        ),
    ]
