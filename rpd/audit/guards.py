"""Database triggers that refuse UPDATE, DELETE, REPLACE and TRUNCATE on audit events.

`Event.save()` and `delete()` refuse in Python; these stop raw SQL, a shell
or another program doing it. They are a guard against accidents, not against
a database owner (who can drop them): the hash chain, the sealed head and the
checkpoints outside the database are what show tampering (docs/adr/006).

SQLite's `INSERT OR REPLACE` removes the row it conflicts with without firing
delete triggers (unless `PRAGMA recursive_triggers` is on, which a connection
can switch off), so an insert that would meet an existing id or sequence
number is refused before it happens. PostgreSQL's row triggers do not see
TRUNCATE, so it has a statement trigger of its own.

Both backends raise an integrity error (SQLite's RAISE(ABORT) is a constraint
failure; PostgreSQL is given SQLSTATE 23001 to match), so callers see the
same exception class everywhere.
"""

# Migrations 0002 and 0003 install these; if they change, add a migration that
# reinstalls them (remove, then install).
MESSAGE = "audit events are append-only"

_SQLITE_INSTALL = [
    f"""CREATE TRIGGER audit_event_no_{operation} BEFORE {operation.upper()} ON audit_event
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"""
    for operation in ("update", "delete")
] + [
    f"""CREATE TRIGGER audit_event_no_replace BEFORE INSERT ON audit_event
    WHEN EXISTS (SELECT 1 FROM audit_event WHERE id = NEW.id OR seq = NEW.seq)
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"""
]
_SQLITE_REMOVE = [
    f"DROP TRIGGER IF EXISTS audit_event_no_{operation}"
    for operation in ("update", "delete", "replace")
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
    """CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()""",
]
_POSTGRESQL_REMOVE = [
    "DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event",
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
