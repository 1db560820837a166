import pytest


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
