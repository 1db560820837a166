"""Benchmark: a worker's claim costs the batch it takes, not the backlog it takes it from.

    .venv/bin/python bench/claim.py [--small M] [--large N] [--batch B] [--runs R]
        [--database-url postgres://USER@HOST:PORT/ADMIN_DB] [--only sqlite|postgres]

Times `worker.claim` of B notices (default 100, `rpd worker`'s batch) from an outbox
with M due (default 1,000), then, once more notices are added, from one with N due
(default 50,000): a mail server down for a morning in a region leaves a backlog like
that. Each timing is the median of R claims (default 7), one after another (each takes
the next B oldest; the backlog hardly changes). The target is a ratio of at most 2:
the claim reads the due index in its own order (status, due time, id) and stops after
B rows, so the backlog should cost next to nothing; a claim that sorted every due
notice to find the oldest B cost 50 to 60 ms at 50,000 on the development machine.

It runs once on SQLite (a file in a temporary directory) and once on PostgreSQL, in a
scratch database `rpd_claim_bench` created beside the one the URL names and dropped
afterwards; each in a subprocess of this script. Exits 1 if a claim took a notice
twice or out of order (a check, not a timing); the ratio is reported only.
"""

from __future__ import annotations

import argparse
import datetime
import statistics
import sys
import time
from pathlib import Path

_HERE = Path(__file__).resolve().parent
_ROOT = _HERE.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

from bench.databases import on_each_database, setup_django  # noqa: E402

TARGET = 2.0
SCRATCH_DB = "rpd_claim_bench"
DEFAULT_POSTGRES = "postgres://postgres@localhost:5432/postgres"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=1_000, metavar="M")
    parser.add_argument("--large", type=int, default=50_000, metavar="N")
    parser.add_argument("--batch", type=int, default=100, metavar="B")
    parser.add_argument("--runs", type=int, default=7, metavar="R")
    parser.add_argument("--database-url", default=DEFAULT_POSTGRES, metavar="URL")
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    args = parser.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)
    if not 0 < args.batch * (args.runs + 1) <= args.small < args.large or args.runs < 1:
        parser.error("needs 1 <= B * (R + 1) <= M < N and R >= 1")
    return on_each_database(args, argv, __file__, run, SCRATCH_DB)


def run(args, label: str, url: str, data_dir: str) -> int:
    setup_django(url, data_dir)
    import logging

    from django.core.management import call_command
    from django.db import connection

    from rpd.notifications import worker
    from tests.notifications.smtp import make_notices, partnership

    logging.getLogger("rpd").setLevel(logging.ERROR)
    call_command("migrate", interactive=False, verbosity=0)
    at = datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=1)
    failed = False
    taken: list[int] = []

    def claims(backlog: int) -> float:
        nonlocal failed
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE notifications_notice")
        worker.claim("warm-up", args.batch)
        times = []
        for i in range(args.runs):
            t0 = time.perf_counter()
            batch = worker.claim(f"bench-{backlog}-{i}", args.batch)
            times.append(time.perf_counter() - t0)
            pks = [n.pk for n in batch]
            if len(pks) != args.batch or pks != sorted(pks) or set(pks) & set(taken):
                print(f"{label}: a claim took {len(pks)} notices, or out of order, or again")
                failed = True
            taken.extend(pks)
        return statistics.median(times)

    # All due at the same moment: their order is the id's, which the index must give.
    owner = partnership()
    make_notices(args.small, at=at, partnership=owner)
    small = claims(args.small)
    print(f"{label}: adding {args.large - args.small:,} due notices", file=sys.stderr)
    make_notices(args.large - args.small, at=at, partnership=owner)
    large = claims(args.large)
    ratio = large / small
    print(
        f"{label}: a claim of {args.batch} from {args.small:,} due {small * 1000:.1f} ms, "
        f"from {args.large:,} due {large * 1000:.1f} ms: {ratio:.2f}x "
        f"(target <= {TARGET:.0f}x{'' if ratio <= TARGET else ', NOT MET'})"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
