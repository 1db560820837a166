"""Benchmark: `rpd worker` sending to a local SMTP sink, against a bare smtplib loop
sending the same messages to the same sink, measured in the same run.

    .venv/bin/python bench/worker.py [--notices N] [--rounds R]
        [--database sqlite|postgres|both] [--database-url postgres://USER@HOST:PORT/ADMIN_DB]

Writes N notices (default 2,000) into the outbox and starts an SMTP sink (aiosmtpd's
Sink handler, which accepts and discards) in a process of its own on 127.0.0.1. Then,
R times (default 3) in turn:

    (a) a bare loop: one smtplib connection, `sendmail` of each notice's message, built
        beforehand as the worker's email channel builds it (so only the wire is timed);
    (b) the worker: `worker.run(once=True)`, as `rpd worker --once` runs it: claim,
        build, send, and record every result and attempt, until nothing is due;
    (c) the worker's email channel alone, with no database: it builds and sends each
        message, nothing is claimed or recorded (so (b)/(c) is the share left after the
        bookkeeping, and (c)/(a) what building the messages costs).

Each round runs the three in turn, starting with the next one each round (a, c, b;
then c, b, a; then b, a, c), so that none always follows the reset or always runs
last. After the worker's run the notices are made due again and their attempts
deleted (untimed).
Prints each side's median notices a second and the ratios: of the medians, and the
median of each round's own (b)/(a) (its sides ran one after another, so a busy moment on
a shared machine slows all three); the target is (b)/(a) >= 50 %. Runs on SQLite (a
file in a temporary directory) and on PostgreSQL (a scratch database
`rpd_bench_worker`), each in its own process; both tables print side by side at the
end of a run on both. Exits 1 if a round leaves a notice unsent
or sends one twice (counted by the sink's own tally); the ratio is reported only.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

_HERE = Path(__file__).resolve().parent
_ROOT = _HERE.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

from bench.databases import on_each_database, setup_django  # noqa: E402

TARGET = 0.5  # the worker's rate as a share of the bare loop's
SCRATCH_DB = "rpd_bench_worker"
DEFAULT_POSTGRES = "postgres://postgres@localhost:5432/postgres"
RESULT = "RESULT "  # a line each database's process prints for the summary

# The sink: aiosmtpd accepting everything, counting messages, answering "COUNT" on a
# second port with how many it took (so the benchmark can check none was doubled).
SINK = r"""
import asyncio, sys
from aiosmtpd.controller import Controller

class Counting:
    count = 0
    async def handle_DATA(self, server, session, envelope):
        Counting.count += 1
        return "250 OK"

controller = Controller(Counting(), hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()

async def tally(reader, writer):
    await reader.readline()
    writer.write(f"{Counting.count}\n".encode())
    await writer.drain()
    writer.close()

async def main():
    server = await asyncio.start_server(tally, "127.0.0.1", int(sys.argv[2]))
    print("ready", flush=True)
    await server.serve_forever()

asyncio.run(main())
"""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notices", type=int, default=2_000, metavar="N")
    parser.add_argument("--rounds", type=int, default=3, metavar="R")
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--database-url", default=DEFAULT_POSTGRES, metavar="URL")
    parser.add_argument("--only", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)
    if args.notices < 1 or args.rounds < 1:
        parser.error("--notices and --rounds must be at least 1")
    if args.only is not None or args.database != "both":
        args.only = args.only or args.database
        return on_each_database(args, argv, __file__, run, SCRATCH_DB)
    # Both: run each database's process, then print their results side by side.
    status, results = 0, []
    for database in ("sqlite", "postgres"):
        command = [sys.executable, __file__, *(argv or sys.argv[1:]), "--only", database]
        done = subprocess.run(command, check=False, stdout=subprocess.PIPE, text=True)
        status = max(status, done.returncode)
        for line in done.stdout.splitlines():
            if line.startswith(RESULT):
                results.append(json.loads(line[len(RESULT) :]))
            else:
                print(line)
    print(table(results))
    return status


def table(results: list[dict]) -> str:
    lines = [
        "| database | notices | bare smtplib (a) | channel alone (c) | rpd worker (b) "
        "| (b)/(a) | (b)/(a) round by round | (b)/(c) | target (b)/(a) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['database']} | {r['notices']:,} | {r['bare']:,.0f}/s | {r['channel']:,.0f}/s"
            f" | {r['worker']:,.0f}/s | {r['worker'] / r['bare']:.0%} | {r['paired']:.0%}"
            f" | {r['worker'] / r['channel']:.0%} | >= {TARGET:.0%} |"
        )
    return "\n".join(lines)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Sink:
    def __init__(self):
        self.port, self.tally_port = free_port(), free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-c", SINK, str(self.port), str(self.tally_port)],
            stdout=subprocess.PIPE,
            text=True,
        )
        if self.process.stdout.readline().strip() != "ready":
            raise RuntimeError("the SMTP sink did not start")

    def count(self) -> int:
        with socket.create_connection(("127.0.0.1", self.tally_port)) as s:
            s.sendall(b"COUNT\n")
            return int(s.makefile().readline())

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def run(args, label: str, url: str, data_dir: str) -> int:
    sink = Sink()
    try:
        setup_django(
            url,
            data_dir,
            RPD_NOTICE_CHANNEL="email",
            RPD_EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            RPD_SMTP_HOST="127.0.0.1",
            RPD_SMTP_PORT=str(sink.port),
            RPD_SMTP_TLS="0",
        )
        return measure(args, label, sink)
    finally:
        sink.stop()


def measure(args, label: str, sink: Sink) -> int:
    import logging

    from django.conf import settings
    from django.core.management import call_command
    from django.utils import timezone

    from rpd.notifications import mime, worker
    from rpd.notifications.channels import EmailChannel, message_id
    from rpd.notifications.models import DeliveryAttempt, Notice, Status
    from tests.notifications.smtp import make_notices

    logging.getLogger("rpd").setLevel(logging.WARNING)
    call_command("migrate", interactive=False, verbosity=0)
    print(f"{label}: writing {args.notices:,} notices", file=sys.stderr)
    at = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=1)
    notices = make_notices(args.notices, at=at)
    channel = EmailChannel()
    sender = mime.sender(settings.DEFAULT_FROM_EMAIL)
    wire = [
        (sender, [to], content)
        for to, content in (mime.render(n, sender, message_id(n)) for n in notices)
    ]

    import smtplib  # (after the path is fixed: it imports the standard calendar module)

    def bare() -> None:
        with smtplib.SMTP("127.0.0.1", sink.port) as smtp:
            for sender, recipients, content in wire:
                smtp.sendmail(sender, recipients, content)

    def rpd_worker() -> None:
        worker.run(once=True, worker_id="bench", batch=100, channel=channel)

    def channel_alone() -> None:
        channel.send(notices)

    def again() -> None:
        DeliveryAttempt.objects.all().delete()
        Notice.objects.update(
            status=Status.PENDING, attempts=0, next_attempt_at=at, sent_at=None, claimed_until=None
        )

    worker.housekeeping(timezone.now())  # once, untimed: its first run imports the calendar
    rates: dict[str, list[float]] = {"bare": [], "channel": [], "worker": []}
    failed = False
    sides = [("bare", bare), ("channel", channel_alone), ("worker", rpd_worker)]
    for i in range(args.rounds):
        # Each round starts with the next side, so none is always first after a reset
        # (whatever the database does after one) or always last.
        for name, fn in sides[i % 3 :] + sides[: i % 3]:
            before = sink.count()
            t0 = time.perf_counter()
            fn()
            elapsed = time.perf_counter() - t0
            sent = sink.count() - before
            rates[name].append(args.notices / elapsed)
            if sent != args.notices:
                print(f"{label}: {name} sent {sent} of {args.notices}", file=sys.stderr)
                failed = True
            if name == "worker":
                unsent = Notice.objects.exclude(status=Status.SENT).count()
                if unsent:
                    print(f"{label}: the worker left {unsent} notice(s) unsent", file=sys.stderr)
                    failed = True
                again()
        print(
            f"{label}: round {i + 1}: "
            + ", ".join(f"{name} {rate[-1]:,.0f}/s" for name, rate in rates.items()),
            file=sys.stderr,
        )
    result = {
        "database": label,
        "notices": args.notices,
        **{name: statistics.median(rate) for name, rate in rates.items()},
        # Each round's own ratio first (its three sides ran one after another, so a busy
        # moment on a shared machine slows all three), then their median.
        "paired": statistics.median(
            w / b for w, b in zip(rates["worker"], rates["bare"], strict=True)
        ),
    }
    if args.database != "both":
        print(table([result]))
    print(RESULT + json.dumps(result))
    if result["paired"] < TARGET:
        print(f"{label}: the worker is under {TARGET:.0%} of the bare loop", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
