"""Nothing lost, nothing doubled: a mail server that dies mid-batch and stays down for a
while, and a worker killed mid-batch and started again, still deliver every notice exactly
once, counted by Message-ID at the receiving server."""

from __future__ import annotations

import datetime
import signal
import threading

import pytest

from rpd.notifications import worker
from rpd.notifications.channels import message_id
from rpd.notifications.models import DeliveryAttempt, Notice, Status

from .smtp import (
    NOW,
    Mailbox,
    SMTPServer,
    Worker,
    make_notices,
    run_django,
    shared_database_url,
    subprocess_env,
    wait_for,
)

MINUTE = datetime.timedelta(minutes=1)


@pytest.mark.django_db
def test_a_mail_server_down_for_a_while_loses_and_doubles_nothing(settings):
    notices = make_notices(30)
    server = SMTPServer(Mailbox(crash_after=10))
    server.use_in(settings)
    try:
        server.start()
        # The server dies in the middle of the 11th message: the 10 before it are sent,
        # the rest wait.
        assert worker.deliver_batch("w1", now=NOW) == 30
        statuses = dict(Notice.objects.values_list("pk", "status"))
        assert [statuses[n.pk] for n in notices] == [Status.SENT] * 10 + [Status.PENDING] * 20

        server.stop()  # and stays down through a few rounds of retries
        at = NOW
        for _ in range(3):
            at += 5 * MINUTE
            assert worker.deliver_batch("w1", now=at) == 20
        assert Notice.objects.filter(status=Status.PENDING, attempts=4).count() == 20

        server.start()  # back, on the same port
        for _ in range(10):
            at += 30 * MINUTE
            worker.deliver_batch("w1", now=at)
    finally:
        server.stop()

    assert Notice.objects.filter(status=Status.SENT).count() == 30
    counts = server.mailbox.message_ids()
    assert set(counts) == {message_id(n) for n in notices}
    assert set(counts.values()) == {1}  # none doubled
    # Every try is on record: one for the first ten, five for the others.
    tries = sorted(n.attempt_log.count() for n in Notice.objects.all())
    assert tries == [1] * 10 + [5] * 20
    assert DeliveryAttempt.objects.filter(ok=True).count() == 30


# -- a worker killed mid-batch ------------------------------------------------------------


SEED = """
from django.utils import timezone
from rpd.notifications.channels import message_id
from tests.notifications.smtp import make_notices
notices = make_notices(int(sys.argv[1]), at=timezone.now())
print(json.dumps([message_id(n) for n in notices]))
"""

OUTCOME = """
from rpd.notifications.models import DeliveryAttempt, Notice
print(json.dumps({
    "statuses": sorted(Notice.objects.values_list("status", flat=True)),
    "attempts": list(DeliveryAttempt.objects.order_by("pk").values_list("worker", "ok")),
}))
"""


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_batch_and_restarted_delivers_every_notice_exactly_once(
    tmp_path,
):
    url = shared_database_url(tmp_path)
    mailbox = Mailbox(delay=0.2)
    in_flight = threading.Event()

    def on_data(number: int) -> None:
        if number == 4:  # hold the 4th message's reply while the worker is killed
            mailbox.delay = 30
            in_flight.set()

    mailbox.on_data = on_data
    workers: list[Worker] = []
    with SMTPServer(mailbox) as smtp:
        # A short lease, so the dead worker's claims can be taken over within the test.
        env = subprocess_env(url, tmp_path, RPD_WORKER_LEASE_SECONDS="1", **smtp.env())
        expected = run_django(env, SEED, "12")
        try:
            doomed = Worker(env, tmp_path, "--id", "doomed", "--poll", "0.1")
            workers.append(doomed)
            assert in_flight.wait(60), doomed.output()
            doomed.process.send_signal(signal.SIGKILL)
            doomed.process.wait(timeout=30)
            # The server saw the connection drop before it answered, and kept nothing.
            wait_for(lambda: mailbox.abandoned == [4], 10, "the server to drop message 4")
            delivered_before = len(mailbox.received)
            assert delivered_before == 3
            mailbox.delay = 0

            phoenix = Worker(env, tmp_path, "--id", "phoenix", "--poll", "0.1")
            workers.append(phoenix)
            wait_for(lambda: len(mailbox.received) >= 12, 60, "every notice to arrive")
            phoenix.process.send_signal(signal.SIGTERM)  # finishes what it holds, then stops
            assert phoenix.process.wait(timeout=30) == 0, phoenix.output()
        finally:
            for w in workers:
                w.stop()

    counts = mailbox.message_ids()
    assert sorted(counts) == sorted(expected)
    assert set(counts.values()) == {1}, "a notice arrived twice"
    outcome = run_django(env, OUTCOME)
    assert outcome["statuses"] == ["sent"] * 12
    sent_by = [w for w, ok in outcome["attempts"] if ok]
    assert sent_by == ["doomed"] * 3 + ["phoenix"] * 9
    # The claims the dead worker left behind are on record as lost attempts.
    lost = [w for w, ok in outcome["attempts"] if not ok]
    assert lost and set(lost) == {"doomed"}
