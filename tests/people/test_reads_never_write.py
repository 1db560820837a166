"""Reading a page writes nothing: the session is saved only when it changes (its idle
timeout is renewed at most once a minute), so on SQLite a page view never takes the
database's one write lock."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rpd.dataprotection import readings
from tests.disagreements.pages import partnership_with_case

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 1, 7, 10, 0, tzinfo=datetime.UTC)
# Statements that write, or open a transaction (which on SQLite begins IMMEDIATE, taking
# the write lock, and in a test shows as a savepoint).
WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "SAVEPOINT", "BEGIN")


def writes(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as run:
        assert client.get(url).status_code == 200, url
    return [q["sql"] for q in run.captured_queries if q["sql"].lstrip().upper().startswith(WRITES)]


@pytest.fixture(autouse=True)
def no_second_factor_asked(settings):
    settings.RPD_REQUIRE_MFA = False


def test_page_views_write_nothing_and_the_session_is_renewed_at_most_once_a_minute(
    client, settings
):
    # The access log gathers the reads and writes them apart from the views (ADR 017).
    settings.RPD_ACCESS_LOG_FLUSH_SECONDS = 3600
    demo, raiser, d = partnership_with_case()
    pages = ["/", f"/disagreements/{d.pk}/", f"/disagreements/{d.pk}/record/"]
    with time_machine.travel(START, tick=False) as clock:
        client.force_login(raiser)
        # The first view renews the session (and My work makes the person's calendar
        # feed address, once ever).
        assert any("django_session" in sql for sql in writes(client, "/"))
        for url in pages * 2:
            assert writes(client, url) == [], url
        clock.shift(datetime.timedelta(seconds=59))
        assert writes(client, f"/disagreements/{d.pk}/") == []
        clock.shift(datetime.timedelta(seconds=1))  # a minute since the last touch
        renewed = writes(client, f"/disagreements/{d.pk}/")
        assert renewed[-1:] and "django_session" in renewed[-1], renewed
        client.force_login(demo.unit)
        writes(client, "/oversight/")
        assert writes(client, "/oversight/") == []
    # What the case pages read was gathered, and is written in one insert.
    with CaptureQueriesContext(connection) as run:
        assert readings.flush() >= 4
    assert [q["sql"].split()[0] for q in run.captured_queries] == ["INSERT"]
