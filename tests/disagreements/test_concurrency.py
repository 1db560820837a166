"""People changing disagreements at once: on one disagreement exactly one wins, nothing is
lost or doubled; on many, each goes ahead without waiting for the others or deadlocking.

Every transition carries the version its actor last saw; `perform` locks the row (that row
alone) and refuses a stale version with `Conflict`, changing nothing.
"""

from __future__ import annotations

import datetime
import json
import subprocess
import sys
import threading
import time

import pytest
import time_machine
from django.db import OperationalError, connection

from rpd.audit import log
from rpd.audit.models import Event
from rpd.disagreements import transitions
from rpd.disagreements.models import StageEpisode
from rpd.people.demo import build_partnership
from tests.notifications.smtp import (
    DJANGO_PRELUDE,
    REPO,
    RPD,
    run_django,
    shared_database_url,
    subprocess_env,
)

from .helpers import discuss, fresh, raise_data

WORKERS = 8
OPERATIONS = 10  # each

NOW = datetime.datetime(2026, 1, 7, 10, 0, tzinfo=datetime.UTC)
REASON = {"reason": "Still unresolved after discussion"}
CONFLICT = r"RPD-2026-0001 was changed by someone else since you opened it; reload it and try again"


@pytest.fixture(autouse=True)
def frozen():
    # time_machine patches the clock for the whole process, threads included.
    with time_machine.travel(NOW, tick=False):
        yield


def ready_to_escalate():
    """A stage 1 disagreement with its unresolved discussion recorded."""
    demo = build_partnership("stoke-on-trent")
    raiser = demo.ladder["csc"][0]
    d = transitions.raise_disagreement(raiser, raise_data(demo))
    discuss(raiser, d)
    return demo, fresh(d)


def assert_at_stage_2_once(d):
    d = fresh(d)
    assert d.stage == 2
    numbers = StageEpisode.objects.filter(disagreement=d).values_list("number", flat=True)
    assert list(numbers) == [1, 2]
    assert Event.objects.filter(action="disagreement.escalate").count() == 1
    assert log.verify().ok


@pytest.mark.django_db(transaction=True)
def test_two_managers_escalating_at_once_one_wins_and_the_other_is_told_to_reload(monkeypatch):
    if connection.vendor != "postgresql":
        # pytest-django's SQLite test database is in memory with a shared cache, where a
        # second writer fails at once ("database table is locked") instead of waiting.
        pytest.skip("needs a server database: runs in the PostgreSQL pass")
    demo, d = ready_to_escalate()
    # Linger a moment once the row is read (and, as it should be, locked), so the other
    # thread surely arrives while the first is still inside: without the lock both would
    # read the same version, pass the check and escalate twice.
    checked = transitions.capacities

    def slow_capacities(*args):
        time.sleep(0.3)
        return checked(*args)

    monkeypatch.setattr(transitions, "capacities", slow_capacities)
    managers = [demo.ladder["csc"][1], demo.ladder["police"][1]]
    start = threading.Barrier(len(managers))
    succeeded, conflicts, errors = [], [], []

    def escalate_as(manager):
        try:
            start.wait(timeout=10)
            transitions.perform("escalate", manager, d.pk, d.version, REASON)
            succeeded.append(manager)
        except transitions.Conflict as conflict:
            conflicts.append(conflict)
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            connection.close()  # each thread has its own connection; don't leak it

    threads = [threading.Thread(target=escalate_as, args=(m,)) for m in managers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert (len(succeeded), len(conflicts)) == (1, 1)
    assert str(conflicts[0]) == CONFLICT
    assert fresh(d).version == d.version + 1
    assert_at_stage_2_once(d)


@pytest.mark.django_db
def test_the_second_of_two_managers_escalating_from_the_same_version_gets_a_conflict():
    demo, d = ready_to_escalate()
    first, second = demo.ladder["csc"][1], demo.ladder["police"][1]

    transitions.perform("escalate", first, d.pk, d.version, REASON)
    events = Event.objects.count()
    with pytest.raises(transitions.Conflict, match=CONFLICT):
        transitions.perform("escalate", second, d.pk, d.version, REASON)

    assert fresh(d).version == d.version + 1
    assert Event.objects.count() == events
    assert_at_stage_2_once(d)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("escalate", REASON),
        ("pause", {"reason": "Awaiting the strategy meeting", "expected_resume": "2026-01-14"}),
        ("withdraw", {"reason": "No longer needed"}),
    ],
)
def test_a_stale_version_is_refused_and_changes_nothing(action, data):
    demo, d = ready_to_escalate()
    raiser = demo.ladder["csc"][0]
    before = fresh(d)
    events = Event.objects.count()

    with pytest.raises(transitions.Conflict, match=CONFLICT):
        transitions.perform(action, raiser, d.pk, d.version - 1, data)

    after = fresh(d)
    assert (after.version, after.status, after.stage, after.next_due) == (
        before.version,
        before.status,
        before.stage,
        before.next_due,
    )
    assert after.episodes.count() == 1 and after.pauses.count() == 0
    assert Event.objects.count() == events
    assert log.verify().ok


@pytest.mark.django_db(transaction=True)
def test_many_people_raising_and_recording_on_many_disagreements_at_once_never_deadlock():
    if connection.vendor != "postgresql":
        pytest.skip("needs a server database: runs in the PostgreSQL pass")
    demo = build_partnership("stoke-on-trent")
    raiser = demo.ladder["csc"][0]
    cases = [transitions.raise_disagreement(raiser, raise_data(demo)) for _ in range(WORKERS)]
    start = threading.Barrier(WORKERS)
    done, conflicts, errors = [], [], []

    def operation(number, step):
        # Half raise new ones (locking the partnership's reference counter), half record a
        # discussion on one of the disagreements, each shared by several workers.
        if step % 2 == 0:
            transitions.raise_disagreement(raiser, raise_data(demo))
        else:
            discuss(raiser, cases[(number + step) % WORKERS], outcome="ongoing", approve=False)

    def work(number):
        try:
            start.wait(timeout=30)
            for step in range(OPERATIONS):
                try:
                    operation(number, step)
                    done.append((number, step))
                except transitions.Conflict as conflict:
                    conflicts.append(conflict)
                except BaseException as error:  # reported by the main thread
                    errors.append(error)
        finally:
            connection.close()  # each thread has its own connection; don't leak it

    threads = [threading.Thread(target=work, args=(n,)) for n in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert len(done) + len(conflicts) == WORKERS * OPERATIONS
    for conflict in conflicts:
        assert "was changed by someone else since you opened it" in str(conflict)
    result = log.verify()
    assert result.ok, result.reason
    assert result.checked == Event.objects.count()


class Deadlock(Exception):
    sqlstate = "40P01"  # as psycopg reports it


def deadlocking(times, then):
    """Stand in for a step of `perform`: the database gives up on the first `times` calls."""
    calls = []

    def step(*args):
        calls.append(args)
        if len(calls) <= times:
            raise OperationalError("deadlock detected") from Deadlock()
        return then(*args)

    return step, calls


@pytest.mark.django_db(transaction=True)
def test_a_transition_the_database_gives_up_on_for_a_deadlock_is_run_again_once_done(
    monkeypatch,
):
    demo, d = ready_to_escalate()
    step, calls = deadlocking(2, transitions.capacities)
    monkeypatch.setattr(transitions, "capacities", step)

    transitions.perform("escalate", demo.ladder["csc"][1], d.pk, d.version, REASON)

    assert len(calls) == 3
    assert fresh(d).version == d.version + 1
    assert_at_stage_2_once(d)


@pytest.mark.django_db(transaction=True)
def test_a_transition_that_keeps_deadlocking_is_answered_with_a_conflict(monkeypatch):
    demo, d = ready_to_escalate()
    events = Event.objects.count()
    step, calls = deadlocking(99, transitions.capacities)
    monkeypatch.setattr(transitions, "capacities", step)

    with pytest.raises(transitions.Conflict, match="please try again"):
        transitions.perform("escalate", demo.ladder["csc"][1], d.pk, d.version, REASON)

    assert len(calls) == transitions.ATTEMPTS
    assert (fresh(d).version, fresh(d).stage) == (d.version, 1)
    assert Event.objects.count() == events


SEED = """
from rpd.disagreements import transitions
from rpd.people.demo import build_partnership
from tests.notifications.smtp import (
    DJANGO_PRELUDE,
    REPO,
    RPD,
    run_django,
    shared_database_url,
    subprocess_env,
)
from tests.disagreements.helpers import raise_data
demo = build_partnership("stoke-on-trent")
raiser = demo.ladder["csc"][0]
data = raise_data(demo)
cases = [transitions.raise_disagreement(raiser, data).pk for _ in range(int(sys.argv[1]))]
print(json.dumps({"raiser": raiser.pk, "data": data, "cases": cases}))
"""

WRITER = """
from django.db import connection
from rpd.disagreements import transitions
from rpd.disagreements.models import Disagreement
from rpd.people.models import User
from tests.disagreements.helpers import discuss
seed, number, steps = json.loads(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
raiser = User.objects.get(pk=seed["raiser"])
outcome = {"done": 0, "conflicts": 0, "errors": []}
for step in range(steps):
    try:
        if step % 2 == 0:
            transitions.raise_disagreement(raiser, seed["data"])
        else:
            case = seed["cases"][(number + step) % len(seed["cases"])]
            discuss(raiser, Disagreement(pk=case), outcome="ongoing", approve=False)
        outcome["done"] += 1
    except transitions.Conflict:
        outcome["conflicts"] += 1
    except Exception as error:
        outcome["errors"].append(repr(error))
with connection.cursor() as cursor:
    outcome["busy_timeout"] = cursor.execute("PRAGMA busy_timeout").fetchone()[0]
print(json.dumps(outcome))
"""


def test_several_processes_writing_to_the_embedded_database_at_once_never_find_it_locked(
    tmp_path,
):
    # No database marker: the SQLite pass's own test, on a file database of its own, written
    # by separate processes as web workers and the notice worker would.
    if connection.vendor != "sqlite":
        pytest.skip("the embedded database's test: PostgreSQL has row locks")
    url = shared_database_url(tmp_path)
    # Six writers on a machine busy with other work may wait longer than production's 20
    # seconds for one another: what is tested is that they wait rather than fail, not how
    # fast this machine is, so the wait is set long and checked to be the one applied.
    env = subprocess_env(url, tmp_path, RPD_SQLITE_BUSY_SECONDS="600")
    seed = json.dumps(run_django(env, SEED, "4"))
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", DJANGO_PRELUDE + WRITER, seed, str(n), "12"],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(6)
    ]
    outcomes = []
    for writer in writers:
        out, err = writer.communicate(timeout=900)  # a safety net, not a measure
        assert writer.returncode == 0, err
        outcomes.append(json.loads(out))

    assert [o["errors"] for o in outcomes] == [[]] * 6
    assert sum(o["done"] + o["conflicts"] for o in outcomes) == 6 * 12
    # Waits as long as it is set to for another writer, not SQLite's default five seconds.
    assert {o["busy_timeout"] for o in outcomes} == {600_000}
    verified = subprocess.run(
        [RPD, "audit", "verify"], env=env, capture_output=True, text=True, check=False
    )
    assert verified.returncode == 0, verified.stderr
