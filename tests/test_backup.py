"""Backup and restore: a restore reproduces every table of the database it was taken from,
on SQLite and on PostgreSQL (the suite's PostgreSQL pass runs the same tests), and records
itself in the audit chain as a signed event naming the backup and the events it lost, so
`rpd audit verify` passes after a legitimate restore and still fails on tampering."""

from __future__ import annotations

import hashlib
import io
import os
import shutil

import pytest
from django.db import connection

from rpd import backup
from rpd.audit import log, seal
from rpd.audit.models import ChainHead, Event
from rpd.cli import CommandError, main
from rpd.disagreements import transitions
from rpd.people.demo import build_partnership

from .disagreements.helpers import discuss, raise_data

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def the_tools_a_postgresql_backup_needs():
    if connection.vendor != "postgresql":
        return
    missing = [name for name in ("pg_dump", "pg_restore") if shutil.which(name) is None]
    if missing:
        reason = f"{' and '.join(missing)} not installed: the PostgreSQL round trip needs them"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI needs the backup tests: {reason}")
        pytest.skip(reason)


@pytest.fixture
def case():
    demo = build_partnership("jersey")
    raiser = demo.ladder["csc"][0]
    d = transitions.raise_disagreement(raiser, raise_data(demo, "police"))
    return demo, raiser, discuss(raiser, d)


def every_table() -> dict[str, list[str]]:
    """Every row of every table (the audit log's end apart), as text, in a stable order."""
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        found = {}
        for table in tables:
            if table in ("audit_event", "audit_chainhead"):
                continue
            cursor.execute(f'SELECT * FROM "{table}"')
            found[table] = sorted(repr(row) for row in cursor.fetchall())
    return found


def events(*, but=None) -> list[tuple]:
    return list(Event.objects.exclude(seq=but).order_by("seq").values_list())


def take_backup(tmp_path, capsys) -> tuple:
    path = tmp_path / ("before.sqlite3" if connection.vendor == "sqlite" else "before.dump")
    assert main(["backup", str(path)]) == 0
    return path, capsys.readouterr().out


def restore(path, capsys) -> str:
    assert main(["restore", str(path), "--yes"]) == 0
    return capsys.readouterr().out


def test_a_restore_reproduces_every_table_and_the_audit_log_verifies(case, tmp_path, capsys):
    demo, raiser, d = case
    tables, chain = every_table(), events()
    head = ChainHead.objects.values_list("seq", "hash").get()
    path, said = take_backup(tmp_path, capsys)
    assert f"the audit log up to event {head[0]:,}" in said
    # Work goes on after the backup, then is lost to the restore.
    transitions.raise_disagreement(raiser, raise_data(demo, "police"))

    restore(path, capsys)

    restored_event = Event.objects.get(seq=head[0] + 1)
    assert every_table() == tables
    assert events(but=restored_event.seq) == chain
    assert ChainHead.objects.values_list("seq", "hash").get() == (
        restored_event.seq,
        restored_event.hash,
    )
    assert log.verify().ok


def test_a_row_changed_after_a_restore_still_fails_verification(case, tmp_path, capsys):
    _demo, _raiser, d = case
    path, _said = take_backup(tmp_path, capsys)
    restore(path, capsys)
    assert log.verify().ok

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE disagreements_record SET summary = %s WHERE disagreement_id = %s",
            ["Nothing was discussed.", d.pk],
        )

    result = log.verify()
    assert not result.ok
    assert "record" in result.reason and "no longer matches event" in result.reason


def test_a_restore_names_the_backup_and_the_events_it_lost(case, tmp_path, capsys):
    demo, raiser, _d = case
    path, _said = take_backup(tmp_path, capsys)
    last = ChainHead.objects.get().seq
    discuss(raiser, transitions.raise_disagreement(raiser, raise_data(demo, "police")))
    lost_head = ChainHead.objects.values_list("seq", "hash").get()
    assert lost_head[0] > last + 1

    said = restore(path, capsys)

    event = Event.objects.get(action=log.RESTORED)
    assert event.seq == last + 1
    assert event.data["backup"]["file"] == path.name
    assert event.data["backup"]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert event.data["backup"]["last_event"] == last
    assert event.data["lost"] == {"from": last + 1, "to": lost_head[0], "head_hash": lost_head[1]}
    assert f"events {last + 1:,} to {lost_head[0]:,}, written after the backup, are lost" in said
    assert log.verify().ok
    # Work goes on after the restore, numbered as the lost events were, and past them.
    while ChainHead.objects.get().seq <= lost_head[0]:
        transitions.raise_disagreement(raiser, raise_data(demo, "police"))
        assert log.verify().ok


def test_a_restore_with_nothing_after_the_backup_loses_nothing(case, tmp_path, capsys):
    path, _said = take_backup(tmp_path, capsys)

    said = restore(path, capsys)

    assert "no event was lost" in said
    assert Event.objects.get(action=log.RESTORED).data["lost"] is None
    assert log.verify().ok


def test_the_gap_is_explained_only_by_the_sealed_line_outside_the_database(
    case, tmp_path, capsys, audit_checkpoints
):
    demo, raiser, _d = case
    path, _said = take_backup(tmp_path, capsys)
    transitions.raise_disagreement(raiser, raise_data(demo, "police"))
    restore(path, capsys)
    lines = audit_checkpoints.read_text().splitlines()
    restore_line = next(line for line in lines if line.startswith("restore "))

    # Without the restore line (an earlier copy put back by hand), the gap shows.
    audit_checkpoints.write_text("\n".join(line for line in lines if line != restore_line))
    assert (
        "is missing: the checkpoints kept outside the database go up to event"
        in (log.verify().reason)
        or "does not match the checkpoint" in log.verify().reason
    )

    # A restore line written without the audit key is refused.
    forged = restore_line[:-64] + "0" * 64
    audit_checkpoints.write_text("\n".join([*lines[:-1], forged]) + "\n")
    assert "records a restore whose seal does not match it" in log.verify().reason


def test_a_restore_event_the_command_did_not_sign_is_reported(case):
    from django.db import transaction

    head = ChainHead.objects.get()
    with transaction.atomic():
        event = log.append(
            action=log.RESTORED,
            target="audit:chain",
            data={
                "backup": {"last_event": head.seq, "last_hash": head.hash},
                "lost": None,
                "signature": "0" * 64,
            },
        )

    result = log.verify()

    assert (result.ok, result.first_broken_seq) == (False, event.seq)
    assert result.reason == f"event {event.seq} records a restore that `rpd restore` did not sign"


def test_a_restore_line_for_another_event_than_the_chain_holds_is_reported(
    case, tmp_path, capsys, audit_checkpoints
):
    demo, raiser, _d = case
    path, _said = take_backup(tmp_path, capsys)
    restore(path, capsys)
    event = Event.objects.get(action=log.RESTORED)
    # The restore event rebuilt by someone with the database (a fresh hash): the sealed
    # line still names the one `rpd restore` wrote.
    lines = audit_checkpoints.read_text().splitlines()
    restore_line = next(line for line in lines if line.startswith("restore "))
    assert restore_line.split()[2] == event.hash
    other = seal.Restore(event.seq, "1" * 64, event.seq - 1, None)
    seal.restored(other)  # sealed with the key, but not this chain's event

    assert f"event {event.seq} is not the restore" in log.verify().reason


def test_restore_asks_at_a_terminal_and_does_nothing_unless_told_yes(
    case, tmp_path, capsys, monkeypatch
):
    path, _said = take_backup(tmp_path, capsys)
    before = ChainHead.objects.get().seq

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setattr("sys.stdin", Terminal("no\n"))
    assert main(["restore", str(path)]) == 1
    out = capsys.readouterr().out
    assert "anything written since is lost" in out and "Nothing restored." in out
    assert not Event.objects.filter(action=log.RESTORED).exists()

    monkeypatch.setattr("sys.stdin", Terminal("yes\n"))
    assert main(["restore", str(path)]) == 0
    assert Event.objects.get(action=log.RESTORED).seq == before + 1


def test_restore_without_a_terminal_needs_yes(case, tmp_path, capsys, monkeypatch):
    path, _said = take_backup(tmp_path, capsys)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))

    assert main(["restore", str(path)]) == 2

    err = capsys.readouterr().err
    assert err == (
        "rpd: error: restore replaces the whole database: run it at a terminal to confirm, "
        "or pass --yes\n"
    )


def test_a_file_that_is_not_a_backup_of_this_kind_of_database_is_refused(tmp_path, capsys):
    other, header = (
        ("PostgreSQL", backup.PG_CUSTOM_HEADER)
        if connection.vendor == "sqlite"
        else ("SQLite", backup.SQLITE_HEADER)
    )
    (tmp_path / "other").write_bytes(header + b"\x00" * 100)
    (tmp_path / "notes.txt").write_text("not a backup")

    assert main(["restore", str(tmp_path / "other"), "--yes"]) == 2
    assert main(["restore", str(tmp_path / "notes.txt"), "--yes"]) == 2
    assert main(["restore", str(tmp_path / "missing"), "--yes"]) == 2

    errors = capsys.readouterr().err.splitlines()
    assert errors == [
        f"rpd: error: {tmp_path / 'other'} is a {other} backup, and this installation uses "
        f"{backup.kind()}: restore it into a {other} installation",
        f"rpd: error: {tmp_path / 'notes.txt'} is not a backup: neither a SQLite database "
        "nor a pg_dump custom-format file",
        f"rpd: error: no backup file at {tmp_path / 'missing'}",
    ]
    assert not Event.objects.filter(action=log.RESTORED).exists()


def test_a_backup_never_overwrites_a_file(tmp_path, capsys):
    (tmp_path / "taken").write_text("an earlier backup")

    assert main(["backup", str(tmp_path / "taken")]) == 2

    assert capsys.readouterr().err == (
        f"rpd: error: {tmp_path / 'taken'} already exists: choose a new name for the backup\n"
    )
    assert (tmp_path / "taken").read_text() == "an earlier backup"


def test_without_pg_dump_the_message_says_what_to_install(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)

    with pytest.raises(CommandError) as raised:
        backup._tool("pg_dump")

    assert str(raised.value) == (
        "pg_dump is not installed (or not on PATH): install PostgreSQL's client programs, "
        "of the server's major version or newer (e.g. postgresql-client-15)"
    )


def test_a_failing_pg_dump_is_one_line_naming_it(monkeypatch, tmp_path):
    fake = tmp_path / "pg_dump"
    fake.write_text("#!/bin/sh\necho 'pg_dump: error: connection refused' >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))

    with pytest.raises(CommandError) as raised:
        backup._run("pg_dump", "--format=custom")

    assert str(raised.value) == "pg_dump failed: pg_dump: error: connection refused"
