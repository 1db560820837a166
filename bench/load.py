"""Benchmark: the service under load as production serves it, against the empty page under
the same load, measured in the same run.

    .venv/bin/python bench/load.py [--cases N] [--users U[,U...]] [--workers W]
        [--seconds S] [--full] [--database sqlite|postgres|both]
        [--database-url postgres://USER@HOST:PORT/ADMIN_DB]

Fills a database as bench/workflow.py does (one Stoke-on-Trent partnership, N
disagreements, default 1,000, three records each, and its audit chain), then starts
gunicorn with production settings (DEBUG off, HTTPS behind a proxy that says so in
X-Forwarded-Proto, the warm-up, W workers, default 2) on 127.0.0.1, and drives it with
U virtual users (default 5; several, comma-separated, run one after another), each a
thread with its own connection and its own session: each is a practitioner who raised
an open case, given a password and an authenticator app, and signs in through the
real sign-in pages (email and password, then the TOTP code of the moment), as a person
would. Then, for S seconds each (default 20), in a closed loop (each user sends its next
request as soon as the last is answered):

    (a) every user asks for My work of someone who takes part in nothing (the empty
        page: same layout, no data);
    (b) the mix: My work (40 %), one of their cases' pages (35 %), recording a
        discussion on one still at stage 1 (20 %: the form, then its submission) and
        escalating one (5 %: the form, then its submission). Each user holds several
        cases, raised through the transitions as a person raises one, each with an
        approved record showing stage 1 unresolved, so that escalating is a valid
        request; an escalated case is its managers' to record, and the user only reads
        it. KEPT of each user's cases are never escalated, so that recording goes on
        all through a phase; once the rest are escalated, the user records instead.

Prints the mix's throughput as a share of (a)'s, p50/p95/p99 of each kind of request
against (a)'s p99, errors by kind (a 5xx, a refused connection, an answer that is not
what the request should get), and writes lost: the records and stages counted in the
database before and after, against the submissions answered with success. Then runs
`rpd audit verify` over the chain the transitions extended. Targets (issue 17): the mix
keeps >= 50 % of (a)'s throughput; each kind's p99 within 10x (a)'s; no errors; no lost
writes. Exits 1 on an error, a lost write or a broken chain; speed is reported only.
`--full` is the issue's scale: 20,000 cases, 50 users on 4 workers, 60 s a phase.
"""

from __future__ import annotations

import sys
from pathlib import Path

# As a script, this file's directory comes first on sys.path, where bench/calendar.py would
# hide the standard library's calendar module (which http.client's email parser imports).
_HERE = Path(__file__).resolve().parent
_ROOT = _HERE.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

import argparse  # noqa: E402
import collections  # noqa: E402
import http.client  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import secrets  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from http.cookies import SimpleCookie  # noqa: E402
from urllib.parse import urlencode  # noqa: E402

from bench.databases import on_each_database, setup_django  # noqa: E402

SCRATCH_DB = "rpd_bench_load"
DEFAULT_POSTGRES = "postgres://postgres@localhost:5432/postgres"
THROUGHPUT_TARGET = 0.5
P99_TARGET = 10.0
PASSWORD = "a load-test passphrase that is long enough"
MIX = [("my work", 40), ("case page", 35), ("record", 20), ("escalate", 5)]
# Each user's cases: KEPT never escalated (recording goes on), and ESCALATED_A_PHASE more
# for each phase they take part in. A case takes three transitions to prepare, so the
# 50 users of --full hold 600 (about a minute), not the hundreds an unbounded share of
# escalations would need on a quiet machine.
KEPT = 4
ESCALATED_A_PHASE = 6
PROXY = {"RPD_PROXY_SSL_HEADER": "X-Forwarded-Proto"}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000, metavar="N")
    parser.add_argument("--users", default="5", metavar="U[,U...]")
    parser.add_argument("--workers", type=int, default=2, metavar="W")
    parser.add_argument("--seconds", type=float, default=20, metavar="S")
    parser.add_argument("--seed", type=int, default=20261205)
    parser.add_argument("--full", action="store_true", help="20,000 cases, 50 users, 4 workers")
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--database-url", default=DEFAULT_POSTGRES, metavar="URL")
    parser.add_argument("--only", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)
    if args.full:
        args.cases, args.users, args.workers, args.seconds = 20_000, "5,20,50", 4, 60
    try:
        args.user_counts = [int(u) for u in args.users.split(",")]
    except ValueError:
        parser.error(f"--users: not a number or a list of numbers: {args.users!r}")
    if min(args.user_counts) < 1 or args.cases < 100 or args.workers < 1 or args.seconds <= 0:
        parser.error("need --users >= 1, --cases >= 100, --workers >= 1 and --seconds > 0")
    if args.only is None and args.database != "both":
        args.only = args.database
    return on_each_database(args, argv, __file__, run, SCRATCH_DB)


# -- The data and the people --------------------------------------------------------------


def prepare(args, label: str) -> tuple[list[dict], dict]:
    """Load the partnership; give each virtual user (and the empty page's reader) a
    password and an authenticator app. Returns the users and the empty page's reader."""
    import numpy as np
    from allauth.mfa.totp.internal.auth import TOTP
    from django.contrib.auth.hashers import make_password

    from bench.workflow import Loader
    from rpd.disagreements.models import Disagreement
    from rpd.people.models import Role, RoleGrant, User

    t0 = time.perf_counter()
    loader = Loader(args.cases, 3 * args.cases, args.seed)
    loader.load()
    print(f"{label}: loaded {args.cases:,} cases in {time.perf_counter() - t0:.0f}s", flush=True)
    hashed = make_password(PASSWORD)  # once: the production hasher is slow on purpose
    wanted = max(args.user_counts)
    users, seen = [], set()
    for pk in (np.flatnonzero((loader.status == "open") & (loader.stage == 1)) + 1).tolist():
        d = Disagreement.objects.get(pk=pk)
        raiser = d.current_episode().raising_actor
        if raiser.pk in seen:
            continue
        seen.add(raiser.pk)
        ready_to_escalate(d)
        users.append({"user": raiser, "case": pk})
        if len(users) == wanted:
            break
    if len(users) < wanted:
        raise SystemExit(f"{label}: only {len(users)} raisers of open cases; use more --cases")
    more = [KEPT + ESCALATED_A_PHASE * sum(c > k for c in args.user_counts) - 1
            for k in range(len(users))]  # fmt: skip
    print(f"{label}: raising {sum(more):,} more cases for the users, as people raise them",
          flush=True)  # fmt: skip
    t0 = time.perf_counter()
    for k, (each, n) in enumerate(zip(users, more, strict=True)):
        each["cases"] = [each["case"], *(raised_like(each["case"], i) for i in range(n))]
        if (k + 1) % 10 == 0:
            print(f"{label}: the cases of {k + 1} of {len(users)} users raised", flush=True)
    print(f"{label}: raised in {time.perf_counter() - t0:.0f}s", flush=True)
    nobody = User.objects.create(
        username="load-nobody", agency_id=loader.agency_pks[0], job_title="Practitioner"
    )
    RoleGrant.objects.create(user=nobody, role=Role.PRACTITIONER)
    reader = {"user": nobody, "case": None}
    for i, each in enumerate([*users, reader]):
        user = each["user"]
        user.email, user.password = f"load-{i}@example.org", hashed
        user.save(update_fields=["email", "password"])
        each["secret"] = secrets.token_hex(10)
        TOTP.activate(user, base32(each["secret"]))
        each["email"] = user.email
    return users, reader


def raised_like(pk: int, i: int) -> int:
    """A case raised by the raiser of case `pk`, with the same person, through the
    transitions (a new synthetic child), made ready to escalate."""
    from rpd.disagreements import transitions
    from rpd.disagreements.models import Disagreement

    d = Disagreement.objects.get(pk=pk)
    episode = d.current_episode()
    data = {
        "subject_kind": "child",
        "subject_given_name": f"Load{i}",
        "subject_family_name": "Testchild",
        "subject_date_of_birth": "2019-03-14",
        "receiving_agency": d.receiving_agency_id,
        "receiving_professional": episode.receiving_actor_id,
        "challenged": "decision",
        "challenged_description": "Referral closed with no further action",
        "challenged_on": "2026-01-05",
        "categories": [d.pack.categories[0].id],
        "summary": "Concerns seen over four weeks; the referral was closed without a visit.",
        "outcome_sought": "A strategy discussion and a home visit",
        "risk": "medium",
    }
    new = transitions.raise_disagreement(episode.raising_actor, data)
    ready_to_escalate(new)
    return new.pk


def ready_to_escalate(d) -> None:
    """A discussion that shows the stage unresolved and covers all it must record,
    approved by the raiser's line manager, through the transitions: escalating it is
    then a valid request (without it, the form asks why each item does not apply)."""
    from bench.workflow import discussion
    from rpd.disagreements import transitions

    episode = d.current_episode()
    raiser, receiver = episode.raising_actor, episode.receiving_actor
    covers = [r.id for r in d.pack.stage(d.stage).must_record]
    data = discussion((raiser, receiver), covers, "unresolved", minutes_ago=120)
    d = transitions.perform("record", raiser, d.pk, d.version, data)
    record = d.records.latest("pk")
    transitions.perform("approve", raiser.line_manager, d.pk, d.version, {"record": record.pk})


def base32(hex_secret: str) -> str:
    import base64

    return base64.b32encode(bytes.fromhex(hex_secret)).decode()


def totp_now(secret: str) -> str:
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return format_hotp_value(hotp_value(base32(secret), int(time.time()) // 30))


# -- A person at a browser ----------------------------------------------------------------


class Browser:
    """One person's connection and cookies, speaking to gunicorn as the TLS proxy would
    (X-Forwarded-Proto: https), so the secure cookies and the CSRF origin check hold."""

    def __init__(self, port: int):
        self.host = f"127.0.0.1:{port}"
        self.port = port
        self.cookies: dict[str, str] = {}
        # Generous: twenty sign-ins at once each hash a password on purpose slowly, and a
        # request slower than gunicorn's own 30 s timeout is answered by gunicorn anyway.
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)

    def request(self, method: str, path: str, form: dict | None = None):
        headers = {
            "Host": self.host,
            "X-Forwarded-Proto": "https",
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
        }
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"https://{self.host}"
        for attempt in (1, 2):
            try:
                self.connection.request(method, path, body, headers)
                response = self.connection.getresponse()
                text = response.read().decode("utf-8", "replace")
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # gunicorn's sync workers close the connection after each answer.
                self.connection.close()
                if attempt == 2:
                    raise
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, response.headers.get("Location", ""), text

    def sign_in(self, email: str, secret: str) -> None:
        for _attempt in range(4):
            status, _, page = self.request("GET", "/accounts/login/")
            status, location, _ = self.request(
                "POST",
                "/accounts/login/",
                {"csrfmiddlewaretoken": token(page), "login": email, "password": PASSWORD},
            )
            if status != 429:
                break
            # Every virtual user comes from one address, and the product takes 30 sign-ins
            # a minute from one address (ACCOUNT_RATE_LIMITS): the rest wait, as a person
            # told to try again shortly would, before the clock starts.
            time.sleep(20 + random.random() * 20)
        if status != 302 or "2fa/authenticate" not in location:
            raise RuntimeError(f"{email}: the password step answered {status} {location}")
        step = location
        for _attempt in (1, 2):
            _, _, page = self.request("GET", step)
            status, location, _ = self.request(
                "POST", step, {"csrfmiddlewaretoken": token(page), "code": totp_now(secret)}
            )
            if status == 302 and "2fa" not in location:
                return
            # A code is taken once (no replay): someone who signed in with it moments ago,
            # as the empty page's reader does each phase, waits for the next one.
            time.sleep(30 - time.time() % 30 + 1)
        raise RuntimeError(f"{email}: the authenticator step answered {status} {location}")


def token(page: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if match is None:
        raise RuntimeError("a form without its CSRF token")
    return match.group(1)


def hidden(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', page)
    return match.group(1) if match else ""


# -- The load -----------------------------------------------------------------------------


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = collections.defaultdict(list)
        self.errors: collections.Counter[str] = collections.Counter()
        self.succeeded: collections.Counter[str] = collections.Counter()
        self.examples: dict[str, str] = {}

    def add(self, kind: str, seconds: float, ok: bool, what: str = "") -> None:
        with self.lock:
            self.times[kind].append(seconds)
            if ok:
                self.succeeded[kind] += 1
            else:
                self.errors[kind] += 1
                self.examples.setdefault(kind, what)


def timed(tally: Tally, kind: str, browser: Browser, method, path, form=None, expect=200):
    t0 = time.perf_counter()
    try:
        status, location, text = browser.request(method, path, form)
    except OSError as error:
        tally.add(kind, time.perf_counter() - t0, False, repr(error))
        return None, ""
    ok = status == expect
    tally.add(kind, time.perf_counter() - t0, ok, f"{status} {location}"[:120])
    return status, text


def discussion(page: str, i: int) -> dict:
    """The record form as a person fills it in: both sides took part, unresolved."""
    import datetime

    participants = re.findall(r'name="participants" type="checkbox" value="(\d+)"', page)
    if not participants:
        participants = re.findall(r'name="participants"[^>]*value="(\d+)"', page)[:2]
    covers = re.findall(r'name="covers"[^>]*value="([^"]+)"', page)
    at = datetime.datetime.now() - datetime.timedelta(hours=1)
    return {
        "csrfmiddlewaretoken": token(page),
        "version": hidden(page, "version"),
        "kind": "meeting",
        "occurred_at": at.strftime("%d/%m/%Y %H:%M"),
        "participants": participants[:2],
        "summary": f"Discussion {i}: positions and evidence set out by both sides.",
        "outcome": "unresolved",
        "covers": covers,
    }


def drive(target, users, seconds) -> tuple[Tally, float]:
    """Run `target` in one thread per user until `seconds` after all have signed in."""
    tally, stop = Tally(), threading.Event()
    ready = threading.Barrier(len(users) + 1)

    def each(k, user):
        try:
            target(user, stop, tally, ready, k)
        except Exception as error:  # a sign-in that failed: an error of its own kind
            tally.add("sign-in", 0.0, False, repr(error)[:120])
            if not ready.broken:
                ready.abort()

    threads = [threading.Thread(target=each, args=(k, u)) for k, u in enumerate(users)]
    for t in threads:
        t.start()
    try:
        ready.wait(timeout=600)
    except threading.BrokenBarrierError:
        pass
    t0 = time.perf_counter()
    with tally.lock:
        tally.times.clear()
    stop.wait(seconds)
    stop.set()
    for t in threads:
        t.join()
    return tally, time.perf_counter() - t0


def run(args, label: str, url: str, data_dir: str) -> int:
    setup_django(url, data_dir, RPD_ALLOWED_HOSTS="127.0.0.1", **PROXY)
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    # The load's people have no email addresses; each notice its transitions write says
    # so, which is the product working, not news for this report.
    logging.getLogger("rpd.notifications.outbox").setLevel(logging.ERROR)
    users, nobody = prepare(args, label)
    connection.close()
    port = free_port()
    server = gunicorn(port, args.workers, data_dir)
    failed = False
    try:
        for count in args.user_counts:
            failed |= measure(args, label, port, users[:count], nobody, count)
    finally:
        server.terminate()
        server.wait(timeout=30)
    from rpd.audit.log import verify

    t0 = time.perf_counter()
    result = verify()
    if result.ok:
        print(
            f"{label}: rpd audit verify: {result.checked:,} events intact "
            f"({time.perf_counter() - t0:.1f}s)"
        )
    else:
        print(f"{label}: rpd audit verify: BROKEN at {result.first_broken_seq}: {result.reason}")
    if failed:
        lines = (Path(data_dir) / "gunicorn.log").read_text("utf-8", "replace").splitlines()
        print("\n".join([f"{label}: the end of gunicorn's log:", *lines[-15:]]), file=sys.stderr)
    return 1 if failed or not result.ok else 0


def measure(args, label, port, users, nobody, count) -> bool:
    from rpd.disagreements.models import Record, StageEpisode

    cases = [pk for u in users for pk in u["cases"]]

    def rows() -> tuple[int, int]:
        return (
            Record.objects.filter(disagreement__in=cases).count(),
            StageEpisode.objects.filter(disagreement__in=cases).count(),
        )

    # The empty page's reader signs in once; every thread reads with a copy of that
    # session's cookies over its own connection, so (a) times the page, not sign-ins.
    first = signed_in(port, nobody)

    def empty(user, stop, tally, ready, k):
        browser = Browser(port)
        browser.cookies = dict(first.cookies)
        ready.wait()
        while not stop.is_set():
            timed(tally, "empty page", browser, "GET", "/")

    print(f"{label}: {count} users: (a) the empty page for {args.seconds:g}s", flush=True)
    base, base_elapsed = drive(empty, users, args.seconds)
    counting: collections.Counter[str] = collections.Counter()
    before = rows()

    def mixed(user, stop, tally, ready, k):
        # Each signs in (through the real pages) before the clock starts.
        browser = signed_in(port, user)
        ready.wait()
        loop(browser, user, stop, tally, counting, random.Random(args.seed + k))

    print(f"{label}: {count} users: (b) the mix for {args.seconds:g}s", flush=True)
    mix, mix_elapsed = drive(mixed, users, args.seconds)
    after = rows()
    lost = {
        "records": before[0] + counting["records"] - after[0],
        "stages": before[1] + counting["escalations"] - after[1],
    }
    print(report(label, count, args.workers, base, base_elapsed, mix, mix_elapsed, lost))
    print(
        f"{label}: {counting['records']:,} records and {counting['escalations']:,} escalations "
        f"answered with success; {counting['escalations instead recorded']:,} escalations "
        "became records, the user's cases to escalate spent",
        flush=True,
    )
    return bool(sum(mix.errors.values()) or sum(base.errors.values()) or any(lost.values()))


def signed_in(port: int, user: dict) -> Browser:
    """A browser of `user`'s, signed in through the pages the first time; in a later phase
    their session goes on (as a person's does between pages), so each phase signs in only
    the users new to it."""
    browser = Browser(port)
    if "cookies" in user:
        browser.cookies = dict(user["cookies"])
    else:
        browser.sign_in(user["email"], user["secret"])
        user["cookies"] = dict(browser.cookies)
    return browser


def loop(browser, user, stop, tally, counting, rng) -> None:
    kinds, weights = zip(*MIX, strict=True)
    # Their cases still at stage 1 (an earlier phase may have escalated some): theirs to
    # record on and escalate.
    live = [pk for pk in user["cases"] if pk not in user.setdefault("escalated", set())]
    i = 0
    while not stop.is_set():
        i += 1
        kind = rng.choices(kinds, weights)[0]
        if kind == "escalate" and len(live) <= KEPT:
            kind = "record"
            with tally.lock:
                counting["escalations instead recorded"] += 1
        if kind == "my work":
            timed(tally, kind, browser, "GET", "/")
        elif kind == "case page":
            timed(tally, kind, browser, "GET", f"/disagreements/{rng.choice(user['cases'])}/")
        elif kind == "record":
            case = f"/disagreements/{rng.choice(live)}/"
            status, page = timed(tally, "form: record", browser, "GET", case + "record/")
            if status == 200:
                status, _ = timed(
                    tally, "record", browser, "POST", case + "record/", discussion(page, i), 302
                )
                if status == 302:
                    with tally.lock:
                        counting["records"] += 1
        else:
            pk = rng.choice(live[KEPT:])
            # Whatever the answer, it is not asked again: escalated, it is the next
            # stage's managers'; refused, it would be refused again.
            live.remove(pk)
            user["escalated"].add(pk)
            case = f"/disagreements/{pk}/"
            status, _, page = browser.request("GET", case + "escalate/")
            if status != 200:
                continue  # not offered now: the person does something else
            form = {
                "csrfmiddlewaretoken": token(page),
                "version": hidden(page, "version"),
                "reason": "Still unresolved after the discussion.",
            }
            status, _ = timed(tally, "escalate", browser, "POST", case + "escalate/", form, 302)
            if status == 302:
                with tally.lock:
                    counting["escalations"] += 1


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def report(label, users, workers, base, base_elapsed, mix, mix_elapsed, lost) -> str:
    empty_times = base.times["empty page"]
    base_rate = len(empty_times) / base_elapsed
    total = sum(len(t) for t in mix.times.values())
    mix_rate = total / mix_elapsed
    base_p99 = percentile(empty_times, 0.99)
    lines = [
        f"{label}: {users} users, {workers} workers: the mix {mix_rate:.1f} requests/s, the "
        f"empty page {base_rate:.1f}/s: {mix_rate / base_rate:.0%} "
        f"(target >= {THROUGHPUT_TARGET:.0%}); writes lost: {lost['records']} records, "
        f"{lost['stages']} stages",
        "| kind | requests | p50 ms | p95 ms | p99 ms | p99 x empty p99 | errors |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    kinds = [("empty page", empty_times, base.errors["empty page"])] + [
        (kind, times, mix.errors[kind]) for kind, times in sorted(mix.times.items())
    ]
    for kind in set(mix.errors) - set(mix.times):
        kinds.append((kind, [], mix.errors[kind]))
    for kind, times, errors in kinds:
        p99 = percentile(times, 0.99)
        lines.append(
            f"| {kind} | {len(times):,} | {percentile(times, 0.5) * 1000:,.0f} "
            f"| {percentile(times, 0.95) * 1000:,.0f} | {p99 * 1000:,.0f} "
            f"| {p99 / base_p99 if base_p99 else 0:.1f}x | {errors} |"
        )
    for kind, what in {**base.examples, **mix.examples}.items():
        lines.append(f"{label}: {kind}: e.g. {what}")
    return "\n".join(lines)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gunicorn(port: int, workers: int, data_dir: str) -> subprocess.Popen:
    """gunicorn as deploy/rpd-web.service runs it (production settings, the warm-up,
    --preload), on 127.0.0.1; returns once it answers."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "rpd.settings", "RPD_DEBUG": "0"}
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "--workers",
        str(workers),
        "--preload",
        "--bind",
        f"127.0.0.1:{port}",
        "--timeout",
        "30",
        "--log-level",
        "warning",
        "rpd.wsgi",
    ]
    # Its log (a JSON line per request) goes to a file: run() shows its end on an error.
    log = open(Path(data_dir) / "gunicorn.log", "ab")  # noqa: SIM115 (the server's, until it stops)
    server = subprocess.Popen(command, env=env, cwd=data_dir, stdout=log, stderr=log)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/health/live", headers={"Host": "127.0.0.1"})
            connection.getresponse().read()
            return server
        except OSError:
            time.sleep(0.5)
    server.terminate()
    raise RuntimeError("gunicorn did not answer within 300 s")


if __name__ == "__main__":
    sys.exit(main())
