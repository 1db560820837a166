"""The worker claims due notices, sends them, and records every attempt: sent, waiting to
try again with back-off, or failed for good; a dead worker's claims are taken over."""

from __future__ import annotations

import datetime
import logging
import sys
import types

import pytest
from django.utils import timezone

from rpd.cli import main
from rpd.notifications import worker
from rpd.notifications.channels import Channel, DeliveryFailed, EmailChannel
from rpd.notifications.models import DeliveryAttempt, Notice, Preference, Status
from rpd.people.demo import build_partnership

from .smtp import NOW, SMTPServer, make_notices

pytestmark = pytest.mark.django_db

SECOND = datetime.timedelta(seconds=1)
MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture
def smtp(settings):
    with SMTPServer() as server:
        server.use_in(settings)
        yield server


def fresh(notice: Notice) -> Notice:
    return Notice.objects.get(pk=notice.pk)


def log_of(notice: Notice) -> list[tuple[str, bool, bool]]:
    return [
        (a.worker, a.ok, a.permanent)
        for a in DeliveryAttempt.objects.filter(notice=notice).order_by("pk")
    ]


def test_a_pending_notice_is_sent_and_its_attempt_logged(smtp):
    [notice] = make_notices(1)

    assert worker.deliver_batch("w1", now=NOW) == 1

    notice = fresh(notice)
    assert (notice.status, notice.sent_at, notice.attempts) == (Status.SENT, NOW, 1)
    assert (notice.claimed_by, notice.claimed_until, notice.last_error) == ("w1", None, "")
    [attempt] = DeliveryAttempt.objects.filter(notice=notice)
    assert (attempt.at, attempt.worker, attempt.channel, attempt.ok) == (NOW, "w1", "email", True)
    assert smtp.mailbox.message_ids() == {
        f"<rpd-notice-{notice.pk}.{int(NOW.timestamp())}@localhost>": 1
    }
    assert worker.deliver_batch("w1", now=NOW + MINUTE) == 0  # nothing left to do


def test_a_temporary_failure_waits_with_back_off_then_is_sent(smtp):
    [notice] = make_notices(1)
    smtp.mailbox.refuse = "451 4.3.0 Try again later"

    worker.deliver_batch("w1", now=NOW)

    notice = fresh(notice)
    assert (notice.status, notice.attempts) == (Status.PENDING, 1)
    assert NOW + 24 * SECOND <= notice.next_attempt_at <= NOW + 30 * SECOND
    assert "451" in notice.last_error
    assert worker.deliver_batch("w1", now=NOW + 20 * SECOND) == 0  # not due yet

    smtp.mailbox.refuse = None
    assert worker.deliver_batch("w1", now=NOW + 30 * SECOND) == 1
    notice = fresh(notice)
    assert (notice.status, notice.attempts, notice.sent_at) == (Status.SENT, 2, NOW + 30 * SECOND)
    assert log_of(notice) == [("w1", False, False), ("w1", True, False)]
    assert len(smtp.mailbox.received) == 1


def test_a_permanent_failure_fails_the_notice_at_once(smtp):
    [notice] = make_notices(1)
    smtp.mailbox.refuse = "550 5.1.1 No such user"

    worker.deliver_batch("w1", now=NOW)

    notice = fresh(notice)
    assert (notice.status, notice.attempts) == (Status.FAILED, 1)
    assert "550 5.1.1 No such user" in notice.last_error
    assert log_of(notice) == [("w1", False, True)]
    assert worker.deliver_batch("w1", now=NOW + datetime.timedelta(days=1)) == 0


def test_temporary_failures_give_up_after_the_last_attempt(smtp):
    [notice] = make_notices(1)
    smtp.mailbox.refuse = "451 4.3.0 Try again later"
    at = NOW
    for _ in range(worker.MAX_ATTEMPTS):
        assert worker.deliver_batch("w1", now=at) == 1
        at += datetime.timedelta(hours=2)
    notice = fresh(notice)
    assert (notice.status, notice.attempts) == (Status.FAILED, worker.MAX_ATTEMPTS)
    assert DeliveryAttempt.objects.filter(notice=notice, ok=False).count() == worker.MAX_ATTEMPTS
    assert worker.deliver_batch("w1", now=at) == 0


def test_back_off_doubles_from_half_a_minute_to_at_most_an_hour():
    for attempts, longest in [(1, 30), (2, 60), (3, 120), (4, 240), (8, 3600), (30, 3600)]:
        for _ in range(20):
            delay = worker.backoff(attempts).total_seconds()
            assert longest * 0.8 <= delay <= longest


def test_a_notice_claimed_by_a_dead_worker_is_taken_over_once_its_lease_expires(smtp):
    expired, alive = make_notices(2)
    Notice.objects.filter(pk=expired.pk).update(
        status=Status.SENDING, claimed_by="dead", claimed_until=NOW - SECOND
    )
    Notice.objects.filter(pk=alive.pk).update(
        status=Status.SENDING, claimed_by="busy", claimed_until=NOW + MINUTE
    )

    assert worker.deliver_batch("w2", now=NOW) == 1

    expired = fresh(expired)
    assert (expired.status, expired.claimed_by, expired.attempts) == (Status.SENT, "w2", 2)
    # The dead worker's attempt is logged as lost: it may or may not have gone out.
    assert log_of(expired) == [("dead", False, False), ("w2", True, False)]
    assert "claim expired" in DeliveryAttempt.objects.filter(worker="dead").get().error
    assert (fresh(alive).status, fresh(alive).claimed_by) == (Status.SENDING, "busy")
    assert len(smtp.mailbox.received) == 1


def test_a_notice_held_for_the_daily_digest_is_not_sent(smtp):
    demo = build_partnership("stoke-on-trent")
    user = demo.ladder["csc"][0]
    Preference.objects.create(user=user, daily_digest=True)
    [held] = make_notices(1, to_user=user, status=Status.HELD, partnership=demo.partnership)
    [later] = make_notices(1, at=NOW + MINUTE, partnership=demo.partnership)

    assert worker.deliver_batch("w1", now=NOW) == 0

    assert fresh(held).status == Status.HELD
    assert fresh(later).status == Status.PENDING
    assert smtp.mailbox.received == []


def test_workers_claim_disjoint_batches_oldest_first(smtp):
    notices = make_notices(5)
    first = worker.claim("w1", 2, NOW)
    second = worker.claim("w2", 10, NOW)
    assert [n.pk for n in first] == [n.pk for n in notices[:2]]
    assert [n.pk for n in second] == [n.pk for n in notices[2:]]
    assert worker.claim("w3", 10, NOW) == []
    assert set(Notice.objects.values_list("claimed_by", flat=True)) == {"w1", "w2"}
    assert set(Notice.objects.values_list("claimed_until", flat=True)) == {
        NOW + datetime.timedelta(seconds=120)
    }


class TakenOverMidway(Channel):
    """Sends, but meanwhile (a long stall) another worker took the notice over."""

    name = "stalled"

    def send(self, notices, report=None):
        for notice in notices:
            Notice.objects.filter(pk=notice.pk).update(claimed_by="w2")
            report(notice, None)
        return dict.fromkeys((n.pk for n in notices), None)


def test_a_worker_that_lost_its_claim_does_not_overwrite_the_new_owners_notice():
    [notice] = make_notices(1)
    worker.deliver_batch("w1", now=NOW, channel=TakenOverMidway())
    notice = fresh(notice)
    assert (notice.status, notice.claimed_by, notice.attempts) == (Status.SENDING, "w2", 0)
    assert log_of(notice) == [("w1", True, False)]  # what happened is still on record


def test_a_worker_hands_back_what_it_could_not_send_within_half_its_lease(smtp, settings):
    settings.RPD_WORKER_LEASE_SECONDS = 0  # so: stop after the first notice
    first, *rest = make_notices(3)
    assert worker.deliver_batch("w1", now=NOW) == 3
    assert fresh(first).status == Status.SENT
    for notice in rest:
        notice = fresh(notice)
        assert (notice.status, notice.attempts, notice.next_attempt_at) == (Status.PENDING, 0, NOW)
    assert len(smtp.mailbox.received) == 1


class Broken(Channel):
    name = "broken"

    def send(self, notices, report=None):
        raise RuntimeError("a bug in the channel")


def test_a_broken_channel_leaves_the_notices_waiting_with_the_error_recorded(caplog):
    [notice] = make_notices(1)
    with caplog.at_level(logging.ERROR):
        worker.deliver_batch("w1", now=NOW, channel=Broken())
    notice = fresh(notice)
    assert (notice.status, notice.attempts) == (Status.PENDING, 1)
    assert "a bug in the channel" in notice.last_error
    assert notice.next_attempt_at > NOW


def test_delivery_failures_are_logged_without_a_traceback(smtp, caplog):
    make_notices(1)
    smtp.mailbox.refuse = "451 4.3.0 Try again later"
    with caplog.at_level(logging.INFO, logger="rpd.notifications"):
        worker.deliver_batch("w1", now=NOW)
    [record] = [r for r in caplog.records if "retrying" in r.getMessage()]
    assert record.exc_info is None and "451" in record.getMessage()


def test_rpd_worker_once_sends_what_is_due_and_exits(smtp, monkeypatch):
    calls = []
    for name in ("sweep", "digest"):
        fake = types.ModuleType(f"rpd.notifications.{name}")
        fake.run = lambda now, name=name: calls.append((name, now))
        monkeypatch.setitem(sys.modules, f"rpd.notifications.{name}", fake)
    notices = make_notices(3, at=timezone.now() - MINUTE)

    assert main(["worker", "--once", "--id", "cli-worker", "--batch", "2"]) == 0

    assert {fresh(n).status for n in notices} == {Status.SENT}
    assert set(DeliveryAttempt.objects.values_list("worker", flat=True)) == {"cli-worker"}
    assert len(smtp.mailbox.received) == 3
    assert [name for name, _ in calls] == ["sweep", "digest"]  # once each, with an aware time
    assert all(timezone.is_aware(now) for _, now in calls)


def test_rpd_worker_once_says_how_many_notices_it_sent(smtp, capsys):
    make_notices(3, at=timezone.now() - MINUTE)

    assert main(["worker", "--once"]) == 0

    assert capsys.readouterr().out.strip().splitlines() == ["rpd worker: sent 3 notices by email"]


def test_rpd_worker_once_says_where_emails_written_as_files_are(settings, tmp_path, capsys):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "sent-mail"
    make_notices(2, at=timezone.now() - MINUTE)

    assert main(["worker", "--once"]) == 0

    [line] = capsys.readouterr().out.strip().splitlines()
    assert line == f"rpd worker: sent 2 notices by email, written as files in {tmp_path}/sent-mail"
    assert list((tmp_path / "sent-mail").glob("*.log"))  # one file per batch sent


def test_rpd_worker_with_notify_unconfigured_says_so_in_one_line(settings, capsys):
    settings.RPD_NOTICE_CHANNEL = "notify"
    settings.RPD_NOTIFY_API_KEY = ""
    assert main(["worker", "--once"]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        "rpd: error: RPD_NOTICE_CHANNEL is notify but RPD_NOTIFY_API_KEY is empty"
    ]


def test_the_email_channel_is_the_default(settings):
    settings.RPD_NOTICE_CHANNEL = "email"
    assert isinstance(worker.channel_for(settings), EmailChannel)
    assert DeliveryFailed("x", permanent=True).permanent


def test_rpd_worker_once_exits_1_in_one_line_when_the_mail_server_is_down(smtp, capsys):
    notices = make_notices(2, at=timezone.now() - MINUTE)
    smtp.mailbox.refuse = "451 4.3.0 Try again later"

    assert main(["worker", "--once", "--id", "cron-worker"]) == 1

    [line] = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("rpd: worker: none of 2 due notice(s) could be delivered by email")
    assert "451" in line and "tried again" in line
    assert {fresh(n).status for n in notices} == {Status.PENDING}  # waiting, not lost


def test_rpd_worker_once_exits_0_when_nothing_is_due(smtp, capsys):
    assert main(["worker", "--once"]) == 0
    assert capsys.readouterr() == ("", "")  # cron mails any output: none when nothing was due


class Instant(Channel):
    """Accepts every notice at once, reporting each as it goes."""

    name = "instant"

    def send(self, notices, report=None):
        for notice in notices:
            self._tell(report, notice, None)
        return dict.fromkeys((n.pk for n in notices), None)


def attempt_writes(monkeypatch, flush_seconds: float, count: int) -> int:
    """How many INSERTs of delivery attempts the worker makes to send `count` notices."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    monkeypatch.setattr(worker, "FLUSH_SECONDS", flush_seconds)
    make_notices(count)
    with CaptureQueriesContext(connection) as run:
        assert worker.deliver_batch("w1", limit=count, now=NOW, channel=Instant()) == count
    assert Notice.objects.filter(status=Status.SENT, attempts=1).count() == count
    assert DeliveryAttempt.objects.filter(ok=True).count() == count
    return sum(
        'INSERT INTO "notifications_deliveryattempt"' in q["sql"] for q in run.captured_queries
    )


def test_results_that_come_fast_are_written_in_runs_of_fifty(monkeypatch):
    assert attempt_writes(monkeypatch, flush_seconds=3600, count=120) == 3  # 50, 50, 20


def test_results_that_come_slower_than_the_flush_interval_are_each_written_at_once(monkeypatch):
    assert attempt_writes(monkeypatch, flush_seconds=0, count=5) == 5
