"""The facts the oversight figures count are kept by the transitions as they happen: a
stage's and a case's working days when it ends, the day a milestone was met, how each case
stood on each morning; and `facts.fill` computes the same from the rows.

Stoke-on-Trent, raised Wed 14 Jan 2026 by a children's social worker against a police
officer.
"""

import datetime

import pytest
import time_machine
from django.apps import apps

from rpd.disagreements import facts, transitions
from rpd.disagreements.demo import build
from rpd.disagreements.facts import Stage, Stretch
from rpd.disagreements.models import (
    Disagreement,
    Milestone,
    OpenStretch,
    StageEpisode,
    Status,
)
from rpd.people.demo import build_partnership

from .helpers import discuss, escalate, fresh, raise_data, send_forms
from .test_contested_resolutions import RESOLVED
from .test_transitions import london

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def stoke():
    """The clock at 10:00 on Wed 14 Jan 2026, the partnership, and the case raised then."""
    with time_machine.travel(london(1, 14), tick=False) as clock:
        demo = build_partnership("stoke-on-trent")
        yield clock, demo, transitions.raise_disagreement(demo.ladder["csc"][0], raise_data(demo))


def do(name, actor, d, **data):
    d = fresh(d)
    return fresh(transitions.perform(name, actor, d.pk, d.version, data))


def test_a_stage_keeps_the_working_days_it_took_when_it_ends_less_those_paused_whole(stoke):
    clock, demo, d = stoke
    raiser = demo.ladder["csc"][0]
    # Paused Wed 14 at 10:00, resumed Mon 19: Thu 15 and Fri 16 were paused whole.
    do("pause", raiser, d, reason="Waiting for the strategy meeting", expected_resume="2026-01-19")
    clock.move_to(london(1, 19, 9))
    do("resume", raiser, d)
    assert StageEpisode.objects.get(disagreement=d).working_days_taken is None  # running

    clock.move_to(london(1, 23, 15))
    escalate(raiser, discuss(raiser, d))

    first, second = StageEpisode.objects.filter(disagreement=d).order_by("number")
    # Thu 15, Fri 16, Mon 19 to Fri 23 Jan: 7 working days after the start, 2 of them paused.
    assert first.working_days_taken == 5
    assert second.working_days_taken is None
    assert fresh(d).working_days_taken is None  # the case runs on


def test_a_case_keeps_its_working_days_to_closing_and_loses_them_when_its_resolution_is_contested(
    stoke,
):
    clock, _, d = stoke
    episode = fresh(d).current_episode()
    raiser, receiver = episode.raising_actor, episode.receiving_actor
    clock.move_to(london(1, 20, 16))
    send_forms(raiser, discuss(raiser, d, outcome="resolved"))
    resolved = do("resolve", raiser, d, **RESOLVED)
    # Thu 15, Fri 16, Mon 19, Tue 20 Jan.
    assert resolved.status == Status.RESOLVED and resolved.working_days_taken == 4
    assert StageEpisode.objects.get(disagreement=d).working_days_taken == 4

    clock.move_to(london(1, 22, 11))
    contested = do("contest_resolution", receiver, d, reason="The plan leaves the child alone.")
    # Stoke-on-Trent escalates what stage 1 did not resolve: stage 1 ended on the day it was
    # contested, and the case is open again.
    assert contested.status == Status.OPEN and contested.working_days_taken is None
    first, second = StageEpisode.objects.filter(disagreement=d).order_by("number")
    assert (first.working_days_taken, second.working_days_taken) == (6, None)


def test_a_milestone_met_keeps_the_london_day_it_was_met_on(stoke):
    clock, demo, _ = stoke
    # 00:30 on 10 June in London is 23:30 on 9 June in UTC.
    clock.move_to(london(6, 10, 0, 30))
    raiser = demo.ladder["csc"][0]
    d = transitions.raise_disagreement(raiser, raise_data(demo, challenged_on="2026-06-09"))
    # Raising the matter with the other practitioner is what raising it here does.
    met = Milestone.objects.get(episode__disagreement=d, key="raise-with-practitioner")
    assert met.met_at.astimezone(datetime.UTC).date() == D(2026, 6, 9)
    assert met.met_on == D(2026, 6, 10)


def test_a_stage_extended_twice_keeps_the_stretches_fill_computes_from_its_rows(stoke):
    # Each transition takes the case's stages, pauses and extensions from the rows it has
    # just read for its audit event; fill reads them from the tables. Two extensions of one
    # stage are read back in the order they were agreed: before the first, the stage was
    # due on its own date; between them, on the date the second moved it from.
    clock, _, d = stoke
    episode = fresh(d).current_episode()
    leader, other = episode.raising_actor, episode.receiving_actor
    calendar = fresh(d).partnership.working_calendar()
    for day, more in ((16, 3), (21, 2)):
        clock.move_to(london(1, day))
        due = fresh(d).current_episode().due
        new_due = calendar.add_working_days(due, more).isoformat()
        do("extend", leader, d, asked_by=other.pk, reason="Waiting on a report", new_due=new_due)
    clock.move_to(london(1, 23))
    discuss(leader, d)
    as_kept = kept()
    dues = {due for case, *_, due in as_kept["stretches"] if case == d.pk}
    assert len(dues) == 3  # the stage's own date, and each extension's

    OpenStretch.objects.all().delete()
    facts.fill(apps, [d.pk])
    assert kept() == as_kept


def kept() -> dict:
    return {
        "stretches": sorted(
            OpenStretch.objects.values_list(
                "disagreement_id", "partnership_id", "first_day", "last_day", "last_active", "due"
            )
        ),
        "stages": sorted(StageEpisode.objects.values_list("pk", "working_days_taken")),
        "cases": sorted(Disagreement.objects.values_list("pk", "working_days_taken")),
        "met": sorted(Milestone.objects.values_list("pk", "met_on")),
    }


def test_the_facts_the_transitions_keep_are_those_fill_computes_from_the_rows():
    # A demo's cases are told through the real transitions: raised, discussed, paused,
    # extended, escalated, fast-tracked, resolved, withdrawn, contested.
    _, cases = build("stoke-on-trent", "stoke-facts")
    as_kept = kept()
    assert as_kept["stretches"] and any(days is not None for _, days in as_kept["stages"])
    assert any(days is not None for _, days in as_kept["cases"])
    assert any(on is not None for _, on in as_kept["met"])

    OpenStretch.objects.all().delete()
    StageEpisode.objects.update(working_days_taken=None)
    Disagreement.objects.update(working_days_taken=None)
    Milestone.objects.update(met_on=None)
    facts.fill(apps, [d.pk for d in cases])
    assert kept() == as_kept


# -- How a case stood on each morning ----------------------------------------------------


def at(month, day, hour=10):
    return london(month, day, hour)


def test_a_case_paused_on_monday_and_resumed_on_wednesday_is_paused_on_tuesday_and_wednesday():
    stage = Stage(at(1, 5), None, D(2026, 1, 30))
    found = facts.stretches(
        at(1, 5),
        None,
        [at(1, 5), at(1, 12), at(1, 14)],  # raised, paused, resumed
        [(D(2026, 1, 12), D(2026, 1, 14))],
        [stage],
    )
    assert found == [
        # Tue 6 to Mon 12 Jan: its last transition the raise on Monday 5th.
        Stretch(D(2026, 1, 6), D(2026, 1, 12), D(2026, 1, 5), D(2026, 1, 30)),
        # From Thursday 15th on: resumed on Wednesday 14th.
        Stretch(D(2026, 1, 15), None, D(2026, 1, 14), D(2026, 1, 30)),
    ]


def test_a_stage_was_due_on_the_date_an_extension_agreed_later_moved_it_from():
    # Due Fri 9 Jan, extended on Wed 14 Jan to Fri 23 Jan; escalated Mon 26, resolved Wed 28.
    first = Stage(at(1, 5), at(1, 26), D(2026, 1, 23), ((at(1, 14), D(2026, 1, 9)),))
    second = Stage(at(1, 26), at(1, 28), D(2026, 2, 2))
    found = facts.stretches(
        at(1, 5), at(1, 28), [at(1, 5), at(1, 14), at(1, 26), at(1, 28)], [], [first, second]
    )
    assert found == [
        Stretch(D(2026, 1, 6), D(2026, 1, 14), D(2026, 1, 5), D(2026, 1, 9)),
        Stretch(D(2026, 1, 15), D(2026, 1, 26), D(2026, 1, 14), D(2026, 1, 23)),
        Stretch(D(2026, 1, 27), D(2026, 1, 28), D(2026, 1, 26), D(2026, 2, 2)),
    ]  # and none after the morning of the day it closed
