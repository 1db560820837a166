"""What contesting a resolution does is the pathway's to say: every seed escalates what a
stage did not resolve, and only Hillingdon gives a stage's leader the power to settle it
(§4 Stage Four: the Implementation Unit "may seek to resolve the issue directly")."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rpd.audit.log import events_for
from rpd.disagreements import transitions
from rpd.disagreements.models import ContestedResolution, ContestOutcome, Status
from rpd.notifications.models import Notice
from rpd.pathways import registry
from rpd.pathways.calendar import LONDON
from rpd.people.demo import build_partnership

from .helpers import discuss, escalate, fresh, raise_data, send_forms

pytestmark = pytest.mark.django_db
MONDAY = datetime.datetime(2026, 11, 30, 10, tzinfo=LONDON)
RESOLVED = {
    "agreed_outcome": "A joint visit and a plan.",
    "next_steps": "Both agencies attend the review.",
    "written_confirmation": "Confirmed by email to both agencies the same day.",
    "feedback_to_raiser": "Thank you: the challenge changed the plan.",
}
REASON = "The plan leaves the child at home with the adult of concern."
UPHELD = "The plan protects the child: the visit happens tomorrow and police attend."


def do(name, actor, d, **data):
    d = fresh(d)
    return fresh(transitions.perform(name, actor, d.pk, d.version, data))


@pytest.fixture
def hillingdon_contested_at_stage_4():
    """Resolved at stage 4 by the raising side, then contested by the other."""
    with time_machine.travel(MONDAY):
        demo = build_partnership("hillingdon")
        social_worker = demo.ladder["csc"][0]
        d = transitions.raise_disagreement(social_worker, raise_data(demo, "police"))
        while d.stage < 4:
            actor = fresh(d).current_episode().raising_actor
            d = escalate(actor, discuss(actor, d))
        episode = fresh(d).current_episode()
        d = send_forms(episode.raising_actor, discuss(episode.raising_actor, d, outcome="resolved"))
        d = do("resolve", episode.raising_actor, d, **RESOLVED)
        d = do("contest_resolution", episode.receiving_actor, d, reason=REASON)
        yield demo, d, episode


def test_every_seed_escalates_a_contested_resolution_and_only_hillingdon_4_has_a_leader_decide():
    # "If the problem is not resolved at stage one ... stage two" (Hillingdon §4), "If
    # unresolved, the problem should be referred to the worker's own line manager"
    # (Cambridgeshire §2.7), "If this has not resolved, then record and proceed to Stage 2"
    # (Jersey §4.3), "If following Stage 1 the disagreement remains" (Stoke-on-Trent §5),
    # "can be escalated" (Blackpool §6). A recommendation (Jersey's chair), a review
    # (Cambridgeshire's Head of Service) or acting with the parties (Stoke's Executive) is
    # no power to decide for them.
    deciding = {}
    for pathway in ("blackpool", "cambridgeshire", "hillingdon", "jersey", "stoke-on-trent"):
        pack = registry.get(pathway).pack
        *upper, last = pack.stages
        assert all(pack.contest_escalates(s.number) for s in upper), pathway
        assert not pack.contest_escalates(last.number)  # nowhere to go: it reopens
        deciding[pathway] = [s.number for s in pack.stages if pack.leader_decides_contest(s.number)]
    assert deciding == {
        "blackpool": [],
        "cambridgeshire": [],
        "hillingdon": [4],
        "jersey": [],
        "stoke-on-trent": [],
    }


def test_hillingdon_4_a_contested_resolution_waits_for_the_implementation_unit_to_decide(
    hillingdon_contested_at_stage_4, client
):
    demo, d, episode = hillingdon_contested_at_stage_4
    [contested] = ContestedResolution.objects.filter(disagreement=d)
    assert contested.outcome == ContestOutcome.AWAITING_LEADER
    assert (d.status, d.stage, d.closed_at) == (Status.OPEN, 4, None)
    # Asked of the Unit alone, by the rule that lets it decide, and told so.
    assert [(s["name"], s["people"]) for s in d.next_steps] == [
        ("decide_contested", [demo.unit.pk])
    ]
    [asked] = Notice.objects.filter(
        disagreement=d, recipient=demo.unit, subject__contains="awaits your decision"
    )
    assert REASON not in asked.body_text  # no free text about a case in an email
    # Nobody resolves or escalates round the Unit meanwhile, and the sides cannot decide.
    with time_machine.travel(MONDAY):
        for actor in (episode.raising_actor, episode.receiving_actor):
            with pytest.raises(transitions.NotAllowed):
                do("decide_contested", actor, d, decision="uphold", reason=UPHELD)
        with pytest.raises(transitions.NotAllowed, match="leader first decides"):
            do("resolve", episode.raising_actor, d, **RESOLVED)
    client.force_login(demo.unit)
    page = client.get(f"/disagreements/{d.pk}/").text
    assert "You must decide the contested resolution" in page
    assert REASON in page and "Awaiting the decision of Safeguarding Partnership" in page


def test_hillingdon_4_the_implementation_unit_upholds_a_contested_resolution_and_it_closes(
    hillingdon_contested_at_stage_4, client
):
    demo, d, episode = hillingdon_contested_at_stage_4
    with time_machine.travel(MONDAY):
        d = do("decide_contested", demo.unit, d, decision="uphold", reason=UPHELD)
    assert d.status == Status.RESOLVED and d.closed_at is not None
    assert d.resolution.agreed_outcome == RESOLVED["agreed_outcome"]
    assert d.resolution.resolved_by == episode.raising_actor
    assert d.resolution.confirmed_by == demo.unit  # the Unit's decision confirms it
    assert d.next_steps == []
    [contested] = ContestedResolution.objects.filter(disagreement=d)
    assert (contested.outcome, contested.decided_by) == (ContestOutcome.UPHELD, demo.unit)
    [event] = [e for e in events_for(d.audit_target) if e.action == "disagreement.decide_contested"]
    assert event.data["decision"] == "upheld"
    client.force_login(episode.receiving_actor)
    page = client.get(f"/disagreements/{d.pk}/").text
    assert f"Upheld by {demo.unit.display_name}" in page and UPHELD in page
    assert f"Upheld by the stage&#x27;s leader: {demo.unit.display_name}" in page
    told = Notice.objects.filter(disagreement=d, subject__contains="contested resolution decided")
    assert episode.receiving_actor.pk in {n.recipient_id for n in told}
    assert all(UPHELD not in n.body_text for n in told)


def test_hillingdon_4_a_contested_resolution_not_upheld_keeps_the_last_stage_open(
    hillingdon_contested_at_stage_4,
):
    demo, d, episode = hillingdon_contested_at_stage_4
    with time_machine.travel(MONDAY):
        d = do("decide_contested", demo.unit, d, decision="not-upheld", reason=UPHELD)
    assert (d.status, d.stage) == (Status.OPEN, 4)
    [contested] = ContestedResolution.objects.filter(disagreement=d)
    assert contested.outcome == ContestOutcome.REOPENED
    assert {s["name"] for s in d.next_steps} != {"decide_contested"}
    with pytest.raises(transitions.NotAllowed, match="awaits a decision"):
        do("decide_contested", demo.unit, d, decision="uphold", reason=UPHELD)


def test_deciding_a_contested_resolution_with_nothing_chosen_is_a_named_error(
    hillingdon_contested_at_stage_4, client
):
    demo, d, _ = hillingdon_contested_at_stage_4
    client.force_login(demo.unit)
    url = f"/disagreements/{d.pk}/decide-contested/"
    page = client.get(url)
    assert page.status_code == 200 and "Do you uphold the resolution?" in page.text
    response = client.post(url, {"version": d.version, "decision": "", "reason": ""})
    assert response.status_code == 400
    assert "Select whether you uphold the resolution" in response.text
    assert "Enter your reasons" in response.text
    response = client.post(url, {"version": d.version, "decision": "overrule", "reason": "x"})
    assert response.status_code == 400
    assert fresh(d).version == d.version and fresh(d).status == Status.OPEN


def test_the_contested_resolutions_come_with_who_resolved_contested_and_decided_them(
    hillingdon_contested_at_stage_4,
):
    # Read with the case's people in one go, so the list on the case page costs no query
    # a row.
    _, d, episode = hillingdon_contested_at_stage_4
    rows = transitions.contested_of(fresh(d))
    with CaptureQueriesContext(connection) as queries:
        people = [(c.resolved_by, c.contested_by, c.decided_by) for c in rows]
    assert people == [(episode.raising_actor, episode.receiving_actor, None)]
    assert len(queries) == 0
