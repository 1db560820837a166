"""The case's stages say where it stands: a stage the case was fast-tracked past reads
"Skipped", one a closed case never came to "Not reached", one still ahead "Not started"."""

import datetime
import zoneinfo

import pytest
import time_machine

from rpd.disagreements import presenters, transitions
from rpd.pathways.calendar import today
from rpd.people.demo import build_partnership

from .helpers import fresh, raise_data

pytestmark = pytest.mark.django_db


def states(d) -> list[str]:
    d = fresh(d)
    return [v.state for v in presenters.stage_tracker(d, list(d.episodes.all()), today())]


def test_hillingdon_fast_tracked_to_stage_3_shows_stages_1_and_2_skipped(client):
    # Hillingdon: "a risk of immediate harm, so discretion is used as to which stage is
    # initiated".
    demo = build_partnership("hillingdon")
    data = raise_data(demo, start_stage=3, risk="immediate", fast_track_reason="Risk tonight")
    d = transitions.raise_disagreement(demo.ladder["csc"][0], data)
    assert states(d) == ["skipped", "skipped", "current", "not started"]
    client.force_login(demo.ladder["csc"][0])
    page = client.get(f"/disagreements/{d.pk}/").text
    assert page.count(">Skipped<") == 2 and ">Not started<" in page


def test_a_case_withdrawn_at_stage_1_never_reached_the_rest():
    demo = build_partnership("stoke-on-trent")
    raiser = demo.ladder["csc"][0]
    d = transitions.raise_disagreement(raiser, raise_data(demo))
    transitions.perform("withdraw", raiser, d.pk, d.version, {"reason": "Agreed informally"})
    assert states(d) == ["done"] + ["not reached"] * (len(d.pack.stages) - 1)


def test_stoke_on_trents_stage_1_shows_a_review_date_not_a_deadline(client):
    # §5 sets stage 1 no limit, only on raising the matter: its date is when the case is
    # reviewed so that it does not drift, and the page says so rather than "due".
    demo = build_partnership("stoke-on-trent")
    raiser = demo.ladder["csc"][0]
    d = transitions.raise_disagreement(raiser, raise_data(demo))
    client.force_login(raiser)
    page = client.get(f"/disagreements/{d.pk}/").text
    due = d.current_episode().due
    assert f"to be reviewed by {due.day} {due:%B %Y} (the policy sets this stage no deadline)" in (
        page
    )
    assert f"; due {due.day} {due:%B %Y}" not in page


def test_jerseys_stage_1_keeps_its_deadline():
    # Jersey §4.2: "each stage should take no longer than 5 working days".
    demo = build_partnership("jersey")
    d = transitions.raise_disagreement(demo.ladder["csc"][0], raise_data(demo))
    [first, *_] = presenters.stage_tracker(fresh(d), list(d.episodes.all()), today())
    assert not first.review and first.due_words


def test_stoke_on_trents_review_date_reads_the_same_on_the_header_the_banner_and_my_work(client):
    # One wording for the case's date everywhere: a review date (no limit in the policy) is
    # "to be reviewed by", on the page's header and its next-step banner as on the stage,
    # and on the lists, never "due".
    demo = build_partnership("stoke-on-trent")
    raiser = demo.ladder["csc"][0]
    d = fresh(transitions.raise_disagreement(raiser, raise_data(demo)))
    due = d.current_episode().due
    assert d.next_due == due and d.next_due_is_review
    when = f"{due:%A} {due.day} {due:%B}"
    reader = demo.ladder["police"][0]  # the one asked to record the discussion
    client.force_login(reader)
    page = client.get(f"/disagreements/{d.pk}/").text
    assert f"To be reviewed by {when}" in page  # the header
    assert f"The case is to be reviewed by {when}" in page  # the banner
    assert "Next deadline" not in page and "It is due" not in page
    rows = client.get("/").text
    assert f"to be reviewed by {when}" in rows and "due in" not in rows
    # The timeline says what the raise set: a date to review the case by.
    said = [e.detail for e in presenters.timeline(presenters.history(d), {}, {}, today())]
    assert f"To be reviewed by {due.day} {due:%B}" in said[0] and "due" not in said[0], said


def test_a_review_date_passed_reads_as_a_review_overdue_not_a_deadline_missed():
    # The policy set the stage no limit: what is overdue is the case's review.
    calendar = build_partnership("stoke-on-trent").partnership.working_calendar()
    day = today()
    before = day - datetime.timedelta(days=7)
    words = presenters.due_in_words("open", before, day, calendar, review=True)
    assert words.startswith("review overdue since")
    assert presenters.due_in_words("open", day, day, calendar, review=True) == (
        "to be reviewed today"
    )


def test_a_case_past_its_review_date_says_its_review_is_overdue(client):
    # Stoke-on-Trent's stage 1 has no limit: past its date, the header and the banner say
    # the case's review is overdue (a red "Overdue" tag beside), not that a limit passed.
    demo = build_partnership("stoke-on-trent")
    d = transitions.raise_disagreement(demo.ladder["csc"][0], raise_data(demo))
    due = fresh(d).next_due
    later = datetime.datetime.combine(due + datetime.timedelta(days=7), datetime.time(10))
    with time_machine.travel(later.replace(tzinfo=zoneinfo.ZoneInfo("Europe/London"))):
        client.force_login(demo.ladder["police"][0])
        page = client.get(f"/disagreements/{d.pk}/").text
    header = page.split('<h1 class="govuk-heading-l">')[1].split("</p>")[0]
    assert '<strong class="govuk-tag govuk-tag--red">Overdue</strong>' in header
    assert f"Review overdue since {due:%A} {due.day} {due:%B}" in header
    assert f"Review overdue since {due:%A} {due.day} {due:%B}" in page.split('id="next-step"')[1]
    assert "The case is overdue" not in page and "The case is review" not in page
