"""Two workers sharing one outbox deliver every notice once: on PostgreSQL 10,000 of them,
the workers taking disjoint batches with SELECT ... FOR UPDATE SKIP LOCKED; on SQLite, a
file database whose one write lock they take in turns. Counted by Message-ID at the server."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from rpd.notifications import worker
from rpd.notifications.channels import message_id
from rpd.notifications.models import DeliveryAttempt, Notice, Status

from .smtp import (
    SMTPServer,
    Worker,
    make_notices,
    postgres_url,
    run_django,
    shared_database_url,
    subprocess_env,
)

COUNT = 10_000


# How long the workers may go without the server receiving one more notice. Progress is
# what is measured, not the whole run's time, which depends on how loaded the machine is.
NO_PROGRESS_SECONDS = 120
# How long a test waits on a thread that ought to be quick before calling it stuck.
PATIENCE = 30


def run_two_workers(env, tmp_path, batch: int, smtp: SMTPServer) -> float:
    """Run `rpd worker --once` twice at the same time; return how long they took."""
    started = time.monotonic()
    workers = [
        Worker(env, tmp_path, "--once", "--id", name, "--batch", str(batch))
        for name in ("left", "right")
    ]
    try:
        delivered, progressed = -1, time.monotonic()
        while any(w.process.poll() is None for w in workers):
            with smtp.mailbox.lock:
                now_delivered = len(smtp.mailbox.received)
            if now_delivered != delivered:
                delivered, progressed = now_delivered, time.monotonic()
            stalled = time.monotonic() - progressed
            assert stalled < NO_PROGRESS_SECONDS, (
                f"no notice delivered for {NO_PROGRESS_SECONDS} s after {delivered}: "
                + " / ".join(w.output() for w in workers)
            )
            time.sleep(0.2)
        for w in workers:
            assert w.process.returncode == 0, w.output()
    finally:
        for w in workers:
            w.stop()
    return time.monotonic() - started


@pytest.mark.django_db(transaction=True)
def test_two_workers_deliver_ten_thousand_notices_once_each(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("needs a server database: runs in the PostgreSQL pass")
    notices = make_notices(COUNT, at=timezone.now())
    expected = {message_id(n) for n in notices}
    with SMTPServer() as smtp:
        # The workers use pytest-django's test database: committed rows (transaction=True).
        env = subprocess_env(postgres_url(connection.settings_dict), tmp_path, **smtp.env())
        elapsed = run_two_workers(env, tmp_path, batch=50, smtp=smtp)

    counts = smtp.mailbox.message_ids()
    assert len(counts) == COUNT and set(counts) == expected, "a notice was lost"
    assert max(counts.values()) == 1, "a notice was sent twice"
    assert Notice.objects.filter(status=Status.SENT, attempts=1).count() == COUNT
    per_worker = dict(DeliveryAttempt.objects.values_list("worker").annotate(n=Count("pk")))
    assert sum(per_worker.values()) == COUNT
    assert set(per_worker) == {"left", "right"}, "both workers took a share"
    print(f"\n{COUNT} notices by two workers in {elapsed:.1f} s: {per_worker}")


SEED = """
from django.utils import timezone
from rpd.notifications.channels import message_id
from tests.notifications.smtp import make_notices
print(json.dumps([message_id(n) for n in make_notices(int(sys.argv[1]), at=timezone.now())]))
"""

OUTCOME = """
from django.db.models import Count
from rpd.notifications.models import DeliveryAttempt, Notice
print(json.dumps({
    "statuses": dict(Notice.objects.values_list("status").annotate(n=Count("pk"))),
    "workers": dict(DeliveryAttempt.objects.values_list("worker").annotate(n=Count("pk"))),
}))
"""


def test_two_workers_take_turns_on_a_sqlite_file_database(tmp_path):
    # No database marker: this is the SQLite pass's own variant, on a file database of
    # its own (pytest-django's SQLite test database lives in this process's memory).
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite variant: the PostgreSQL pass runs the test above")
    url = shared_database_url(tmp_path)
    with SMTPServer() as smtp:
        env = subprocess_env(url, tmp_path, **smtp.env())
        expected = run_django(env, SEED, "1000")
        run_two_workers(env, tmp_path, batch=20, smtp=smtp)

    counts = smtp.mailbox.message_ids()
    assert sorted(counts) == sorted(expected), "a notice was lost"
    assert max(counts.values()) == 1, "a notice was sent twice"
    outcome = run_django(env, OUTCOME)
    assert outcome["statuses"] == {"sent": 1000}
    assert sum(outcome["workers"].values()) == 1000
    assert set(outcome["workers"]) == {"left", "right"}, "both workers took turns"


@pytest.mark.django_db(transaction=True)
def test_on_postgresql_a_second_worker_claims_a_disjoint_batch_without_waiting_for_the_first():
    if connection.vendor != "postgresql":
        pytest.skip("SKIP LOCKED is PostgreSQL's: runs in the PostgreSQL pass")
    notices = make_notices(4, at=timezone.now())
    holding, go_on = threading.Event(), threading.Event()
    claimed: dict[str, list[int]] = {}

    def pause_once_rows_are_locked(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if "FOR UPDATE" in sql:
            holding.set()  # the first worker holds its rows' locks, mid-claim
            go_on.wait(PATIENCE)
        return result

    def claim(name: str, wrapper=None) -> None:
        try:
            if wrapper is None:
                claimed[name] = [n.pk for n in worker.claim(name, 2)]
            else:
                with connection.execute_wrapper(wrapper):
                    claimed[name] = [n.pk for n in worker.claim(name, 2)]
        finally:
            connection.close()  # this thread's own

    first = threading.Thread(target=claim, args=("first", pause_once_rows_are_locked))
    first.start()
    try:
        assert holding.wait(PATIENCE), "the first worker never reached its claim's lock"
        second = threading.Thread(target=claim, args=("second",))
        second.start()
        second.join(PATIENCE)  # returns at once unless the second waits on the first's locks
        waited = second.is_alive()
    finally:
        go_on.set()
        first.join()
    second.join()

    assert not waited, "the second worker waited for the first worker's claim to commit"
    pks = [n.pk for n in notices]
    assert claimed == {"first": pks[:2], "second": pks[2:]}
    assert dict(Notice.objects.values_list("pk", "claimed_by")) == dict(
        zip(pks, ["first"] * 2 + ["second"] * 2, strict=True)
    )
