"""Oversight lists for the partnership unit and board chair, filterable by agency and
stage, overdue first, served by the live-list index."""

import contextlib

import pytest
from django.db import connection

from rpd.disagreements import transitions

from .helpers import raise_data
from .pages import partnership_with_case

pytestmark = pytest.mark.django_db


def test_only_the_unit_and_chair_have_the_oversight_list(client):
    demo, raiser, d = partnership_with_case()
    for user in (demo.unit, demo.chair):
        client.force_login(user)
        assert d.reference in client.get("/oversight/").text
    client.force_login(raiser)
    assert client.get("/oversight/").status_code == 404


def test_filters_by_agency_stage_and_state(client):
    demo, raiser, d = partnership_with_case()
    other = transitions.raise_disagreement(demo.ladder["health"][0], raise_data(demo, "school"))
    client.force_login(demo.unit)
    police = client.get(f"/oversight/?agency={demo.agencies['police'].pk}").text
    assert d.reference in police and other.reference not in police
    assert d.reference not in client.get("/oversight/?show=paused").text
    assert d.reference not in client.get("/oversight/?stage=2").text
    assert d.reference not in client.get("/oversight/?show=upper").text
    # Nonsense filters fall back to showing everything, never an error.
    assert (
        client.get("/oversight/?show=%00&agency=abc&stage=999999999999999999999").status_code == 200
    )


def plans(run) -> list[str]:
    """SQLite's plan of each list query, its values bound as the page bound them: SQLite
    plans a partial index only for constants it can see in the text, so a plan of the text
    with the values written in would not be the plan the page ran."""
    found = []
    with connection.cursor() as cursor:
        for sql, params in run:
            if "ORDER BY" in sql and "next_due" in sql:
                cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
                found.append(" ".join(str(row) for row in cursor.fetchall()))
    return found


@pytest.mark.skipif(connection.vendor != "sqlite", reason="reads SQLite's query plan")
def test_the_oversight_list_walks_the_live_index_in_the_order_it_is_shown(client):
    demo, _, _ = partnership_with_case()
    client.force_login(demo.unit)
    with recording() as run:
        client.get("/oversight/")
    [plan] = plans(run)
    assert "disagreement_live_due_idx" in plan and "TEMP B-TREE" not in plan


@pytest.mark.skipif(connection.vendor != "sqlite", reason="reads SQLite's query plan")
def test_a_safeguarding_leads_list_walks_each_agency_index_in_the_order_it_is_shown(client):
    demo, _, _ = partnership_with_case()
    client.force_login(demo.lead["csc"])
    with recording() as run:
        client.get("/")
    _, raised, received = plans(run)
    assert "disagreement_live_raise_idx" in raised and "TEMP B-TREE" not in raised
    assert "disagreement_live_recv_idx" in received and "TEMP B-TREE" not in received


@contextlib.contextmanager
def recording():
    run = []

    def record(execute, sql, params, many, context):
        run.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        yield run
