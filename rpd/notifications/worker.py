"""The worker: claims due notices from the outbox, sends them, records every attempt.

A notice goes  pending -> sending -> sent | pending (later) | failed.

Claiming is one short transaction that marks a batch ``sending`` with this worker's
name and a lease (``claimed_until``). On PostgreSQL the batch is chosen with
``SELECT ... FOR UPDATE SKIP LOCKED``, so several workers take disjoint batches
without waiting for each other. On SQLite every write transaction begins
IMMEDIATE (see settings), so a claim holds the database's one write lock from its
first read: two worker processes take turns, and the second sees the first's
claims. Either way a notice is claimed by one worker at a time.

Sending happens outside any transaction (a slow mail server must not hold locks),
and the database work round it is done beside it, in a thread of its own
(`Bookkeeper`): the next batch is claimed while this one is sent, and results are
recorded in runs, one transaction each (one UPDATE for the sent ones, one INSERT for
all the attempts), written while the next run fills. A run is handed over once it
holds FLUSH_EVERY results or FLUSH_SECONDS have passed since the last, so while sends
come fast the bookkeeping is shared between many notices, and when they come slower
than that each is written the moment the channel has it. A result is recorded only
if the notice is still claimed by this worker: a worker that outlived its lease
cannot overwrite the result of the worker that took the notice over.
From its claim until its results are written, a thread renews a batch's lease every
quarter of it (`Lease`), so a live worker's claim does not expire under it however
slow one send is; only a worker that died (or froze whole) lets its claims run out.
A worker also stops taking new notices from its batch halfway through its lease and
hands the rest back, so one worker does not sit on a long batch while others are idle.

Exactly once, and the window that is left: a result is handed over at most
FLUSH_SECONDS (or FLUSH_EVERY notices) after the mail server accepts it, and a full
run is handed over only once the run before it is written, so no more than two runs
(the one being written and the one filling) are ever unrecorded. If the worker dies
between the server's "250 OK" and the commit of its run, the notices of those runs
stay ``sending`` until the lease runs out and are then sent again (ADR 014).
The second copy carries the same Message-ID (see `channels.message_id`; for
Notify, the same reference), which is how a receiver can tell it is a repeat.
The same holds for a Notify request that timed out after Notify took it. A send
slower than the lease is not repeated: the lease is renewed while it lasts. Any
other crash — before the server accepted, or after the commit — neither loses nor
doubles a notice; a batch claimed ahead and never sent is handed back by a worker
that stops, and by one that dies its claims expire unsent.

Failures go to the DeliveryAttempt log, never to a traceback: a temporary one
waits with exponential back-off (30 s, 1, 2, 4 ... minutes, at most an hour, a
little jittered so a recovering server is not hit by everyone at once) and a
permanent one, or the MAX_ATTEMPTS-th, leaves the notice ``failed`` (a daily
digest that fails so gives back the notices it held, to be sent singly).
"""

from __future__ import annotations

import collections
import datetime
import importlib
import logging
import os
import queue
import random
import secrets
import signal
import socket
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from . import digest, heartbeat
from .channels import Channel, DeliveryFailed, channel_for
from .models import DeliveryAttempt, Kind, Notice, Status

logger = logging.getLogger(__name__)

# Temporary failures are retried for three to four days (the back-off reaches an hour by
# the eighth attempt): a mail server down over a bank-holiday weekend loses nothing.
MAX_ATTEMPTS = 100
FIRST_RETRY = datetime.timedelta(seconds=30)
LONGEST_RETRY = datetime.timedelta(hours=1)
HOUSEKEEPING_EVERY = 60  # seconds between runs of the deadline sweep and the digests
# Results are written in runs of at most FLUSH_EVERY, and never held longer than
# FLUSH_SECONDS after the last write: a fast channel's bookkeeping is one transaction per
# run, a slow channel's (each send slower than FLUSH_SECONDS) one per notice, as before.
FLUSH_EVERY = 50
FLUSH_SECONDS = 0.1
# A run of fewer results than this when FLUSH_SECONDS is up means sends slower than 10 ms
# each: the worker waits for its write before the next send, so a slow send is never one
# a crash leaves unrecorded while the next is under way (Bookkeeper).
SLOW_RUN = 10
# The next batch is claimed once the one in hand looks like being done within this, at
# its pace so far: well ahead of a claim's commit, and never long before it is wanted.
CLAIM_AHEAD_SECONDS = 1.0
NO_RESULT = DeliveryFailed("the channel gave no result for this notice", permanent=False)


def default_worker_id() -> str:
    """Unique per process, and readable in the attempt log: host, pid and a random tag."""
    return f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"[:100]


def backoff(attempts: int) -> datetime.timedelta:
    """How long to wait after the attempts-th failed attempt: 30 s, 1 min, 2, 4 ... 1 h.

    Up to a fifth earlier at random, so notices that failed together (a server down)
    come back spread out rather than all at once.
    """
    delay = min(LONGEST_RETRY, FIRST_RETRY * 2 ** min(max(attempts - 1, 0), 16))
    return delay * random.uniform(0.8, 1.0)


def lease() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.RPD_WORKER_LEASE_SECONDS)


def due(now: datetime.datetime) -> tuple[Q, Q]:
    """Notices a worker may take: pending and due, or claimed by a worker whose lease ran out."""
    return Q(status=Status.PENDING, next_attempt_at__lte=now), Q(
        status=Status.SENDING, claimed_until__lt=now
    )


def oldest(condition: Q, limit: int) -> list[Notice]:
    """The first `limit` notices that meet `condition`, oldest first, read down the due
    index; on PostgreSQL locked, skipping those another worker has locked."""
    notices = Notice.objects.filter(condition).order_by("next_attempt_at", "pk")
    if connection.features.has_select_for_update_skip_locked:
        # Other workers skip the rows we lock and pick others.
        notices = notices.select_for_update(skip_locked=True)
    return list(notices[:limit])


def claim(
    worker_id: str, limit: int, now: datetime.datetime | None = None, channel_name: str = ""
) -> list[Notice]:
    """Mark up to `limit` due notices as this worker's, oldest first; commit; return them."""
    with transaction.atomic():
        # The time is read once the transaction has begun: on SQLite, once this worker
        # holds the write lock, however long it waited for it, so a lease is never
        # granted already spent.
        now = now or timezone.now()
        until = now + lease()
        # The two kinds of due notice are read apart, each down the due index in the
        # claim's order, and merged: asked for together (an OR), each database read and
        # sorted every due notice to find the oldest few, 50 to 60 ms a claim under a
        # backlog of 50,000. On SQLite this transaction began IMMEDIATE, so it alone may
        # write until it ends.
        pending, expired_claims = due(now)
        picked = sorted(
            oldest(pending, limit) + oldest(expired_claims, limit),
            key=lambda n: (n.next_attempt_at, n.pk),
        )[:limit]
        if not picked:
            return []
        fresh = [n.pk for n in picked if n.status == Status.PENDING]
        expired = {
            n.pk: (n.claimed_by, n.claimed_until) for n in picked if n.status == Status.SENDING
        }
        # Conditional updates, so a notice is taken only in the state it was seen in, even
        # on a database that let another worker in between.
        taken = Notice.objects.filter(pk__in=fresh, status=Status.PENDING).update(
            status=Status.SENDING, claimed_by=worker_id, claimed_until=until
        )
        # A worker claimed these and never reported: it died, or hung past its lease. It
        # may have sent some before it stopped; there is no knowing. Count the lost
        # attempt (a notice that kills every worker that tries it must not loop for
        # ever), log it, and send again.
        taken += Notice.objects.filter(
            pk__in=expired, status=Status.SENDING, claimed_until__lt=now
        ).update(claimed_by=worker_id, claimed_until=until, attempts=F("attempts") + 1)
        if taken == len(picked):
            # Every row read is now ours (locked, or under the write lock, as they should
            # be): set what the updates wrote rather than read the batch again.
            for notice in picked:
                notice.attempts += notice.pk in expired
                notice.status = Status.SENDING
                notice.claimed_by, notice.claimed_until = worker_id, until
            ours = picked
        else:
            ours = list(
                Notice.objects.filter(
                    pk__in=[n.pk for n in picked],
                    status=Status.SENDING,
                    claimed_by=worker_id,
                    claimed_until=until,
                ).order_by("next_attempt_at", "pk")
            )
        taken_over = [n.pk for n in ours if n.pk in expired]
        if taken_over:
            DeliveryAttempt.objects.bulk_create(
                DeliveryAttempt(
                    notice_id=pk,
                    at=now,
                    worker=expired[pk][0][:100],
                    channel=channel_name,
                    ok=False,
                    error=f"no result: the claim expired at {expired[pk][1].isoformat()} "
                    "(the worker stopped or hung); it may or may not have been delivered",
                )
                for pk in taken_over
            )
            logger.warning(
                "%s took over %d notice(s) whose lease had expired", worker_id, len(taken_over)
            )
        return ours


Result = tuple[Notice, DeliveryFailed | None, datetime.datetime]  # what, how, when


def change_for(notice: Notice, failure: DeliveryFailed | None, at: datetime.datetime) -> dict:
    """The fields a result sets on its notice."""
    attempts = notice.attempts + 1
    if failure is None:
        return {"status": Status.SENT, "sent_at": at, "last_error": ""}
    if failure.permanent or attempts >= MAX_ATTEMPTS:
        return {"status": Status.FAILED, "last_error": str(failure)}
    return {
        "status": Status.PENDING,
        "next_attempt_at": at + backoff(attempts),
        "last_error": str(failure),
    }


class NotAllOurs(Exception):
    """A run's sent notices were not all still this worker's: write it notice by notice."""


def record(
    worker_id: str, channel: Channel, held: Lease, results: list[Result]
) -> dict[int, str | None]:
    """Write a run of results in one transaction; answer each notice's new status, or
    None for one that is no longer this worker's.

    Only notices still held by this claim change (same worker, same lease, still
    sending): a worker that lost its claim cannot overwrite the new owner's result.
    The sent ones take one UPDATE between them; every attempt is logged, ours or not.
    """
    if not results:
        return {}
    with held.lock:
        if all(failure is None for _, failure, _ in results):
            try:
                return _record_sent(worker_id, channel, held, results)
            except NotAllOurs:
                pass  # rolled back: some were taken over, so sort them out one by one
        return _record_each(worker_id, channel, held, results)


def _record_sent(
    worker_id: str, channel: Channel, held: Lease, results: list[Result]
) -> dict[int, str | None]:
    """A run of sends only (as nearly every run is): one UPDATE, one INSERT, one commit."""
    pks = [notice.pk for notice, _, _ in results]
    with transaction.atomic():
        # The UPDATE's own condition decides which are ours (PostgreSQL checks it again
        # on a row another worker changed meanwhile): all of them, or none are written.
        updated = held.ours(pks).update(
            status=Status.SENT,
            # A run's notices were all accepted within FLUSH_SECONDS of each other:
            # they share the time the last of them was (a CASE of one time each cost
            # more to build than the rest of the run's bookkeeping).
            sent_at=max(at for _, _, at in results),
            last_error="",
            attempts=F("attempts") + 1,
            claimed_until=None,
        )
        if updated != len(pks):
            raise NotAllOurs
        log_attempts(worker_id, channel, results)
    return dict.fromkeys(pks, Status.SENT)


def _record_each(
    worker_id: str, channel: Channel, held: Lease, results: list[Result]
) -> dict[int, str | None]:
    """A run with failures in it, or with notices another worker took over."""
    outcomes: dict[int, str | None] = {}
    with transaction.atomic():
        # Locked (on PostgreSQL) until the commit, so the ones read as ours stay ours.
        mine = set(
            held.ours([n.pk for n, _, _ in results])
            .select_for_update()
            .values_list("pk", flat=True)
        )
        sent = [(n, at) for n, failure, at in results if failure is None and n.pk in mine]
        if sent:
            Notice.objects.filter(pk__in=[n.pk for n, _ in sent]).update(
                status=Status.SENT,
                sent_at=max(at for _, at in sent),
                last_error="",
                attempts=F("attempts") + 1,
                claimed_until=None,
            )
            outcomes.update(dict.fromkeys((n.pk for n, _ in sent), Status.SENT))
        for notice, failure, at in results:
            if notice.pk not in mine:
                outcomes[notice.pk] = None
            elif failure is not None:
                change = change_for(notice, failure, at)
                Notice.objects.filter(pk=notice.pk).update(
                    attempts=F("attempts") + 1, claimed_until=None, **change
                )
                if change["status"] == Status.FAILED and notice.kind == Kind.DIGEST:
                    digest.release_failed(notice, at, str(failure))
                outcomes[notice.pk] = change["status"]
                log_failure(notice, failure, change)
        # The attempt happened whether or not the notice is still ours: log it regardless.
        log_attempts(worker_id, channel, results)
    for notice, failure, _ in results:
        if outcomes[notice.pk] is None:
            logger.warning(
                "notice %s: %s lost its claim before recording the result (%s)",
                notice.pk,
                worker_id,
                "sent" if failure is None else failure,
            )
    return outcomes


def log_attempts(worker_id: str, channel: Channel, results: list[Result]) -> None:
    """One row per try in the attempt log, all in one INSERT."""
    DeliveryAttempt.objects.bulk_create(
        DeliveryAttempt(
            notice_id=notice.pk,
            at=at,
            worker=worker_id,
            channel=channel.name,
            ok=failure is None,
            permanent=bool(failure and failure.permanent),
            error="" if failure is None else str(failure),
        )
        for notice, failure, at in results
    )


def log_failure(notice: Notice, failure: DeliveryFailed, change: dict) -> None:
    if change["status"] == Status.FAILED:
        logger.warning(
            "notice %s failed after %d attempt(s): %s", notice.pk, notice.attempts + 1, failure
        )
    else:
        logger.info(
            "notice %s: attempt %d failed, retrying at %s: %s",
            notice.pk,
            notice.attempts + 1,
            change["next_attempt_at"].isoformat(timespec="seconds"),
            failure,
        )


class Lease:
    """One batch's claim, renewed from the moment it is made until its results are written.

    A send can outlast the lease (a mail server that stalls, a Notify request that
    hangs), and so can the wait for the batch before it to be sent: a thread of its own
    (with its own database connection) pushes ``claimed_until`` forward every quarter
    of the lease, so no other worker takes over a notice that is still in this worker's
    hands. Only a worker that is alive renews: one that died stops renewing and its
    claim expires as before. Results are recorded against the current lease (`until`),
    under the same lock as the renewal, so the two never cross.
    """

    def __init__(self, worker_id: str, notices: list[Notice]):
        self.worker_id = worker_id
        self.notices = notices
        self.pks = [n.pk for n in notices]
        self.until = notices[0].claimed_until  # one claim: one lease for the batch
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.thread: threading.Thread | None = None
        # What became of the notices whose results are written (None: lost to another worker).
        self.outcomes: collections.Counter[str | None] = collections.Counter()

    @property
    def lost(self) -> bool:
        """Whether another worker took over one of these notices: the lease ran out."""
        return self.outcomes[None] > 0

    def ours(self, pks: list[int] | None = None):
        """This batch's notices (or those of `pks`) still claimed by this lease."""
        return Notice.objects.filter(
            pk__in=self.pks if pks is None else pks,
            claimed_by=self.worker_id,
            claimed_until=self.until,
            status=Status.SENDING,
        )

    def hand_back(self, notices: list[Notice]) -> int:
        """Hand back claimed notices that were not tried: due at once, no attempt counted."""
        if not notices:
            return 0
        with self.lock:
            return self.ours([n.pk for n in notices]).update(
                status=Status.PENDING, claimed_until=None
            )

    def renew(self) -> int:
        """Push the lease forward from now; return how many notices it still holds."""
        with self.lock:
            until = timezone.now() + lease()
            if until <= self.until:
                return 0
            renewed = self.ours().update(claimed_until=until)
            if renewed:
                self.until = until
            return renewed

    def keep_alive(self) -> Lease:
        every = settings.RPD_WORKER_LEASE_SECONDS / 4
        if every > 0:
            self.thread = threading.Thread(
                target=self._renew_until_done, args=(every,), daemon=True
            )
            self.thread.start()
        return self

    def _renew_until_done(self, every: float) -> None:
        try:
            while not self.done.wait(every):
                try:
                    renewed = self.renew()
                except DatabaseError as error:  # the lease may run out: logged, not fatal
                    logger.warning("%s could not renew its lease: %s", self.worker_id, error)
                else:
                    logger.debug("%s renewed its lease on %d notice(s)", self.worker_id, renewed)
        finally:
            connection.close()  # this thread's own connection

    def end(self) -> None:
        self.done.set()
        if self.thread is not None:
            self.thread.join()


class Task:
    """A piece of the bookkeeper's work, and what came of it."""

    def __init__(self, work: Callable[[], object], always: bool = False):
        self.work = work
        self.always = always  # done even after the database failed (ending a lease)
        self.done = threading.Event()
        self.value: object = None
        self.error: BaseException | None = None
        # Work done in line that nobody has asked for yet: done when it is asked for.
        self.deferred: Callable[[Task], None] | None = None

    def result(self):
        """Wait for the work to be done (doing it now if it was deferred); answer what it
        answered, or raise what it raised."""
        if self.deferred is not None:
            deferred, self.deferred = self.deferred, None
            deferred(self)
        self.done.wait()
        if self.error is not None:
            raise self.error
        return self.value


class Bookkeeper:
    """The worker's database work while it sends, in a thread of its own (with its own
    database connection), in the order it is asked for: claims, runs of results, hand-backs.

    A commit is a disk flush (SQLite) or a round trip and a WAL flush (PostgreSQL): done
    in line, the next send waited for each claim and for the last run of each batch, and
    a worker spent as long on its bookkeeping as on the wire. Here the next batch is
    claimed while this one is sent, and a run is written while the next fills.

    What a crash can leave unrecorded while sends come fast is the run being written and
    the one filling up meanwhile (ADR 014): a full run waits for the run before it to be
    written before it is handed over, so no more than one is ever waiting. A run of fewer
    than SLOW_RUN handed over because FLUSH_SECONDS passed (sends slower than 10 ms
    each) is waited for before the next send: each slow send is on record before the
    next begins.

    Inside a transaction (a test's) another connection could not see the claims, so the
    work is done in line, in the order it always was: a claim asked for ahead when its
    batch is wanted, the rest at once.
    """

    def __init__(self, worker_id: str, channel: Channel, tally: collections.Counter | None):
        self.worker_id, self.channel, self.tally = worker_id, channel, tally
        self.error: BaseException | None = None  # the first failure: no more is written
        self.leases: list[Lease] = []  # claimed and not yet finished
        self.last_run: Task | None = None
        self.tasks: queue.SimpleQueue[Task | None] | None = None
        self.thread: threading.Thread | None = None
        if not connection.in_atomic_block:
            self.tasks = queue.SimpleQueue()
            self.thread = threading.Thread(target=self._work_until_done, daemon=True)
            self.thread.start()

    def claim(self, limit: int, now: datetime.datetime | None = None) -> Task:
        """Claim a batch; the task answers its Lease, renewed from then on, or None when
        nothing is due."""

        def work() -> Lease | None:
            notices = claim(self.worker_id, limit, now, self.channel.name)
            if not notices:
                return None
            held = Lease(self.worker_id, notices).keep_alive()
            self.leases.append(held)
            return held

        return self._submit(Task(work), defer=True)

    def write(self, held: Lease, run: list[Result], wait: bool = False) -> None:
        """Record `run` once the run before it is written; wait for it too if `wait`."""
        if self.last_run is not None:
            self.last_run.done.wait()
        self.last_run = task = self._submit(Task(lambda: self._record(held, run)))
        if self.tasks is None:
            task.result()  # in line: raise what writing it raised, here
        elif wait:
            task.done.wait()

    def _record(self, held: Lease, run: list[Result]) -> None:
        held.outcomes.update(record(self.worker_id, self.channel, held, run).values())

    def finish(self, held: Lease, untried: list[Notice]) -> None:
        """Once the batch's runs are written: hand back what was not tried, stop
        renewing the lease, and say what became of the batch."""

        def work() -> None:
            try:
                if self.error is None:
                    self._finish(held, untried)
            finally:
                held.end()
                self.leases.remove(held)

        self._submit(Task(work, always=True))

    def _finish(self, held: Lease, untried: list[Notice]) -> None:
        held.hand_back(untried)
        outcomes = held.outcomes
        if self.tally is not None:
            self.tally.update(outcomes)
        logger.info(
            "%s: %d sent, %d to retry, %d failed, %d handed back, %d lost to another worker",
            self.worker_id,
            outcomes[Status.SENT],
            outcomes[Status.PENDING],
            outcomes[Status.FAILED],
            len(untried),
            outcomes[None],
        )

    def drop(self, ahead: Task) -> None:
        """A claim asked for ahead that will not be sent: hand its batch back."""
        if ahead.deferred is not None:
            return  # in line and never asked for: nothing was claimed
        ahead.done.wait()
        if ahead.error is None and ahead.value is not None:
            self.finish(ahead.value, ahead.value.notices)

    def _submit(self, task: Task, defer: bool = False) -> Task:
        if self.tasks is not None:
            self.tasks.put(task)
        elif defer:
            task.deferred = self._do
        else:
            self._do(task)
        return task

    def _do(self, task: Task) -> None:
        if self.error is not None and not task.always:
            task.error = self.error  # the database failed: nothing more is written
        else:
            try:
                task.value = task.work()
            except BaseException as error:  # raised again in the sending thread
                task.error = error
                self.error = self.error or error
        task.done.set()

    def _work_until_done(self) -> None:
        try:
            while (task := self.tasks.get()) is not None:
                self._do(task)
        finally:
            connection.close()  # this thread's own connection

    def close(self) -> None:
        """Wait for everything asked to be done; raise what doing it raised."""
        if self.thread is not None:
            self.tasks.put(None)
            self.thread.join()
            self.thread = None
        for held in self.leases:  # left unfinished by a failure: their claims expire
            held.end()
        self.leases.clear()
        if self.error is not None:
            error, self.error = self.error, None
            raise error


def deliver_batch(
    worker_id: str,
    limit: int = 100,
    now: datetime.datetime | None = None,
    channel: Channel | None = None,
    should_stop: Callable[[], bool] | None = None,
    tally: collections.Counter | None = None,
) -> int:
    """Claim up to `limit` due notices, send them and record the results; return how many.

    `now` fixes the clock (for tests); otherwise each result is stamped as it comes.
    `tally`, if given, adds up the new status of each (None: lost to another worker).
    Call it outside a transaction: the claim must be committed before sending starts.
    """
    channel = channel or channel_for(settings)
    clock = (lambda: now) if now is not None else timezone.now
    books = Bookkeeper(worker_id, channel, tally)
    try:
        held = books.claim(limit, now).result()
        if held is None:
            return 0
        _send(books, held, channel, clock, should_stop)
        return len(held.notices)
    finally:
        books.close()


def deliver_due(
    worker_id: str,
    limit: int,
    channel: Channel,
    should_stop: Callable[[], bool],
    tally: collections.Counter | None = None,
) -> int:
    """Claim, send and record batch after batch until nothing is due or `should_stop`;
    return how many notices were claimed and tried.

    The next batch is claimed while this one is sent, once this one is expected to be
    done within CLAIM_AHEAD_SECONDS at its pace so far: its claim is committed by the
    time it is wanted, and a worker whose sends are slow does not sit on a batch it will
    not start for a while (another worker may be idle). A batch claimed ahead and then
    not sent (asked to stop) is handed back.
    """
    books = Bookkeeper(worker_id, channel, tally)
    handled = 0
    ahead: Task | None = None

    def claim_ahead() -> None:
        nonlocal ahead
        ahead = books.claim(limit)

    try:
        claim_ahead()
        while ahead is not None:
            held, ahead = ahead.result(), None
            if held is None:
                break
            if should_stop() or books.error is not None:
                books.finish(held, held.notices)
                break
            handled += len(held.notices)
            _send(books, held, channel, timezone.now, should_stop, claim_ahead)
            if ahead is None and not should_stop():  # not claimed during the batch
                claim_ahead()
    finally:
        if ahead is not None:
            books.drop(ahead)
        books.close()
    return handled


def _send(
    books: Bookkeeper,
    held: Lease,
    channel: Channel,
    clock: Callable[[], datetime.datetime],
    should_stop: Callable[[], bool] | None,
    claim_ahead: Callable[[], None] | None = None,
) -> None:
    """Send a claimed batch, handing its results to `books` in runs as they come; call
    `claim_ahead` once the rest of the batch looks like taking CLAIM_AHEAD_SECONDS or less."""
    started = time.monotonic()
    # Stop taking notices from the batch halfway through the lease; the rest go back to
    # the queue for whichever worker is free next.
    hand_back_at = started + settings.RPD_WORKER_LEASE_SECONDS / 2
    reported: set[int] = set()
    pending: list[Result] = []  # results the channel gave that are not yet handed over
    flushed_at = time.monotonic()
    stopped = False

    def flush(wait: bool = False) -> None:
        nonlocal flushed_at, pending
        if pending:
            books.write(held, pending, wait)
            pending = []
        flushed_at = time.monotonic()

    def report(notice: Notice, failure: DeliveryFailed | None) -> bool:
        nonlocal stopped, claim_ahead
        reported.add(notice.pk)
        pending.append((notice, failure, clock()))
        # Results are written together while sends come fast; each at once when they
        # come slower than FLUSH_SECONDS apart (see the module's note on exactly once).
        if len(pending) >= FLUSH_EVERY:
            flush()
        elif time.monotonic() - flushed_at >= FLUSH_SECONDS:
            # Sends slower than FLUSH_SECONDS / SLOW_RUN each: on record before the next.
            flush(wait=len(pending) < SLOW_RUN)
        # When the claim was lost the lease has run out: the rest are likely taken too.
        # When recording failed, the database is in trouble: stop, and say so below.
        go_on = not held.lost and books.error is None
        go_on = go_on and not (should_stop and should_stop())
        now = time.monotonic()
        stopped = not (go_on and now < hand_back_at)
        if claim_ahead is not None and not stopped:
            left = len(held.notices) - len(reported)
            if (now - started) / len(reported) * left <= CLAIM_AHEAD_SECONDS:
                claim_ahead()
                claim_ahead = None
        return not stopped

    try:
        results = channel.send(held.notices, report)
        # Not asked to stop, yet no answer: a channel fault, counted as an attempt so a
        # broken channel backs off instead of spinning.
        unanswered = None if stopped else NO_RESULT
    except DatabaseError:
        raise  # recording failed: the claims stay and expire; run() waits for the database
    except Exception as error:
        # A bug in a channel, not a delivery failure: worth a traceback in the log.
        logger.exception("the %s channel raised an exception", channel.name)
        results = {}
        unanswered = DeliveryFailed(f"the {channel.name} channel raised {error!r}", permanent=False)
    untried = []
    for notice in held.notices:
        if notice.pk in reported:
            continue
        if notice.pk in results:  # a channel that answers only at the end
            pending.append((notice, results[notice.pk], clock()))
        elif unanswered is not None:
            pending.append((notice, unanswered, clock()))
        else:
            untried.append(notice)
    flush()
    books.finish(held, untried)


def housekeeping(now: datetime.datetime) -> None:
    """Run the deadline sweep and the daily digests, if those modules are installed."""
    for name in ("rpd.notifications.sweep", "rpd.notifications.digest"):
        try:
            module = importlib.import_module(name)
        except ImportError as error:
            logger.debug("%s not available: %s", name, error)
            continue
        task = getattr(module, "run", None)
        if task is None:
            continue
        try:
            outcome = task(now)
        except Exception:
            # The sweep failing must not stop notices already queued from going out.
            logger.exception("%s.run failed", name)
        else:
            logger.debug("%s.run: %r", name, outcome)


class Stop:
    """Set by SIGTERM or SIGINT: finish the message in hand, hand back the rest, exit."""

    def __init__(self):
        self.event = threading.Event()
        self.previous: dict[int, object] = {}

    def __call__(self) -> bool:
        return self.event.is_set()

    def install(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        for signum in (signal.SIGTERM, signal.SIGINT):
            self.previous[signum] = signal.signal(signum, self._on_signal)

    def uninstall(self) -> None:
        for signum, handler in self.previous.items():
            signal.signal(signum, handler)
        self.previous.clear()

    def _on_signal(self, signum, frame) -> None:
        logger.info("%s: finishing the notice in hand, then stopping", signal.strsignal(signum))
        self.event.set()


def run(
    once: bool = False,
    worker_id: str | None = None,
    poll_seconds: float = 5,
    batch: int = 100,
    channel: Channel | None = None,
    tally: collections.Counter | None = None,
) -> int:
    """Deliver until stopped (or, with `once`, until nothing is due); return how many tried.

    `tally` adds up what became of them, by status, for a caller that must say so.
    """
    worker_id = worker_id or default_worker_id()
    channel = channel or channel_for(settings)
    stop = Stop()
    stop.install()
    handled = 0
    last_housekeeping: float | None = None
    logger.info("worker %s delivering by %s", worker_id, channel.name)
    try:
        while not stop():
            if not connection.in_atomic_block:  # (never inside a test's transaction)
                close_old_connections()  # drop a connection the database closed meanwhile
            try:
                heartbeat.beat(worker_id)  # /health/ready: the outbox is being delivered
                if last_housekeeping is None or (
                    time.monotonic() - last_housekeeping >= HOUSEKEEPING_EVERY
                ):
                    last_housekeeping = time.monotonic()
                    housekeeping(timezone.now())
                handled += deliver_due(worker_id, batch, channel, stop, tally)
            except DatabaseError as error:
                if once:
                    raise
                logger.error("database error, trying again in %s s: %s", poll_seconds, error)
            if once:
                break
            stop.event.wait(poll_seconds)
    finally:
        stop.uninstall()
    logger.info("worker %s stopping after %d notice(s)", worker_id, handled)
    return handled
