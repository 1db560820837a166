"""The people a picker lists, kept between requests until a row they are read from changes.

A picker may list an agency's thousands (`fields.people_choices`): reading and wording
them was most of such a page's time, whatever else the page did (`bench/pages.py` at
12,000 people). People change far less often than pages are drawn, so what a picker's
query found is kept in this process, keyed by the query itself and by a token the database
replaces whenever a row of a table such a query reads changes: triggers on those tables
(installed by migration people 0014) write a new random token, so no two states of the
data ever share one, not even a change rolled back and another made in its place.

On PostgreSQL the token is written when the changing transaction commits (a deferred
constraint trigger, once per transaction): taken at the end, the token's row lock cannot
be held by one transaction while it waits for another's row, so it adds no deadlock.

A query is kept only when every table it reads has those triggers, and only in
autocommit: a transaction's own uncommitted change is visible to it without a new token
(PostgreSQL writes the token at commit), so inside one the query is read fresh.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable

from django.core.exceptions import EmptyResultSet
from django.db import connection

# The tables a picker's query may read, each with the triggers below: a person's name,
# job, team, agency, rung, line manager, address or whether they are active; an agency's
# name; rungs, stand-ins, memberships, roles and role holders, partnerships.
WATCHED = {
    "people_user": (
        "first_name",
        "last_name",
        "username",
        "email",
        "job_title",
        "team",
        "agency_id",
        "rung_id",
        "line_manager_id",
        "is_active",
    ),
    "people_agency": None,  # None: any column
    "people_partnership": None,
    "people_membership": None,
    "people_rung": None,
    "people_standin": None,
    "people_rolegrant": None,
    "people_roleholder": None,
}

KEPT = 64  # queries kept in a process: a few agencies' lists, each a few hundred KB at most

_kept: OrderedDict[tuple, list] = OrderedDict()
_lock = threading.Lock()


def read(queryset, build: Callable[[], list]) -> list:
    """`build()` (which reads `queryset`), or what it gave before for the same query while
    no row it reads has changed since."""
    if connection.in_atomic_block:
        return build()
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:  # chosen among none (`pk__in=[]`): no query to keep
        return build()
    if not set(_tables(sql)) <= WATCHED.keys():
        return build()
    from .models import PickerToken

    token = PickerToken.objects.values_list("token", flat=True).filter(pk=PickerToken.ONLY).first()
    if token is None:  # a database emptied by hand (a test's flush): nothing is kept
        return build()
    key = (connection.alias, sql, tuple(params), token)
    with _lock:
        if key in _kept:
            _kept.move_to_end(key)
            return _kept[key]
    rows = build()
    with _lock:
        _kept[key] = rows
        while len(_kept) > KEPT:
            _kept.popitem(last=False)
    return rows


def forget() -> None:
    """Nothing kept (tests that change the database behind the triggers' back)."""
    with _lock:
        _kept.clear()


def _tables(sql: str) -> list[str]:
    return re.findall(r'(?:FROM|JOIN)\s+"(\w+)"', sql)


# -- The triggers (migration people 0014) -------------------------------------------------

TOKEN_TABLE = "people_pickertoken"


def _sqlite_install() -> list[str]:
    statements = []
    new_token = f"UPDATE {TOKEN_TABLE} SET token = lower(hex(randomblob(16))) WHERE id = 1;"
    for table, columns in WATCHED.items():
        for event in ("INSERT", "DELETE", "UPDATE"):
            of = f" OF {', '.join(columns)}" if event == "UPDATE" and columns else ""
            statements.append(
                f"CREATE TRIGGER {table}_picker_{event.lower()} AFTER {event}{of} ON {table} "
                f"BEGIN {new_token} END"
            )
    return statements


def _sqlite_remove() -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {table}_picker_{event}"
        for table in WATCHED
        for event in ("insert", "delete", "update")
    ]


def _postgresql_install() -> list[str]:
    statements = [
        # Once per transaction: the token's row remembers which transaction wrote it.
        f"""CREATE OR REPLACE FUNCTION people_picker_token() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE {TOKEN_TABLE}
            SET token = md5(random()::text || clock_timestamp()::text),
                written_by = txid_current()
            WHERE id = 1 AND written_by IS DISTINCT FROM txid_current();
            RETURN NULL;
        END;
        $$"""
    ]
    for table, columns in WATCHED.items():
        of = f" OF {', '.join(columns)}" if columns else ""
        statements.append(
            f"CREATE CONSTRAINT TRIGGER {table}_picker AFTER INSERT OR DELETE OR UPDATE{of} "
            f"ON {table} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
            "EXECUTE FUNCTION people_picker_token()"
        )
    return statements


def _postgresql_remove() -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {table}_picker ON {table}" for table in WATCHED] + [
        "DROP FUNCTION IF EXISTS people_picker_token()"
    ]


def install(schema_editor) -> None:
    _run(schema_editor, {"sqlite": _sqlite_install, "postgresql": _postgresql_install})


def remove(schema_editor) -> None:
    _run(schema_editor, {"sqlite": _sqlite_remove, "postgresql": _postgresql_remove})


def _run(schema_editor, statements: dict) -> None:
    make = statements.get(schema_editor.connection.vendor)
    for statement in make() if make else []:
        schema_editor.execute(statement)
