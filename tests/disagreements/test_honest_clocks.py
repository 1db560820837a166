"""Honest clocks: raising meets the milestone it is, the case has one due date wherever it
is shown, and overdue reads the same everywhere."""

import datetime
import re

import pytest
import time_machine

from rpd.disagreements import presenters, queries, transitions
from rpd.notifications import feeds
from rpd.pathways.calendar import LONDON
from rpd.people.backends import UserBackend
from rpd.people.demo import build_partnership

from .helpers import discuss, escalate, fresh, raise_data

pytestmark = pytest.mark.django_db
MONDAY = datetime.datetime(2026, 11, 30, 10, tzinfo=LONDON)


def my_work_due(person, d) -> str:
    page_rows = queries.work_rows(UserBackend().get_user(person.pk))
    [row] = [r for r in page_rows if r.pk == d.pk]
    calendar = d.partnership.working_calendar()
    return presenters.due_in_words(
        row.status, row.next_due, MONDAY.date(), calendar, row.next_due_is_review
    )


@time_machine.travel(MONDAY, tick=False)
def test_raising_it_in_stoke_on_trent_is_raising_the_matter_with_the_other_practitioner(client):
    # The decision came the Monday before: "within a maximum of one working day" of it has
    # passed, but raising it here is raising it, so the case is not overdue the moment
    # it is raised (it was "2 working days overdue" before).
    demo = build_partnership("stoke-on-trent")
    social_worker = demo.ladder["csc"][0]
    d = transitions.raise_disagreement(
        social_worker, raise_data(demo, "police", challenged_on="2026-11-23")
    )
    [milestone] = d.current_episode().milestones.all()
    assert milestone.key == "raise-with-practitioner" and milestone.met_at is not None
    assert d.next_due == d.current_episode().due > MONDAY.date()
    client.force_login(social_worker)
    page = client.get(f"/disagreements/{d.pk}/").text
    assert "overdue" not in page
    assert "overdue" not in my_work_due(social_worker, d)


@time_machine.travel(MONDAY, tick=False)
def test_after_an_escalation_the_header_the_stage_the_list_and_the_feed_give_one_date(client):
    demo = build_partnership("stoke-on-trent")
    social_worker, manager = demo.ladder["csc"][0], demo.ladder["csc"][1]
    d = transitions.raise_disagreement(social_worker, raise_data(demo, "police"))
    d = fresh(escalate(social_worker, discuss(social_worker, d)))
    episode = d.current_episode()
    client.force_login(manager)
    page = client.get(f"/disagreements/{d.pk}/").text
    header = page.split('<h1 class="govuk-heading-l">')[1].split("</p>")[0]
    due = presenters.due_in_words(
        d.status, d.next_due, MONDAY.date(), d.partnership.working_calendar()
    )
    # The header names the deadline its date belongs to: here stage 2's first milestone.
    [milestone] = episode.milestones.all()
    assert d.next_due == milestone.due
    assert f"Next deadline, {milestone.name}:" in header.replace("&#x27;", "'")
    assert f"{due}." in header
    assert my_work_due(manager, d) == due
    # The stage lists the same date beside its own.
    assert f"{milestone.name}: due {milestone.due.day} {milestone.due:%B %Y}" in page.replace(
        "&#x27;", "'"
    )
    # The feed lists each deadline the manager owns, the soonest on the same date.
    assert min(e.due for e in feeds.deadlines(manager)) == d.next_due


@pytest.mark.parametrize(
    ("due", "today", "words"),
    [
        # Due on Friday, read on Saturday: no working day has passed since.
        (datetime.date(2026, 12, 4), datetime.date(2026, 12, 5), "overdue since Friday 4 December"),
        (
            datetime.date(2026, 11, 6),
            datetime.date(2026, 12, 14),
            "overdue since Friday 6 November (26 working days)",
        ),
    ],
)
def test_overdue_reads_the_same_on_every_page_and_list(due, today, words):
    calendar = build_partnership("stoke-on-trent").partnership.working_calendar()
    assert presenters.due_in_words("open", due, today, calendar) == words
    assert re.match(r"overdue since \w+day \d+ \w+", words)


def stage_2_in_stoke_on_trent():
    demo = build_partnership("stoke-on-trent")
    social_worker, manager = demo.ladder["csc"][0], demo.ladder["csc"][1]
    d = transitions.raise_disagreement(social_worker, raise_data(demo, "police"))
    return demo, manager, fresh(escalate(social_worker, discuss(social_worker, d)))


@time_machine.travel(MONDAY, tick=False)
def test_an_agreed_extension_moves_the_cases_one_due_date_everywhere(client):
    # Stoke-on-Trent §6: "extensions to timescales should be agreed and recorded". Agreed
    # to 15 December, the case is due then: not on the stage's earlier milestone.
    demo, manager, d = stage_2_in_stoke_on_trent()
    episode = d.current_episode()
    new_due = datetime.date(2026, 12, 15)
    d = fresh(
        transitions.perform(
            "extend",
            demo.ladder["police"][1],
            d.pk,
            d.version,
            {
                "asked_by": manager.pk,
                "reason": "Waiting for the school's notes",
                "new_due": new_due,
            },
        )
    )
    assert d.next_due == new_due
    [milestone] = episode.milestones.all()
    assert milestone.due == new_due  # carried along: it was due before the new date
    [extension] = episode.extensions.all()
    assert {m["name"] for m in extension.moves} == {"stage", milestone.name}  # recorded
    client.force_login(manager)
    page = client.get(f"/disagreements/{d.pk}/").text
    header = page.split('<h1 class="govuk-heading-l">')[1].split("</p>")[0]
    # Stage 2 has no limit in the policy: its date, extended, is still a review date.
    due = presenters.due_in_words(
        d.status, new_due, MONDAY.date(), d.partnership.working_calendar(), review=True
    )
    assert due.startswith("to be reviewed by Tuesday 15 December")
    assert f"{due[0].upper()}{due[1:]}." in header
    # The timeline says what the extension moved, from when to when (it said only the new
    # date, found by a try-out).
    timeline = page.split('id="timeline"')[1].split("</ol>")[0]
    extended = next(line for line in timeline.split("<li>") if "extended the deadline" in line)
    assert "The stage moved from " in extended and "to 15 December" in extended, extended
    assert f"{milestone.name} moved from ".replace("'", "&#x27;") in extended, extended
    assert my_work_due(manager, d) == due


def test_a_milestone_met_after_its_date_shows_as_met_late(client):
    with time_machine.travel(MONDAY, tick=False):
        demo, manager, d = stage_2_in_stoke_on_trent()
        [milestone] = d.current_episode().milestones.all()
    later = datetime.datetime.combine(milestone.due, datetime.time(10), LONDON)
    later += datetime.timedelta(days=3)
    with time_machine.travel(later, tick=False):
        d = discuss(manager, d, outcome="ongoing", meets=[milestone.key])
        client.force_login(manager)
        page = client.get(f"/disagreements/{d.pk}/").text.replace("&#x27;", "'")
    met = later.date()
    assert (
        f"{milestone.name}: due {milestone.due.day} {milestone.due:%B %Y}, "
        f"met late, on {met.day} {met:%B %Y}"
    ) in page


@time_machine.travel(MONDAY, tick=False)
def test_the_extend_page_says_what_the_stage_is_due_now_before_asking_for_the_new_date(client):
    # Agreeing a new date means knowing the old one: the page says it as the case page does.
    demo, manager, d = stage_2_in_stoke_on_trent()
    episode = d.current_episode()
    client.force_login(manager)
    page = client.get(f"/disagreements/{d.pk}/extend/").text
    due = presenters.due_in_words(
        d.status, episode.due, MONDAY.date(), d.partnership.working_calendar(), review=True
    )
    [said] = re.findall(r'<p class="govuk-body" id="stage-due">([^<]*)</p>', page)
    assert said == f"Stage 2 is {due}." and due.startswith("to be reviewed by")
    assert f"{episode.due.day} {episode.due:%B}" in said
