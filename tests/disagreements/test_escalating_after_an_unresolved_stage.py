"""After an unresolved discussion that left out what the stage must record, the way on is
said: the next step names what is still to record, the escalate page asks nothing of
what only a resolution records ("where resolved, the agreed points of resolution") and
links to recording the rest (Stoke-on-Trent §5 Stage 1: "a clear, evidence-based
reason")."""

import html
import re

import pytest

from rpd.disagreements import transitions

from .helpers import discuss, fresh
from .pages import partnership_with_case

pytestmark = pytest.mark.django_db
REASON = "A clear, evidence-based reason for the disagreement"
RESOLUTION = "Where resolved, the agreed points of resolution"


@pytest.fixture
def unresolved():
    """Stoke-on-Trent stage 1: the receiving side recorded it unresolved, approved,
    covering nothing the stage must record."""
    demo, raiser, d = partnership_with_case()
    d = discuss(demo.ladder["police"][0], d, outcome="unresolved", covers=[])
    return demo, raiser, fresh(d)


def test_the_next_step_names_what_the_stage_must_still_record(unresolved, client):
    demo, raiser, d = unresolved
    [step] = transitions.steps_for(d)
    assert step.name == "record"
    assert REASON in step.what and RESOLUTION not in step.what  # only where resolved
    client.force_login(raiser)
    page = client.get(f"/disagreements/{d.pk}/").text
    assert REASON in page


@pytest.fixture
def unresolved_with_the_reason():
    """The same, the record covering the evidence-based reason but not the resolution."""
    demo, raiser, d = partnership_with_case()
    d = discuss(demo.ladder["police"][0], d, outcome="unresolved", covers=["evidence-based-reason"])
    return demo, raiser, fresh(d)


def test_escalating_is_not_offered_until_what_cannot_be_left_out_is_recorded(unresolved, client):
    # Offered, it could only be refused: the case page says what to record first instead.
    demo, raiser, d = unresolved
    client.force_login(raiser)
    assert "escalate" not in transitions.allowed(raiser, d)
    assert client.get(f"/disagreements/{d.pk}/escalate/").status_code == 404
    page = client.get(f"/disagreements/{d.pk}/").text
    assert f'href="/disagreements/{d.pk}/escalate/"' not in page
    assert f"first record a discussion covering what stage 1 must still record ({REASON}" in page


def test_the_escalate_page_asks_nothing_of_what_only_a_resolution_records(
    unresolved_with_the_reason, client
):
    demo, raiser, d = unresolved_with_the_reason
    client.force_login(raiser)
    page = client.get(f"/disagreements/{d.pk}/escalate/").text
    assert 'name="na-' not in page and RESOLUTION not in page
    assert "(optional)" not in page


def test_the_escalate_page_says_who_takes_over_and_the_new_date_as_escalating_sets_them(
    unresolved_with_the_reason, client
):
    # Stoke-on-Trent stage 2: "Team Manager to Team Manager / Sergeant"; the page said only
    # the stage's name (found by a try-out). What it says is what escalating then does.
    demo, raiser, d = unresolved_with_the_reason
    client.force_login(raiser)
    page = client.get(f"/disagreements/{d.pk}/escalate/").text
    listed = page.split('id="who-takes-over"')[1].split("</ul>")[0]
    said = html.unescape(page.split('id="new-date">')[1].split("</p>")[0])
    response = client.post(
        f"/disagreements/{d.pk}/escalate/", {"version": d.version, "reason": "Still unsafe"}
    )
    assert response.status_code == 302
    episode = fresh(d).current_episode()
    for agency, actor in (
        (d.raising_agency, episode.raising_actor),
        (d.receiving_agency, episode.receiving_actor),
    ):
        assert f"<strong>{html.escape(agency.name)}</strong>: {actor.display_name}" in listed
    assert actor != demo.ladder["police"][0]  # the next rung up, not the officer again
    due = episode.due
    # Stoke-on-Trent's stage 2 has no limit in the policy: a date to review it by.
    assert said.startswith(f"Stage 2 would be reviewed by {due:%A} {due.day} {due:%B}"), said
    # Its milestone of contact between the line managers comes sooner: said too (a try-out
    # found the case "due tomorrow" straight after a page that said only the review date).
    milestones = page.split('id="milestones-to-come"')[1].split("</ul>")[0]
    for m in episode.milestones.exclude(due=None):
        assert f"<strong>{html.escape(m.name)}</strong>: due" in milestones, milestones
    assert episode.milestones.exclude(due=None).exists()


def test_an_unresolved_stage_escalates_with_its_reason_alone(unresolved_with_the_reason, client):
    demo, raiser, d = unresolved_with_the_reason
    client.force_login(raiser)
    typed = "Still unsafe: the referral was closed without a visit"
    response = client.post(
        f"/disagreements/{d.pk}/escalate/", {"version": d.version, "reason": typed}
    )
    assert response.status_code == 302
    assert fresh(d).stage == 2


def test_the_record_form_says_which_items_the_stage_still_lacks(unresolved, client):
    demo, raiser, d = unresolved
    client.force_login(raiser)
    page = client.get(f"/disagreements/{d.pk}/record/").text
    hint = re.search(r'id="id_covers_helptext"[^>]*>(.*?)</div>', page, re.S).group(1)
    assert f"still lacks: {REASON}" in hint
    assert f"If it resolves, it must also cover: {RESOLUTION}" in hint


def test_resolving_is_not_offered_until_what_cannot_be_left_out_is_recorded(client):
    # A record saying "resolved", approved, that covers nothing the stage must record: the
    # resolution form could only be refused, so the case asks for the record first.
    demo, raiser, d = partnership_with_case()
    d = fresh(discuss(demo.ladder["police"][0], d, outcome="resolved", covers=[]))
    assert "resolve" not in transitions.allowed(raiser, d)
    client.force_login(raiser)
    assert client.get(f"/disagreements/{d.pk}/resolve/").status_code == 404
    [step] = transitions.steps_for(d)
    assert step.name == "record" and REASON in step.what
    d = fresh(discuss(demo.ladder["police"][0], d, outcome="resolved"))  # covering it all
    assert "resolve" in transitions.allowed(raiser, d)
