"""Benchmark: the oversight figures page for a year, for one partnership and for a region of
three, against an empty page on the same layout and a bare COUNT(*) ... GROUP BY.

    .venv/bin/python bench/oversight.py [--scale F] [--partnerships P]
        [--database sqlite|postgres|both] [--database-url postgres://USER@HOST:PORT/ADMIN_DB]
        [--runs R]

Builds P partnerships (default 150, each a demo partnership of bench/'s pathways in turn)
and F x 1,000,000 disagreements across them on PostgreSQL, F x 100,000 on SQLite (issue
19 asks for F = 1; the default, 0.02, runs in a few minutes on a shared 2-core machine),
as the transitions leave them: the case, its subject, each stage it reached, a milestone
per stage, some pauses and extensions, and the audit events of its transitions (what
drift over time reads). Rows go in by COPY on PostgreSQL and by bulk_create in batches on
SQLite, a tenth first and then the rest, with a progress line per batch.

Three more partnerships are left empty: the empty page is the same figures page for one of
them (and the region page for someone who oversees the three), so the layout, the forms,
the sign-in and every query are the same, with no rows behind them.

For each of one partnership (its partnership unit) and a region of three (someone who
oversees all three) it times the figures page for the last whole year of data (twelve
months of drift), the median of R requests (default 5) after two warm-up ones, in turn
with its empty page and with the bare count (`SELECT status, COUNT(*) FROM disagreement
WHERE partnership_id IN (...) GROUP BY status`, the same rows): server time against the
empty page's, database time (every query the page runs, sign-in and session included)
against the bare count's, and the empty page's database time against the bare count's
(the page's fixed cost, with no rows). Targets: <= 3x and <= 3x; and the page's query
count the same at a tenth of the data as at all of it.

Exits 1 if a page does not answer 200 or its query count changes with the data (checks,
not timings); the speed targets are reported only, since timings depend on the machine.
"""

from __future__ import annotations

import argparse
import datetime
import logging
import random
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

SERVER_TARGET = 3.0  # x the empty page
DATABASE_TARGET = 3.0  # x the bare COUNT(*) ... GROUP BY
SCRATCH_DB = "rpd_bench_oversight"
DEFAULT_POSTGRES = "postgres://postgres@localhost:5432/postgres"
FULL = {"postgres": 1_000_000, "sqlite": 100_000}
PATHWAYS = ["stoke-on-trent", "jersey", "hillingdon", "cambridgeshire", "blackpool"]
YEAR = 2025  # the year measured; the data runs from 2024 to late 2026
BATCH = 20_000


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scale", type=float, default=0.02, metavar="F", help="share of 1,000,000 / 100,000"
    )
    parser.add_argument("--partnerships", type=int, default=150, metavar="P")
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--database-url", default=DEFAULT_POSTGRES, metavar="URL")
    parser.add_argument("--only", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    parser.add_argument("--runs", type=int, default=5, metavar="R")
    parser.add_argument("--seed", type=int, default=19)
    args = parser.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)
    if not 0 < args.scale <= 1:
        parser.error("--scale must be more than 0 and at most 1")
    if args.partnerships < 3:
        parser.error("--partnerships must be at least 3 (the region is three)")
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if args.only is None and args.database != "both":
        args.only = args.database
    return on_each_database(args, argv, __file__, run, SCRATCH_DB)


def run(args, label: str, url: str, data_dir: str) -> int:
    setup_django(url, data_dir, RPD_ALLOWED_HOSTS="testserver")
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    # A line per request would bury the figures.
    logging.getLogger("rpd.requests").setLevel(logging.WARNING)
    total = max(1000, round(FULL[label] * args.scale))
    t0 = time.perf_counter()
    world = build(args.partnerships, label)
    print(f"{label}: {args.partnerships + 3} partnerships in {time.perf_counter() - t0:.0f}s")
    load = Load(world, args.seed, label)
    load.write(total // 10)
    small = measure(world, runs=1)
    load.write(total - total // 10)
    print(f"{label}: {total:,} disagreements loaded in {time.perf_counter() - t0:.0f}s")
    large = measure(world, args.runs)
    failed = False
    print(
        f"{label}: {'page':<34} {'cases':>8} {'server ms':>10} {'empty ms':>9} {'x':>6} "
        f"{'db ms':>8} {'count ms':>9} {'x':>7} {'queries':>12}"
    )
    for name, result in large.items():
        before = small[name]
        print(
            f"{label}: {name:<34} {result['cases']:>8,} {result['server'] * 1e3:>10.1f} "
            f"{result['empty_server'] * 1e3:>9.1f} {result['server_x']:>5.2f}x "
            f"{result['database'] * 1e3:>8.1f} {result['count'] * 1e3:>9.2f} "
            f"{result['database_x']:>6.1f}x {before['queries']:>5} / {result['queries']:<5}"
        )
        print(
            f"{label}:   its slowest query {result['slowest'] * 1e3:.1f} ms: "
            f"{result['slowest_sql']}"
        )
        print(
            f"{label}:   the empty page's database time {result['empty_database'] * 1e3:.1f} ms "
            f"({result['empty_database'] / result['count']:.1f}x the bare count): the same "
            "queries over no rows"
        )
        for problem in result["problems"]:
            print(f"{label}: {name}: {problem}", file=sys.stderr)
            failed = True
        if before["queries"] != result["queries"]:
            print(
                f"{label}: {name}: {before['queries']} queries at a tenth of the data but "
                f"{result['queries']} at all of it",
                file=sys.stderr,
            )
            failed = True
        if result["server_x"] > SERVER_TARGET:
            print(f"{label}: {name}: server time over {SERVER_TARGET:g}x the empty page")
        if result["database_x"] > DATABASE_TARGET:
            print(f"{label}: {name}: database time over {DATABASE_TARGET:g}x the bare count")
    return 1 if failed else 0


# -- The partnerships and who reads them --------------------------------------------------


class World:
    def __init__(self):
        self.demos = []  # with data
        self.empty = []  # the same layout, no rows
        self.region_reader = None
        self.empty_region_reader = None
        self.pinned = {}  # pathway id -> PathwayVersion


def build(n: int, label: str) -> World:
    from rpd.disagreements.models import PathwayVersion
    from rpd.people.demo import build_partnership
    from rpd.people.models import Agency, Role, RoleGrant, User

    world = World()
    for i in range(n + 3):
        pathway = PATHWAYS[i % len(PATHWAYS)]
        demo = build_partnership(pathway, f"{pathway}-{i}")
        (world.demos if i < n else world.empty).append(demo)
        if (i + 1) % 25 == 0:
            print(f"{label}: built {i + 1} partnerships")
    for demo in world.demos + world.empty:
        entry = demo.partnership.pathway_entry()
        world.pinned[entry.pack.id], _ = PathwayVersion.objects.get_or_create(
            pathway_id=entry.pack.id,
            digest=entry.digest,
            defaults={"version": entry.pack.version, "text": entry.path.read_text("utf-8")},
        )

    def overseer(name: str, demos) -> User:
        agency = Agency.objects.get(pk=demos[0].unit.agency_id)
        user = User.objects.create(username=name, agency=agency, job_title="Regional lead")
        RoleGrant.objects.bulk_create(
            RoleGrant(user=user, role=Role.PARTNERSHIP_UNIT, partnership=d.partnership)
            for d in demos
        )
        return user

    # The region: three partnerships of different pathways (calendars and stages differ).
    world.region = world.demos[:3]
    world.region_reader = overseer("region-lead", world.region)
    world.empty_region_reader = overseer("empty-region-lead", world.empty)
    return world


# -- The load -------------------------------------------------------------------------------


class Load:
    """Cases planned with a seeded generator and written table by table in batches."""

    def __init__(self, world: World, seed: int, label: str):
        from rpd.pathways.calendar import LONDON

        self.world, self.rng, self.label = world, random.Random(seed), label
        self.first = datetime.datetime(2024, 1, 1, tzinfo=LONDON)
        self.last = datetime.datetime(2026, 11, 20, tzinfo=LONDON)
        self.written = 0
        self.ids = {"subject": 0, "disagreement": 0, "episode": 0, "event": 10**12}
        from django.db import connection

        self.ids["subject"] = _max_id("disagreements_subject")
        self.ids["disagreement"] = _max_id("disagreements_disagreement")
        self.ids["episode"] = _max_id("disagreements_stageepisode")
        self.postgres = connection.vendor == "postgresql"
        self.packs = {p: v.pack for p, v in world.pinned.items()}

    def write(self, n: int) -> None:
        done = 0
        while done < n:
            size = min(BATCH, n - done)
            self._batch(size)
            done += size
            self.written += size
            print(f"{self.label}: wrote {self.written:,} disagreements")
        self.finish()

    def _batch(self, n: int) -> None:
        from django.db import transaction

        from rpd.audit.models import Event
        from rpd.disagreements.models import (
            Disagreement,
            EpisodeOutcome,
            Extension,
            Milestone,
            OpenStretch,
            Pause,
            StageEpisode,
            Status,
            Subject,
        )
        from rpd.pathways.calendar import local_date

        rng, world = self.rng, self.world
        span = (self.last - self.first).total_seconds()
        subjects, cases, episodes, milestones, pauses, extensions, events, stretches = (
            [], [], [], [], [], [], [], [],
        )  # fmt: skip
        hour = datetime.timedelta(hours=1)
        for _ in range(n):
            k = self.written + len(cases)
            demo = world.demos[k % len(world.demos)]
            pathway = PATHWAYS[(k % len(world.demos)) % len(PATHWAYS)]
            pack = self.packs[pathway]
            top = pack.last_stage.number
            keys = sorted(demo.ladder)
            raising, receiving = rng.sample(keys, 2)
            self.ids["subject"] += 1
            self.ids["disagreement"] += 1
            sid, did = self.ids["subject"], self.ids["disagreement"]
            subjects.append(
                Subject(
                    id=sid,
                    partnership_id=demo.partnership.pk,
                    kind="child",
                    given_name="Bench",
                    family_name=str(sid),
                )
            )
            raised_at = self.first + datetime.timedelta(seconds=rng.uniform(0, span))
            roll = rng.random()
            status = (
                Status.RESOLVED
                if roll < 0.55
                else Status.WITHDRAWN
                if roll < 0.7
                else Status.PAUSED
                if roll < 0.75
                else Status.OPEN
            )
            reference = f"B-{did:07d}"
            target = f"disagreement:{demo.partnership.slug}/{reference}"
            moments = [("raise", raised_at)]
            mine = len(episodes), len(pauses), len(extensions)
            number = 3 if top >= 3 and rng.random() < 0.05 else 1
            at, closed_at, updated_at = raised_at, None, raised_at
            while True:
                self.ids["episode"] += 1
                eid = self.ids["episode"]
                end = min(at + hour * rng.uniform(1, 24 * 25), self.last)
                climbs = number < top and rng.random() < 0.4
                live = not climbs and status in (Status.OPEN, Status.PAUSED)
                outcome = (
                    EpisodeOutcome.ESCALATED
                    if climbs
                    else ""
                    if live
                    else EpisodeOutcome.RESOLVED
                    if status == Status.RESOLVED
                    else EpisodeOutcome.WITHDRAWN
                )
                rung = min(number - 1, len(demo.ladder[raising]) - 1)
                due = at.date() + datetime.timedelta(days=7)
                episodes.append(
                    StageEpisode(
                        id=eid,
                        disagreement_id=did,
                        partnership_id=demo.partnership.pk,
                        number=number,
                        raising_actor_id=demo.ladder[raising][rung].pk,
                        receiving_actor_id=demo.ladder[receiving][
                            min(rung, len(demo.ladder[receiving]) - 1)
                        ].pk,
                        started_on=at.date(),
                        started_at=at,
                        due=due,
                        due_basis="limit",
                        calendar="england-and-wales",
                        holidays_version="bench",
                        outcome=outcome,
                        ended_at=None if live else end,
                    )
                )
                if rng.random() < 0.8:
                    met = at + hour * rng.uniform(0, 24 * 12)
                    met = met if met < end else None
                    milestones.append(
                        Milestone(
                            episode_id=eid,
                            partnership_id=demo.partnership.pk,
                            key="bench",
                            name="Bench",
                            due=due,
                            met_at=met,
                            met_on=local_date(met) if met else None,
                        )
                    )
                    moments += [("milestone", met)] if met else []
                paused_now = live and status == Status.PAUSED
                if paused_now or rng.random() < 0.05:
                    pauses.append(
                        Pause(
                            disagreement_id=did,
                            episode_id=eid,
                            partnership_id=demo.partnership.pk,
                            reason="Bench",
                            paused_by_id=demo.ladder[raising][0].pk,
                            paused_on=at.date(),
                            expected_resume=at.date() + datetime.timedelta(days=14),
                            resumed_on=None if paused_now else end.date(),
                            working_days_paused=None if paused_now else 2,
                        )
                    )
                    moments.append(("pause", at))
                if rng.random() < 0.05:
                    agreed = at + (end - at) / 2
                    extensions.append(
                        Extension(
                            episode_id=eid,
                            partnership_id=demo.partnership.pk,
                            asked_by_id=demo.ladder[raising][0].pk,
                            agreed_by_id=demo.ladder[receiving][0].pk,
                            reason="Bench",
                            old_due=due - datetime.timedelta(days=5),
                            new_due=due,
                            agreed_at=agreed,
                        )
                    )
                    moments.append(("extend", agreed))
                if live:
                    updated_at = at + (end - at) * rng.random()
                    moments.append(("record", updated_at))
                    break
                if not climbs:
                    closed_at = updated_at = end
                    moments.append(("close", end))
                    break
                jump = 2 if number + 2 <= top and rng.random() < 0.05 else 1
                number, at = number + jump, end
                moments.append(("escalate", at))
                updated_at = at
            closed = Disagreement(raised_at=raised_at, closed_at=closed_at)
            stretches += self.facts(
                demo.partnership,
                did,
                closed,
                [when for _, when in moments],
                episodes[mine[0] :],
                pauses[mine[1] :],
                extensions[mine[2] :],
            )
            cases.append(
                Disagreement(
                    id=did,
                    reference=reference,
                    partnership_id=demo.partnership.pk,
                    pathway_id=world.pinned[pathway].pk,
                    subject_id=sid,
                    raised_by_id=demo.ladder[raising][0].pk,
                    raising_agency_id=demo.agencies[raising].pk,
                    receiving_agency_id=demo.agencies[receiving].pk,
                    receiving_professional_id=demo.ladder[receiving][0].pk,
                    challenged="decision",
                    challenged_description="Bench",
                    challenged_on=raised_at.date(),
                    categories=rng.sample(
                        [c.id for c in pack.categories],
                        min(rng.randint(0, 2), len(pack.categories)),
                    ),
                    summary="Bench",
                    outcome_sought="Bench",
                    risk="medium",
                    status=status,
                    stage=number,
                    next_due=None
                    if status != Status.OPEN
                    else (self.last.date() + datetime.timedelta(days=rng.randint(-15, 20))),
                    raised_at=raised_at,
                    updated_at=updated_at,
                    closed_at=closed_at,
                    working_days_taken=closed.working_days_taken,
                )
            )
            for action, when in moments:
                self.ids["event"] += 1
                events.append(
                    Event(
                        seq=self.ids["event"],
                        at=when,
                        actor_label="bench",
                        action=f"disagreement.{action}",
                        target=target,
                        partnership_id=demo.partnership.pk,
                        prev_hash="",
                        hash="",
                    )
                )
        with transaction.atomic():
            for model, rows in (
                (Subject, subjects),
                (Disagreement, cases),
                (StageEpisode, episodes),
                (Milestone, milestones),
                (Pause, pauses),
                (Extension, extensions),
                (Event, events),
                (OpenStretch, stretches),
            ):
                self._insert(model, rows)

    def facts(self, partnership, did, case, transitions, episodes, pauses, extensions) -> list:
        """What the transitions keep as they go (`disagreements.facts`), by its functions:
        each ended stage's and the closed case's working days, set on the rows, and the
        case's open stretches, returned."""
        from rpd.disagreements import facts
        from rpd.disagreements.models import OpenStretch
        from rpd.pathways.calendar import local_date

        calendar = partnership.working_calendar()
        for e in episodes:
            if e.ended_at is not None:
                paused = sum(p.working_days_paused or 0 for p in pauses if p.episode_id == e.id)
                e.working_days_taken = facts.working_days_taken(
                    calendar, e.started_on, local_date(e.ended_at), paused
                )
        if case.closed_at is not None:
            case.working_days_taken = facts.working_days_taken(
                calendar,
                local_date(case.raised_at),
                local_date(case.closed_at),
                sum(p.working_days_paused or 0 for p in pauses),
            )
        stages = [
            facts.Stage(
                e.started_at,
                e.ended_at,
                e.due,
                tuple((x.agreed_at, x.old_due) for x in extensions if x.episode_id == e.id),
            )
            for e in episodes
        ]
        found = facts.stretches(
            case.raised_at,
            case.closed_at,
            transitions,
            [(p.paused_on, p.resumed_on) for p in pauses],
            stages,
        )
        return [
            OpenStretch(disagreement_id=did, partnership_id=partnership.pk, **vars(s))
            for s in found
        ]

    def finish(self) -> None:
        """Sequences past the ids written, and the tables as autovacuum leaves them after so
        many rows: fresh statistics for the planner, and the visibility map, without which
        no index can be read alone (what a database in service has; VACUUM, not waited for).
        """
        if not self.postgres:
            return
        from django.db import connection

        with connection.cursor() as cursor:
            for table in ("disagreements_disagreement", "disagreements_subject",
                          "disagreements_stageepisode", "disagreements_milestone",
                          "disagreements_pause", "disagreements_extension",
                          "disagreements_openstretch"):  # fmt: skip
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT MAX(id) FROM {table}))"
                )
            cursor.execute("VACUUM (ANALYZE)")

    def _insert(self, model, rows) -> None:
        """COPY on PostgreSQL (each field as Django would save it), bulk_create elsewhere."""
        if not rows:
            return
        if not self.postgres:
            model.objects.bulk_create(rows, batch_size=2000)
            return
        from django.db import connection
        from django.db.models import JSONField

        fields = [
            f
            for f in model._meta.concrete_fields
            if not (f.primary_key and getattr(rows[0], f.attname) is None)
        ]
        names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        # Each value as the row holds it (psycopg adapts dates, times, numbers and text);
        # only JSON needs Django's preparation. No field here is set on save (auto_now).
        prepared = [isinstance(f, JSONField) for f in fields]
        attnames = [f.attname for f in fields]
        with connection.cursor() as cursor:
            with cursor.cursor.copy(f"COPY {model._meta.db_table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(
                        [
                            f.get_db_prep_save(getattr(row, a), connection)
                            if json
                            else getattr(row, a)
                            for f, a, json in zip(fields, attnames, prepared, strict=True)
                        ]
                    )


def _max_id(table: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
        return cursor.fetchone()[0]


# -- Measuring ------------------------------------------------------------------------------


def measure(world: World, runs: int) -> dict:
    from django.db import connection
    from django.test import Client

    from bench.pages import sign_in, timed
    from rpd.disagreements.models import Disagreement

    query = f"?year={YEAR}&quarter="
    one, empty_one = world.demos[0], world.empty[0]
    pages = {
        "figures, one partnership": (
            one.unit,
            f"/partnerships/{one.partnership.slug}/figures/{query}",
            empty_one.unit,
            f"/partnerships/{empty_one.partnership.slug}/figures/{query}",
            [one.partnership.pk],
        ),
        "figures, a region of three": (
            world.region_reader,
            f"/oversight/figures/{query}",
            world.empty_region_reader,
            f"/oversight/figures/{query}",
            [d.partnership.pk for d in world.region],
        ),
    }
    out = {}
    for name, (reader, url, empty_reader, empty_url, ids) in pages.items():
        page, empty = Client(), Client()
        sign_in(page, reader)
        sign_in(empty, empty_reader)
        sql = (
            "SELECT status, COUNT(*) FROM disagreements_disagreement "
            f"WHERE partnership_id IN ({', '.join(str(int(i)) for i in ids)}) GROUP BY status"
        )

        def count(_i, sql=sql):
            with connection.cursor() as cursor:
                cursor.execute(sql)
                return cursor.fetchall()

        (e, _), (c, _), (p, response) = timed(
            [
                lambda _i, client=empty, u=empty_url: client.get(u, secure=True),
                count,
                lambda _i, client=page, u=url: client.get(u, secure=True),
            ],
            runs,
        )
        problems = []
        if response.status_code != 200:
            problems.append(f"answered {response.status_code}")
        elif "Drift over the period" not in response.content.decode():
            problems.append("does not show drift over the period")
        out[name] = {
            "cases": Disagreement.objects.filter(partnership_id__in=ids).count(),
            "server": p.server,
            "empty_server": e.server,
            "server_x": p.server / e.server,
            "database": p.database,
            "count": c.database,
            "empty_database": e.database,
            "database_x": p.database / c.database,
            "queries": p.queries,
            "slowest": p.slowest,
            "slowest_sql": " ".join(p.slowest_sql.split())[:90],
            "problems": problems,
        }
    return out


if __name__ == "__main__":
    sys.exit(main())
