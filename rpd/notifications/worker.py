"""The worker: claims due notices from the outbox, sends them, records every attempt.

A notice goes  pending -> sending -> sent | pending (later) | failed.

Claiming is one short transaction that marks a batch ``sending`` with this worker's
name and a lease (``claimed_until``). On PostgreSQL the batch is chosen with
``SELECT ... FOR UPDATE SKIP LOCKED``, so several workers take disjoint batches
without waiting for each other. On SQLite every write transaction begins
IMMEDIATE (see settings), so a claim holds the database's one write lock from its
first read: two worker processes take turns, and the second sees the first's
claims. Either way a notice is claimed by one worker at a time.

Sending happens outside any transaction (a slow mail server must not hold locks).
Results are recorded in runs, one transaction each (one UPDATE for the sent ones,
one INSERT for all the attempts): a run is written once it holds FLUSH_EVERY results
or FLUSH_SECONDS have passed since the last write, so while sends come fast the
bookkeeping is shared between many notices, and when they come slower than that
each is written the moment the channel has it. A result is recorded only if the
notice is still claimed by this worker: a worker that outlived its lease cannot
overwrite the result of the worker that took the notice over.
While a worker sends, a thread renews its lease every quarter of it (`Lease`), so a
live worker's claim does not expire under it however slow one send is; only a
worker that died (or froze whole) lets its claims run out. A worker also stops
taking new notices from its batch halfway through its lease and hands the rest back,
so one worker does not sit on a long batch while others are idle.

Exactly once, and the window that is left: a notice is marked sent at most
FLUSH_SECONDS (or FLUSH_EVERY notices) after the mail server accepts it. If the
worker dies between the server's "250 OK" and that commit, the notices of that
run stay ``sending`` until the lease runs out and are then sent again (ADR 014).
The second copy carries the same Message-ID (see `channels.message_id`; for
Notify, the same reference), which is how a receiver can tell it is a repeat.
The same holds for a Notify request that timed out after Notify took it. A send
slower than the lease is not repeated: the lease is renewed while it lasts. Any
other crash — before the server accepted, or after the commit — neither loses nor
doubles a notice.

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
# a crash leaves unrecorded while the next is under way (Recorder).
SLOW_RUN = 10
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


def due(now: datetime.datetime) -> Q:
    """Notices a worker may take: pending and due, or claimed by a worker whose lease ran out."""
    return Q(status=Status.PENDING, next_attempt_at__lte=now) | Q(
        status=Status.SENDING, claimed_until__lt=now
    )


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
        candidates = Notice.objects.filter(due(now)).order_by("next_attempt_at", "pk")
        if connection.features.has_select_for_update_skip_locked:
            # PostgreSQL: lock the rows we pick; other workers skip them and pick others.
            candidates = candidates.select_for_update(skip_locked=True)
        # On SQLite this transaction began IMMEDIATE, so it alone may write until it ends.
        picked = list(candidates.values_list("pk", "status", "claimed_by", "claimed_until")[:limit])
        if not picked:
            return []
        fresh = [pk for pk, status, _, _ in picked if status == Status.PENDING]
        expired = {pk: (who, when) for pk, status, who, when in picked if status == Status.SENDING}
        # Conditional updates, so a notice is taken only in the state it was seen in, even
        # on a database that let another worker in between.
        Notice.objects.filter(pk__in=fresh, status=Status.PENDING).update(
            status=Status.SENDING, claimed_by=worker_id, claimed_until=until
        )
        # A worker claimed these and never reported: it died, or hung past its lease. It
        # may have sent some before it stopped; there is no knowing. Count the lost
        # attempt (a notice that kills every worker that tries it must not loop for
        # ever), log it, and send again.
        Notice.objects.filter(pk__in=expired, status=Status.SENDING, claimed_until__lt=now).update(
            claimed_by=worker_id, claimed_until=until, attempts=F("attempts") + 1
        )
        ours = list(
            Notice.objects.filter(
                pk__in=[p[0] for p in picked],
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
    outcomes: dict[int, str | None] = {}
    with held.lock, transaction.atomic():
        # Locked (on PostgreSQL) until the commit, so the ones read as ours stay ours.
        mine = set(
            held.ours()
            .filter(pk__in=[n.pk for n, _, _ in results])
            .select_for_update()
            .values_list("pk", flat=True)
        )
        sent = [(n, at) for n, failure, at in results if failure is None and n.pk in mine]
        if sent:
            # A run's notices were all accepted within FLUSH_SECONDS of each other: they
            # share the time the last of them was (a CASE of one time each cost more to
            # build than the rest of the run's bookkeeping).
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
    for notice, failure, _ in results:
        if outcomes[notice.pk] is None:
            logger.warning(
                "notice %s: %s lost its claim before recording the result (%s)",
                notice.pk,
                worker_id,
                "sent" if failure is None else failure,
            )
    return outcomes


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


def release(worker_id: str, notices: list[Notice]) -> int:
    """Hand back claimed notices that were not tried: due at once, no attempt counted."""
    if not notices:
        return 0
    return Notice.objects.filter(
        pk__in=[n.pk for n in notices],
        claimed_by=worker_id,
        claimed_until=notices[0].claimed_until,  # one claim: one lease for the batch
        status=Status.SENDING,
    ).update(status=Status.PENDING, claimed_until=None)


class Lease:
    """One batch's claim, renewed while the worker is still sending it.

    A send can outlast the lease (a mail server that stalls, a Notify request that
    hangs): a thread of its own (with its own database connection) pushes
    ``claimed_until`` forward every quarter of the lease, so no other worker takes
    over a notice that is still in this worker's hands. Only a worker that is alive
    renews: one that died stops renewing and its claim expires as before. Results
    are recorded against the current lease (`until`), under the same lock as the
    renewal, so the two never cross.
    """

    def __init__(self, worker_id: str, notices: list[Notice]):
        self.worker_id = worker_id
        self.pks = [n.pk for n in notices]
        self.until = notices[0].claimed_until  # one claim: one lease for the batch
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.thread: threading.Thread | None = None

    def ours(self):
        """This batch's notices still claimed by this lease."""
        return Notice.objects.filter(
            pk__in=self.pks,
            claimed_by=self.worker_id,
            claimed_until=self.until,
            status=Status.SENDING,
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
    notices = claim(worker_id, limit, now, channel.name)
    if not notices:
        return 0
    held = Lease(worker_id, notices).keep_alive()
    try:
        return _send_batch(worker_id, notices, held, channel, clock, should_stop, tally)
    finally:
        held.end()


class Recorder:
    """Writes the runs of results a batch gives, in a thread of its own (with its own
    database connection) while the channel goes on sending.

    A commit is a disk flush (SQLite) or a round trip and a WAL flush (PostgreSQL):
    written inline, the next send waited for it, and a worker spent as long on its
    bookkeeping as on the wire. Here a full run (FLUSH_EVERY results, come faster than
    FLUSH_SECONDS) is written while the next fills, in the order they were made; runs
    that queue up while a write is in progress go in the next write together. So what
    a crash can leave unrecorded while sends come fast is the run being written and the
    one filling up meanwhile (ADR 014). A run of fewer than SLOW_RUN handed over because
    FLUSH_SECONDS passed (sends slower than 10 ms each) is waited for before the next
    send, as before: each slow send is on record before the next begins.

    Inside a transaction (a test's) another connection could not see the claim, so the
    runs are written inline, as before.
    """

    def __init__(self, worker_id: str, channel: Channel, held: Lease):
        self.worker_id, self.channel, self.held = worker_id, channel, held
        self.outcomes: collections.Counter[str | None] = collections.Counter()
        self.lost = False
        self.error: BaseException | None = None
        self.runs: queue.SimpleQueue[tuple[list[Result], threading.Event] | None] | None = None
        self.thread: threading.Thread | None = None
        if not connection.in_atomic_block:
            self.runs = queue.SimpleQueue()
            self.thread = threading.Thread(target=self._write_until_done, daemon=True)
            self.thread.start()

    def write(self, run: list[Result], wait: bool = False) -> None:
        """Write `run`; in the writer's thread if there is one, waiting for it if `wait`."""
        if self.runs is None:
            self._record(run)
            return
        written = threading.Event()
        self.runs.put((run, written))
        if wait:
            written.wait()

    def _record(self, run: list[Result]) -> None:
        written = record(self.worker_id, self.channel, self.held, run)
        self.outcomes.update(written.values())
        self.lost = self.lost or None in written.values()

    def _write_until_done(self) -> None:
        try:
            done = False
            while not done:
                together = [self.runs.get()]
                while not self.runs.empty():  # what queued up during the last write
                    together.append(self.runs.get())
                done = None in together
                runs = [each for each in together if each is not None]
                run = [result for each, _ in runs for result in each]
                if run and self.error is None:
                    try:
                        self._record(run)
                    except BaseException as error:  # raised again in the sending thread
                        self.error = error
                for _, written in runs:
                    written.set()
        finally:
            connection.close()  # this thread's own connection

    def close(self) -> None:
        """Wait for every run to be written; raise what writing one raised."""
        if self.thread is not None:
            self.runs.put(None)
            self.thread.join()
            self.thread = None
        if self.error is not None:
            error, self.error = self.error, None
            raise error


def _send_batch(worker_id, notices, held, channel, clock, should_stop, tally) -> int:
    recorder = Recorder(worker_id, channel, held)
    try:
        return _send_with(recorder, worker_id, notices, held, channel, clock, should_stop, tally)
    finally:
        recorder.close()


def _send_with(recorder, worker_id, notices, held, channel, clock, should_stop, tally) -> int:
    # Stop taking notices from the batch halfway through the lease; the rest go back to
    # the queue for whichever worker is free next.
    hand_back_at = time.monotonic() + settings.RPD_WORKER_LEASE_SECONDS / 2
    reported: set[int] = set()
    pending: list[Result] = []  # results the channel gave that are not yet handed over
    flushed_at = time.monotonic()
    stopped = False

    def flush(wait: bool = False) -> None:
        nonlocal flushed_at, pending
        if pending:
            recorder.write(pending, wait)
            pending = []
        flushed_at = time.monotonic()

    def report(notice: Notice, failure: DeliveryFailed | None) -> bool:
        nonlocal stopped
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
        go_on = not recorder.lost and recorder.error is None
        go_on = go_on and not (should_stop and should_stop())
        stopped = not (go_on and time.monotonic() < hand_back_at)
        return not stopped

    try:
        results = channel.send(notices, report)
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
    for notice in notices:
        if notice.pk in reported:
            continue
        if notice.pk in results:  # a channel that answers only at the end
            pending.append((notice, results[notice.pk], clock()))
        elif unanswered is not None:
            pending.append((notice, unanswered, clock()))
        else:
            untried.append(notice)
    flush()
    recorder.close()  # every result written (or the database's error raised) first
    with held.lock:
        for notice in untried:
            notice.claimed_until = held.until
        release(worker_id, untried)
    outcomes = recorder.outcomes
    if tally is not None:
        tally.update(outcomes)
    logger.info(
        "%s: %d sent, %d to retry, %d failed, %d handed back, %d lost to another worker",
        worker_id,
        outcomes[Status.SENT],
        outcomes[Status.PENDING],
        outcomes[Status.FAILED],
        len(untried),
        outcomes[None],
    )
    return len(notices)


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
                while not stop():
                    count = deliver_batch(
                        worker_id, batch, channel=channel, should_stop=stop, tally=tally
                    )
                    handled += count
                    if not count:
                        break
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
