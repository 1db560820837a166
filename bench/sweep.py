"""Benchmark: the deadline sweep costs what is due, not what is open.

    .venv/bin/python bench/sweep.py [--large N] [--small M] [--due K] [--runs R]
        [--database-url postgres://USER@HOST:PORT/ADMIN_DB] [--only sqlite|postgres]
        [--explain]

Times `rpd.notifications.sweep.run` at 10:00 on Wednesday 13 May 2026 (a working
day in England and Wales) over M open disagreements (default 1,000) of which K
(default 100) need a reminder, then over N (default 100,000) with the same K due:
the other rows are added between the two timings. Each timing is the median of R
runs (default 5) after one warm-up, the outbox emptied before each run (not timed)
so every run writes the same reminders. The target is a ratio under 3: the sweep
reads the stored, indexed `next_due`, a narrow `updated_at` range for drift, and
the index of agreed actions not yet done, so 99,000 disagreements that are not due
should cost next to nothing.

The K due disagreements are a mix: due on the next working day (30%), due today
(20%), overdue (20%, so line managers hear too), paused past their expected resume
date (10%), drifting with no activity for 6 working days (10%), and with an agreed
action due on the next working day (10%). The rest are due from Friday 15 May
onwards and had activity either in the last two days or over a month ago (drift
already reported, outside the sweep's catch-up window).

It runs once on SQLite (a file in a temporary directory) and once on PostgreSQL, in
a scratch database `rpd_sweep_bench` created beside the one the URL names and
dropped afterwards; each in a subprocess of this script, since Django reads its
settings once per process. A PostgreSQL that cannot be reached is reported and
skipped.

Rows are made with bulk_create: this is load generation, not the product path (no
audit events, no transition notices), but each row is one the models allow: a
subject, a current stage episode with its actors and due date, and a pause, a record
and an agreed action where the row needs one.

Exits 1 if the two sweeps write different reminders (a check, not a timing), so it
can gate CI; the speed target is reported only, since timings depend on the machine.
"""

from __future__ import annotations

import argparse
import datetime
import statistics
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

TARGET = 3.0
PATHWAY = "blackpool"
SCRATCH_DB = "rpd_sweep_bench"
DEFAULT_POSTGRES = "postgres://postgres@localhost:5432/postgres"
BATCH = 5_000

D = datetime.date
# Wed 13 May 2026, 10:00 London (BST, UTC+1). England and Wales bank holidays nearby:
# Mon 4 May and Mon 25 May. The next working day is Thu 14 May.
NOW = datetime.datetime(2026, 5, 13, 9, 0, tzinfo=datetime.UTC)
TODAY, TOMORROW, OVERDUE_ON = D(2026, 5, 13), D(2026, 5, 14), D(2026, 5, 11)
RESUME_WAS = D(2026, 5, 8)  # paused, expected back Fri 8 May: past
# Last activity Tue 5 May: 6 working days have passed since (6, 7, 8, 11, 12, 13), more
# than the 5 that count as drift, and fewer than the sweep's catch-up window.
DRIFTED_AT = datetime.datetime(2026, 5, 5, 11, 0, tzinfo=datetime.UTC)
RECENT_AT = datetime.datetime(2026, 5, 12, 9, 0, tzinfo=datetime.UTC)
LONG_AGO = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
LATER = D(2026, 5, 15)  # the first due date that needs no reminder today
# The share of the due rows in each state, and the reminders each one writes.
MIX = [
    ("due soon", 0.30, 2),  # both actors
    ("due today", 0.20, 2),
    ("overdue", 0.20, 4),  # both actors and their line managers
    ("paused", 0.10, 3),  # who paused it (a manager) and both actors
    ("drift", 0.10, 2),
    ("action", 0.10, 1),  # the action's owner
]
PAIRS = [("school", "police"), ("csc", "health"), ("health", "csc"), ("police", "school")]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", type=int, default=100_000, metavar="N")
    parser.add_argument("--small", type=int, default=1_000, metavar="M")
    parser.add_argument("--due", type=int, default=100, metavar="K")
    parser.add_argument("--runs", type=int, default=5, metavar="R")
    parser.add_argument("--database-url", default=DEFAULT_POSTGRES, metavar="URL")
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--explain", action="store_true", help="print the sweep's query plans")
    parser.add_argument(
        "--no-analyze",
        action="store_true",
        help="time without planner statistics, as a database never analysed would be",
    )
    args = parser.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)
    if not 10 <= args.due <= args.small <= args.large:
        parser.error("need 10 <= --due <= --small <= --large")
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    return on_each_database(args, argv, __file__, run, SCRATCH_DB)


def run(args, label: str, url: str, data_dir: str) -> int:
    setup_django(url, data_dir, RPD_DRIFT_WORKING_DAYS="5")
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    t0 = time.perf_counter()
    loader = Loader()
    loader.add(args.small, due=args.due)
    loading = time.perf_counter() - t0
    small, small_result = measure(args)
    t0 = time.perf_counter()
    loader.add(args.large - args.small, due=0)
    loading += time.perf_counter() - t0
    print(
        f"{label}: {args.large:,} open disagreements, {args.due} due, generated in {loading:.0f}s"
    )
    large, large_result = measure(args)
    if args.explain:
        explain()

    ratio = large / small
    print(
        f"{label}: sweep over {args.small:,} open, {args.due} due: {small * 1000:.1f} ms, "
        f"{small_result.total} reminders"
    )
    print(
        f"{label}: sweep over {args.large:,} open, {args.due} due: {large * 1000:.1f} ms, "
        f"{large_result.total} reminders"
    )
    print(f"{label}: ratio {ratio:.2f}x (target < {TARGET:g}x)")
    if ratio >= TARGET:
        print(f"{label}: slower than the {TARGET:g}x target", file=sys.stderr)
    expected = loader.expected_reminders
    if not (small_result.counts == large_result.counts and small_result.total == expected):
        print(
            f"{label}: the sweeps wrote different reminders: {dict(small_result.counts)} "
            f"then {dict(large_result.counts)}, expected {expected} in all",
            file=sys.stderr,
        )
        return 1
    return 0


def measure(args):
    """Median seconds of the sweep, the outbox emptied before each run."""
    from django.db import connection

    from rpd.notifications import sweep
    from rpd.notifications.models import Notice

    if not args.no_analyze:
        with connection.cursor() as cursor:
            # Fresh statistics after a load, as autovacuum (PostgreSQL) or an operator's
            # periodic ANALYZE (SQLite) would have them.
            cursor.execute("ANALYZE")
    times, result = [], None
    for _ in range(args.runs + 1):
        Notice.objects.all().delete()
        t0 = time.perf_counter()
        result = sweep.run(NOW)
        times.append(time.perf_counter() - t0)
    return statistics.median(times[1:]), result


def explain() -> None:
    from django.db import connection

    from rpd.notifications import sweep

    local = sweep.london_now(NOW)
    worker = sweep.Sweep(sweep.working_days(local), local)
    options = {"analyze": True} if connection.vendor == "postgresql" else {}
    for name in ("due_query", "drift_query", "actions_query"):
        print(f"-- {name}")
        print(getattr(worker, name)().explain(**options))


class Loader:
    """One partnership's people (the demo builder) and disagreements made in bulk."""

    def __init__(self):
        import holidays

        from rpd.disagreements.models import PathwayVersion
        from rpd.people.demo import build_partnership

        self.demo = build_partnership(PATHWAY, "bench")
        entry = self.demo.partnership.pathway_entry()
        self.pinned = PathwayVersion.objects.create(
            pathway_id=entry.pack.id,
            version=entry.pack.version,
            digest=entry.digest,
            text=entry.path.read_text("utf-8"),
        )
        self.category = entry.pack.categories[0].id
        self.holidays_version = holidays.__version__
        self.n = 0
        self.expected_reminders = 0

    def add(self, count: int, due: int) -> None:
        """`count` more open disagreements, the first `due` of them needing a reminder."""
        from django.db import transaction

        states = []
        for state, share, reminders in MIX:
            k = round(due * share) if state != MIX[-1][0] else due - len(states)
            states += [state] * k
            self.expected_reminders += k * reminders
        states += ["later"] * (count - due)
        with transaction.atomic():
            for start in range(0, count, BATCH):
                self.batch(states[start : start + BATCH])

    def batch(self, states: list[str]) -> None:
        from rpd.disagreements import models

        demo, ladder = self.demo, self.demo.ladder
        subjects, rows = [], []
        for state in states:
            self.n += 1
            n = self.n
            raiser, receiver = PAIRS[n % len(PAIRS)]
            stage_due = {"due soon": TOMORROW, "due today": TODAY, "overdue": OVERDUE_ON}.get(
                state, LATER + datetime.timedelta(days=n % 40)
            )
            if state == "drift":
                updated = DRIFTED_AT
            elif state == "later" and n % 5 == 0:
                updated = LONG_AGO
            else:
                updated = RECENT_AT
            subjects.append(
                models.Subject(
                    partnership=demo.partnership,
                    kind="child",
                    given_name="Bench",
                    family_name=f"Subject {n}",
                )
            )
            rows.append(
                models.Disagreement(
                    reference=f"RPD-2026-{n:06d}",
                    partnership=demo.partnership,
                    pathway=self.pinned,
                    raised_by=ladder[raiser][0],
                    raising_agency=demo.agencies[raiser],
                    receiving_agency=demo.agencies[receiver],
                    receiving_professional=ladder[receiver][0],
                    challenged="decision",
                    challenged_description="Referral closed with no further action",
                    challenged_on=D(2026, 4, 27),
                    categories=[self.category],
                    summary="Bruises seen twice in a month",
                    outcome_sought="A strategy discussion",
                    risk="high",
                    status="paused" if state == "paused" else "open",
                    stage=1,
                    next_due=RESUME_WAS if state == "paused" else stage_due,
                    stage_due=stage_due,
                    # The overall cap runs on past every stage deadline here.
                    cap_due=D(2026, 6, 30),
                    raised_at=datetime.datetime(2026, 4, 28, 9, tzinfo=datetime.UTC),
                    updated_at=updated,
                )
            )
        for subject, row in zip(models.Subject.objects.bulk_create(subjects), rows, strict=True):
            row.subject = subject
        rows = models.Disagreement.objects.bulk_create(rows)
        episodes = models.StageEpisode.objects.bulk_create(
            models.StageEpisode(
                disagreement=d,
                partnership_id=d.partnership_id,
                number=1,
                raising_actor_id=d.raised_by_id,
                receiving_actor_id=d.receiving_professional_id,
                started_on=D(2026, 4, 28),
                started_at=d.raised_at,
                due=d.stage_due,
                due_basis="limit",
                calendar="england-and-wales",
                holidays_version=self.holidays_version,
            )
            for d in rows
        )
        paused = [(d, e) for d, e, s in zip(rows, episodes, states, strict=True) if s == "paused"]
        models.Pause.objects.bulk_create(
            models.Pause(
                disagreement=d,
                episode=e,
                partnership_id=d.partnership_id,
                reason="Practitioner off sick",
                paused_by_id=d.raised_by.line_manager_id,  # a team manager paused it
                paused_on=D(2026, 5, 6),
                expected_resume=RESUME_WAS,
            )
            for d, e in paused
        )
        acting = [(d, e) for d, e, s in zip(rows, episodes, states, strict=True) if s == "action"]
        records = models.Record.objects.bulk_create(
            models.Record(
                disagreement=d,
                episode=e,
                kind="meeting",
                occurred_at=RECENT_AT,
                summary="Agreed a joint visit",
                outcome="ongoing",
                author_id=e.raising_actor_id,
                created_at=RECENT_AT,
            )
            for d, e in acting
        )
        models.AgreedAction.objects.bulk_create(
            models.AgreedAction(
                record=record, text="Joint visit", owner_id=d.receiving_professional_id,
                due=TOMORROW,
            )
            for record, (d, _) in zip(records, acting, strict=True)
        )  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
