"""The audit log: appending links events into a chain; verifying names the first break."""

import datetime
import json
import threading
import zoneinfo

import pytest
import time_machine
from django.db import connection, models, transaction

from rpd.audit import log
from rpd.audit.hashing import contents_of, event_hash
from rpd.audit.models import GENESIS_HASH, ChainHead, Event

from .helpers import Actor, tamper

LONDON = zoneinfo.ZoneInfo("Europe/London")


def append_several(count, target="disagreement:RPD-2026-0042"):
    return [
        log.append(action="disagreement.recorded", target=target, data={"n": n})
        for n in range(count)
    ]


def rehash(seq):
    """Recompute one event's hash after changing it, as a careful tamperer would."""
    event = Event.objects.get(seq=seq)
    contents = contents_of(event)
    tamper(
        "UPDATE audit_event SET hash = %s WHERE seq = %s",
        [event_hash(event.prev_hash, contents), seq],
    )


@pytest.mark.django_db
class TestAppend:
    def test_each_event_points_at_the_hash_of_the_one_before(self):
        first, second, third = append_several(3)

        assert [first.seq, second.seq, third.seq] == [1, 2, 3]
        assert first.prev_hash == GENESIS_HASH
        assert second.prev_hash == first.hash
        assert third.prev_hash == second.hash
        assert len({first.hash, second.hash, third.hash}) == 3

    def test_the_chain_head_moves_to_the_newest_event(self):
        *_, last = append_several(3)

        head = ChainHead.objects.get()
        assert (head.seq, head.hash) == (3, last.hash)

    def test_a_user_is_recorded_by_id_never_by_username_and_no_one_as_the_system(self):
        by_user = log.append(
            action="disagreement.escalated",
            target="disagreement:RPD-2026-0042",
            actor=Actor(pk=7, username="asha.practitioner"),
            partnership_id=3,
        )
        by_system = log.append(action="deadline.passed", target="disagreement:RPD-2026-0042")

        by_user.refresh_from_db()
        assert (by_user.actor_id, by_user.actor_label, by_user.partnership_id) == (
            7,
            "user:7",
            3,
        )
        assert (by_system.actor_id, by_system.actor_label) == (None, "system")

    def test_the_hash_survives_a_database_round_trip(self):
        class Stage(models.TextChoices):
            TWO = "stage-2"

        # A whole second in British Summer Time: the stored time must hash as UTC
        # with its zero microseconds, whatever the backend gives back.
        with time_machine.travel(datetime.datetime(2026, 7, 1, 10, 30, tzinfo=LONDON), tick=False):
            log.append(
                action="disagreement.escalated",
                target="disagreement:RPD-2026-0042",
                data={
                    "stage": Stage.TWO,
                    "reason": "Ffion’s view — «not met» 🙂",
                    "scores": [1.0, 0.1, 1e20, -0.0, 2**70, 1.5e-10],
                    "nested": {"b": [True, None, {"z": ""}], "a": {}},
                },
                actor=Actor(pk=2**40, username="ffion"),
            )

        stored = Event.objects.get(seq=1)
        assert stored.at == datetime.datetime(2026, 7, 1, 9, 30, tzinfo=datetime.UTC)
        assert stored.data["scores"] == [1, 0.1, 10**20, 0, 2**70, 1.5e-10]
        assert log.verify().ok

    def test_what_is_returned_is_what_the_database_gives_back(self):
        event = log.append(
            action="a", target="t", data={"whole": 3.0, "list": [1.0, "x"], "n": -0.0}
        )

        stored = Event.objects.get(seq=event.seq).data
        # Compared as JSON text, so 3 and 3.0 differ; jsonb may reorder the keys.
        assert json.dumps(stored, sort_keys=True) == json.dumps(event.data, sort_keys=True)

    def test_data_that_is_not_json_is_refused_naming_the_key(self):
        with pytest.raises(TypeError, match=r"data\['people'\]\[1\]\['born'\] is a date"):
            log.append(
                action="a",
                target="t",
                data={"people": [{"born": "2010"}, {"born": datetime.date(2011, 1, 1)}]},
            )
        assert not Event.objects.exists()

    def test_an_empty_action_or_target_is_refused(self):
        with pytest.raises(TypeError, match="action"):
            log.append(action="", target="t")
        with pytest.raises(TypeError, match="target"):
            log.append(action="a", target=None)

    def test_an_overlong_target_is_refused_before_the_database_sees_it(self):
        with pytest.raises(ValueError, match="target is 201 characters long; the limit is 200"):
            log.append(action="a", target="x" * 201)

    def test_an_append_rolled_back_with_its_change_leaves_no_gap(self):
        log.append(action="a", target="t")
        with pytest.raises(RuntimeError), transaction.atomic():
            log.append(action="b", target="t")
            raise RuntimeError("the transition fails after writing its event")

        third = log.append(action="c", target="t")

        assert third.seq == 2
        assert log.verify().ok

    def test_a_flushed_database_starts_a_new_chain(self):
        ChainHead.objects.all().delete()

        event = log.append(action="a", target="t")

        assert (event.seq, event.prev_hash) == (1, GENESIS_HASH)
        assert log.verify().ok

    def test_a_missing_head_with_events_present_stops_appends(self):
        append_several(2)
        ChainHead.objects.all().delete()

        with pytest.raises(log.ChainHeadMissingError), transaction.atomic():
            log.append(action="a", target="t")
        assert log.verify().reason == "the chain head is missing"


@pytest.mark.django_db(transaction=True)
def test_append_outside_a_transaction_is_refused():
    with pytest.raises(log.OutsideTransactionError, match=r"inside transaction\.atomic\(\)"):
        log.append(action="disagreement.escalated", target="disagreement:RPD-2026-0042")
    assert not Event.objects.exists()


@pytest.mark.django_db
class TestVerify:
    def test_an_empty_log_is_intact(self):
        assert log.verify() == log.Verification(True, 0, None, "", GENESIS_HASH)

    def test_an_intact_chain_passes_whatever_the_batch_size(self):
        *_, last = append_several(7)

        for batch_size in (1, 3, 7, 1000):
            result = log.verify(batch_size=batch_size)
            assert (result.ok, result.checked, result.first_broken_seq) == (True, 7, None)
            assert result.head_hash == last.hash

    @pytest.mark.parametrize("batch_size", [2, 1000])
    def test_changed_contents_are_reported_at_that_event(self, batch_size):
        append_several(5)
        tamper("UPDATE audit_event SET target = %s WHERE seq = 3", ["disagreement:RPD-2026-0001"])

        result = log.verify(batch_size=batch_size)

        assert (result.ok, result.first_broken_seq, result.checked) == (False, 3, 2)
        assert result.reason == "event 3: hash does not match its contents"

    def test_changed_data_is_reported_at_that_event(self):
        append_several(5)
        tamper("UPDATE audit_event SET data = %s WHERE seq = 4", ['{"n": 30}'])

        assert log.verify().reason == "event 4: hash does not match its contents"

    def test_a_changed_time_is_reported_at_that_event(self):
        append_several(3)
        event = Event.objects.get(seq=2)
        tamper(
            "UPDATE audit_event SET at = %s WHERE seq = 2",
            [
                connection.ops.adapt_datetimefield_value(
                    event.at + datetime.timedelta(microseconds=1)
                )
            ],
        )

        assert log.verify().reason == "event 2: hash does not match its contents"

    def test_a_changed_event_with_a_recomputed_hash_breaks_the_next_link(self):
        append_several(5)
        tamper("UPDATE audit_event SET actor_label = 'someone-else' WHERE seq = 3")
        rehash(3)

        result = log.verify()

        assert (result.first_broken_seq, result.checked) == (4, 3)
        assert result.reason == "event 4: prev_hash does not match event 3"

    def test_a_deleted_middle_event_is_reported_missing(self):
        append_several(5)
        tamper("DELETE FROM audit_event WHERE seq = 3")

        result = log.verify()

        assert (result.ok, result.first_broken_seq, result.checked) == (False, 3, 2)
        assert result.reason == "event 3 is missing"

    def test_a_cut_off_tail_is_reported_missing(self):
        append_several(5)
        tamper("DELETE FROM audit_event WHERE seq = 5")

        result = log.verify()

        assert (result.first_broken_seq, result.checked) == (5, 4)
        assert result.reason == "event 5 is missing"

    def test_a_head_wound_back_is_reported(self):
        append_several(5)
        ChainHead.objects.update(seq=3, hash=Event.objects.get(seq=3).hash)

        result = log.verify()

        assert result.first_broken_seq == 4
        assert result.reason == "event 4 is beyond the chain head (event 3)"

    def test_a_head_that_does_not_match_the_last_event_is_reported(self):
        append_several(2)
        ChainHead.objects.update(hash="f" * 64)

        assert log.verify().reason == "the chain head does not match event 2"


@pytest.mark.django_db
def test_events_for_gives_one_targets_events_oldest_first():
    log.append(action="disagreement.raised", target="disagreement:RPD-2026-0042")
    log.append(action="disagreement.raised", target="disagreement:RPD-2026-0043")
    log.append(action="disagreement.escalated", target="disagreement:RPD-2026-0042")

    events = log.events_for("disagreement:RPD-2026-0042")

    assert [(e.seq, e.action) for e in events] == [
        (1, "disagreement.raised"),
        (3, "disagreement.escalated"),
    ]


@pytest.mark.django_db(transaction=True)
def test_four_writers_at_once_make_one_unbroken_chain_of_a_hundred():
    if connection.vendor != "postgresql":
        pytest.skip(
            "row locks are PostgreSQL's; SQLite admits one writer at a time (BEGIN IMMEDIATE)"
        )
    start = threading.Barrier(4)
    errors = []

    def writer(number):
        try:
            start.wait()
            for n in range(25):
                with transaction.atomic():
                    log.append(action="test.concurrent", target=f"writer:{number}", data={"n": n})
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            connection.close()  # each thread has its own connection; don't leak it

    threads = [threading.Thread(target=writer, args=(number,)) for number in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    result = log.verify()
    assert (result.ok, result.checked) == (True, 100)
    assert list(Event.objects.values_list("seq", flat=True)) == list(range(1, 101))
    for number in range(4):
        assert [e.data["n"] for e in log.events_for(f"writer:{number}")] == list(range(25))
