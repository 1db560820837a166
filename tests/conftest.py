import pytest


def pytest_collection_modifyitems(items):
    # Every test that touches the database also runs in the PostgreSQL pass (-m db).
    for item in items:
        if item.get_closest_marker("django_db") or "db" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.db)
