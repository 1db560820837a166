"""Benchmark: `rpd audit verify` over a long chain, against a bare sequential read and
SHA-256 of the same rows, measured in the same run.

    .venv/bin/python bench/audit.py [--events N] [--runs R]
        [--database sqlite|postgres|both] [--database-url postgres://USER@HOST:PORT/ADMIN_DB]

Writes a real chain of N audit events (default 1,000,000): each event's canonical
text and hash computed by the code `audit.log.append` uses (rpd/audit/hashing.py),
the chain head sealed and a checkpoint written outside the database, as a year of
transitions would leave them; `verify` must find it intact (a check: exit 1 if not).
Then, R times in turn (default 3):

    (a) a bare read: the same rows in the same keyset batches, as plain tuples, each
        one's canonical text hashed with SHA-256 onto the previous hash;
    (b) `audit.log.verify()`, what `rpd audit verify` runs;
    (c) `verify(since=...)`, what `rpd audit verify --since-last` runs, when the last
        verification found the chain intact up to all but its newest 1 %.

Prints each median and (b)/(a); the target is <= 2x. Runs on SQLite (a file in a
temporary directory) and on PostgreSQL (a scratch database `rpd_bench_audit`), each
in its own process.
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
SCRATCH_DB = "rpd_bench_audit"
DEFAULT_POSTGRES = "postgres://postgres@localhost:5432/postgres"
NEWER_SHARE = 100  # the incremental verify walks the newest 1 % (a day's events, say)
ACTIONS = ["disagreement.raised", "record.added", "record.approved", "disagreement.escalated"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000, metavar="N")
    parser.add_argument("--runs", type=int, default=3, metavar="R")
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--database-url", default=DEFAULT_POSTGRES, metavar="URL")
    parser.add_argument("--only", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)
    if args.events < 1 or args.runs < 1:
        parser.error("--events and --runs must be at least 1")
    if args.only is None and args.database != "both":
        args.only = args.database
    return on_each_database(args, argv, __file__, run, SCRATCH_DB)


def run(args, label: str, url: str, data_dir: str) -> int:
    setup_django(url, data_dir, RPD_AUDIT_CHECKPOINTS=str(Path(data_dir) / "checkpoints"))
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from rpd.audit.log import verify
    from rpd.audit.seal import Checkpoint

    t0 = time.perf_counter()
    # The last verification found the chain intact up to NEWER events before its end.
    newer = max(1, args.events // NEWER_SHARE)
    since = Checkpoint(*write_chain(1, args.events - newer, label))
    write_chain(since.seq + 1, newer, label, since.hash)
    print(f"{label}: wrote {args.events:,} events in {time.perf_counter() - t0:.0f}s")

    checked = verify()
    if not checked.ok or checked.checked != args.events:
        print(f"{label}: the chain does not verify: {checked.reason}", file=sys.stderr)
        return 1
    bare_times, verify_times, newer_times = [], [], []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        result = verify(since=since)
        newer_times.append(time.perf_counter() - t0)
        assert result.ok and result.checked == newer, result
        t0 = time.perf_counter()
        bare_head = bare_read()
        bare_times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        result = verify()
        verify_times.append(time.perf_counter() - t0)
        assert result.ok and result.head_hash == bare_head, result
    bare, full = statistics.median(bare_times), statistics.median(verify_times)
    print(
        f"| {label} | {args.events:,} events | bare read + SHA-256 (a) {bare:.2f}s "
        f"| rpd audit verify (b) {full:.2f}s | {full / bare:.1f}x | target <= {TARGET:g}x "
        f"| --since-last over the newest {newer:,} {statistics.median(newer_times):.3f}s |"
    )
    return 0


def write_chain(first_seq: int, count: int, label: str, last: str = "") -> tuple[int, str]:
    """`count` events from `first_seq` on, chained onto `last` (bench/chain.py)."""
    from bench.chain import write_chain as chain

    start = datetime.datetime(2026, 1, 5, 9, 0, tzinfo=datetime.UTC)
    return chain(
        (
            {
                "at": start + datetime.timedelta(seconds=seq),
                "actor_id": seq % 997 + 1,
                "actor_label": f"practitioner-{seq % 997 + 1}",
                "action": ACTIONS[seq % len(ACTIONS)],
                "target": f"disagreement:{seq // 10 + 1}",
                "partnership_id": 1,
                "data": {"stage": seq % 5 + 1, "reference": f"RPD-2026-{seq // 10 + 1:06d}"},
            }
            for seq in range(first_seq, first_seq + count)
        ),
        label,
        first_seq,
        last,
    )


def bare_read(batch_size: int = 1000) -> str:
    """Read every event in order, in the keyset batches verify uses, as plain tuples, and
    chain their SHA-256 hashes; return the last."""
    from rpd.audit.hashing import HASHED_FIELDS, canonical, event_hash
    from rpd.audit.models import GENESIS_HASH, Event

    last_seq, last = 0, GENESIS_HASH
    while True:
        rows = list(
            Event.objects.filter(seq__gt=last_seq)
            .order_by("seq")
            .values_list(*HASHED_FIELDS)[:batch_size]
        )
        if not rows:
            return last
        for row in rows:
            last = event_hash(last, canonical(**dict(zip(HASHED_FIELDS, row, strict=True))))
        last_seq = rows[-1][0]


if __name__ == "__main__":
    sys.exit(main())
