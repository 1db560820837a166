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
