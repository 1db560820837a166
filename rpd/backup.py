"""Backing the database up to one file, and putting such a file back.

SQLite: the online backup API (a consistent copy while the web processes run), made
self-contained (no write-ahead log) and stamped with a table `rpd_backup` saying when it
was taken, which a restore removes again. PostgreSQL: `pg_dump --format=custom`, put back
with `pg_restore --clean` in one transaction; both programs must be installed, and a
missing or failing one is one clear line. The audit side of a restore, the event that
explains the gap it leaves, is `rpd.audit.restore`.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path

from django.db import connection

from rpd.cli import CommandError

SQLITE_HEADER = b"SQLite format 3\x00"
PG_CUSTOM_HEADER = b"PGDMP"
STAMP = "rpd_backup"
PAGES_A_STEP = 4096  # 16 MB of 4 KiB pages between progress lines
KIND = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}

Say = Callable[[str], None]


@dataclasses.dataclass(frozen=True)
class Inspected:
    taken_at: str  # ISO 8601
    last_event: int  # the audit chain's head in the backup


def kind() -> str:
    return KIND.get(connection.vendor, connection.vendor)


def take(path: Path, say: Say) -> Inspected:
    """Write a backup of this installation's database to `path` (which must not exist)."""
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        if connection.vendor == "sqlite":
            _sqlite_take(partial, say)
        else:
            _pg_take(partial, say)
        inspected = inspect(partial)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return inspected


def inspect(path: Path) -> Inspected:
    """When the backup was taken and where its audit chain ends; CommandError naming the
    problem if the file is not a backup of this installation's kind of database."""
    if not path.is_file():
        raise CommandError(f"no backup file at {path}")
    with open(path, "rb") as file:
        header = file.read(len(SQLITE_HEADER))
    found = (
        "sqlite"
        if header == SQLITE_HEADER
        else "postgresql"
        if header.startswith(PG_CUSTOM_HEADER)
        else None
    )
    if found is None:
        raise CommandError(
            f"{path} is not a backup: neither a SQLite database nor a pg_dump custom-format file"
        )
    if found != connection.vendor:
        raise CommandError(
            f"{path} is a {KIND[found]} backup, and this installation uses {kind()}: "
            f"restore it into a {KIND[found]} installation"
        )
    return _sqlite_inspect(path) if found == "sqlite" else _pg_inspect(path)


def put_back(path: Path, say: Say) -> None:
    """Replace the whole database with the backup at `path` (already inspected)."""
    if connection.vendor == "sqlite":
        _sqlite_put_back(path, say)
    else:
        _pg_put_back(path, say)


def digest(path: Path) -> str:
    sha = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(1 << 20):
            sha.update(chunk)
    return sha.hexdigest()


def now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


# SQLite


def _progress(say: Say, verb: str):
    shown = set()

    def report(status, remaining, total):
        tenth = (total - remaining) * 10 // max(total, 1)
        if tenth not in shown:  # at most one line per tenth, however big the file
            shown.add(tenth)
            say(f"  {verb} {total - remaining:,} of {total:,} pages")

    return report


def _sqlite_take(partial: Path, say: Say) -> None:
    connection.ensure_connection()
    target = sqlite3.connect(partial)
    try:
        connection.connection.backup(target, pages=PAGES_A_STEP, progress=_progress(say, "copied"))
        # One file that opens on its own, without the source's write-ahead log.
        target.execute("PRAGMA journal_mode=DELETE")
        target.execute(f"CREATE TABLE {STAMP} (taken_at TEXT NOT NULL)")
        target.execute(f"INSERT INTO {STAMP} VALUES (?)", (now(),))
        target.commit()
    finally:
        target.close()


def _sqlite_inspect(path: Path) -> Inspected:
    try:
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            tables = {
                row[0]
                for row in source.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
            if "audit_chainhead" not in tables:
                raise CommandError(f"{path} is a SQLite database, but not RPD's (no audit log)")
            head = source.execute("SELECT seq FROM audit_chainhead WHERE id = 1").fetchone()
            stamp = (
                source.execute(f"SELECT taken_at FROM {STAMP}").fetchone()
                if STAMP in tables
                else None
            )
        finally:
            source.close()
    except sqlite3.DatabaseError as error:
        raise CommandError(f"cannot read the backup {path}: {error}") from None
    if stamp is None:  # a copy made another way (sqlite3's .backup): its file's time
        mtime = datetime.datetime.fromtimestamp(path.stat().st_mtime, datetime.UTC)
        taken_at = mtime.isoformat(timespec="seconds")
    else:
        taken_at = stamp[0]
    return Inspected(taken_at, head[0] if head else 0)


def _sqlite_put_back(path: Path, say: Say) -> None:
    connection.ensure_connection()
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        source.backup(
            connection.connection, pages=PAGES_A_STEP, progress=_progress(say, "restored")
        )
    finally:
        source.close()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {STAMP}")


# PostgreSQL


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise CommandError(
            f"{name} is not installed (or not on PATH): install PostgreSQL's client "
            "programs, of the server's major version or newer (e.g. postgresql-client-15)"
        )
    return found


def _pg_env() -> dict[str, str]:
    db = connection.settings_dict
    env = dict(os.environ)
    for variable, value in (
        ("PGHOST", db.get("HOST")),
        ("PGPORT", db.get("PORT")),
        ("PGUSER", db.get("USER")),
        ("PGPASSWORD", db.get("PASSWORD")),
    ):
        if value:
            env[variable] = str(value)
    return env


def _run(name: str, *arguments: str) -> str:
    done = subprocess.run(
        [_tool(name), "--no-password", *arguments],
        env=_pg_env(),
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        raise CommandError(f"{name} failed: {lines[0] if lines else f'exit {done.returncode}'}")
    return done.stdout


def _pg_take(partial: Path, say: Say) -> None:
    say("  pg_dump is writing the custom-format archive...")
    _run("pg_dump", "--format=custom", f"--file={partial}", connection.settings_dict["NAME"])


_CREATED = re.compile(r";\s+Archive created at (.+)")


def _pg_inspect(path: Path) -> Inspected:
    try:
        listing = _run("pg_restore", "--list", str(path))
    except CommandError as error:
        raise CommandError(f"{path} is not a backup pg_restore can read: {error}") from None
    if not re.search(r"\bTABLE DATA \S+ audit_chainhead\b", listing):
        raise CommandError(f"{path} is a PostgreSQL archive, but not of RPD (no audit log)")
    created = _CREATED.search(listing)
    taken_at = created[1].strip() if created else "unknown"
    try:
        taken_at = (
            datetime.datetime.strptime(taken_at, "%Y-%m-%d %H:%M:%S %Z")
            .replace(tzinfo=datetime.UTC)
            .isoformat(timespec="seconds")
        )
    except ValueError:
        pass  # not UTC, or a format of another version: kept as pg_dump wrote it
    # The chain head's one row, as COPY text: id, seq, hash, seal.
    data = _run("pg_restore", "--data-only", "--table=audit_chainhead", "--file=-", str(path))
    head = re.search(r"^1\t(\d+)\t", data, re.MULTILINE)
    return Inspected(taken_at, int(head[1]) if head else 0)


def _pg_put_back(path: Path, say: Say) -> None:
    # pg_restore's own connection drops and recreates every table; ours must hold no lock.
    connection.close()
    say("  pg_restore is replacing every table, in one transaction...")
    _run(
        "pg_restore",
        "--clean",
        "--if-exists",
        "--no-owner",
        "--no-privileges",
        "--single-transaction",
        "--exit-on-error",
        f"--dbname={connection.settings_dict['NAME']}",
        str(path),
    )
