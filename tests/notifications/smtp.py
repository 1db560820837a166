"""Fixtures for the delivery tests: a real SMTP server, a fake GOV.UK Notify, notices to
send, and `rpd` in a subprocess against a database it can share.

Everything listens on 127.0.0.1 only; nothing here reaches the internet.
"""

from __future__ import annotations

import asyncio
import collections
import datetime
import email
import email.policy
import http.server
import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from pathlib import Path
from urllib.parse import quote

from aiosmtpd.controller import Controller

from tests import migrated

# The test mail server's own chatter (aiosmtpd logs each connection at INFO) is not the
# log of the process under test, which goes to stderr as JSON lines (rpd/logs.py).
logging.getLogger("mail.log").setLevel(logging.WARNING)

RPD = str(Path(sys.executable).parent / "rpd")
REPO = Path(__file__).resolve().parents[2]  # so a child process can import tests.*
SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
NOW = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC)  # a Monday morning


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Received:
    """One message the server accepted, as it arrived on the wire."""

    mail_from: str
    rcpt_tos: list[str]
    content: bytes

    @property
    def message_id(self) -> str:
        return BytesHeaderParser().parsebytes(self.content)["Message-ID"]

    def message(self) -> email.message.EmailMessage:
        return email.message_from_bytes(self.content, policy=email.policy.default)


@dataclass
class Mailbox:
    """An aiosmtpd handler that keeps every message it accepts, and can misbehave.

    refuse:      a reply to every RCPT TO ("451 ..." temporary, "550 ..." permanent)
    delay:       seconds to think before answering DATA; if the client goes away
                 meanwhile, aiosmtpd cancels the handler and the message is not kept
                 (as a real server keeps nothing it has not said "250" to) but its
                 number goes in `abandoned`
    on_data:     called with the message's number (1, 2, ...) as its DATA arrives
    crash_after: accept this many messages, then drop the connection in the next DATA
                 and stop listening, as a server that dies does
    """

    refuse: str | None = None
    delay: float = 0.0
    on_data: Callable[[int], None] | None = None
    crash_after: int | None = None
    received: list[Received] = field(default_factory=list)
    abandoned: list[int] = field(default_factory=list)
    data_commands: int = 0
    stop_listening: Callable[[], None] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse:
            return self.refuse
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.data_commands += 1
        number = self.data_commands
        if self.on_data is not None:
            self.on_data(number)
        if self.crash_after is not None and len(self.received) >= self.crash_after:
            self.crash_after = None
            if self.stop_listening is not None:
                self.stop_listening()
            server.transport.close()  # the client sees the connection drop mid-DATA
            await asyncio.sleep(60)  # cancelled as the connection goes
        if self.delay:
            try:
                await asyncio.sleep(self.delay)
            except asyncio.CancelledError:
                self.abandoned.append(number)  # the client went away: not kept
                raise
        with self.lock:
            self.received.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content)
            )
        return "250 Message accepted for delivery"

    def message_ids(self) -> collections.Counter:
        with self.lock:
            return collections.Counter(r.message_id for r in self.received)

    def messages(self) -> list[email.message.EmailMessage]:
        with self.lock:
            return [r.message() for r in self.received]


class SMTPServer:
    """aiosmtpd on 127.0.0.1 and a free port; stop() and start() again to take it down."""

    def __init__(self, mailbox: Mailbox | None = None):
        self.mailbox = mailbox or Mailbox()
        self.port = free_port()
        self.controller: Controller | None = None
        self.mailbox.stop_listening = self._stop_listening

    def start(self) -> SMTPServer:
        assert self.controller is None
        # server_hostname: without it aiosmtpd asks DNS for this machine's name.
        self.controller = Controller(
            self.mailbox, hostname="127.0.0.1", port=self.port, server_hostname="smtp.test"
        )
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            controller, self.controller = self.controller, None
            controller.stop()

    def _stop_listening(self) -> None:
        # Runs in the server's own event loop: close the listening socket at once, so the
        # client's next connection is refused (stop() would wait for this very loop).
        if self.controller is not None and self.controller.server is not None:
            self.controller.server.close()

    def __enter__(self) -> SMTPServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def use_in(self, settings) -> None:
        """Point Django (the pytest-django `settings` fixture) at this server."""
        settings.EMAIL_BACKEND = SMTP_BACKEND
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = self.port
        settings.EMAIL_HOST_USER = ""
        settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_USE_SSL = False
        settings.EMAIL_TIMEOUT = 5

    def env(self) -> dict[str, str]:
        """The same, for an `rpd` subprocess."""
        return {
            "RPD_SMTP_HOST": "127.0.0.1",
            "RPD_SMTP_PORT": str(self.port),
            "RPD_EMAIL_BACKEND": SMTP_BACKEND,
            "RPD_NOTICE_CHANNEL": "email",
        }


# -- GOV.UK Notify, faked ---------------------------------------------------------------

NOTIFY_SERVICE_ID = "8a5e1c0d-1f3b-4c8e-9d2a-6b7c8d9e0f1a"
NOTIFY_SECRET = "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e"
NOTIFY_API_KEY = f"rpd_test-{NOTIFY_SERVICE_ID}-{NOTIFY_SECRET}"
NOTIFY_TEMPLATE_ID = "f33517ff-2a88-4f6e-b855-c550268ce08a"


class FakeNotify:
    """A tiny stand-in for the Notify API: POST /v2/notifications/email, answering `status`."""

    def __init__(self):
        self.status = 201
        self.requests: list[dict] = []
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                authorization = self.headers.get("Authorization", "")
                token = authorization.removeprefix("Bearer ")
                if not authorization.startswith("Bearer ") or token.count(".") != 2:
                    return self.reply(403, {"errors": [{"error": "AuthError"}]})
                fake.requests.append({"path": self.path, "token": token, "json": body})
                if fake.status == 201:
                    return self.reply(201, {"id": "740e5834-3a29-46b4-9a6f-16142fde533a"})
                error = {400: "BadRequestError", 429: "RateLimitError"}.get(
                    fake.status, "Exception"
                )
                message = f"{error}: as the test asked"
                self.reply(fake.status, {"errors": [{"error": error, "message": message}]})

            def reply(self, status, payload):
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):  # quiet
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> FakeNotify:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)

    def use_in(self, settings) -> None:
        settings.RPD_NOTICE_CHANNEL = "notify"
        settings.RPD_NOTIFY_API_KEY = NOTIFY_API_KEY
        settings.RPD_NOTIFY_TEMPLATE_ID = NOTIFY_TEMPLATE_ID
        settings.RPD_NOTIFY_BASE_URL = self.base_url


# -- notices -----------------------------------------------------------------------------


def partnership():
    from rpd.people.models import Partnership

    return Partnership.objects.create(
        name="Delivery test partnership", slug="delivery-test", pathway_id="stoke-on-trent"
    )


def make_notices(count: int, *, at: datetime.datetime = NOW, to_user=None, **fields) -> list:
    """`count` pending notices, due at `at`, in one partnership made for them."""
    from rpd.notifications.models import Kind, Notice

    owner = fields.pop("partnership", None) or partnership()
    notices = [
        Notice(
            partnership=owner,
            kind=Kind.CHANGED,
            recipient=to_user,
            to_address=to_user.email if to_user else f"practitioner{i}@example.org",
            subject=f"RPD-2026-{i:04d} was paused",
            body_text=f"RPD-2026-{i:04d} was paused.\n\nhttp://127.0.0.1:8000/disagreements/{i}/\n",
            body_html=f"<p><strong>RPD-2026-{i:04d}</strong> was paused.</p>",
            next_attempt_at=at,
            created_at=at,
            **fields,
        )
        for i in range(1, count + 1)
    ]
    return Notice.objects.bulk_create(notices, batch_size=1000)


# -- rpd in a subprocess -----------------------------------------------------------------


def subprocess_env(database_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RPD_")}
    env.update(
        RPD_DATABASE_URL=database_url,
        RPD_DATA_DIR=str(data_dir),
        DJANGO_SETTINGS_MODULE="rpd.settings",
        RPD_DEBUG="1",  # development, as the suite runs (tests/settings.py)
        PYTHONUNBUFFERED="1",
        **extra,
    )
    return env


DJANGO_PRELUDE = """\
import json, sys
from rpd.cli import setup_django
setup_django()
"""


def run_django(env: dict[str, str], code: str, *args: str, timeout: float = 120):
    """Run Python `code` with Django set up in a child process; return what it prints as JSON."""
    result = subprocess.run(
        [sys.executable, "-c", DJANGO_PRELUDE + code, *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout) if result.stdout.strip() else None


def shared_database_url(tmp_path) -> str:
    """A database the test and `rpd` subprocesses both use, migrated.

    On PostgreSQL, pytest-django's own test database (the test uses transaction=True so
    its rows are committed, and flushed afterwards). On SQLite that one lives in this
    process's memory, so a file database is made for the occasion: a copy of it as the
    migrations left it (`tests.migrated`).
    """
    from django.db import connection

    if connection.vendor == "sqlite":
        database = tmp_path / "rpd.sqlite3"
        migrated.copy_to(database)
        return f"sqlite:///{database}"
    return postgres_url(connection.settings_dict)


def postgres_url(db: dict) -> str:
    credentials = quote(db["USER"] or "postgres")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"])
    return f"postgres://{credentials}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


class Worker:
    """`rpd worker` in its own process; killed if still running when the test ends."""

    def __init__(self, env, tmp_path, *args):
        name = args[args.index("--id") + 1] if "--id" in args else str(id(self))
        self.log = tmp_path / f"worker-{name}.log"
        with self.log.open("w") as out:
            self.process = subprocess.Popen(
                [RPD, "worker", *args], env=env, stdout=out, stderr=subprocess.STDOUT
            )

    def output(self) -> str:
        return self.log.read_text()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)
