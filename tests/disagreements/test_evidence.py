"""The audit log vouches for the evidence, not only for its own events: a record, an action,
a resolution or any other evidence row changed, removed or added in the database, outside
the transitions, fails `rpd audit verify`, which names the row."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.apps import apps
from django.db import connection

from rpd.audit import log
from rpd.audit.models import Event
from rpd.disagreements import evidence, transitions
from rpd.disagreements.models import (
    AgreedAction,
    Disagreement,
    Extension,
    Handover,
    Participant,
    Pause,
    Record,
    Resolution,
    StageEpisode,
    Subject,
)
from rpd.people.demo import build_partnership

from .helpers import discuss, fresh, raise_data

NOW = datetime.datetime(2026, 1, 7, 10, 0, tzinfo=datetime.UTC)  # a Wednesday


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def resolved(db):
    return resolved_with_every_common_kind_of_row()


def resolved_with_every_common_kind_of_row():
    """A Stoke-on-Trent disagreement with one of every common kind of evidence row:
    a record with an agreed action, an extension, a hand-over, a pause and a resolution."""
    demo = build_partnership("stoke-on-trent")
    raiser, manager = demo.ladder["csc"][0], demo.ladder["csc"][1]
    d = transitions.raise_disagreement(raiser, raise_data(demo))
    d = discuss(raiser, d, outcome="resolved")
    episode = d.current_episode()
    steps = [
        (
            "record",
            raiser,
            {
                "kind": "phone",
                "occurred_at": (NOW - datetime.timedelta(minutes=1)).isoformat(),
                "participants": [raiser.pk, episode.receiving_actor.pk],
                "summary": "Agreed a joint visit.",
                "outcome": "ongoing",
                "actions": [{"text": "Joint visit", "owner": raiser.pk, "due": "2026-01-09"}],
            },
        ),
        (
            "extend",
            episode.receiving_actor,  # the other side agrees what one side asked
            {
                "asked_by": raiser.pk,
                "reason": "Waiting for the school's notes",
                "new_due": (episode.due + datetime.timedelta(days=7)).isoformat(),
            },
        ),
        ("hand_over", raiser, {"side": "raising", "to_user": manager.pk, "reason": "Leave"}),
        ("pause", manager, {"reason": "Strategy meeting", "expected_resume": "2026-01-14"}),
        ("resume", manager, {}),
        (
            "resolve",
            manager,
            {
                "agreed_outcome": "A joint home visit this week",
                "next_steps": "Visit, then review",
                "written_confirmation": "Sent to both agencies",
                "feedback_to_raiser": "Thank you for raising it",
            },
        ),
    ]
    for name, actor, data in steps:
        d = transitions.perform(name, actor, d.pk, fresh(d).version, data)
    assert log.verify().ok
    return d


def change(model, pk, **values):
    model.objects.filter(pk=pk).update(**values)


TAMPERING = {
    "an approved record's summary": lambda d: change(
        Record, d.records.filter(approved_at__isnull=False).first().pk, summary="Nothing found."
    ),
    "a record's outcome": lambda d: change(Record, d.records.first().pk, outcome="unresolved"),
    "who took part in a record": lambda d: d.records.first().participants.remove(
        d.records.first().participants.first()
    ),
    "an agreed action's text": lambda d: change(
        AgreedAction, AgreedAction.objects.get().pk, text="Nothing agreed"
    ),
    "a resolution's outcome": lambda d: change(
        Resolution, d.resolution.pk, agreed_outcome="No further action"
    ),
    "a pause's reason": lambda d: change(Pause, d.pauses.get().pk, reason="No reason"),
    "an extension's new date": lambda d: change(
        Extension, Extension.objects.get().pk, new_due=datetime.date(2026, 6, 1)
    ),
    "a hand-over's reason": lambda d: change(Handover, Handover.objects.get().pk, reason="-"),
    "the subject's name": lambda d: change(Subject, d.subject_id, family_name="Else"),
    "the disagreement's summary": lambda d: change(Disagreement, d.pk, summary="A minor point."),
    "a stage's due date": lambda d: change(
        StageEpisode, d.episodes.get().pk, due=datetime.date(2026, 12, 1)
    ),
    "a participant's side": lambda d: change(
        Participant, d.participants.filter(side="raising").first().pk, side="receiving"
    ),
}


@pytest.mark.parametrize("what", TAMPERING)
def test_evidence_changed_in_the_database_fails_verification_naming_the_row(resolved, what):
    TAMPERING[what](resolved)

    result = log.verify()

    assert not result.ok
    assert result.reason.endswith(f"no longer matches event {result.first_broken_seq}")
    assert Event.objects.get(seq=result.first_broken_seq).target == resolved.audit_target


def test_an_approved_record_edited_in_the_database_is_named(resolved):
    record = resolved.records.filter(approved_at__isnull=False).first()
    change(Record, record.pk, summary="Nothing of concern was found.")

    assert log.verify().reason.startswith(f"record {record.pk} no longer matches event ")


def test_evidence_changed_before_a_later_transition_is_not_made_good_by_it(resolved):
    # The next transition rewrites the disagreement row: its new digest must not launder
    # the edit made in between.
    change(Disagreement, resolved.pk, summary="A minor point.")
    record = resolved.records.first()
    transitions.perform(
        "correct",
        resolved.raised_by,
        resolved.pk,
        fresh(resolved).version,
        {"record": record.pk, "summary": "Corrected wording", "reason": "Typo"},
    )

    result = log.verify()

    last = Event.objects.order_by("seq").last()
    assert (result.ok, result.first_broken_seq) == (False, last.seq)
    assert result.reason == (
        f"disagreement {resolved.pk} was changed outside the application before event {last.seq}"
    )


def test_a_record_inserted_in_the_database_is_reported(resolved):
    record = resolved.records.first()
    forged = Record.objects.create(
        disagreement=resolved,
        episode=record.episode,
        kind="meeting",
        occurred_at=NOW,
        summary="A meeting that never happened",
        outcome="unresolved",
        author=record.author,
        created_at=NOW,
    )

    assert log.verify().reason == (
        f"record {forged.pk} is in no audit event: written outside the application"
    )


def test_a_record_removed_from_the_database_is_reported(resolved):
    record = resolved.records.filter(supersedes__isnull=True, actions__isnull=True).last()
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM disagreements_record_participants WHERE record_id = %s", [record.pk]
        )
        cursor.execute("DELETE FROM disagreements_record WHERE id = %s", [record.pk])

    assert log.verify().reason.startswith(f"record {record.pk} is missing: event ")


def test_each_event_carries_the_digests_of_the_rows_it_wrote(resolved):
    resolve = Event.objects.filter(action="disagreement.resolve").get()

    written = resolve.data["rows"]

    assert f"resolution:{resolved.resolution.pk}" in written
    assert written[f"resolution:{resolved.resolution.pk}"][0] is None  # new
    assert f"disagreement:{resolved.pk}" in written
    assert f"record:{resolved.records.first().pk}" not in written  # untouched


def test_every_model_of_the_app_is_declared_evidence_or_not():
    declared = set(evidence.EVIDENCE) | set(evidence.NOT_EVIDENCE)
    models = set(apps.get_app_config("disagreements").get_models())
    # Record.participants' table is part of the record's digest.
    assert models - declared == set()


def test_a_transition_digests_each_row_as_verification_reads_it(resolved):
    # The transitions read a case's rows as values (two snapshots a change), verification
    # as instances with their many-to-many fields: the two must agree on every row, or
    # every change would look like one made outside the application.
    from rpd.audit import rows

    found = evidence.rows_of(resolved, pathway=True)

    assert evidence.snapshot(resolved, pathway=True) == rows.digests(found)
    assert {type(row) for row in found} >= {Record, AgreedAction, Resolution, Participant}
    assert any(row.participants.exists() for row in found if isinstance(row, Record))


def test_a_change_hashes_only_the_rows_it_wrote_and_names_them_as_digests_would(
    resolved, monkeypatch
):
    # A case's every row is read before and after each change; hashing them all twice was
    # a fifth of a submission's time. Rows read alike are left unhashed, and what the
    # event says is what comparing every row's digest says.
    from rpd.audit import rows

    before_read, before_digests = evidence.read(resolved), evidence.snapshot(resolved)
    record = resolved.records.first()
    Record.objects.filter(pk=record.pk).update(summary="Reworded")
    hashed = []
    real = rows.Read.digest
    monkeypatch.setattr(rows.Read, "digest", lambda row: hashed.append(row) or real(row))

    # Rows are compared as the database gave them: only those hashed are converted.
    from django.db.models.sql.compiler import SQLCompiler

    converted = []
    convert = SQLCompiler.apply_converters
    monkeypatch.setattr(
        SQLCompiler,
        "apply_converters",
        lambda self, found, converters: convert(self, converted.extend(found) or found, converters),
    )

    written = evidence.written(before_read, resolved)

    assert list(written) == [f"record:{record.pk}"]
    assert len(converted) == 2  # the record as it was and as it is: a time, its JSON
    assert written == rows.changes(before_digests, evidence.snapshot(resolved))
    assert len(hashed) == 2 + len(evidence.read(resolved))  # the record's two, then all


def test_rows_read_apart_but_alike_are_not_a_change():
    # The same instant in another zone, and the same people in another order, are the
    # same digest: values that differ are hashed before they count as a change.
    from rpd.audit import rows

    at = datetime.datetime(2026, 1, 7, 10, 0, tzinfo=datetime.UTC)
    utc = rows.Read({"id": 1, "at": at}, {"participants": [1, 2]})
    london = rows.Read(
        {"id": 1, "at": at.astimezone(datetime.timezone(datetime.timedelta(hours=1)))},
        {"participants": [2, 1]},
    )
    later = rows.Read({"id": 1, "at": at + datetime.timedelta(seconds=1)}, {"participants": []})

    assert rows.changes({"record:1": utc}, {"record:1": london}) == {}
    assert rows.changes({"record:1": utc}, {"record:1": later}) == {
        "record:1": [utc.digest(), later.digest()]
    }
    assert rows.changes({"record:1": utc.digest()}, {}) == {"record:1": [utc.digest(), None]}


def test_on_postgresql_a_cases_rows_are_read_in_one_exchange_not_a_round_trip_each(resolved):
    # Two dozen queries before and after every change, each a round trip to the server,
    # were a third of a submission's database time: they are sent together (a pipeline),
    # the rows, then the people of the records that have them.
    if connection.vendor != "postgresql":
        pytest.skip("pipelines are PostgreSQL's: runs in the PostgreSQL pass")
    from django.test.utils import CaptureQueriesContext

    connection.ensure_connection()
    raw, entered = connection.connection, []
    real = type(raw).pipeline

    def counted(self):
        entered.append(len(capture.captured_queries))
        return real(self)

    with CaptureQueriesContext(connection) as capture:
        type(raw).pipeline = counted
        try:
            read = evidence.read(resolved)
        finally:
            type(raw).pipeline = real

    assert entered == [0, len(evidence._evidence_of(resolved, pathway=False))]
    assert len(capture.captured_queries) == entered[1] + 1  # the records' participants
    assert {label: row.digest() for label, row in read.items()} == rows_digests(resolved)


def rows_digests(d) -> dict:
    from rpd.audit import rows

    return rows.digests(evidence.rows_of(d))


def test_where_psycopg_cannot_pipeline_the_rows_are_read_one_query_at_a_time(resolved, monkeypatch):
    # A psycopg built against a libpq older than 14 has no pipeline: the same rows, read
    # as before.
    from rpd.audit import rows

    monkeypatch.setattr(rows, "_pipelines", lambda: False)
    if connection.vendor == "postgresql":
        connection.ensure_connection()

        def refused(self):
            raise AssertionError("a pipeline where psycopg has none")

        monkeypatch.setattr(type(connection.connection), "pipeline", refused)

    read = evidence.read(resolved)

    assert {label: row.digest() for label, row in read.items()} == rows_digests(resolved)


def test_after_a_change_the_rows_read_again_are_every_row_as_read_whole(db, monkeypatch):
    # A change reads again only the kinds of row it wrote (`evidence.writes`), the others
    # as they were before it: through raising, recording with an agreed action, extending,
    # handing over, pausing, resuming and resolving, what that gives is what reading every
    # row would, and most kinds are not read again.
    again = evidence.read_again
    kinds = len(evidence._evidence_of(Disagreement(pk=1, subject_id=1), pathway=False))
    read_again = []

    def checked(d, before, written):
        found = again(d, before, written)
        assert found == evidence.read(d)
        read_again.append(sum(bool(evidence._TABLES[m] & written) for m in evidence.EVIDENCE))
        return found

    monkeypatch.setattr(evidence, "read_again", checked)
    resolved_with_every_common_kind_of_row()
    assert len(read_again) >= 8
    assert max(read_again) < kinds / 2


def test_the_tables_a_change_writes_are_found_in_every_statement_it_makes(resolved):
    record = resolved.records.first()
    other = resolved.participants.exclude(user__in=record.participants.all()).first().user
    table = Record._meta.db_table
    with evidence.writes() as written, connection.cursor() as cursor:
        Record.objects.filter(pk=record.pk).exists()
        cursor.execute(f'UPDATE "{table}" SET summary = summary WHERE id = %s', [record.pk])
        cursor.execute(f"WITH r AS (SELECT id FROM {table}) SELECT COUNT(*) FROM r")
    assert written == {table}
    before = evidence.read(resolved)
    with evidence.writes() as written:
        record.participants.add(other)  # only the record's links: its row is as it was
    assert Record.participants.through._meta.db_table in written
    assert evidence.read_again(resolved, before, written) == evidence.read(resolved)
    assert evidence.read_again(resolved, before, set()) != evidence.read(resolved)
    # Rows found through the case by a key the change moved are read again, written or not.
    subject = Subject.objects.get(pk=resolved.subject_id)
    subject.pk = None
    subject.save()
    before = evidence.read(resolved)
    with evidence.writes() as written:
        Disagreement.objects.filter(pk=resolved.pk).update(subject=subject)
    assert written == {Disagreement._meta.db_table}
    moved = fresh(resolved)
    assert evidence.read_again(moved, before, written) == evidence.read(moved)
    with evidence.writes() as written, connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE scratch_rows (n integer)")
    assert written == {evidence.EVERY_TABLE}  # not understood: everything read again
