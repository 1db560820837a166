"""The SQLite test database as the migrations left it, kept as a file for the tests whose
`rpd` processes share a database with them (`notifications.smtp.shared_database_url`):
each gets a copy, rather than a `rpd manage migrate` of its own (6 to 18 s of the suite
each time; what `rpd migrate` does is tested where it is the subject, tests/test_cli.py)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

_kept: list[Path] = []


def keep(connection, folder: Path) -> None:
    """Copy the database behind `connection` (Django's, just migrated) to `folder`."""
    connection.ensure_connection()
    kept = folder / "rpd.sqlite3"
    _copy(connection.connection, kept)
    _kept[:] = [kept]


def copy_to(database: Path) -> None:
    if not _kept:
        raise RuntimeError("the migrated SQLite database was not kept (tests/conftest.py)")
    source = sqlite3.connect(_kept[0])
    try:
        _copy(source, database)
    finally:
        source.close()


def _copy(source: sqlite3.Connection, path: Path) -> None:
    target = sqlite3.connect(path)
    try:
        source.backup(target)
    finally:
        target.close()
