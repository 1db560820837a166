"""Shared by the audit tests: a stand-in user and a way to tamper with the log."""

import contextlib
import dataclasses

from django.db import connection

from rpd.audit import guards


@dataclasses.dataclass
class Actor:
    """Anything with a pk and a username will do; the log keeps no link to users."""

    pk: int
    username: str

    def get_username(self) -> str:
        return self.username


@contextlib.contextmanager
def guards_lifted():
    """Drop the append-only triggers, as someone with the database's keys could."""
    guards.remove(connection)
    try:
        yield
    finally:
        guards.install(connection)


def tamper(sql: str, params=()) -> None:
    with guards_lifted(), connection.cursor() as cursor:
        cursor.execute(sql, params)
