"""Vouch again, in the audit chain, for the evidence rows written before these migrations
added columns to their models: without it `rpd audit verify` reports every such row as
changed (ADR 017). Rows that were changed outside the application stay reported. A
migration that adds a column to an evidence model from now on ends with its own
`upgrade.operation(...)` (tests/audit/test_upgrade.py checks)."""

from django.db import migrations

from rpd.audit import upgrade


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0005_event_texts_beside_the_chain"),
        ("disagreements", "0021_merge_raise"),
    ]

    operations = [
        upgrade.operation(
            "disagreements",
            "disagreement",
            # 0017_list_columns_on_the_disagreement
            [
                "awaiting_approval",
                "awaiting_only_by_id",
                "current_led_by_role",
                "current_raising_actor_id",
                "current_receiving_actor_id",
                "has_unresolved",
            ],
            ["receiver_to_name"],  # 0018_raise_receiver_to_name
            ["next_steps"],  # 0018_rules_next_steps
        ),
        upgrade.operation("disagreements", "pathwayversion", ["format"]),  # 0018_pathways_pack_format
        # 0019_rules_accounts_and_confirmation
        upgrade.operation("disagreements", "resolution", ["confirmed_at", "confirmed_by_id"]),
    ]
