"""The SQLite test database as the migrations left it, kept as a file for the tests whose
`rpd` processes share a database with them (`notifications.smtp.shared_database_url`):
each gets a copy, rather than a `rpd manage migrate` of its own (6 to 18 s of the suite
each time; what `rpd migrate` does is tested where it is the subject, tests/test_cli.py)."""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

_kept: list[Path] = []


def keep(connection, folder: Path) -> None:
    """Copy the database behind `connection` (Django's, just migrated) to `folder`; where
    the tests chosen use no database, none was made, and nothing is kept."""
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'django_migrations'")
        if cursor.fetchone() is None:
            return
    kept = folder / "rpd.sqlite3"
    _copy(connection.connection, kept)
    _kept[:] = [kept]


def copy_to(database: Path) -> None:
    """A migrated SQLite database at `database`: a copy of the one kept, or where none was
    (the tests run on PostgreSQL, or no test of this process used the database yet), one
    `rpd manage migrate` made."""
    if not _kept:
        _kept.append(_migrate(Path(tempfile.mkdtemp(prefix="rpd-migrated-"))))
    source = sqlite3.connect(_kept[0])
    try:
        _copy(source, database)
    finally:
        source.close()


def _migrate(folder: Path) -> Path:
    from .subprocess_rpd import rpd

    database = folder / "rpd.sqlite3"
    status, _out, err = rpd(folder, "manage", "migrate", "--verbosity", "0",
                            RPD_DATABASE_URL=f"sqlite:///{database}")  # fmt: skip
    assert status == 0, err
    return database


def _copy(source: sqlite3.Connection, path: Path) -> None:
    target = sqlite3.connect(path)
    try:
        source.backup(target)
    finally:
        target.close()
