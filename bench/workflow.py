"""Benchmark: a person's open disagreements with their due dates, against a primary-key lookup.

    .venv/bin/python bench/workflow.py [--disagreements N] [--records M]
        [--database-url postgres://USER@HOST:PORT/ADMIN_DB] [--only sqlite|postgres]
        [--runs R] [--explain]

Fills a database with one partnership (the Stoke-on-Trent pathway) holding N
disagreements (default 100,000) and M records of discussions (default 1,000,000),
then times `open_disagreements(user)`, the query behind every person's home page:
the first 50 rows with reference, stage due date, next due date, subject and
agency names. The baseline is a bare `Disagreement.objects.get(pk=...)`; each
is the median of R runs (default 20). The target is to stay within 5x of the
baseline for a practitioner who takes part in about 20 disagreements and for a
team manager whose team takes part in about 100; the partnership unit, who
sees all of them, is reported too, without a target.

It runs once on SQLite (a file in a temporary directory) and once on
PostgreSQL, in a scratch database `rpd_bench` created beside the one the URL
names and dropped afterwards; each in a subprocess of this script, since
Django's settings are read once per process. A PostgreSQL that cannot be
reached is reported and skipped.

The rows are written straight into the tables (COPY on PostgreSQL,
executemany on SQLite): this is load generation, not the product path, so
there are no audit events. The rows are still the ones the models describe:
every disagreement has its subject, its stage episodes with their milestones
and due dates counted on the partnership's calendar, its participants (the
raiser, the receiver and every stage's actors up their agencies' ladders),
its stored next due date, and a pause or a resolution where its status says so.

Exits 1 if the listing returns rows it should not (a check, not a timing), so
it can gate CI; the speed target is reported only, since timings depend on the
machine.
"""

from __future__ import annotations

import argparse
import datetime
import itertools
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

TARGET = 5.0
PATHWAY = "stoke-on-trent"
SCRATCH_DB = "rpd_bench"
DEFAULT_POSTGRES = "postgres://postgres@localhost:5432/postgres"
PAGE = 50  # rows a person's list shows at once

# The shape of the partnership, chosen so the people benchmarked are typical: two
# practitioners take part in each disagreement, so with one practitioner for every
# PRACTITIONER_SHARE disagreements each takes part in about 2 * 10 = 20; a team
# manager leads TEAM practitioners, so their team takes part in about 100.
PRACTITIONER_SHARE = 10
TEAM = 5
TEAMS_PER_HEAD = 10
AGENCIES = [
    ("Children's Social Care", "childrens-social-care"),
    ("Adult Social Care", "adult-social-care"),
    ("Police Public Protection Unit", "police"),
    ("Community Health Trust", "health"),
    ("Acute Hospitals Trust", "health"),
    ("Education Safeguarding Service", "education"),
    ("Probation Service", "probation"),
    ("Riverside Family Support (charity)", "voluntary"),
]
LADDER = ["Practitioner", "Team Manager", "Head of Service", "Director"]
STAGE_WEIGHTS = [0.55, 0.25, 0.12, 0.06, 0.02]  # most are settled low down
STATUS_WEIGHTS = {"open": 0.22, "paused": 0.04, "resolved": 0.68, "withdrawn": 0.06}
STAGE_GAP_DAYS = 4  # calendar days each escalated stage ran for


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--disagreements", type=int, default=100_000, metavar="N")
    parser.add_argument("--records", type=int, default=1_000_000, metavar="M")
    parser.add_argument("--database-url", default=DEFAULT_POSTGRES, metavar="URL")
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--runs", type=int, default=20, metavar="R")
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--explain", action="store_true", help="print each listing's plan")
    args = parser.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # keep stdout and stderr lines in order
    if args.disagreements < 100:
        parser.error("--disagreements must be at least 100")
    if args.records < 0 or args.runs < 1:
        parser.error("--records must be 0 or more and --runs at least 1")
    return on_each_database(args, argv, __file__, run, SCRATCH_DB)


def run(args, label: str, url: str, data_dir: str) -> int:
    setup_django(url, data_dir)
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    t0 = time.perf_counter()
    people, counts = Loader(args.disagreements, args.records, args.seed).load()
    print(
        f"{label}: {counts['disagreements']:,} disagreements, {counts['records']:,} records, "
        f"{counts['episodes']:,} episodes, {counts['participants']:,} participants "
        f"generated in {time.perf_counter() - t0:.0f}s"
    )
    return measure(label, people, args)


# -- Measuring ------------------------------------------------------------------------------


def measure(label: str, people: dict, args) -> int:
    import numpy as np
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from rpd.disagreements.models import Disagreement
    from rpd.disagreements.queries import open_disagreements, open_rows
    from rpd.people.backends import UserBackend

    # Different rows each run, so the baseline is not one row kept hot.
    pks = (np.random.default_rng(args.seed).integers(1, args.disagreements, args.runs + 2)).tolist()

    def baseline(i: int):
        return Disagreement.objects.get(pk=pks[i])

    failed = False
    for role, (user_pk, expected) in people.items():
        # The user as the sign-in backend loads them, fresh for each request (with agency and
        # roles); the people they manage are read by the listing, and counted in its time.
        def load(user_pk=user_pk):
            return UserBackend().get_user(user_pk)

        def listing(user):
            rows = open_rows(user, PAGE)
            shown = [
                (d.reference, d.stage_due, d.next_due, d.subject_name)
                + (d.raising_agency, d.receiving_agency)
                for d in rows
            ]
            return rows, shown

        user = load()
        with CaptureQueriesContext(connection) as queries:
            rows, _ = listing(user)
        t_list, t_base = median_times(listing, load, baseline, args.runs)
        shown = {d.pk for d in rows}
        if not shown <= expected["open"] or len(shown) != min(PAGE, len(expected["open"])):
            print(f"{label}: {role}: the listing shows the wrong disagreements", file=sys.stderr)
            failed = True
        ratio = t_list / t_base
        target = "" if role == "partnership unit" else f" (target <= {TARGET:g}x)"
        print(
            f"{label}: {role} in {expected['total']:,} disagreements, {len(expected['open']):,} "
            f"open: first {len(rows)} in {t_list * 1000:.2f} ms, {len(queries)} queries; "
            f"pk lookup {t_base * 1000:.2f} ms; ratio {ratio:.1f}x{target}"
        )
        if target and ratio > TARGET:
            print(f"{label}: {role}: slower than the {TARGET:g}x target", file=sys.stderr)
        if args.explain:
            for query in queries.captured_queries:
                print(f"  {query['sql']}")
            analyze = connection.vendor == "postgresql"  # SQLite has no EXPLAIN ANALYZE
            print(open_disagreements(load())[:PAGE].explain(analyze=analyze))
    return 1 if failed else 0


def median_times(listing, load, baseline, runs: int) -> tuple[float, float]:
    """Median seconds of the listing and of the baseline, each after two warm-up runs.

    Timed one after the other for each person, so both see the same machine. Not
    interleaved run by run: a listing that scans evicts the pages a lone lookup would find
    in the cache, and the baseline is a lookup on its own.
    """

    def median(fn, arg) -> float:
        times = []
        for i in range(runs + 2):
            value = arg(i)
            t0 = time.perf_counter()
            fn(value)
            times.append(time.perf_counter() - t0)
        return statistics.median(times[2:])

    t_base = median(baseline, lambda i: i)
    return median(listing, lambda i: load()), t_base


# -- Loading --------------------------------------------------------------------------------


class Loader:
    """A partnership's worth of consistent rows: planned as arrays, then written table by table."""

    def __init__(self, disagreements: int, records: int, seed: int):
        import numpy as np

        from rpd.pathways.calendar import today

        self.n, self.m = disagreements, records
        self.rng = np.random.default_rng(seed)
        self.today = np.datetime64(today(), "D")

    def load(self) -> tuple[dict, dict]:
        from django.db import connection, transaction

        from rpd.disagreements.queries import fill_list_columns

        with transaction.atomic():
            self.people()
            self.plan()
            self.write()
            # What the transitions keep on each disagreement for the lists, for rows
            # written straight into the tables; with the tables' statistics first, without
            # which PostgreSQL plans the grouped pass over a million records as if they were
            # a handful (nested loops, over ten minutes).
            with connection.cursor() as cursor:
                for table in ("disagreement", "stageepisode", "record"):
                    cursor.execute(f"ANALYZE disagreements_{table}")
            fill_list_columns()
            self.write_audit()  # last: it vouches for the rows as they now stand
        self.finish()
        counts = {
            "disagreements": self.n,
            "records": self.m,
            "episodes": len(self.ep_d),
            "participants": len(self.participant_rows),
        }
        return self.benchmarked(), counts

    def people(self) -> None:
        """The partnership, its agencies with their ladders, and the people on every rung."""
        import numpy as np

        from rpd.disagreements.models import PathwayVersion
        from rpd.pathways import registry
        from rpd.people.models import Agency, Partnership, Role, RoleGrant, Rung, User

        entry = registry.get(PATHWAY)
        self.pack = pack = entry.pack
        self.partnership = Partnership.objects.create(
            name="Benchmark Safeguarding Partnership",
            slug="bench",
            pathway_id=PATHWAY,
            calendar=pack.calendar,
        )
        self.calendar = self.partnership.working_calendar()
        self.pinned = PathwayVersion.objects.create(
            pathway_id=PATHWAY,
            version=pack.version,
            digest=entry.digest,
            text=entry.path.read_text("utf-8"),
        )
        practitioners = max(len(AGENCIES) * TEAM, self.n // PRACTITIONER_SHARE)
        per_agency = -(-practitioners // len(AGENCIES))
        teams = -(-per_agency // TEAM)
        # chain[pk]: the person, then their manager, and so on up to their director.
        self.chain: dict[int, list[int]] = {}
        self.agency_pks, workers, grants = [], [], []
        for number, (name, kind) in enumerate(AGENCIES):
            agency = Agency.objects.create_in(self.partnership, name=name, type=kind)
            self.agency_pks.append(agency.pk)
            rungs = Rung.objects.bulk_create(
                Rung(agency=agency, position=i + 1, title=LADDER[i], pathway_rung=r.id)
                for i, r in enumerate(pack.rungs)
            )

            def staff(rung, count, managers, prefix, agency=agency, n=number, rungs=rungs):
                per = -(-count // len(managers)) if managers else count
                users = User.objects.bulk_create(
                    User(
                        username=f"a{n}-{prefix}-{i}",
                        first_name="Bench",
                        last_name=f"{prefix.title()} {i}",
                        agency=agency,
                        rung=rungs[rung],
                        line_manager=managers[i // per] if managers else None,
                        job_title=LADDER[rung],
                        password="!",  # unusable: no one signs in as these people
                    )
                    for i in range(count)
                )
                for u in users:
                    self.chain[u.pk] = [u.pk, *self.chain.get(u.line_manager_id, [])]
                return users

            director = staff(3, 1, [], "director")
            heads = staff(2, -(-teams // TEAMS_PER_HEAD), director, "head")
            managers = staff(1, teams, heads, "manager")
            practitioners = staff(0, per_agency, managers, "practitioner")
            workers.append([u.pk for u in practitioners])
            grants += [RoleGrant(user=u, role=Role.PRACTITIONER) for u in practitioners]
            grants += [RoleGrant(user=u, role=Role.MANAGER) for u in managers + heads + director]
            grants += [RoleGrant(user=u, role=Role.SENIOR_MANAGER) for u in heads + director]
        unit_agency = Agency.objects.create_in(
            self.partnership, name="Partnership Business Unit", type="partnership"
        )
        self.unit = User.objects.create(
            username="unit", agency=unit_agency, job_title="Business Manager", password="!"
        )
        grants.append(
            RoleGrant(user=self.unit, role=Role.PARTNERSHIP_UNIT, partnership=self.partnership)
        )
        # A safeguarding lead of the first agency sees every disagreement it raised or
        # received, a quarter of them, without taking part (bench/pages.py lists them).
        self.lead = User.objects.create(
            username="a0-lead",
            agency_id=self.agency_pks[0],
            job_title="Designated Safeguarding Lead",
            password="!",
        )
        grants.append(RoleGrant(user=self.lead, role=Role.SAFEGUARDING_LEAD))
        RoleGrant.objects.bulk_create(grants, batch_size=5000)
        self.workers = np.array(workers)  # [agency, i]: practitioner pks

    def plan(self) -> None:
        """Every row's values, as the transitions would have left them."""
        import numpy as np

        from rpd.pathways.schema import timescale_days

        rng, n, pack, today = self.rng, self.n, self.pack, self.today
        minutes = np.timedelta64(1, "m")
        agencies, per_agency = self.workers.shape

        # Disagreements: most settled low down; open ones raised in the last few weeks,
        # closed ones over three years.
        last = len(pack.stages)
        weights = np.array(STAGE_WEIGHTS[:last]) / sum(STAGE_WEIGHTS[:last])
        self.stage = stage = rng.choice(np.arange(1, last + 1), size=n, p=weights)
        statuses = np.array(list(STATUS_WEIGHTS))
        p = list(STATUS_WEIGHTS.values())
        self.status = status = statuses[rng.choice(len(statuses), size=n, p=p)]
        self.live = live = np.isin(status, ["open", "paused"])
        closed = ~live
        ago = np.where(live, rng.integers(0, 40, n), rng.integers(40, 1100, n))
        ago += STAGE_GAP_DAYS * (stage - 1)
        self.raised_on = today - ago.astype("timedelta64[D]")
        raised_at = self.raised_on + (9 * 60 + rng.integers(0, 480, n)) * minutes
        raising = rng.integers(0, agencies, n)
        receiving = (raising + rng.integers(1, agencies, n)) % agencies
        self.raised_by = self.workers[raising, rng.integers(0, per_agency, n)]
        self.receiver = self.workers[receiving, rng.integers(0, per_agency, n)]
        self.raising_agency = np.array(self.agency_pks)[raising]
        self.receiving_agency = np.array(self.agency_pks)[receiving]

        # Stage episodes: 1 up to the stage reached, each running STAGE_GAP_DAYS until
        # escalated; due dates counted on the partnership's calendar from the pack.
        self.ep_d = ep_d = np.repeat(np.arange(n), stage)
        self.ep_first = first = np.concatenate([[0], np.cumsum(stage)[:-1]])
        self.ep_number = number = np.arange(len(ep_d)) - np.repeat(first, stage) + 1
        self.ep_started = started = self.raised_on[ep_d] + ((number - 1) * STAGE_GAP_DAYS).astype(
            "timedelta64[D]"
        )
        stage_days = np.array([0] + [timescale_days(s.timescale) for s in pack.stages])
        self.ep_due = due = self.calendar.add_working_days_many(started, stage_days[number])
        current = number == stage[ep_d]
        live_ep = current & live[ep_d]
        self.ep_outcome = np.where(~current, "escalated", np.where(closed[ep_d], status[ep_d], ""))
        ended = np.minimum(
            started + np.where(current, 2, STAGE_GAP_DAYS).astype("timedelta64[D]"), today
        )
        self.ep_ended_at = np.where(
            self.ep_outcome == "", None, timestamps(ended + 15 * 60 * minutes)
        )
        self.ep_started_at = timestamps(started + 9 * 60 * minutes)
        self.ep_started_at[first] = self.raised_at = timestamps(raised_at)
        self.ep_actors = self.actors(number)

        # Milestones: met in every stage that has ended, not yet in a live one, whose
        # earliest deadline is then the disagreement's next due date.
        ep_next = np.where(live_ep, due, np.datetime64("NaT"))
        self.milestone_rows = []
        met_at = timestamps(started + (24 + 10) * 60 * minutes)
        for s in pack.stages:
            on = np.flatnonzero(number == s.number)
            for m in s.milestones:
                m_due = self.calendar.add_working_days_many(
                    started[on], timescale_days(m.timescale)
                )
                met = np.where(live_ep[on], None, met_at[on])
                self.milestone_rows += [
                    (ep + 1, m.id, m.name, after(s, m), m.timescale.kind == "immediately", d, at)
                    for ep, d, at in zip(on.tolist(), days(m_due), met.tolist(), strict=True)
                ]
                unmet = on[live_ep[on]]
                ep_next[unmet] = np.minimum(ep_next[unmet], m_due[live_ep[on]])
        self.current_ep = current_ep = first + stage - 1
        next_due = ep_next[current_ep]

        # Paused: mostly due back soon, some past their expected resume date.
        self.paused = paused = np.flatnonzero(status == "paused")
        self.paused_on = np.minimum(started[current_ep[paused]] + 1, today)
        resume = today + rng.integers(-10, 30, len(paused)).astype("timedelta64[D]")
        self.resume = resume = np.maximum(resume, self.paused_on + 1)
        next_due[paused] = resume
        self.next_due = next_due
        self.stage_due = np.where(closed, None, days(self.ep_due[current_ep]))
        self.closed_at = np.where(closed, self.ep_ended_at[current_ep], None)
        self.updated_at = np.where(closed, self.closed_at, self.ep_started_at[current_ep])

        # References count up per year, as ReferenceCounter does.
        self.counters: dict[int, int] = {}
        self.references = []
        for year in self.raised_on.astype("datetime64[Y]").astype(int) + 1970:
            self.counters[year] = self.counters.get(year, 0) + 1
            self.references.append(f"RPD-{year}-{self.counters[year]:05d}")

        # Participants: the raiser, the receiver, and every stage's actors.
        side: dict[tuple[int, int], str] = {}
        for d, raiser, receiver in zip(
            range(1, n + 1), self.raised_by.tolist(), self.receiver.tolist(), strict=True
        ):
            side[d, raiser] = "raising"
            side[d, receiver] = "receiving"
        for d, raiser, receiver in zip((ep_d + 1).tolist(), *self.ep_actors, strict=True):
            side.setdefault((d, raiser), "raising")
            side.setdefault((d, receiver), "receiving")
        self.participant_rows = [(d, user, s) for (d, user), s in side.items()]

    def actors(self, number) -> tuple[list[int], list[int]]:
        """Each episode's (raising, receiving) actor: as far up each person's chain as its rung."""
        rank = {r.id: i for i, r in enumerate(self.pack.rungs)}
        up = [(0, 0)] + [(rank[s.raising.rung], rank[s.receiving.rung]) for s in self.pack.stages]
        chain, numbers = self.chain, number.tolist()
        raisers = self.raised_by[self.ep_d].tolist()
        receivers = self.receiver[self.ep_d].tolist()
        return (
            [chain[p][up[k][0]] for p, k in zip(raisers, numbers, strict=True)],
            [chain[p][up[k][1]] for p, k in zip(receivers, numbers, strict=True)],
        )

    def write(self) -> None:
        """Parents before children, so the deferred foreign keys check cheaply at commit."""
        import holidays
        import numpy as np

        from rpd.disagreements import models
        from rpd.disagreements.nhs_number import synthetic

        rng, n, pack = self.rng, self.n, self.pack
        ids = range(1, n + 1)
        born = days(self.today - rng.integers(30, 17 * 365, n).astype("timedelta64[D]"))
        insert(
            models.Subject,
            ["id", "partnership", "kind", "given_name", "family_name", "date_of_birth"]
            + ["nhs_number", "address", "consent_given", "family_details"],
            (
                (i, self.partnership.pk, "child", "Bench", f"Subject {i}", dob)
                + (synthetic(i), f"{i % 200 + 1} Example Street, Testville", None, "")
                for i, dob in zip(ids, born, strict=True)
            ),
        )
        categories = [json_list([c.id]) for c in pack.categories]

        def disagreements():
            columns = zip(
                ids,
                self.references,
                self.raised_by.tolist(),
                self.raising_agency.tolist(),
                self.receiving_agency.tolist(),
                self.receiver.tolist(),
                days(self.raised_on),
                self.status.tolist(),
                self.stage.tolist(),
                days(self.next_due),
                self.stage_due.tolist(),
                self.raised_at.tolist(),
                self.updated_at.tolist(),
                self.closed_at.tolist(),
                strict=True,
            )
            for (
                i,
                ref,
                by,
                from_,
                to,
                receiver,
                on,
                status,
                stage,
                due,
                stage_due,
                at,
                updated,
                closed,
            ) in columns:
                yield (
                    (i, ref, self.partnership.pk, self.pinned.pk, i, by, from_, to, receiver)
                    + ("decision", "Referral closed with no further action", on)
                    + (categories[i % len(categories)], "Bruises seen twice in a month")
                    + ("A strategy discussion", "high", False, "[]", "", "", status, stage, due)
                    + (stage_due, None, 1 + stage, at, updated, closed)
                    + ("", False, False, False)  # filled by fill_list_columns, records in
                    + ("[]",)  # next_steps: written by the transitions only
                )

        insert(
            models.Disagreement,
            ["id", "reference", "partnership", "pathway", "subject", "raised_by"]
            + ["raising_agency", "receiving_agency", "receiving_professional", "challenged"]
            + ["challenged_description", "challenged_on", "categories", "summary"]
            + ["outcome_sought", "risk", "urgent", "pre_escalation", "immediate_rule"]
            + ["fast_track_reason", "status", "stage", "next_due", "stage_due", "cap_due"]
            + ["version"]
            + ["raised_at", "updated_at", "closed_at"]
            + ["current_led_by_role", "awaiting_approval", "has_unresolved"]
            + ["next_due_is_review", "next_steps"],
            disagreements(),
        )
        stages = {s.number: s for s in pack.stages}
        basis = {k: due_basis(s.timescale) for k, s in stages.items()}
        led_by = {k: s.led_by or "" for k, s in stages.items()}
        holidays_version = holidays.__version__  # as the transitions record it
        partnership = self.partnership.pk
        insert(
            models.StageEpisode,
            ["id", "disagreement", "partnership", "number", "raising_actor", "receiving_actor"]
            + ["led_by_role", "started_on", "started_at", "due", "due_basis", "calendar"]
            + ["holidays_version", "outcome", "ended_at"],
            (
                (i, d + 1, partnership, k, raising, receiving, led_by[k], on, at, due, basis[k])
                + (self.calendar.name, holidays_version, outcome, ended)
                for i, d, k, raising, receiving, on, at, due, outcome, ended in zip(
                    range(1, len(self.ep_d) + 1),
                    self.ep_d.tolist(),
                    self.ep_number.tolist(),
                    *self.ep_actors,
                    days(self.ep_started),
                    self.ep_started_at.tolist(),
                    days(self.ep_due),
                    self.ep_outcome.tolist(),
                    self.ep_ended_at.tolist(),
                    strict=True,
                )
            ),
        )
        insert(
            models.Milestone,
            ["id", "partnership", "episode", "key", "name", "after", "immediate", "due"]
            + ["met_at"],
            ((i, partnership, *row) for i, row in enumerate(self.milestone_rows, start=1)),
        )
        insert(
            models.Participant,
            ["id", "disagreement", "user", "side"],
            ((i, *row) for i, row in enumerate(self.participant_rows, start=1)),
        )
        # Who may see each one: every participant and their line-management chain, as
        # access.grant_sight writes them.
        viewers = sorted({(d, p) for d, user, _ in self.participant_rows for p in self.chain[user]})
        self.viewer_count = len(viewers)
        insert(
            models.Viewer,
            ["id", "disagreement", "user"],
            ((i, *row) for i, row in enumerate(viewers, start=1)),
        )
        self.write_records()
        raising, receiving = self.ep_actors
        insert(
            models.Pause,
            ["id", "disagreement", "episode", "partnership", "reason", "paused_by", "paused_on"]
            + ["expected_resume", "resumed_on", "resumed_by", "working_days_paused"],
            (
                (i, d + 1, ep + 1, partnership, "Waiting for a medical", raising[ep], on, back)
                + (None, None, None)
                for i, d, ep, on, back in zip(
                    range(1, len(self.paused) + 1),
                    self.paused.tolist(),
                    self.current_ep[self.paused].tolist(),
                    days(self.paused_on),
                    days(self.resume),
                    strict=True,
                )
            ),
        )
        resolved = np.flatnonzero(self.status == "resolved")
        learning = (rng.random((len(resolved), 3)) < [0.1, 0.03, 0.05]).tolist()
        insert(
            models.Resolution,
            ["id", "disagreement", "agreed_outcome", "next_steps", "written_confirmation"]
            + ["feedback_to_raiser", "learning_multi_agency_audit", "learning_case_review"]
            + ["learning_procedure_amendment", "resolved_by", "resolved_at"],
            (
                (i, d + 1, "Plan agreed", "Actions by their dates", "Emailed to everyone")
                + ("Thank you for raising it", *flags, raising[ep], at)
                for i, d, ep, flags, at in zip(
                    range(1, len(resolved) + 1),
                    resolved.tolist(),
                    self.current_ep[resolved].tolist(),
                    learning,
                    self.closed_at[resolved].tolist(),
                    strict=True,
                )
            ),
        )
        models.ReferenceCounter.objects.bulk_create(
            models.ReferenceCounter(partnership=self.partnership, year=year, last=last)
            for year, last in self.counters.items()
        )

    def write_records(self) -> None:
        """Records of discussions, more where a disagreement went further, each with its two
        participants; an escalated stage's records say it was unresolved."""
        import numpy as np

        from rpd.disagreements.models import Record

        rng, m = self.rng, self.m
        minutes = np.timedelta64(1, "m")
        on_d = np.sort(rng.choice(self.n, size=m, p=self.stage / self.stage.sum()))
        ep = self.ep_first[on_d] + (rng.random(m) * self.stage[on_d]).astype(int)
        occurred = self.ep_started[ep] + (10 * 60 + rng.integers(0, 8 * 60, m)) * minutes
        approved = rng.random(m) < 0.7
        escalated = self.ep_outcome[ep] == "escalated"
        outcome = np.where(escalated & (rng.random(m) < 0.5), "unresolved", "ongoing")
        covers = {s.number: json_list([r.id for r in s.must_record]) for s in self.pack.stages}
        kinds = np.array(["conversation", "meeting", "email", "phone"])[rng.integers(0, 4, m)]
        raising, receiving = self.ep_actors
        ep = ep.tolist()
        numbers = self.ep_number[ep].tolist()
        # For the audit chain (write_audit): each record's case, author, stage and time.
        self.record_events = (on_d, [raising[e] for e in ep], numbers, occurred + 30 * minutes)
        insert(
            Record,
            ["id", "disagreement", "episode", "kind", "occurred_at", "other_participants"]
            + ["summary", "outcome", "covers", "author", "created_at", "approved_by"]
            + ["approved_at", "supersedes"],
            (
                (i, d + 1, e + 1, kind, at, "", "Positions and evidence set out; actions agreed")
                + (out, covers[k] if i % 3 else "[]", raising[e], created)
                + ((receiving[e], approved_at) if ok else (None, None))
                + (None,)
                for i, d, e, k, kind, at, out, created, ok, approved_at in zip(
                    range(1, m + 1),
                    on_d.tolist(),
                    ep,
                    numbers,
                    kinds.tolist(),
                    timestamps(occurred).tolist(),
                    outcome.tolist(),
                    timestamps(occurred + 30 * minutes).tolist(),
                    approved.tolist(),
                    timestamps(occurred + 26 * 60 * minutes).tolist(),
                    strict=True,
                )
            ),
        )
        insert(
            Record.participants.through,
            ["id", "record", "user"],
            (
                row
                for i, e in enumerate(ep, start=1)
                for row in ((2 * i - 1, i, raising[e]), (2 * i, i, receiving[e]))
            ),
        )

    def write_audit(self) -> None:
        """The audit chain the transitions would have written: each case's raise, then
        each of its records, in order (bench/chain.py hashes and seals it as
        `audit.log.append` does, so `rpd audit verify` finds it intact and the
        transitions of a benchmark append after it)."""
        import numpy as np

        from bench.chain import write_chain

        on_d, authors, stages, created = self.record_events
        slug, partnership = self.partnership.slug, self.partnership.pk
        raised_at = self.raised_on + (9 * 60) * np.timedelta64(1, "m")
        starts = np.searchsorted(on_d, np.arange(self.n + 1)).tolist()

        def utc(value) -> datetime.datetime:
            return value.astype("datetime64[us]").item().replace(tzinfo=datetime.UTC)

        def events():
            raisers = self.raised_by.tolist()
            for d in range(self.n):
                target = f"disagreement:{slug}/{self.references[d]}"
                yield {
                    "at": utc(raised_at[d]),
                    "actor_id": raisers[d],
                    "actor_label": f"user:{raisers[d]}",
                    "action": "disagreement.raised",
                    "target": target,
                    "partnership_id": partnership,
                    "data": {"stage": 1, "pathway": PATHWAY},
                }
                for r in range(starts[d], starts[d + 1]):
                    yield {
                        "at": utc(created[r]),
                        "actor_id": authors[r],
                        "actor_label": f"user:{authors[r]}",
                        "action": "disagreement.record",
                        "target": target,
                        "partnership_id": partnership,
                        "data": {"stage": stages[r], "record": r + 1},
                    }

        def vouching(batch: int = 100):
            # Every evidence row as the transitions would have vouched for it ([digest
            # before, after], None before: written new), a hundred to an event, so
            # verification finds none "written outside the application".
            from rpd.audit import rows

            for evidence in rows.registered():
                written: dict[str, list] = {}
                for row in rows.current(evidence):
                    written[rows.label(row)] = [None, rows.row_digest(row)]
                    if len(written) == batch:
                        yield loaded(written)
                        written = {}
                if written:
                    yield loaded(written)

        def loaded(written: dict) -> dict:
            return {
                "at": datetime.datetime.now(datetime.UTC),
                "actor_id": None,
                "actor_label": "system",
                "action": "bench.loaded",
                "target": f"partnership:{slug}",
                "partnership_id": partnership,
                "data": {"rows": written},
            }

        write_chain(itertools.chain(events(), vouching()), "loader")

    def finish(self) -> None:
        from django.core.management.color import no_style
        from django.db import connection

        from rpd.disagreements import models

        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # The rows came with their own ids: move the sequences past them.
                tables = [
                    models.Subject,
                    models.Disagreement,
                    models.StageEpisode,
                    models.Milestone,
                    models.Participant,
                    models.Viewer,
                    models.Record,
                    models.Record.participants.through,
                    models.Pause,
                    models.Resolution,
                ]
                for statement in connection.ops.sequence_reset_sql(no_style(), tables):
                    cursor.execute(statement)
            # What autovacuum would soon do after a load this size on PostgreSQL; on SQLite
            # see the note in the report.
            cursor.execute("ANALYZE")

    def benchmarked(self) -> dict[str, tuple[int, dict]]:
        """The practitioner nearest 20 disagreements, the team nearest 100, and the unit."""
        import numpy as np

        live = set((np.flatnonzero(self.live) + 1).tolist())
        taking_part: dict[int, set[int]] = {}
        for d, user, _side in self.participant_rows:
            taking_part.setdefault(user, set()).add(d)

        def seen_by(people):
            total = set().union(*(taking_part.get(p, set()) for p in people))
            return {"total": len(total), "open": total & live}

        practitioners = self.workers.ravel().tolist()
        practitioner = min(practitioners, key=lambda p: (abs(len(taking_part[p]) - 20), p))
        teams: dict[int, list[int]] = {}
        for p in practitioners:
            teams.setdefault(self.chain[p][1], []).append(p)
        manager = min(teams, key=lambda m: (abs(seen_by([m, *teams[m]])["total"] - 100), m))
        return {
            "practitioner": (practitioner, seen_by([practitioner])),
            "team manager": (manager, seen_by([manager, *teams[manager]])),
            "partnership unit": (self.unit.pk, {"total": self.n, "open": live}),
        }


def after(stage, milestone) -> str:
    """The milestone this one counts from, as Milestone.after keeps it ("" for none)."""
    ids = {m.id for m in stage.milestones}
    return milestone.counts_from if milestone.counts_from in ids else ""


def due_basis(timescale) -> str:
    # As rpd.pathways.simulate records it on each episode.
    return {"not_fixed": "review", "immediately": "immediately"}.get(timescale.kind, "limit")


def insert(model, fields: list[str], rows) -> None:
    """Write rows (tuples in the order of `fields`) straight into a model's table.

    Refuses to leave out a field the model requires, so the bench keeps up with the models.
    """
    from django.db import connection

    meta = model._meta
    missing = [
        f.name
        for f in meta.concrete_fields
        if f.name not in fields and not f.null and not f.has_default() and not f.primary_key
    ]
    if missing:
        raise SystemExit(f"bench: {meta.label} rows leave out {', '.join(missing)}")
    qn = connection.ops.quote_name
    columns = ", ".join(qn(meta.get_field(f).column) for f in fields)
    table = qn(meta.db_table)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
    else:
        marks = ", ".join("?" * len(fields))
        connection.ensure_connection()
        connection.connection.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)


def discussion(
    people, covers: list[str], outcome: str = "ongoing", minutes_ago: int = 60, number: int = 1
) -> dict:
    """What recording a meeting of `people` gives the transitions (the benchmarks' own)."""
    from rpd.disagreements import transitions

    occurred = transitions.now() - datetime.timedelta(minutes=minutes_ago)
    return {
        "kind": "meeting",
        "occurred_at": occurred.isoformat(),
        "participants": [p.pk for p in people],
        "summary": f"Discussion {number}: positions and evidence set out by both sides.",
        "outcome": outcome,
        "covers": covers,
        "meets": [],
    }


def timestamps(values):
    """numpy datetimes (UTC) as the text each database stores, vectorised."""
    import numpy as np
    from django.db import connection

    text = np.datetime_as_string(values.astype("datetime64[s]"), unit="s")
    text = np.char.replace(text, "T", " ")
    if connection.vendor == "postgresql":
        text = np.char.add(text, "+00")
    return text.astype(object)


def days(values) -> list:
    """numpy dates as ISO text (None for NaT)."""
    import numpy as np

    text = np.datetime_as_string(values.astype("datetime64[D]"), unit="D")
    return np.where(np.isnat(values), None, text).tolist()


def json_list(items: list[str]) -> str:
    import json

    return json.dumps(items)


if __name__ == "__main__":
    sys.exit(main())
