"""Benchmark: the pages and forms people use, rendered in-process, against a page with no data and a
primary-key lookup measured in the same run.

    .venv/bin/python bench/pages.py [--disagreements N] [--records M] [--small S]
        [--database sqlite|postgres|both] [--database-url postgres://USER@HOST:PORT/ADMIN_DB]
        [--people P] [--small-people Q] [--runs R] [--quick] [--explain]

Fills a database as bench/workflow.py does (one Stoke-on-Trent partnership, N
disagreements, default 100,000, and M records of discussions, default 10 for each
disagreement) and renders, through Django's test client signed in with force_login:

    My work for a practitioner (about 20 disagreements) and a team manager (about 100);
    a disagreement page with 50 records (recorded, and half approved, through the
    transitions, so its timeline has their audit events);
    the partnership unit's oversight list, first page (26% of N open or paused);
    a safeguarding lead's My work (every disagreement their agency raised or received);
    every form of that disagreement (record, extend, resolve, hand over,
    withdraw, pause) as its raiser opens it, approving a record as the raiser's line
    manager, the first step of raising one, and the partnership's administration pages
    (home, details, agencies, people, roles, stand-ins, import, pathway, one person) as
    its administrator.

With --people (and --small-people at S) the partnership holds that many people in
all: practitioners are added beside the load's own, for the forms whose menus list
people.

Each page is timed (the median of R requests, default 20, after two warm-up ones) next
to, measured in the same run, request by request in turn with the page's own:

    (a) My work for a practitioner who takes part in nothing: the same layout, no data;
    (b) `Disagreement.objects.get(pk=...)` of a different row each run.

Server time is the whole request in-process (middleware, session, sign-in, queries,
template). Database time is the time spent executing the page's queries, taken with
`connection.execute_wrapper`; the page's slowest query (transaction control left out)
is set against (b) median to median: each of the page's queries takes its median over
the runs, and the largest of those medians is set against (b)'s median. The
targets: server time <= 3x (a); slowest query <= 5x (b); and the same query count
at S disagreements (default 1,000, loaded first and rolled back) as at N.

Runs once on SQLite (a file in a temporary directory) and once on PostgreSQL, in a
scratch database `rpd_bench_pages` created beside the one the URL names and dropped
afterwards, each in a subprocess (Django reads its settings once per process);
`--database` picks one. A PostgreSQL that cannot be reached is reported and skipped.
`--quick` is a smoke run for CI: 300 and 100 disagreements, 3 requests a page.

Exits 1 if a page does not answer 200 with what it should list, or if a page's query
count differs between the two scales (checks, not timings); the speed targets are
reported only, since timings depend on the machine.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

# Run as a script, this file's directory comes first on sys.path, where bench/calendar.py
# would shadow the standard library's calendar module (as bench/calendar.py explains).
_HERE = Path(__file__).resolve().parent
_ROOT = _HERE.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

from bench.databases import on_each_database, setup_django  # noqa: E402
from bench.workflow import discussion  # noqa: E402

SERVER_TARGET = 3.0  # x the no-data page
QUERY_TARGET = 5.0  # x a primary-key lookup
SCRATCH_DB = "rpd_bench_pages"
DEFAULT_POSTGRES = "postgres://postgres@localhost:5432/postgres"
RECORDS_EACH = 10  # records per disagreement when --records is not given
DETAIL_RECORDS = 50


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--disagreements", type=int, default=100_000, metavar="N")
    parser.add_argument("--records", type=int, metavar="M", help="default 10 x N")
    parser.add_argument("--small", type=int, default=1_000, metavar="S")
    parser.add_argument("--people", type=int, default=0, metavar="P", help="people in all at N")
    parser.add_argument(
        "--small-people", type=int, default=0, metavar="Q", help="people in all at S"
    )
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--database-url", default=DEFAULT_POSTGRES, metavar="URL")
    parser.add_argument("--only", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    parser.add_argument("--runs", type=int, default=20, metavar="R")
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--quick", action="store_true", help="a smoke run at a tiny scale")
    parser.add_argument("--explain", action="store_true", help="print each page's slowest plan")
    parser.add_argument(
        "--profile", action="store_true", help="print where each page's own time goes"
    )
    parser.add_argument(
        "--profile-all",
        action="store_true",
        help="with --profile: every function (Django's, the database driver's), by own time",
    )
    parser.add_argument(
        "--pages",
        metavar="WORDS",
        help="only pages and posts whose names hold one of these (comma-separated)",
    )
    args = parser.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # keep stdout and stderr lines in order
    if args.quick:
        args.disagreements, args.small, args.runs = 300, 100, 3
    if args.records is None:
        args.records = RECORDS_EACH * args.disagreements
    if not 100 <= args.small <= args.disagreements:
        parser.error("need 100 <= --small <= --disagreements")
    if args.records < 0 or args.runs < 1:
        parser.error("--records must be 0 or more and --runs at least 1")
    if args.only is None and args.database != "both":
        args.only = args.database
    return on_each_database(args, argv, __file__, run, SCRATCH_DB)


def run(args, label: str, url: str, data_dir: str) -> int:
    # The test client asks for host "testserver"; DEBUG stays off, as in production, so
    # pages link the collected, hashed static files.
    setup_django(url, data_dir, RPD_ALLOWED_HOSTS="testserver")
    from django.core.management import call_command

    global CHOSEN, PROFILE, PROFILE_ALL
    CHOSEN = [w.strip() for w in args.pages.split(",")] if args.pages else None
    PROFILE, PROFILE_ALL = args.profile, args.profile_all

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    # The load's people have no email addresses; the notices the 50 records write say so
    # once per notice, which is the product working, not news for this report.
    logging.getLogger("rpd.notifications.outbox").setLevel(logging.ERROR)
    logging.getLogger("rpd.requests").setLevel(logging.WARNING)  # a line per request
    small_records = args.records * args.small // args.disagreements
    small = measure_scale(
        args.small, small_records, args.seed, runs=1, keep=False, people=args.small_people
    )
    t0 = time.perf_counter()
    large = measure_scale(
        args.disagreements, args.records, args.seed, args.runs, keep=True, people=args.people
    )
    print(f"{label}: loaded and measured {args.disagreements:,} in {time.perf_counter() - t0:.0f}s")
    print(table(label, large, small))
    failed = not chain_verifies(label)
    for page in large.pages + small.pages:
        for problem in page.problems:
            print(f"{label}: {page.name} at {page.scale:,}: {problem}", file=sys.stderr)
            failed = True
    # A page read afresh reads the token too at the large scale: the small one is measured
    # inside a transaction, where nothing is kept and no token read (`pickers.read`).
    afresh = {p.name for p in large.pages if p.afresh}
    for name, (at_small, at_large) in query_counts(small, large).items():
        if at_small != at_large and name not in afresh:
            print(
                f"{label}: {name}: {at_small} queries at {args.small:,} disagreements but "
                f"{at_large} at {args.disagreements:,}",
                file=sys.stderr,
            )
            failed = True
    for page in large.pages:
        if page.server_ratio > SERVER_TARGET:
            print(f"{label}: {page.name}: server time over {SERVER_TARGET:g}x (a)", file=sys.stderr)
        if page.query_ratio > QUERY_TARGET:
            print(f"{label}: {page.name}: a query over {QUERY_TARGET:g}x (b)", file=sys.stderr)
        if args.explain:
            explain(page)
    from rpd.dataprotection import readings

    readings.flush()  # now, not at exit: by then the scratch database is gone
    return 1 if failed else 0


def chain_verifies(label: str) -> bool:
    """The loader's audit chain and the transitions' events after it, as `rpd audit
    verify` walks them."""
    from rpd.audit.log import verify

    t0 = time.perf_counter()
    result = verify()
    took = time.perf_counter() - t0
    if result.ok:
        print(f"{label}: rpd audit verify: {result.checked:,} events intact ({took:.1f}s)")
    else:
        print(
            f"{label}: rpd audit verify: BROKEN at {result.first_broken_seq}: {result.reason}",
            file=sys.stderr,
        )
    return result.ok


# -- What each page is measured against -------------------------------------------------


@dataclass
class Timing:
    server: float  # median seconds of the whole request (or of the lookup)
    database: float  # median seconds spent executing its queries
    slowest: float  # median seconds of its slowest query
    queries: int
    slowest_sql: str = ""


@dataclass
class PageResult:
    name: str
    scale: int
    rows: str  # what the page holds, in words
    page: Timing
    empty: Timing  # (a) the same layout with no data
    lookup: Timing  # (b) a primary-key lookup
    problems: list[str] = field(default_factory=list)
    afresh: bool = False  # Page.afresh

    @property
    def server_ratio(self) -> float:
        return self.page.server / self.empty.server

    @property
    def query_ratio(self) -> float:
        return self.page.slowest / self.lookup.database


@dataclass
class Scale:
    disagreements: int
    records: int
    pages: list[PageResult]


class QueryClock:
    """Times each query the connection runs, as `connection.execute_wrapper` sees it."""

    def __init__(self):
        self.times: list[tuple[float, str]] = []

    def __call__(self, execute, sql, params, many, context):
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.times.append((time.perf_counter() - t0, sql))


TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


def is_query(sql: str) -> bool:
    return not sql.lstrip().upper().startswith(TRANSACTION_CONTROL)


def slowest_median(runs: list[list[float]]) -> float:
    """The page's slowest query, median to median: each query's median over the runs (the
    n-th query of every run), then the largest of those. Runs that issued a different
    number of queries fall back to the median of each run's slowest."""
    if not runs:
        return 0.0
    if len({len(times) for times in runs}) == 1:
        return max((statistics.median(each) for each in zip(*runs, strict=True)), default=0.0)
    return statistics.median(max(times, default=0.0) for times in runs)


def timed(fns: list, runs: int, before: list | None = None) -> list[tuple[Timing, object]]:
    """Each of `fns` called `runs` times after two warm-up calls, in turn (the first, the
    second, ..., then the first again), so a page and what it is set against share the
    machine's state, busy or quiet, and the ratios between them measure the pages, not
    the moment; `fn(i)` gets the call's number. For each: the medians, and the first
    timed call's result.

    Query count and SQL come from Django's CaptureQueriesContext around the first timed
    call; database time from a wrapper around every call's queries. `before[k](i)`, where
    given, runs before `fns[k](i)` and is neither timed nor counted.
    """
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from rpd.dataprotection import readings

    servers = [[] for _ in fns]
    databases = [[] for _ in fns]
    slowest = [[] for _ in fns]
    first = [None for _ in fns]
    worst_sql = ["" for _ in fns]
    captured = [[] for _ in fns]
    for i in range(runs + 2):
        for k, fn in enumerate(fns):
            # The access log writes the reads it gathered every few seconds, in whichever
            # request comes then: written before each call, so no page is counted or timed
            # with another's (a count at one scale and not the other looked like growth).
            readings.flush()
            if before and before[k] is not None:
                before[k](i)
            clock = QueryClock()
            capture = CaptureQueriesContext(connection) if i == 2 else None
            # Every request empties the connection's query log (request_started), so the
            # capture must start from an empty one to count from zero.
            reset_queries()
            with connection.execute_wrapper(clock):
                if capture is not None:
                    capture.__enter__()
                t0 = time.perf_counter()
                result = fn(i)
                elapsed = time.perf_counter() - t0
                if capture is not None:
                    capture.__exit__(None, None, None)
                    # Read now: captured_queries is a slice of the log the next request
                    # empties.
                    captured[k], first[k] = list(capture.captured_queries), result
            if i < 2:
                continue
            servers[k].append(elapsed)
            databases[k].append(sum(t for t, _ in clock.times))
            # The slowest query, not counting transaction control: a COMMIT's time is the
            # disk flushing the session's write, the same for every page, not a plan of
            # this one.
            times = [t if is_query(sql) else 0.0 for t, sql in clock.times]
            slowest[k].append(times)
            if capture is not None and any(times):
                # The captured run's SQL has its parameters in place, for --explain; the
                # log may not hold the transaction control the clock saw, so both are
                # matched counting queries only.
                queries_seen = [sql for _, sql in clock.times if is_query(sql)]
                logged = [q["sql"] for q in captured[k] if is_query(q["sql"])]
                worst = max((t for t in times if t), default=0.0)
                nth = [t for (t, sql) in clock.times if is_query(sql)].index(worst)
                if len(logged) == len(queries_seen):
                    worst_sql[k] = logged[nth]
    return [
        (
            Timing(
                statistics.median(servers[k]),
                statistics.median(databases[k]),
                slowest_median(slowest[k]),
                len(captured[k]),
                worst_sql[k],
            ),
            first[k],
        )
        for k in range(len(fns))
    ]


# -- The pages ----------------------------------------------------------------------------


@dataclass
class Page:
    name: str
    url: str
    user_pk: int
    rows: str
    expect: list[str]  # text the page must show (the references it must list first)
    form: bool = False  # a form or an administration page: no list to check
    # Its person pickers read afresh, as after any change to people: what they kept
    # between requests (rpd/people/pickers.py) is dropped before each one.
    afresh: bool = False


def measure_scale(n: int, m: int, seed: int, runs: int, keep: bool, people: int = 0) -> Scale:
    """Load `n` disagreements and `m` records (and enough more practitioners than the load
    makes for them to have `people` in all), measure every page, and roll the rows back
    unless `keep`: the small scale's rows must not sit under the large one's."""
    from django.db import transaction

    class Rollback(Exception):
        pass

    if keep:
        return Scale(n, m, measure_pages(n, m, seed, runs, people))
    from rpd.dataprotection import readings

    pages: list[PageResult] = []
    try:
        with transaction.atomic():
            pages = measure_pages(n, m, seed, runs, people)
            # The access log gathers reads and writes them later: written now, they go
            # with the rows they name (on PostgreSQL, later they would name none).
            readings.flush()
            raise Rollback
    except Rollback:
        pass
    return Scale(n, m, pages)


CHOSEN: list[str] | None = None  # --pages: the words a page's name must hold one of
PROFILE = PROFILE_ALL = False  # --profile, --profile-all
PROFILED_TIMES = 10  # requests profiled a page or submission


def profiled(name: str, request, times: int = PROFILED_TIMES) -> None:
    """Where `request`'s time goes: RPD's own functions by time spent in them and below."""
    import cProfile
    import io
    import pstats

    profile = cProfile.Profile()
    profile.enable()
    for _ in range(times):
        request()
    profile.disable()
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    if PROFILE_ALL:
        stats.sort_stats("tottime").print_stats(30)
    else:
        stats.sort_stats("cumulative").print_stats("rpd/", 30)
    print(f"-- {name}: {times} requests profiled\n{out.getvalue()}")


def chosen(name: str) -> bool:
    return CHOSEN is None or any(word in name for word in CHOSEN)


def measure_pages(n: int, m: int, seed: int, runs: int, people: int = 0) -> list[PageResult]:
    import numpy as np
    from django.test import Client

    from bench.workflow import Loader
    from rpd.disagreements.models import Disagreement
    from rpd.people import pickers

    loader = Loader(n, m, seed)
    benchmarked, _counts = loader.load()
    from rpd.people.models import User

    more_people(loader, people - User.objects.filter(is_active=True).count())
    pages = build_pages(loader, benchmarked)
    nobody, reader = Client(), Client()
    sign_in(nobody, nobody_at(loader))
    pks = np.random.default_rng(seed).integers(1, n + 1, runs + 2).tolist()

    def lookup(i):
        return Disagreement.objects.get(pk=pks[i])

    def get(client, url, afresh=False):
        # Over HTTPS, as production serves it (with DEBUG off, plain HTTP is redirected).
        if afresh:
            return lambda i: (pickers.forget(), client.get(url, secure=True))[1]
        return lambda i: client.get(url, secure=True)

    results = []
    for page in [p for p in pages if chosen(p.name)]:
        sign_in(reader, user_of(page.user_pk))
        (empty, _), (base, _), (timing, response) = timed(
            [get(nobody, "/"), lookup, get(reader, page.url, page.afresh)], runs
        )
        result = PageResult(page.name, n, page.rows, timing, empty, base, afresh=page.afresh)
        if PROFILE:
            profiled(page.name, lambda url=page.url: reader.get(url, secure=True))
        if response.status_code != 200:
            result.problems.append(f"answered {response.status_code}")
        else:
            text = response.content.decode()
            missing = [t for t in page.expect if t not in text]
            if missing:
                result.problems.append(f"does not show {', '.join(missing[:3])}")
        results.append(result)
    # A submission is made once to each of its targets: profiled ones need their own.
    extra = PROFILED_TIMES if PROFILE else 0
    for post in [p for p in posts(loader, benchmarked, runs + extra) if chosen(p.name)]:
        (empty, _), (base, _), (timing, response) = timed(
            [get(nobody, "/"), lookup, post.submit], runs, [None, None, post.before]
        )
        result = PageResult(post.name, n, post.rows, timing, empty, base)
        left = range(runs + 2, min(runs + 2 + extra, post.targets))
        if PROFILE and left:
            after = iter(left)

            def one(s=post.submit, b=post.before, a=after):
                i = next(a)
                if b is not None:
                    b(i)
                return s(i)

            profiled(post.name, one, len(left))
        if response.status_code != 302:
            result.problems.append(f"answered {response.status_code}, not a redirect")
        results.append(result)
    return results


@dataclass
class Post:
    name: str
    rows: str
    submit: object  # fn(i): the i-th submission, each to a target of its own
    targets: int  # how many there are (a small partnership may have fewer open cases)
    # fn(i), untimed, before the i-th submission: the case set as it usually stands.
    before: object = None


def posts(loader, people: dict, runs: int) -> list[Post]:
    """The main submissions, each as the person who makes it: recording a discussion
    (on the case of fifty records), approving a record (as its author's line manager) and
    escalating (a different open case each time, its stage shown unresolved by a record
    made through the transitions). Each submission reads the case's version first, as
    the form carries it: one primary-key query.

    A case usually has at most one record waiting for approval, and each one waiting is a
    step the case works out again on every change: so before each recording (untimed)
    what waits is approved, and before each approval one new record is made, the only
    one waiting. (Made all at once beforehand, twenty-two records waited through every
    recording and approval, which the case then worked out twenty-two steps for.)"""
    import numpy as np
    from django.test import Client
    from django.urls import reverse

    from rpd.disagreements import transitions
    from rpd.disagreements.models import Disagreement
    from rpd.people.models import User

    count = runs + 2
    open_first = np.flatnonzero((loader.status == "open") & (loader.stage == 1)) + 1
    first = Disagreement.objects.get(pk=int(open_first[0]))  # fifty_records' case
    case, episode = first.pk, first.current_episode()
    raiser, receiver = episode.raising_actor, episode.receiving_actor

    def version(pk: int) -> int:
        return Disagreement.objects.values_list("version", flat=True).get(pk=pk)

    covers = [r.id for r in first.pack.stage(1).must_record]
    pair = (raiser, receiver)

    def client_of(user) -> Client:
        client = Client()
        sign_in(client, user)
        return client

    def approve_waiting(i=None) -> None:
        """What the case asks to be approved, approved by whom it asks (its next steps)."""
        d = Disagreement.objects.get(pk=case)
        while asked := [s for s in transitions.steps_for(d) if s.name == "approve"]:
            by = User.objects.get(pk=asked[0].people[0])
            d = transitions.perform("approve", by, case, d.version, {"record": asked[0].target})

    recorder = client_of(raiser)

    def record(i):
        data = {**discussion(pair, covers, number=i), "version": version(case)}
        url = reverse("disagreements:act", args=[case, "record"])
        return recorder.post(url, data, secure=True)

    waiting = {}

    def one_waiting(i) -> None:
        approve_waiting()
        d = Disagreement.objects.get(pk=case)
        d = transitions.perform("record", raiser, case, d.version, discussion(pair, covers))
        waiting[i] = d.records.latest("pk").pk

    approver = client_of(raiser.line_manager)

    def approve(i):
        url = reverse("disagreements:act", args=[case, "approve"])
        data = {"record": waiting[i], "version": version(case)}
        return approver.post(url, data, secure=True)

    cases = []
    for pk in open_first[1 : count + 1].tolist():
        d = Disagreement.objects.get(pk=pk)
        ep = d.current_episode()
        actors = (ep.raising_actor, ep.receiving_actor)
        data = discussion(actors, covers, "unresolved")
        transitions.perform("record", actors[0], pk, d.version, data)
        cases.append((pk, client_of(actors[0])))

    def escalate(i):
        pk, client = cases[i]
        data = {"version": version(pk), "reason": "Still unresolved after the discussion."}
        return client.post(reverse("disagreements:act", args=[pk, "escalate"]), data, secure=True)

    return [
        Post("submit: record a discussion", "onto 50 records", record, count, approve_waiting),
        Post("submit: approve a record", "the one waiting", approve, count, one_waiting),
        Post("submit: escalate", "a different case each time", escalate, len(cases)),
    ]


def sign_in(client, user) -> None:
    """Signed in as someone who has set up their second factor: the session says so once
    checked, and the middleware asks nothing more (rpd.people.middleware)."""
    from rpd.people.middleware import MFA_CHECKED_KEY

    client.force_login(user)
    session = client.session
    session[MFA_CHECKED_KEY] = True
    session.save()


def user_of(pk: int):
    from rpd.people.models import User

    return User.objects.get(pk=pk)


def nobody_at(loader):
    """A practitioner in the first agency who takes part in nothing: baseline (a)."""
    from rpd.people.models import Role, RoleGrant, User

    user = User.objects.create(
        username="a0-nobody", agency_id=loader.agency_pks[0], job_title="Practitioner"
    )
    user.set_unusable_password()
    user.save(update_fields=["password"])
    RoleGrant.objects.create(user=user, role=Role.PRACTITIONER)
    return user


def build_pages(loader, people: dict) -> list[Page]:
    from django.urls import reverse

    from rpd.disagreements import queries

    practitioner, _ = people["practitioner"]
    manager, _ = people["team manager"]
    unit, _ = people["partnership unit"]
    d, reader = fifty_records(loader)
    pages = [
        Page("My work: practitioner", "/", practitioner, "", []),
        Page("My work: team manager", "/", manager, "", []),
        Page(
            f"disagreement page, {DETAIL_RECORDS} records",
            reverse("disagreements:detail", args=[d.pk]),
            reader,
            f"{DETAIL_RECORDS} records",
            [d.reference],
        ),
        Page("oversight list: partnership unit", reverse("disagreements:oversight"), unit, "", []),
        Page("My work: safeguarding lead", "/", loader.lead.pk, "", []),
        Page(
            "closed disagreements: team manager", reverse("disagreements:closed"), manager, "", []
        ),
        *form_pages(loader, d, reader),
    ]
    # What each list must show first: the rows its query gives, read straight after the
    # load, so a page that renders something else (or nothing) is caught.
    for page in pages:
        if page.expect or page.form:
            continue
        user = user_of(page.user_pk)
        if page.url == "/":
            rows = queries.work_rows(user, 51)
        elif page.url == reverse("disagreements:closed"):
            rows = queries.closed_rows(user, 51)
        else:
            rows = oversight_first(user)
        page.rows = f"{len(rows) if len(rows) <= 50 else '50 of more'} shown"
        page.expect = [r.reference for r in rows[:3]]
    return pages


# The case's form pages, by the action in their address and who opens each: the raiser
# (who takes part), or the raiser's line manager for approving a record. (Escalating is
# offered once a record shows the stage unresolved: fifty_records' last one does.)
CASE_FORMS = ["record", "extend", "resolve", "hand-over", "withdraw", "pause", "escalate"]
# The administration pages, opened by the partnership's administrator.
ADMIN_PAGES = [
    "",
    "details/",
    "agencies/",
    "agencies/add/",
    "agencies/join/",
    "people/",
    "people/add/",
    "roles/",
    "stand-ins/",
    "stand-ins/add/",
    "import/",
    "pathway/",
]


def form_pages(loader, d, reader: int) -> list[Page]:
    """Every form a person opens on the case, the raise form, and the administration
    pages, each for someone the page is for."""
    from django.urls import reverse

    from rpd.people.models import Role, RoleGrant, User

    raiser = user_of(reader)
    unapproved = d.records.filter(approved_at__isnull=True).latest("pk")
    pages = [
        Page(
            f"form: {action.replace('-', ' ')}",
            reverse("disagreements:act", args=[d.pk, action]),
            reader,
            "",
            [],
            form=True,
        )
        for action in CASE_FORMS
    ]
    pages.append(
        Page(
            "form: approve a record",
            reverse("disagreements:act", args=[d.pk, "approve"]) + f"?record={unapproved.pk}",
            raiser.line_manager_id,
            "",
            [],
            form=True,
        )
    )
    pages.append(Page("form: raise, first step", reverse("disagreements:raise"), reader, "", []))
    pages[-1].form = True
    administrator = User.objects.create(
        username="administrator", agency_id=loader.agency_pks[0], password="!"
    )
    RoleGrant.objects.create(
        user=administrator, role=Role.ADMINISTRATOR, partnership=loader.partnership
    )
    base = f"/partnerships/{loader.partnership.slug}/"
    pages += [
        Page(f"administration: {path or 'home'}", base + path, administrator.pk, "", [], True)
        for path in ADMIN_PAGES
    ]
    first_person = raiser.pk
    from rpd.people.models import Rung

    other_rung = Rung.objects.filter(agency_id=raiser.agency_id).exclude(pk=raiser.rung_id)[0]
    # Then the pages that list an agency's people: adding a person once their agency is
    # chosen, moving one (each offers that agency's line managers), and handing over the
    # parts of a mover or a leaver who holds many (the agency listed once, for the rest).
    for name, path in [
        ("a person", f"people/{first_person}/"),
        ("people/add/, agency chosen", f"people/add/?agency={raiser.agency_id}"),
        ("a person's move", f"people/{first_person}/move/"),
        (
            "a person's move, agency chosen",
            f"people/{first_person}/move/?agency={raiser.agency_id}",
        ),
        (
            "a person's move, hand-over",
            f"people/{first_person}/move/hand-over/?agency={raiser.agency_id}"
            f"&rung={other_rung.pk}&line_manager={raiser.line_manager_id or ''}",
        ),
        ("a leaver's hand-over", f"people/{first_person}/deactivate/"),
        (
            "a role holder, agency chosen",
            f"roles/independent-advisor/add/?agency={raiser.agency_id}",
        ),
    ]:
        pages.append(Page(f"administration: {name}", base + path, administrator.pk, "", [], True))
    hand_over = next(p for p in pages if p.name.endswith("a person's move, hand-over"))
    pages.append(replace(hand_over, name=f"{hand_over.name}, people read afresh", afresh=True))
    return pages


def more_people(loader, count: int) -> None:
    """`count` more practitioners, shared among the agencies, each under a manager of
    their own agency: a partnership with more people and the same cases."""
    from rpd.people.models import Role, RoleGrant, Rung, User

    if count <= 0:
        return
    made = []
    per = -(-count // len(loader.agency_pks))
    for agency_pk in loader.agency_pks:
        rung = Rung.objects.get(agency_id=agency_pk, position=1)
        manager = User.objects.filter(agency_id=agency_pk, rung__position=2).first()
        made += User.objects.bulk_create(
            User(
                username=f"more-{agency_pk}-{i}",
                first_name="More",
                last_name=f"Practitioner {i}",
                agency_id=agency_pk,
                rung=rung,
                line_manager=manager,
                job_title="Practitioner",
                password="!",
            )
            for i in range(per)
        )
    RoleGrant.objects.bulk_create(RoleGrant(user=u, role=Role.PRACTITIONER) for u in made)


def oversight_first(user):
    """The oversight page's first rows, asked for as the view asks."""
    from django.conf import settings

    from rpd.disagreements import queries
    from rpd.notifications.sweep import start_of, working_days_back
    from rpd.pathways.calendar import today
    from rpd.people.models import Partnership

    [overseen] = user.overseen_partnership_ids
    calendar = Partnership.objects.get(pk=overseen).working_calendar()
    day = today()
    quiet = start_of(
        working_days_back(calendar, calendar.next_working_day(day), settings.RPD_DRIFT_WORKING_DAYS)
    )
    return queries.oversight_rows(user, day, quiet, queries.OversightFilter(), 51)


def fifty_records(loader) -> tuple[object, int]:
    """An open stage 1 disagreement given exactly 50 records through the transitions (half
    approved by the raiser's manager), and the practitioner who raised it, who reads its
    page."""
    import numpy as np

    from rpd.disagreements import transitions
    from rpd.disagreements.models import Disagreement

    candidates = np.flatnonzero((loader.status == "open") & (loader.stage == 1)) + 1
    d = Disagreement.objects.get(pk=int(candidates[0]))
    remove_records(d)  # the load's own, replaced below
    episode = d.current_episode()
    raiser, receiver = episode.raising_actor, episode.receiving_actor
    approver = raiser.line_manager  # a record is approved on its author's side
    stage = d.pack.stage(d.stage)
    covers = [r.id for r in stage.must_record]
    for i in range(DETAIL_RECORDS):
        # The last says the stage is unresolved, which escalating needs.
        outcome = "unresolved" if i == DETAIL_RECORDS - 1 else "ongoing"
        data = discussion(
            (raiser, receiver), covers if i % 3 else [], outcome, DETAIL_RECORDS - i, i + 1
        )
        d = transitions.perform("record", raiser, d.pk, d.version, data)
        if i % 2:
            record = d.records.latest("pk")
            d = transitions.perform("approve", approver, d.pk, d.version, {"record": record.pk})
    return d, raiser.pk


def remove_records(d) -> None:
    """Delete a case's records, saying so in the audit chain as the application would
    (each row's digest before, none after), so verification does not find them missing."""
    from django.db import transaction

    from rpd.audit import log as audit
    from rpd.audit import rows
    from rpd.disagreements.models import Record

    with transaction.atomic():
        records = Record.objects.filter(disagreement=d)
        gone = {rows.label(r): [rows.row_digest(r), None] for r in records}
        records.delete()
        audit.append(
            action="bench.removed",
            target=d.audit_target,
            partnership_id=d.partnership_id,
            data={"rows": gone},
        )


# -- Reporting ----------------------------------------------------------------------------


def query_counts(small: Scale, large: Scale) -> dict[str, tuple[int, int]]:
    at_small = {p.name: p.page.queries for p in small.pages}
    return {p.name: (at_small.get(p.name, -1), p.page.queries) for p in large.pages}


def table(label: str, large: Scale, small: Scale) -> str:
    counts = query_counts(small, large)
    lines = [
        f"{label}: {large.disagreements:,} disagreements, {large.records:,} records "
        f"(query counts also at {small.disagreements:,})",
        "| page | rows | server ms | (a) ms | x(a) | queries "
        f"at {small.disagreements:,} / {large.disagreements:,} | database ms "
        "| slowest query ms | (b) ms | slowest x(b) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for p in large.pages:
        at_small, at_large = counts[p.name]
        lines.append(
            f"| {p.name} | {p.rows} | {ms(p.page.server)} | {ms(p.empty.server)} "
            f"| {p.server_ratio:.1f}x | {at_small} / {at_large} | {ms(p.page.database)} "
            f"| {ms(p.page.slowest)} | {ms(p.lookup.database)} | {p.query_ratio:.1f}x |"
        )
    lines.append(
        f"targets: server time <= {SERVER_TARGET:g}x (a), slowest query <= {QUERY_TARGET:g}x "
        "(b), the same query count at both scales"
    )
    return "\n".join(lines)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f}"


def explain(page: PageResult) -> None:
    from django.db import connection

    print(f"  {page.name}: slowest query\n  {page.page.slowest_sql}")
    analyze = "EXPLAIN ANALYZE " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
    with connection.cursor() as cursor:
        cursor.execute(analyze + page.page.slowest_sql)
        for row in cursor.fetchall():
            print("    " + " ".join(str(c) for c in row))


if __name__ == "__main__":
    sys.exit(main())
