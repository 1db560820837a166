"""Benchmark: importing 2,000 people costs bulk queries, not a query per row.

    .venv/bin/python bench/import_people.py [--people N] [--small M] [--agencies A]
        [--database-url postgres://USER@HOST:PORT/ADMIN_DB] [--only sqlite|postgres]

Imports a synthetic file (rpd.onboarding.sample) of M people (default 200) into one
new partnership and one of N (default 2,000) into another, then the N-person file a
second time (nothing changes), and reports each one's seconds and queries. The target
is a time ratio N/M under N/M itself (no worse than linear) and a query count for N no
more than a few batches above M's: both are the marks of bulk writes. Exits 1 if the
second import of the same file changes anything (a check, not a timing).

It runs once on SQLite (a file in a temporary directory) and once on PostgreSQL, in a
scratch database `rpd_import_bench` created beside the one the URL names and dropped
afterwards, each in a subprocess of this script. A PostgreSQL that cannot be reached is
reported and skipped.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

# Run as a script, this file's directory comes first on sys.path, where bench/calendar.py
# would shadow the standard library's calendar module (as bench/calendar.py explains).
_HERE = Path(__file__).resolve().parent
_ROOT = _HERE.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

from bench.databases import on_each_database, setup_django  # noqa: E402

PATHWAY = "stoke-on-trent"
SCRATCH_DB = "rpd_import_bench"
DEFAULT_POSTGRES = "postgres://postgres@localhost:5432/postgres"


def timed_import(partnership, data: bytes):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from rpd.onboarding.import_people import import_file

    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        plan = import_file(partnership, data, by=None)
        seconds = time.perf_counter() - start
    return plan, seconds, len(queries)


def run(args, label: str, url: str, data_dir: str) -> int:
    setup_django(url, data_dir)
    from django.core.management import call_command

    from rpd.onboarding import partnerships
    from rpd.onboarding.sample import sample_csv

    call_command("migrate", interactive=False, verbosity=0)
    results = {}
    for name, people in (("small", args.small), ("large", args.people)):
        partnership = partnerships.create(slug=f"bench-{name}", name=name, pathway_id=PATHWAY)
        # Each file its own agencies (codes are installation-wide), its own people.
        data = sample_csv(PATHWAY, args.agencies, people, prefix=f"{name}-").encode()
        results[name] = (partnership, data, *timed_import(partnership, data))
    partnership, data = results["large"][:2]
    again, seconds_again, queries_again = timed_import(partnership, data)
    small, large = results["small"], results["large"]
    ratio = large[3] / small[3]
    print(
        f"{label}: {args.small:,} people {small[3]:.2f} s ({small[4]} queries); "
        f"{args.people:,} people {large[3]:.2f} s ({large[4]} queries); ratio {ratio:.1f} "
        f"(target under {args.people / args.small:.0f}); the same file again "
        f"{seconds_again:.2f} s ({queries_again} queries)"
    )
    if again.changes_anything:
        print(f"{label}: FAILED: importing the same file again changed something")
        return 1
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--small", type=int, default=200)
    parser.add_argument("--agencies", type=int, default=25)
    parser.add_argument("--database-url", default=DEFAULT_POSTGRES)
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    args = parser.parse_args(argv)
    return on_each_database(args, argv, __file__, run, SCRATCH_DB)


if __name__ == "__main__":
    sys.exit(main())
