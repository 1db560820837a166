"""A person's line management is read up the chain in one query whose every rung is found
by its key: as quick among a region's thousands of people as among a team's."""

from __future__ import annotations

import json
import re

import pytest
from django.db import connection

from rpd.people.models import Agency, User, chain_sql

pytestmark = pytest.mark.django_db

PEOPLE = 2_500


def people_with_a_chain_of_four() -> list[User]:
    agency = Agency.objects.create(name="Synthetic Agency", type="children_social_care")
    User.objects.bulk_create(
        User(username=f"person-{i}", email=f"person-{i}@example.org", agency=agency)
        for i in range(PEOPLE)
    )
    chain = list(User.objects.filter(agency=agency).order_by("pk")[:5])
    for person, manager in zip(chain, chain[1:], strict=False):
        person.line_manager = manager
        person.save(update_fields=["line_manager"])
    return chain


def test_the_chain_above_a_person_is_each_manager_nearest_first():
    worker, *managers = people_with_a_chain_of_four()
    assert worker.chain_ids() == [m.pk for m in managers]
    # A loop in bad data ends where it closes.
    User.objects.filter(pk=managers[-1].pk).update(line_manager=managers[0])
    assert worker.chain_ids() == [m.pk for m in managers]


def test_each_rung_of_the_chain_is_found_by_its_key_not_by_reading_everyone():
    worker = people_with_a_chain_of_four()[0]
    table = User._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {table}")  # as autovacuum keeps a live table's statistics
            cursor.execute("EXPLAIN (FORMAT JSON) " + chain_sql(), [worker.pk])
            plan = json.dumps(cursor.fetchone()[0])
            # A join lets the planner choose, by its statistics, to hash the whole table at
            # each rung (as it did at 2,500 people in bench/pages.py): a lookup cannot.
            nodes = set(re.findall(r'"Node Type": "([^"]+)"', plan))
            assert not nodes & {"Seq Scan", "Hash Join", "Merge Join", "Nested Loop"}, plan
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + chain_sql(), [worker.pk])
            steps = [row[-1] for row in cursor.fetchall()]
            assert not [s for s in steps if s.startswith("SCAN") and table in s], steps
