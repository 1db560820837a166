"""Benchmark: vectorised due dates against bare numpy.busday_offset.

    .venv/bin/python bench/calendar.py [--pairs N] [--seed S]

Builds random (start, N) pairs (starts in 2024-2030, N in 0..30), times
WorkingCalendar("england-and-wales").add_working_days_many against a single bare
numpy.busday_offset call with the same holidays, best of 3 after a warm-up, and checks
the answers agree. The target is to stay within 3x of numpy: the product recomputes
every open dispute's due dates when a pack or a closure day changes.

Exits 1 if the answers differ, so it can gate CI; the speed target is reported only,
since timings depend on the machine.
"""

import sys
from pathlib import Path

# Run as a script, this file's directory comes first on sys.path, and this file's name
# would then shadow the standard library's calendar module, which holidays imports.
_HERE = Path(__file__).resolve().parent
_ROOT = _HERE.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

import argparse  # noqa: E402
import time  # noqa: E402

import holidays  # noqa: E402
import numpy as np  # noqa: E402

from rpd.pathways.calendar import WorkingCalendar  # noqa: E402

TARGET = 3.0
FIRST_YEAR, LAST_YEAR = 2024, 2030
MAX_N = 30


def best_of(fn, repeats=3):
    fn()  # warm-up: loads holiday data and caches the busdaycalendar
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=1_000_000, help="number of (start, N) pairs")
    parser.add_argument("--seed", type=int, default=20261107)
    args = parser.parse_args(argv)
    if args.pairs < 1:
        parser.error("--pairs must be at least 1")

    rng = np.random.default_rng(args.seed)
    lo = np.datetime64(f"{FIRST_YEAR}-01-01")
    days = (np.datetime64(f"{LAST_YEAR + 1}-01-01") - lo).astype(int)
    starts = lo + rng.integers(0, days, args.pairs).astype("timedelta64[D]")
    ns = rng.integers(0, MAX_N + 1, args.pairs)

    # The baseline's holidays come straight from the holidays package, not from our
    # module, so that agreement also checks our holiday loading. Due dates run a few
    # weeks past the last start, hence one extra year.
    years = range(FIRST_YEAR - 1, LAST_YEAR + 2)
    public = holidays.country_holidays("GB", subdiv="ENG", years=years)
    busdaycal = np.busdaycalendar(holidays=np.array(sorted(public), dtype="datetime64[D]"))

    calendar = WorkingCalendar("england-and-wales")
    ours = calendar.add_working_days_many(starts, ns)
    bare = np.busday_offset(starts, ns, roll="backward", busdaycal=busdaycal)
    # numpy's backward roll answers n == 0 with the previous working day; the product
    # means "immediately", the next one, which is numpy's forward roll.
    expected = bare.copy()
    zero = ns == 0
    expected[zero] = np.busday_offset(starts[zero], 0, roll="forward", busdaycal=busdaycal)
    mismatches = int(np.count_nonzero(ours != expected))

    t_ours = best_of(lambda: calendar.add_working_days_many(starts, ns))
    t_numpy = best_of(lambda: np.busday_offset(starts, ns, roll="backward", busdaycal=busdaycal))
    ratio = t_ours / t_numpy
    print(
        f"calendar: {args.pairs:,} due dates  "
        f"ours {args.pairs / t_ours / 1e6:.1f}M/s  "
        f"numpy {args.pairs / t_numpy / 1e6:.1f}M/s  "
        f"ratio {ratio:.2f}x (target <= {TARGET:g}x)"
    )
    if mismatches:
        first = int(np.flatnonzero(ours != expected)[0])
        print(
            f"calendar: {mismatches:,} results differ from numpy, first at "
            f"start {starts[first]} N {ns[first]}: ours {ours[first]}, numpy {expected[first]}",
            file=sys.stderr,
        )
        return 1
    if ratio > TARGET:
        print(f"calendar: slower than the {TARGET:g}x target on this machine", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
