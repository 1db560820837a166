"""Benchmark: /health/live and /health/ready on an idle server, against an empty answer
from the same server measured in the same run.

    .venv/bin/python bench/health.py [--requests N] [--database sqlite|postgres|both]
        [--database-url postgres://USER@HOST:PORT/ADMIN_DB]

Sets up a scratch database (migrated, a worker's heartbeat just written, so /health/ready
answers 200 as on a healthy installation) and serves the WSGI application (rpd/wsgi.py,
production settings) from a real HTTP server on a free local port, in a process of its
own. Then
requests, N times each (default 200) in turn, over a new connection each time as a load
balancer's probe would:

    (a) an empty answer: the same server returning 200 with an empty body without
        entering Django (what HTTP and the server cost);
    (b) /health/live;
    (c) /health/ready (a SELECT 1, the heartbeat, one indexed look at the outbox).

Prints each one's median and 95th percentile, each health endpoint's extra time over
(a), and whether its 95th percentile is within 50 ms (issue 20's target on an idle
server). Timings depend on the machine: reported, never asserted by the tests. The
server's request log (one JSON line a request, as in production) goes to stderr:
`2>/dev/null` hides it.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import sys
import time
from pathlib import Path

_HERE = Path(__file__).resolve().parent
_ROOT = _HERE.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

# After the path is set: http.client imports the standard calendar, which bench/ shadows.
import http.client  # noqa: E402
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server  # noqa: E402

from bench.databases import on_each_database, setup_django  # noqa: E402

TARGET_MS = 50.0
SCRATCH_DB = "rpd_bench_health"
DEFAULT_POSTGRES = "postgres://postgres@localhost:5432/postgres"
EMPTY = "/bench/empty"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, metavar="N")
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--database-url", default=DEFAULT_POSTGRES, metavar="URL")
    parser.add_argument("--only", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)
    if args.requests < 1:
        parser.error("--requests must be at least 1")
    if args.only is None and args.database != "both":
        args.only = args.database
    return on_each_database(args, argv, __file__, run, SCRATCH_DB)


class Quiet(WSGIRequestHandler):
    def log_message(self, *args):  # one line a request would be most of the output
        pass


def run(args, label: str, url: str, data_dir: str) -> int:
    setup_django(url, data_dir, RPD_ALLOWED_HOSTS="127.0.0.1")
    from django.core.management import call_command

    print(f"{label}: migrating a scratch database...")
    call_command("migrate", interactive=False, verbosity=0)
    from rpd.notifications import heartbeat
    from rpd.wsgi import application

    heartbeat.beat("bench-worker")

    def app(environ, start_response):
        if environ["PATH_INFO"] == EMPTY:
            start_response("200 OK", [("Content-Length", "0")])
            return [b""]
        return application(environ, start_response)

    from django.db import connections

    server = make_server("127.0.0.1", 0, app, server_class=WSGIServer, handler_class=Quiet)
    port = server.server_address[1]
    # The server in a process of its own: in a thread of this one it would share the
    # interpreter lock with the timing loop, and each answer would wait its turn.
    connections.close_all()
    child = os.fork()
    if child == 0:
        try:
            server.serve_forever()
        finally:
            os._exit(0)
    server.server_close()
    try:
        for path in ("/health/live", "/health/ready", EMPTY):  # each once before timing
            status = request(port, path)[0]
            if status != 200:
                print(f"{label}: {path} answered {status}, not 200", file=sys.stderr)
                return 1
        print(f"{label}: timing {args.requests} requests of each, in turn...")
        times = {path: [] for path in (EMPTY, "/health/live", "/health/ready")}
        for _ in range(args.requests):
            for path in times:
                times[path].append(request(port, path)[1])
    finally:
        os.kill(child, signal.SIGTERM)
        os.waitpid(child, 0)
    base = statistics.median(times[EMPTY])
    print(f"| {label} | empty answer (a) | median {base:.2f} ms | p95 {p95(times[EMPTY]):.2f} ms |")
    worst = 0
    for path in ("/health/live", "/health/ready"):
        median, tail = statistics.median(times[path]), p95(times[path])
        within = tail <= TARGET_MS
        worst = max(worst, 0 if within else 1)
        print(
            f"| {label} | {path} | median {median:.2f} ms | p95 {tail:.2f} ms "
            f"| +{median - base:.2f} ms over (a), {median / base:.1f}x "
            f"| within {TARGET_MS:g} ms: {'yes' if within else 'NO'} |"
        )
    return worst


def request(port: int, path: str) -> tuple[int, float]:
    """(status, milliseconds) of one GET over a new connection."""
    start = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
    finally:
        connection.close()
    return response.status, (time.perf_counter() - start) * 1000


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]


if __name__ == "__main__":
    sys.exit(main())
