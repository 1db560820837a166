"""A worker still sending keeps its claim: a send that outlasts the lease is not taken
over, and so not sent twice, by a second worker polling meanwhile."""

from __future__ import annotations

import time

import pytest
from django.utils import timezone

from rpd.notifications import worker
from rpd.notifications.channels import Channel
from rpd.notifications.models import Notice, Status

from .smtp import make_notices

LEASE = 2  # seconds: the slow send below outlasts it
PATIENCE = 15  # seconds to wait for a renewal before polling regardless


class Recording(Channel):
    """Delivers instantly, noting who delivered what."""

    name = "recording"

    def __init__(self, name: str, deliveries: list):
        self.worker, self.deliveries = name, deliveries

    def send(self, notices, report=None):
        for notice in notices:
            self.deliveries.append((self.worker, notice.pk))
            self._tell(report, notice, None)
        return dict.fromkeys((n.pk for n in notices), None)


class Stalled(Recording):
    """Blocks on the wire past the lease the notice was claimed with; meanwhile a
    second worker polls; then the server says yes."""

    def __init__(self, deliveries: list):
        super().__init__("slow", deliveries)
        self.second_took = None

    def send(self, notices, report=None):
        [notice] = notices
        first_lease = notice.claimed_until
        deadline = time.monotonic() + PATIENCE
        # Wait until the lease we were given has run out, and (when the worker renews it)
        # the renewed one is seen in the database, so the poll below comes after expiry.
        while True:
            now = timezone.now()
            current = Notice.objects.get(pk=notice.pk).claimed_until
            expired = now > first_lease
            if expired and (current is None or current > now) or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        self.second_took = worker.deliver_batch(
            "second", now=timezone.now(), channel=Recording("second", self.deliveries)
        )
        return super().send(notices, report)


@pytest.mark.django_db(transaction=True)
def test_a_send_slower_than_the_lease_is_delivered_once(settings):
    settings.RPD_WORKER_LEASE_SECONDS = LEASE
    [notice] = make_notices(1, at=timezone.now())
    deliveries: list = []
    slow = Stalled(deliveries)

    assert worker.deliver_batch("slow", channel=slow) == 1

    assert slow.second_took == 0, "the second worker took over a notice still being sent"
    assert deliveries == [("slow", notice.pk)]
    notice = Notice.objects.get(pk=notice.pk)
    assert (notice.status, notice.claimed_by, notice.attempts) == (Status.SENT, "slow", 1)
