"""Lists cost a fixed number of queries however many rows they show."""

from __future__ import annotations

import datetime

import pytest
import time_machine

from rpd.disagreements import transitions
from rpd.disagreements.models import Disagreement
from rpd.disagreements.queries import open_disagreements
from rpd.people.demo import build_partnership
from rpd.people.models import User

from .helpers import discuss, escalate, raise_data

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 1, 7, 10, 0, tzinfo=datetime.UTC)
RECEIVERS = ["police", "health", "school", "charity"]

# Queries to list one person's open disagreements, whatever the number of rows:
# one per level of line management below them (`subordinate_ids` walks down until it
# finds nobody), one for their roles, one for their agency (`partnership_id`, only
# for the roles that need it) and one for the list itself, due dates and names included.
QUERIES = {
    "raiser": 3,  # no reports; roles; the list
    "raiser-manager": 4,  # two levels down (the practitioners, then nobody); roles; the list
    "raising-lead": 3,  # no reports; roles; the list (the agency id is on the user row)
    "unit": 4,  # no reports; roles; the unit's agency, for its partnership; the list
}


def listing(user: User) -> list[tuple]:
    """What a list page shows for each row."""
    return [
        (
            d.reference,
            str(d.subject),
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
            user = User.objects.get(pk=people[who].pk)  # as a request would load it
            with django_assert_num_queries(queries):
                listed = listing(user)
            assert len(listed) == start + rows, who

    # The annotated due date is the current stage's, row by row.
    for reference, _, stage, stage_due, *_ in listed:
        d = Disagreement.objects.get(partnership=demo.partnership, reference=reference)
        assert (stage, stage_due) == (d.stage, d.current_episode().due)
    assert {row[2] for row in listed} == {1, 2}
    assert {row[6] for row in listed} == {demo.agencies[key].name for key in RECEIVERS}
