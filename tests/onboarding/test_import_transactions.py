"""An import commits whole or not at all, outside any test's own transaction (issue 15):
pytest-django's wrapping transaction would hide an import that wrote row by row, so these
tests run with `transaction=True`, as the CLI and the web run it."""

from __future__ import annotations

import pytest

from rpd.audit.models import Event
from rpd.onboarding import import_people
from rpd.onboarding.import_people import import_file
from rpd.people.models import Agency, Membership, RoleGrant, RoleHolder, Rung, User

from .conftest import as_csv

pytestmark = pytest.mark.django_db(transaction=True)


def written() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (Agency, Membership, Rung, User, RoleGrant, RoleHolder, Event)
    )


def test_an_import_outside_any_test_transaction_writes_everything_with_its_one_event(
    partnership, rows
):
    events = Event.objects.count()

    import_file(partnership, as_csv(rows), by=None, source="people.csv")

    assert User.objects.filter(agency__owner=partnership).count() == len(rows)
    assert Agency.objects.filter(owner=partnership).count() == len({r["agency_code"] for r in rows})
    managed = User.objects.filter(agency__owner=partnership, line_manager__isnull=False)
    assert managed.count() == sum(1 for r in rows if r["line_manager_email"])
    imported = Event.objects.filter(seq__gt=events)
    assert [e.action for e in imported] == ["people.imported"]
    assert imported.get().data["lines"] == len(rows)


def test_an_import_failing_while_writing_leaves_nothing_behind(partnership, rows, monkeypatch):
    before = written()

    def fails(plan, users):
        # Agencies, ladders and people are written by now: the failure comes mid-write.
        assert User.objects.filter(agency__owner=partnership).exists()
        raise RuntimeError("the database went away")

    monkeypatch.setattr(import_people, "_write_managers", fails)
    with pytest.raises(RuntimeError):
        import_file(partnership, as_csv(rows), by=None, source="people.csv")

    assert written() == before
