"""Lists cost a fixed number of queries however many rows they show."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rpd.disagreements import queries as live_lists
from rpd.disagreements import transitions
from rpd.disagreements.access import Grade
from rpd.disagreements.models import LIVE_IN, Disagreement
from rpd.disagreements.queries import open_disagreements, open_rows
from rpd.people.backends import UserBackend
from rpd.people.demo import build_partnership
from rpd.people.models import User

from .helpers import discuss, escalate, fresh, raise_data

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 1, 7, 10, 0, tzinfo=datetime.UTC)
RECEIVERS = ["police", "health", "school", "charity"]

# Queries to list one person's open disagreements, whatever the number of rows: the
# sign-in backend loads their agency and roles with them, and who may see what is read
# from the viewer index inside the list's own query, due dates and names included.
QUERIES = {
    "raiser": 1,
    "raiser-manager": 1,
    "raising-lead": 1,
    "unit": 1,
}


def listing(user: User) -> list[tuple]:
    """What a list page shows for each row."""
    return [
        (
            d.reference,
            d.subject_name,
            d.stage,
            d.stage_due,
            d.next_due,
            d.raising_agency.name,
            d.receiving_agency.name,
        )
        for d in open_disagreements(user)
    ]


def raise_several(demo, n: int, start: int) -> None:
    raiser = demo.ladder["csc"][0]
    for i in range(start, start + n):
        receiving = RECEIVERS[i % len(RECEIVERS)]
        d = transitions.raise_disagreement(
            raiser, raise_data(demo, receiving, subject_given_name=f"Child{i}")
        )
        if i % 5 == 0:  # some rows at stage 2, so the stage's due date is not always stage 1's
            discuss(raiser, d)
            escalate(raiser, d)


@time_machine.travel(NOW, tick=False)
def test_listing_open_disagreements_takes_the_same_few_queries_for_3_rows_as_for_30(
    django_assert_num_queries,
):
    demo = build_partnership("stoke-on-trent")
    people = {
        "raiser": demo.ladder["csc"][0],
        "raiser-manager": demo.ladder["csc"][1],
        "raising-lead": demo.lead["csc"],
        "unit": demo.unit,
    }

    for rows, start in ((3, 0), (27, 3)):
        raise_several(demo, rows, start)
        for who, queries in QUERIES.items():
            user = UserBackend().get_user(people[who].pk)  # as a request loads it
            with django_assert_num_queries(queries):
                listed = listing(user)
            assert len(listed) == start + rows, who

    # The annotated due date is the current stage's, row by row.
    for reference, _, stage, stage_due, *_ in listed:
        d = Disagreement.objects.get(partnership=demo.partnership, reference=reference)
        assert (stage, stage_due) == (d.stage, d.current_episode().due)
    assert {row[2] for row in listed} == {1, 2}
    assert {row[6] for row in listed} == {demo.agencies[key].name for key in RECEIVERS}


@time_machine.travel(NOW, tick=False)
def test_the_partnerships_list_names_no_subject_until_the_pathway_tells_it_about_the_case(
    django_assert_num_queries,
):
    # Stoke-on-Trent notifies the partnership from stage 3.
    demo = build_partnership("stoke-on-trent")
    raiser = demo.ladder["csc"][0]
    d = transitions.raise_disagreement(raiser, raise_data(demo))
    unit = UserBackend().get_user(demo.unit.pk)

    def unit_row():
        with django_assert_num_queries(1):
            (row,) = open_rows(unit)
        return row

    for stage in (1, 2):
        row = unit_row()
        assert (row.stage, row.subject_name, row.sight) == (stage, None, Grade.REGISTER)
        # The register line: reference, agencies, stage and dates.
        assert (row.reference, row.receiving_agency) == (d.reference, demo.agencies["police"].name)
        assert row.stage_due is not None
        actor = fresh(d).current_episode().raising_actor
        discuss(actor, d)
        escalate(actor, d)

    row = unit_row()
    assert (row.stage, row.subject_name, row.sight) == (3, "Robin Testchild", Grade.CASE)
    # The people on the case see it whole from the start.
    (own,) = open_rows(UserBackend().get_user(raiser.pk))
    assert (own.subject_name, own.sight) == ("Robin Testchild", Grade.CASE)


def test_the_live_lists_spell_status_as_their_partial_indexes_do():
    """SQLite uses a partial index only when the query's terms match the index's WHERE
    exactly, order included: a set of statuses, iterated in a different order in each
    process, made the oversight list sort without its index in some runs."""
    for index in Disagreement._meta.indexes:
        if index.name.startswith("disagreement_live_"):
            assert tuple(index.condition.children[0][1]) == LIVE_IN, index.name
    demo = build_partnership("stoke-on-trent")
    lists = {
        "oversight": lambda: live_lists.oversight_rows(
            demo.unit, NOW.date(), NOW, live_lists.OversightFilter(), limit=1
        ),
        "my work": lambda: live_lists.work_rows(demo.ladder["csc"][0], limit=1),
    }
    for name, rows in lists.items():
        with CaptureQueriesContext(connection) as run:
            rows()
        listed = " ".join(q["sql"] for q in run.captured_queries if "LIMIT 1" in q["sql"])
        assert "\"status\" IN ('open', 'paused')" in listed, name


LIST_COLUMNS = (
    "current_raising_actor_id",
    "current_receiving_actor_id",
    "current_led_by_role",
    "awaiting_approval",
    "awaiting_only_by_id",
    "has_unresolved",
    "next_due_is_review",
)


def test_what_the_lists_show_of_the_current_stage_is_kept_as_the_bulk_fill_computes_it():
    # The transitions keep each row's list columns as they go; the set-based fill (for
    # rows written in bulk, and the migration) must compute the same from the tables.
    demo = build_partnership("stoke-on-trent")
    raiser, manager = demo.ladder["csc"][0], demo.ladder["csc"][1]
    waiting = transitions.raise_disagreement(raiser, raise_data(demo, "police"))
    waiting = discuss(raiser, waiting, outcome="ongoing", approve=False)
    approved = discuss(raiser, transitions.raise_disagreement(raiser, raise_data(demo, "health")))
    corrected = discuss(
        raiser, transitions.raise_disagreement(raiser, raise_data(demo, "school")), approve=False
    )
    record = corrected.records.get()
    corrected = transitions.perform(
        "correct",
        raiser,
        corrected.pk,
        corrected.version,
        {"record": record.pk, "summary": "Corrected summary.", "reason": "A date was wrong."},
    )
    both = transitions.raise_disagreement(raiser, raise_data(demo, "charity"))
    both = discuss(raiser, both, outcome="ongoing", approve=False)
    both = discuss(demo.ladder["charity"][0], both, outcome="ongoing", approve=False)
    escalated = escalate(raiser, discuss(raiser, transitions.raise_disagreement(
        raiser, raise_data(demo, "police"))))  # fmt: skip
    jersey = build_partnership("jersey")
    jersey_case = transitions.raise_disagreement(jersey.ladder["csc"][0], raise_data(jersey))
    kept = {row[0]: row[1:] for row in Disagreement.objects.values_list("pk", *LIST_COLUMNS)}
    assert kept[waiting.pk][3:] == (True, raiser.pk, False, True)
    assert kept[approved.pk][3:6] == (False, None, True)
    assert kept[jersey_case.pk][5] is False  # Jersey's stage 1: a deadline, not a review
    assert kept[corrected.pk][3] is True  # the correction waits; the old version does not
    assert kept[both.pk][3:5] == (True, None)  # two authors: anyone may be asked
    episode = fresh(escalated).current_episode()
    assert kept[escalated.pk][:3] == (
        episode.raising_actor_id,
        episode.receiving_actor_id,
        episode.led_by_role,
    )
    # Stage 2: no records yet; its next date is the one-day contact between the agencies,
    # a deadline before the stage's review date.
    assert kept[escalated.pk][3:] == (False, None, False, False)
    Disagreement.objects.update(
        awaiting_approval=False, current_raising_actor=None, next_due_is_review=False
    )
    live_lists.fill_list_columns()
    filled = {row[0]: row[1:] for row in Disagreement.objects.values_list("pk", *LIST_COLUMNS)}
    assert filled == kept
    assert manager.pk not in {row[4] for row in filled.values()}


def test_the_upgrade_marks_the_open_cases_whose_next_date_is_a_review_date():
    # Migration 0027 fills the flag for cases written before it, as the transitions keep it:
    # Stoke-on-Trent's stage 1 (no limit: a review date), its stage 2 (the one-day contact
    # between agencies comes first), Jersey's stage 1 (a deadline), a withdrawn case.
    import importlib

    fill = importlib.import_module(
        "rpd.disagreements.migrations.0027_cases_say_when_their_date_is_a_review"
    ).FILL
    stoke, jersey = build_partnership("stoke-on-trent"), build_partnership("jersey")
    raiser = stoke.ladder["csc"][0]
    review = transitions.raise_disagreement(raiser, raise_data(stoke, "police"))
    contact = escalate(raiser, discuss(raiser, transitions.raise_disagreement(
        raiser, raise_data(stoke, "health"))))  # fmt: skip
    deadline = transitions.raise_disagreement(jersey.ladder["csc"][0], raise_data(jersey))
    withdrawn = transitions.raise_disagreement(raiser, raise_data(stoke, "school"))
    withdrawn = transitions.perform(
        "withdraw", raiser, withdrawn.pk, withdrawn.version, {"reason": "Agreed informally"}
    )
    kept = dict(Disagreement.objects.values_list("pk", "next_due_is_review"))
    assert kept == {review.pk: True, contact.pk: False, deadline.pk: False, withdrawn.pk: False}
    Disagreement.objects.update(next_due_is_review=False)
    with connection.cursor() as cursor:
        cursor.execute(fill)
    assert dict(Disagreement.objects.values_list("pk", "next_due_is_review")) == kept
