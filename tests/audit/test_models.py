"""Audit events can be added, never changed or removed: not by the ORM, not by raw SQL."""

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from rpd.audit import guards, log
from rpd.audit.models import AppendOnlyError, Event


@pytest.fixture
def event(db):
    return log.append(action="disagreement.raised", target="disagreement:RPD-2026-0042")


def test_saving_a_changed_event_is_refused(event):
    event.target = "disagreement:RPD-2026-0001"

    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.save(update_fields=["target"])
    assert Event.objects.get().target == "disagreement:RPD-2026-0042"


def test_deleting_an_event_is_refused(event):
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        Event.objects.filter(seq=event.seq).delete()
    assert Event.objects.count() == 1


def test_a_bulk_update_is_refused(event):
    with pytest.raises(AppendOnlyError):
        Event.objects.update(actor_label="someone-else")
    with pytest.raises(AppendOnlyError):
        Event.objects.bulk_update([event], ["actor_label"])


def test_an_event_built_with_an_existing_pk_is_inserted_not_written_over(event):
    copy = Event(pk=event.pk, seq=99, at=event.at, actor_label="x", action="x", target="x")

    with pytest.raises(IntegrityError), transaction.atomic():
        copy.save()
    assert Event.objects.get().seq == event.seq


@pytest.mark.parametrize(
    "sql",
    ["UPDATE audit_event SET target = 'changed'", "DELETE FROM audit_event"],
)
def test_the_database_refuses_raw_sql_that_changes_or_removes_events(event, sql):
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql)
    assert Event.objects.get().target == "disagreement:RPD-2026-0042"


@pytest.mark.django_db(transaction=True)
def test_a_flush_empties_the_log_and_leaves_the_guards_in_place():
    # Django's transactional tests flush between tests; on SQLite that is DELETE.
    with transaction.atomic():
        log.append(action="a", target="t")

    call_command("flush", interactive=False, verbosity=0)

    assert not Event.objects.exists()
    assert guards.installed(connection)
    with transaction.atomic():
        assert log.append(action="b", target="t").seq == 1
    with pytest.raises(IntegrityError), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_event")


# Written over in place: SQLite's REPLACE deletes the old row without firing delete
# triggers, and PostgreSQL's upsert is the nearest it has.
OVERWRITE = {
    "sqlite": (
        "INSERT OR REPLACE INTO audit_event"
        " (id, seq, at, actor_id, actor_label, action, target, partnership_id, data,"
        " prev_hash, hash)"
        " SELECT {key}, seq, at, actor_id, actor_label, action, 'changed', partnership_id,"
        " data, prev_hash, hash FROM audit_event"
    ),
    "postgresql": (
        "INSERT INTO audit_event"
        " (id, seq, at, actor_id, actor_label, action, target, partnership_id, data,"
        " prev_hash, hash)"
        " SELECT {key}, seq, at, actor_id, actor_label, action, 'changed', partnership_id,"
        " data, prev_hash, hash FROM audit_event"
        " ON CONFLICT ({conflict}) DO UPDATE SET target = EXCLUDED.target"
    ),
}


@pytest.mark.parametrize(
    ("key", "conflict"), [("id", "id"), ("id + 1000", "seq")], ids=["same-id", "same-seq"]
)
def test_the_database_refuses_an_insert_that_writes_over_an_event(event, key, conflict):
    sql = OVERWRITE[connection.vendor].format(key=key, conflict=conflict)

    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql)
    assert list(Event.objects.values_list("id", "target")) == [(event.pk, event.target)]


def test_the_database_refuses_to_truncate_the_log(event):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no TRUNCATE; its DELETE is refused above")
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE audit_event")
    assert Event.objects.count() == 1
