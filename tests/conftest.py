import pytest

from . import migrated


def pytest_collection_modifyitems(items):
    # Every test that touches the database also runs in the PostgreSQL pass (-m db).
    for item in items:
        if item.get_closest_marker("django_db") or "db" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.db)


@pytest.fixture(autouse=True)
def audit_checkpoints(tmp_path, settings):
    """Each test its own checkpoint file: the test database is emptied between tests, the
    data directory is not, and a chain from an earlier test is not this one's."""
    settings.RPD_AUDIT_CHECKPOINTS = tmp_path / "audit-checkpoints.log"
    return settings.RPD_AUDIT_CHECKPOINTS


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, tmp_path_factory):
    """The test database, migrated; on SQLite (in this process's memory) also kept as a
    file as the migrations left it, before any test wrote to it (`migrated`)."""
    from django.db import connection

    if connection.vendor == "sqlite":
        with django_db_blocker.unblock():
            migrated.keep(connection, tmp_path_factory.mktemp("migrated"))


@pytest.fixture
def migrated_sqlite(django_db_setup):
    """`migrated.copy_to`, once the test database is made: on SQLite it copies that one."""
    return migrated.copy_to


@pytest.fixture(autouse=True, scope="session")
def postgresql_flushes_by_deleting():
    """A transactional test's database is emptied after it (`flush`). On PostgreSQL Django
    empties it with one TRUNCATE of every table, which makes each table's files anew: 0.4
    to 1 s a test, where a DELETE of each table's few rows takes 0.02 s. The foreign keys
    are checked at the flush's commit (Django makes them deferred), when every table is
    empty; the audit log's guards are lifted for the flush as for a TRUNCATE (rpd.audit's
    `flush`); the people pickers' triggers only touch the token's row, emptied too."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate = DatabaseOperations.sql_flush

    def delete(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or allow_cascade:
            return truncate(
                self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        return [f"DELETE FROM {self.quote_name(table)}" for table in tables]

    DatabaseOperations.sql_flush = delete
    yield
    DatabaseOperations.sql_flush = truncate
