"""Health checks: /health/live answers while the process runs; /health/ready says whether
the database, its migrations, the worker and the outbox are fit to serve. Cheap,
unauthenticated, and saying nothing about any case."""

from __future__ import annotations

import contextlib
import datetime
import json
import socket
import threading

import pytest
from django.test import Client
from django.utils import timezone

from rpd.notifications import heartbeat, worker
from rpd.notifications.models import Notice, Status, WorkerHeartbeat

from .notifications.test_preferences_page import notice_to
from .subprocess_rpd import python

pytestmark = pytest.mark.django_db


def ready() -> tuple[int, dict]:
    response = Client().get("/health/ready")
    return response.status_code, json.loads(response.content)


def test_live_answers_without_signing_in():
    response = Client().get("/health/live")
    assert (response.status_code, json.loads(response.content)) == (200, {"status": "live"})
    assert response["Cache-Control"] == "no-store"


def test_ready_once_a_worker_has_been_round_its_loop():
    assert ready() == (
        503,
        {
            "status": "not ready",
            "checks": {
                "database": "ok",
                "migrations": "ok",
                "worker": "no worker has run",
                "outbox": "ok",
            },
        },
    )
    worker.run(once=True, worker_id="worker-on-host-1")
    assert WorkerHeartbeat.objects.get().worker == "worker-on-host-1"
    assert ready() == (
        200,
        {
            "status": "ready",
            "checks": {"database": "ok", "migrations": "ok", "worker": "ok", "outbox": "ok"},
        },
    )


def test_a_stale_heartbeat_makes_it_not_ready(settings):
    settings.RPD_HEALTH_WORKER_SECONDS = 300
    heartbeat.beat("worker-on-host-1", timezone.now() - datetime.timedelta(seconds=301))
    status, body = ready()
    assert status == 503 and body["checks"]["worker"] == "no heartbeat for 301 s"
    heartbeat.beat("worker-on-host-2")
    assert ready()[0] == 200


def test_a_notice_waiting_too_long_makes_it_not_ready_and_says_no_more(settings):
    from rpd.people.demo import build_partnership

    heartbeat.beat("worker-on-host-1")
    demo = build_partnership("jersey")
    notice = notice_to(demo, demo.ladder["csc"][0], "escalated")
    Notice.objects.filter(pk=notice.pk).update(
        status=Status.PENDING, next_attempt_at=timezone.now() - datetime.timedelta(minutes=16)
    )
    status, body = ready()
    assert status == 503 and body["checks"]["outbox"].startswith("a notice has waited 96")
    assert demo.ladder["csc"][0].email not in json.dumps(body)


UNREACHABLE = "postgres://rpd@127.0.0.1:1/rpd"  # nothing listens on port 1

ASK = """
import django, json, os
os.environ["DJANGO_SETTINGS_MODULE"] = "rpd.settings"
django.setup()
from django.test import Client
for path in ("/health/live", "/health/ready"):
    response = Client(HTTP_HOST="localhost").get(path)
    print(response.status_code, json.dumps(json.loads(response.content), sort_keys=True))
"""


def test_ready_fails_and_live_answers_when_the_database_is_unreachable(tmp_path):
    status, out, err = python(tmp_path, ASK, RPD_DATABASE_URL=UNREACHABLE)
    assert status == 0, err
    live, not_ready = out.strip().splitlines()
    assert live == '200 {"status": "live"}'
    assert not_ready == ('503 {"checks": {"database": "unreachable"}, "status": "not ready"}')
    # Logged, as one JSON line, for the operator.
    assert any(
        json.loads(line)["message"].startswith("health: the database is unreachable")
        for line in err.splitlines()
        if line.startswith("{")
    )


class Relay:
    """A TCP relay to the PostgreSQL server that can be stopped and started again: the
    database going away under a running process, as a crash or a failover does."""

    def __init__(self, host: str, port: int):
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = []
        self.running = True
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.running:
                client.close()
                continue
            server = socket.create_connection(self.target)
            self.sockets += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def stop(self):
        """Refuse new connections and cut the open ones."""
        self.running = False
        for end in self.sockets:
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
        self.sockets.clear()

    def start(self):
        self.running = True

    def close(self):
        self.stop()
        self.listener.close()


@pytest.mark.django_db(transaction=True)
def test_ready_fails_while_the_database_is_down_and_recovers_when_it_is_back():
    from django.db import close_old_connections, connection

    if connection.vendor != "postgresql":
        pytest.skip("an embedded SQLite database cannot stop under a running process")
    heartbeat.beat("worker-on-host-1")
    db = connection.settings_dict
    relay = Relay(db["HOST"] or "localhost", int(db["PORT"] or 5432))
    saved = db["HOST"], db["PORT"]
    connection.close()
    db["HOST"], db["PORT"] = "127.0.0.1", str(relay.port)

    def probe():
        # What a server does as each request starts (the test client leaves it out, to keep
        # a test's connection): drop a connection that has failed, so the next reconnects.
        close_old_connections()
        return ready()

    try:
        assert probe()[0] == 200
        relay.stop()
        assert probe() == (503, {"status": "not ready", "checks": {"database": "unreachable"}})
        assert Client().get("/health/live").status_code == 200
        relay.start()
        assert probe()[0] == 200
    finally:
        connection.close()
        db["HOST"], db["PORT"] = saved
        relay.close()
