"""The worker's bookkeeping beside the wire (worker.Bookkeeper): the next batch is claimed
while one is sent (but not while a slow one will take a while yet), a batch claimed
ahead and not sent is handed back, and however slow the database, no more than two runs
of accepted notices are ever unrecorded.

These run outside a test transaction (transaction=True), as a worker does, so the
bookkeeping is done in its own thread; the channels read nothing from the database
meanwhile (SQLite's shared in-memory test database would lock them out)."""

from __future__ import annotations

import threading

import pytest
from django.utils import timezone

from rpd.notifications import worker
from rpd.notifications.channels import Channel
from rpd.notifications.models import DeliveryAttempt, Notice, Status

from .smtp import make_notices

pytestmark = pytest.mark.django_db(transaction=True)

PATIENCE = 30  # seconds to wait for something that ought to come at once


class Instant(Channel):
    """Accepts every notice at once; `before_send` is called before each."""

    name = "instant"

    def __init__(self):
        self.sent: list[int] = []

    def before_send(self, notice) -> None:
        pass

    def send(self, notices, report=None):
        results = {}
        for notice in notices:
            self.before_send(notice)
            self.sent.append(notice.pk)
            results[notice.pk] = None
            if not self._tell(report, notice, None):
                break
        return results


def count_claims(monkeypatch) -> list[threading.Event]:
    """An event per claim the worker makes, set once the claim has been committed."""
    claimed = [threading.Event() for _ in range(10)]
    real, made = worker.claim, []

    def claim(*args, **kwargs):
        notices = real(*args, **kwargs)
        claimed[len(made)].set()
        made.append(notices)
        return notices

    monkeypatch.setattr(worker, "claim", claim)
    return claimed


def test_the_next_batch_is_claimed_while_this_one_is_sent(monkeypatch):
    notices = make_notices(6, at=timezone.now())
    claimed = count_claims(monkeypatch)
    channel = Instant()
    seen_ahead = []

    def before_send(notice) -> None:
        # The second send waits for the second batch's claim (the first send set the
        # pace: fast): a claim made only once this batch is done would never come.
        if len(channel.sent) == 1:
            seen_ahead.append(claimed[1].wait(PATIENCE))

    channel.before_send = before_send

    assert worker.run(once=True, worker_id="w", batch=3, channel=channel) == 6

    assert seen_ahead == [True], "the next batch was not claimed while the first was sent"
    assert sorted(channel.sent) == [n.pk for n in notices]
    assert Notice.objects.filter(status=Status.SENT, attempts=1).count() == 6
    assert DeliveryAttempt.objects.filter(ok=True).count() == 6


def test_no_batch_is_claimed_ahead_while_the_one_in_hand_will_take_a_while(monkeypatch):
    # Every send "slow": the batch in hand is never expected to be done within no time.
    monkeypatch.setattr(worker, "CLAIM_AHEAD_SECONDS", 0)
    make_notices(6, at=timezone.now())
    asked = []  # each claim the worker asks its bookkeeper for, as it asks
    real = worker.Bookkeeper.claim

    def claim(books, *args, **kwargs):
        asked.append(args)
        return real(books, *args, **kwargs)

    monkeypatch.setattr(worker.Bookkeeper, "claim", claim)
    channel = Instant()
    claims_asked_while_sending = []
    channel.before_send = lambda notice: claims_asked_while_sending.append(len(asked))

    assert worker.run(once=True, worker_id="w", batch=3, channel=channel) == 6

    # The second batch was asked for once the first batch's last result came, not before.
    assert claims_asked_while_sending == [1, 1, 1, 2, 2, 2]
    assert Notice.objects.filter(status=Status.SENT, attempts=1).count() == 6


def test_a_batch_claimed_ahead_is_handed_back_when_the_worker_stops(monkeypatch):
    first, second, *rest = make_notices(6, at=timezone.now())
    claimed = count_claims(monkeypatch)
    channel = Instant()
    stop = threading.Event()

    def before_send(notice) -> None:
        if notice == second:
            assert claimed[1].wait(PATIENCE), "the next batch was never claimed"
            stop.set()  # SIGTERM, say: finish the notice in hand, hand back the rest

    channel.before_send = before_send

    assert worker.deliver_due("w", 3, channel, stop.is_set) == 3

    assert channel.sent == [first.pk, second.pk]
    assert Notice.objects.filter(status=Status.SENT).count() == 2
    handed_back = Notice.objects.filter(pk__in=[n.pk for n in rest])
    assert (
        sorted(handed_back.values_list("status", "attempts", "claimed_until"))
        == [(Status.PENDING, 0, None)] * 4
    )
    assert DeliveryAttempt.objects.count() == 2


def test_however_slow_the_database_no_more_than_two_runs_are_ever_unrecorded(monkeypatch):
    monkeypatch.setattr(worker, "FLUSH_SECONDS", 3600)  # full runs only
    count = 5 * worker.FLUSH_EVERY
    make_notices(count, at=timezone.now())
    recorded = [0]
    real_record = worker.record
    slowly = threading.Event()  # never set: each write waits a while first

    def slow_record(worker_id, channel, held, results):
        slowly.wait(0.05)  # a database slower than the wire
        written = real_record(worker_id, channel, held, results)
        recorded[0] += len(results)
        return written

    monkeypatch.setattr(worker, "record", slow_record)
    unrecorded = []
    channel = Instant()
    channel.before_send = lambda notice: unrecorded.append(len(channel.sent) - recorded[0])

    assert worker.run(once=True, worker_id="w", batch=count, channel=channel) == count

    assert max(unrecorded) <= 2 * worker.FLUSH_EVERY
    assert Notice.objects.filter(status=Status.SENT, attempts=1).count() == count
