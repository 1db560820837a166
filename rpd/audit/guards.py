"""Database triggers that refuse UPDATE and DELETE on audit events.

`Event.save()` and `delete()` refuse in Python; these stop raw SQL, a shell
or another program doing it. They are a guard against accidents, not against
a database owner (who can drop them): the hash chain is what shows tampering.

Both backends raise an integrity error (SQLite's RAISE(ABORT) is a constraint
failure; PostgreSQL is given SQLSTATE 23001 to match), so callers see the
same exception class everywhere.
"""

# Migration 0002 installs these; if they change, add a migration that reinstalls them.
MESSAGE = "audit events are append-only"

_SQLITE_INSTALL = [
    f"""CREATE TRIGGER audit_event_no_{operation} BEFORE {operation.upper()} ON audit_event
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"""
    for operation in ("update", "delete")
]
_SQLITE_REMOVE = [
    f"DROP TRIGGER IF EXISTS audit_event_no_{operation}" for operation in ("update", "delete")
]

_POSTGRESQL_INSTALL = [
    f"""CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'restrict_violation';
    END;
    $$""",
    """CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()""",
]
_POSTGRESQL_REMOVE = [
    "DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event",
    "DROP FUNCTION IF EXISTS audit_event_append_only()",
]

_SQL = {
    "sqlite": (_SQLITE_INSTALL, _SQLITE_REMOVE),
    "postgresql": (_POSTGRESQL_INSTALL, _POSTGRESQL_REMOVE),
}


def install(connection) -> None:
    _run(connection, _SQL.get(connection.vendor, ([], []))[0])


def remove(connection) -> None:
    _run(connection, _SQL.get(connection.vendor, ([], []))[1])


def installed(connection) -> bool:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
                ["audit_event"],
            )
        elif connection.vendor == "postgresql":
            cursor.execute(
                "SELECT count(*) FROM pg_trigger"
                " WHERE tgrelid = 'audit_event'::regclass AND tgname = %s",
                ["audit_event_append_only"],
            )
        else:
            return False
        return cursor.fetchone()[0] > 0


def _run(connection, statements) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
