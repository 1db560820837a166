"""A practitioner's closed disagreements: resolved and withdrawn, theirs and their team's,
latest closed first, each saying how it ended; nobody else's."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rpd.disagreements import queries, transitions
from rpd.people.demo import build_partnership

from .helpers import raise_data

pytestmark = pytest.mark.django_db
UTC = datetime.UTC


@pytest.fixture
def demo():
    return build_partnership("stoke-on-trent")


def withdraw(d, by, on: datetime.datetime):
    with time_machine.travel(on, tick=False):
        transitions.perform("withdraw", by, d.pk, d.version, {"reason": "Agreed informally"})


def test_closed_cases_are_listed_latest_closed_first_and_open_ones_are_not(demo, client):
    raiser = demo.ladder["csc"][0]
    first, second, still_open = (
        transitions.raise_disagreement(raiser, raise_data(demo)) for _ in range(3)
    )
    withdraw(second, raiser, datetime.datetime(2026, 11, 2, 10, tzinfo=UTC))
    withdraw(first, raiser, datetime.datetime(2026, 11, 20, 10, tzinfo=UTC))
    rows = queries.closed_rows(raiser)
    assert [r.reference for r in rows] == [first.reference, second.reference]
    client.force_login(raiser)
    page = client.get("/disagreements/closed/").text
    assert page.index(first.reference) < page.index(second.reference)
    assert still_open.reference not in page
    assert "Withdrawn" in page and "20 November 2026" in page
    assert "Closed disagreements" in client.get("/").text  # linked from My work


def test_the_other_agency_and_the_managers_see_it_and_no_one_else_does(demo, client):
    raiser = demo.ladder["csc"][0]
    d = transitions.raise_disagreement(raiser, raise_data(demo))
    withdraw(d, raiser, datetime.datetime(2026, 11, 20, 10, tzinfo=UTC))
    for person in (demo.ladder["police"][0], demo.ladder["csc"][1]):
        assert [r.reference for r in queries.closed_rows(person)] == [d.reference]
    assert queries.closed_rows(demo.outsider) == []
    client.force_login(demo.outsider)
    page = client.get("/disagreements/closed/")
    assert page.status_code == 200
    assert d.reference not in page.text and "You have no closed disagreements." in page.text


def test_the_list_reads_the_same_queries_however_many_cases_closed(demo):
    raiser = demo.ladder["csc"][0]
    at = datetime.datetime(2026, 11, 2, 10, tzinfo=UTC)

    def queries_for_the_list():
        with CaptureQueriesContext(connection) as read:
            queries.closed_rows(raiser)
        return len(read.captured_queries)

    withdraw(transitions.raise_disagreement(raiser, raise_data(demo)), raiser, at)
    one = queries_for_the_list()
    for n in range(5):
        d = transitions.raise_disagreement(raiser, raise_data(demo))
        withdraw(d, raiser, at + datetime.timedelta(days=n + 1))
    assert queries_for_the_list() == one


def test_fifty_a_page_and_a_bad_page_number_is_the_first(demo, client):
    raiser = demo.ladder["csc"][0]
    client.force_login(raiser)
    for value in ("abc", "-1", "0", "99999999999999999999", "<script>"):
        response = client.get("/disagreements/closed/", {"page": value})
        assert response.status_code == 200, value
    assert [r.reference for r in queries.closed_rows(raiser, limit=50, offset=50)] == []
