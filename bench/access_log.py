"""Benchmark: what the access log costs a case page.

    .venv/bin/python bench/access_log.py [--records N] [--runs R] [--database-url URL]

Builds one Blackpool partnership with a case of N records (default 20) in a fresh
SQLite file (or the PostgreSQL database URL names, which it empties first), then
renders the case page through Django's test client, request by request in turn with
the access log's middleware on and off, so a busy moment slows both alike. Prints each
median and their ratio; the target is <= 1.1x (ADR 017). Checks, not timings, decide
the exit status: 1 if a page does not answer 200 or the log did not record the reads.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

MIDDLEWARE = "rpd.dataprotection.readings.ReadingsMiddleware"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20)
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    data = tempfile.mkdtemp(prefix="rpd-bench-")
    os.environ["RPD_DATA_DIR"] = data
    os.environ.setdefault("RPD_DEBUG", "1")
    if args.database_url:
        os.environ["RPD_DATABASE_URL"] = args.database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "rpd.settings"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import override_settings, setup_test_environment

    setup_test_environment()
    settings.RPD_REQUIRE_MFA = False
    if args.database_url:
        call_command("flush", interactive=False, verbosity=0)
    print("Setting up the database…", flush=True)
    call_command("migrate", verbosity=0)
    from rpd.dataprotection.models import Reading
    from rpd.disagreements import transitions
    from rpd.people.demo import build_partnership
    from tests.disagreements.helpers import discuss, raise_data

    print(f"Building a case with {args.records} records…", flush=True)
    demo = build_partnership("blackpool", slug="bench-access-log")
    raiser = demo.ladder["csc"][0]
    d = transitions.raise_disagreement(raiser, raise_data(demo, "police"))
    for _ in range(args.records):
        d = discuss(raiser, d)
    url = f"/disagreements/{d.pk}/"
    without = [m for m in settings.MIDDLEWARE if m != MIDDLEWARE]
    # A client builds its middleware chain at its first request, under the settings then.
    logged_client, plain_client = Client(), Client()
    for client in (logged_client, plain_client):
        client.force_login(raiser)
    with override_settings(MIDDLEWARE=without):
        plain_client.get(url)

    def timed(client) -> float:
        start = time.perf_counter()
        response = client.get(url)
        took = time.perf_counter() - start
        if response.status_code != 200:
            raise SystemExit(f"the case page answered {response.status_code}")
        return took

    for _ in range(3):
        timed(logged_client), timed(plain_client)
    before = Reading.objects.count()
    on, off = [], []
    for _ in range(args.runs):
        on.append(timed(logged_client))
        off.append(timed(plain_client))
    from rpd.dataprotection import readings

    readings.flush()  # what the process gathered and has not yet written
    logged = Reading.objects.count() - before
    with_log, without_log = statistics.median(on), statistics.median(off)
    print(f"case page, {args.records} records, {connection_name()}:")
    print(f"  without the access log  {without_log * 1000:7.2f} ms")
    print(f"  with the access log     {with_log * 1000:7.2f} ms")
    print(f"  ratio                   {with_log / without_log:7.2f}x  (target <= 1.1x)")
    if logged != args.runs:
        print(f"the access log recorded {logged} reads for {args.runs} views", file=sys.stderr)
        return 1
    return 0


def connection_name() -> str:
    from django.db import connection

    return connection.vendor


if __name__ == "__main__":
    sys.exit(main())
