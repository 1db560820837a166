"""My work: the reader's and their team's disagreements, overdue first, due dates in
words, who has the next step, in one query however long the list."""

import datetime
import html

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rpd.disagreements import access, presenters, queries, transitions
from rpd.pathways.calendar import LONDON, get_calendar
from rpd.people.backends import UserBackend
from rpd.people.demo import build_partnership

from .helpers import discuss, escalate, raise_data

CAL = get_calendar("england-and-wales")
MONDAY = datetime.date(2026, 11, 30)


@pytest.mark.parametrize(
    ("status", "due", "today", "words"),
    [
        ("open", MONDAY, MONDAY, "due today"),
        ("open", datetime.date(2026, 12, 1), MONDAY, "due tomorrow"),
        ("open", datetime.date(2026, 12, 3), MONDAY, "due in 3 working days (Thursday 3 December)"),
        (
            "open",
            datetime.date(2026, 11, 27),
            datetime.date(2026, 12, 1),
            "overdue since Friday 27 November (2 working days)",
        ),
        (
            "open",
            datetime.date(2026, 11, 27),
            MONDAY,
            "overdue since Friday 27 November (1 working day)",
        ),
        (
            "open",
            datetime.date(2026, 12, 24),
            datetime.date(2026, 12, 29),
            "overdue since Thursday 24 December (1 working day)",
        ),
        # Due on a working day, read at the weekend: no working day has passed since.
        (
            "open",
            datetime.date(2026, 12, 4),
            datetime.date(2026, 12, 5),
            "overdue since Friday 4 December",
        ),
        ("paused", datetime.date(2026, 12, 3), MONDAY, "paused until 3 December"),
        ("paused", datetime.date(2027, 1, 4), MONDAY, "paused until 4 January 2027"),
        ("resolved", None, MONDAY, "resolved"),
    ],
)
def test_due_dates_read_in_words_on_the_working_calendar(status, due, today, words):
    # 25 and 28 December 2026 are bank holidays (Boxing Day falls on a Saturday).
    assert presenters.due_in_words(status, due, today, CAL) == words


def at(day: datetime.date, hour=10):
    return time_machine.travel(datetime.datetime(day.year, day.month, day.day, hour, tzinfo=LONDON))


@pytest.mark.django_db
def test_overdue_disagreements_come_first_with_the_next_step_named(client):
    demo = build_partnership("jersey")
    raiser = demo.ladder["csc"][0]
    with at(datetime.date(2026, 11, 2)):
        old = transitions.raise_disagreement(raiser, raise_data(demo))
    with at(datetime.date(2026, 11, 30)):
        new = transitions.raise_disagreement(raiser, raise_data(demo, "health"))
        client.force_login(raiser)
        page = client.get("/").text
    assert page.index(old.reference) < page.index(new.reference)
    assert "overdue since" in page
    assert "You must record the stage 1 discussion" in page
    assert "Outlook" in page and "/calendar/" in page


def _raise_many(demo, n):
    raiser = demo.ladder["csc"][0]
    keys = ["police", "health", "school", "charity"]
    for i in range(n):
        transitions.raise_disagreement(raiser, raise_data(demo, keys[i % len(keys)]))
    return raiser


@pytest.mark.django_db
@pytest.mark.parametrize("cases", [1, 12])
def test_the_list_is_two_queries_however_many_rows(cases):
    # One for the page's disagreements in the order shown, one for their rows.
    demo = build_partnership("stoke-on-trent")
    raiser = _raise_many(demo, cases)
    manager = UserBackend().get_user(demo.ladder["csc"][1].pk)
    for person in (UserBackend().get_user(raiser.pk), manager):
        with CaptureQueriesContext(connection) as queries_run:
            rows = queries.work_rows(person)
        assert len(rows) == cases
        assert len(queries_run) == 2


@pytest.mark.django_db
def test_a_safeguarding_leads_list_merges_raised_and_received_soonest_due_first_page_by_page():
    demo = build_partnership("stoke-on-trent")
    csc, police = demo.ladder["csc"][0], demo.ladder["police"][0]
    for day in range(2, 14):
        raiser = csc if day % 2 else police  # the lead's agency raises half, receives half
        with at(datetime.date(2026, 11, day)):
            transitions.raise_disagreement(raiser, raise_data(demo, "health" if day % 2 else "csc"))
    lead = UserBackend().get_user(demo.lead["csc"].pk)
    whole = [r.pk for r in queries.work_rows(lead, 50)]
    shown = [
        (d.next_due, d.pk)
        for d in sorted(access.visible_to(lead, partnership_wide=False), key=lambda d: d.pk)
    ]
    assert whole == [pk for _, pk in sorted(shown)] and len(whole) == 12
    pages = [r.pk for n in range(3) for r in queries.work_rows(lead, 5, 5 * n)]
    assert pages == whole
    with CaptureQueriesContext(connection) as queries_run:
        queries.work_rows(lead, 5, 5)
    assert len(queries_run) == 4  # viewer rows, raised, received, then the rows


@pytest.mark.django_db
def test_the_page_costs_the_same_number_of_queries_at_one_row_and_at_many(client):
    counts = []
    for n, slug in ((1, "one"), (10, "many")):
        demo = build_partnership("stoke-on-trent", slug)
        raiser = _raise_many(demo, n)
        client.force_login(raiser)
        client.get("/")  # the feed address is made on first use
        with CaptureQueriesContext(connection) as run:
            assert client.get("/").status_code == 200
        counts.append(len(run))
    assert counts[0] == counts[1]


@pytest.mark.django_db
def test_a_manager_sees_their_teams_disagreements_and_who_must_act(client):
    demo = build_partnership("stoke-on-trent")
    raiser = _raise_many(demo, 1)
    client.force_login(demo.ladder["csc"][1])
    page = client.get("/").text
    assert raiser.display_name in page
    client.force_login(demo.outsider)
    assert "You have no open disagreements" in client.get("/").text


@pytest.mark.django_db
def test_my_work_needs_sign_in(client):
    assert client.get("/").status_code == 302


@pytest.mark.django_db
def test_a_row_says_a_record_of_this_stage_awaits_approval_and_by_whom():
    demo = build_partnership("stoke-on-trent")
    raiser, manager = demo.ladder["csc"][0], demo.ladder["csc"][1]
    with at(MONDAY):
        d = transitions.raise_disagreement(raiser, raise_data(demo))
        discuss(raiser, d, outcome="unresolved", approve=False)
    [mine] = queries.work_rows(UserBackend().get_user(raiser.pk))
    [theirs] = queries.work_rows(UserBackend().get_user(manager.pk))
    assert mine.awaiting_approval and not mine.awaiting_my_approval and mine.has_unresolved
    assert theirs.awaiting_my_approval
    with at(MONDAY):
        escalate(raiser, discuss(raiser, d, outcome="unresolved"))
    # Stage 2 has no records of its own yet: stage 1's waiting record is not its business.
    [moved] = queries.work_rows(UserBackend().get_user(manager.pk))
    assert moved.stage == 2 and not moved.awaiting_approval and not moved.has_unresolved


@pytest.mark.django_db
def test_an_agency_copied_in_reads_both_agencies_not_the_raiser_as_the_other_one(client):
    """A copied agency's lead is on neither side: "Other agency: Children's Social Care"
    would read as though the case were between their agency and the raiser's."""
    demo = build_partnership("stoke-on-trent")
    school = demo.agencies["school"]
    with time_machine.travel(datetime.datetime(2026, 11, 30, 10, tzinfo=LONDON), tick=False):
        d = transitions.raise_disagreement(
            demo.ladder["csc"][0], raise_data(demo, copied_agencies=[school.pk])
        )
        client.force_login(demo.lead["school"])
        page = client.get("/").text
        raiser = client_row(client, demo.ladder["csc"][0], d.reference)
    both = f"{demo.agencies['csc'].name} with {demo.agencies['police'].name}"
    assert d.reference in page  # the copied agency's lead has it on My work
    row = page[page.index(d.reference) : page.index("</tr>", page.index(d.reference))]
    assert both in html.unescape(row)
    assert demo.agencies["police"].name in raiser and both not in raiser


def client_row(client, user, reference):
    client.force_login(user)
    page = client.get("/").text
    return html.unescape(page[page.index(reference) : page.index("</tr>", page.index(reference))])
