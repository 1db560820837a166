"""An upgrade that adds a column to an evidence model leaves `rpd audit verify` passing on
the data written before it, and still failing on tampering: the migration that adds the
column vouches for the old rows again, but only for rows that were intact (ADR 017)."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations import AddField, RunPython

from rpd.audit import log, rows, upgrade
from rpd.disagreements import transitions
from rpd.disagreements.evidence import EVIDENCE
from rpd.people.demo import build_partnership

from ..disagreements.helpers import discuss, fresh, raise_data

# Row digests began with disagreements 0016; every evidence column added after must be
# vouched for again by a migration.
FIRST_AFTER_DIGESTS = "0017"


@pytest.fixture
def before_the_upgrade(monkeypatch):
    """Two cases written by a version whose disagreements had no `next_steps` column: the
    digest's field list as that version's was. Returns them, their raiser, and a function
    that upgrades."""
    columns = rows.Evidence.columns

    def older(evidence):
        found = columns.fget(evidence)
        return [c for c in found if c != "next_steps"] if evidence.model is EVIDENCE_D else found

    monkeypatch.setattr(rows.Evidence, "columns", property(older))
    demo = build_partnership("jersey")
    raiser = demo.ladder["csc"][0]
    cases = [
        discuss(raiser, transitions.raise_disagreement(raiser, raise_data(demo, "police")))
        for _ in range(2)
    ]
    assert log.verify().ok

    def upgrade_to_now():
        monkeypatch.setattr(rows.Evidence, "columns", columns)

    return cases, raiser, upgrade_to_now


EVIDENCE_D = next(model for model in EVIDENCE if model._meta.model_name == "disagreement")


def change(sql: str, *params) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def revouch() -> int:
    return upgrade.revouch(apps, "disagreements", "disagreement", [["next_steps"]])


@pytest.mark.django_db
def test_without_vouching_again_an_added_column_breaks_every_old_row(before_the_upgrade):
    _cases, _raiser, upgrade_to_now = before_the_upgrade
    upgrade_to_now()

    result = log.verify()

    assert not result.ok and "no longer matches event" in result.reason


@pytest.mark.django_db
def test_the_rows_written_before_a_column_was_added_still_verify(before_the_upgrade):
    cases, raiser, upgrade_to_now = before_the_upgrade
    upgrade_to_now()

    assert revouch() == len(cases)

    assert log.verify().ok
    assert revouch() == 0  # run again, it finds nothing more to vouch for
    # The next transition on an old row follows on from the digest vouched for again.
    d = fresh(cases[0])
    transitions.perform("withdraw", raiser, d.pk, d.version, {"reason": "Agreed by phone"})
    assert log.verify().ok


@pytest.mark.django_db
def test_a_row_changed_after_the_upgrade_still_fails(before_the_upgrade):
    cases, raiser, upgrade_to_now = before_the_upgrade
    upgrade_to_now()
    revouch()

    change("UPDATE disagreements_disagreement SET risk = 'low' WHERE id = %s", cases[0].pk)

    result = log.verify()
    assert not result.ok
    assert result.reason.startswith(f"disagreement {cases[0].pk} no longer matches event")


@pytest.mark.django_db
def test_the_added_column_is_vouched_for_too(before_the_upgrade):
    cases, raiser, upgrade_to_now = before_the_upgrade
    upgrade_to_now()
    revouch()

    change(
        "UPDATE disagreements_disagreement SET next_steps = %s WHERE id = %s",
        '["close the case"]',
        cases[1].pk,
    )

    assert log.verify().reason.startswith(f"disagreement {cases[1].pk} no longer matches")


@pytest.mark.django_db
def test_a_row_changed_before_the_upgrade_is_not_made_good_by_it(before_the_upgrade):
    cases, raiser, upgrade_to_now = before_the_upgrade
    change("UPDATE disagreements_disagreement SET risk = 'low' WHERE id = %s", cases[0].pk)
    upgrade_to_now()

    assert revouch() == 1  # the intact case only

    result = log.verify()
    assert not result.ok
    assert result.reason.startswith(f"disagreement {cases[0].pk} no longer matches event")


def test_every_column_added_to_an_evidence_model_since_digests_began_is_vouched_for_again():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    evidence = {model._meta.model_name: model for model in EVIDENCE}
    added, vouched = set(), set()
    for (app_label, name), migration in loader.disk_migrations.items():
        for operation in migration.operations:
            if isinstance(operation, RunPython) and isinstance(operation.code, upgrade.Revouch):
                for columns in operation.code.generations:
                    vouched |= {(operation.code.model_name, column) for column in columns}
            if (
                app_label == "disagreements"
                and name >= FIRST_AFTER_DIGESTS
                and isinstance(operation, AddField)
                and operation.model_name in evidence
            ):
                field = evidence[operation.model_name]._meta.get_field(operation.name)
                added.add((operation.model_name, field.attname))

    assert added, "no column was found added: the search is wrong"
    assert added - vouched == set()
