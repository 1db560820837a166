"""Routes the seeds allow besides climbing one rung at a time: a recorded jump to a higher
stage mid-case, a change of risk reported during a case, extensions that move the
deadlines that matter, Hillingdon's Resolution Panel, Stoke's director-to-director
meeting, and who acts for an agency with no one on a rung."""

from __future__ import annotations

import datetime

import pytest
import time_machine

from rpd.audit.models import Event
from rpd.disagreements import transitions
from rpd.disagreements.models import EpisodeOutcome
from rpd.people.demo import build_partnership

from .helpers import discuss, fresh, raise_data

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 1, 7, 10, 0, tzinfo=datetime.UTC)  # a Wednesday


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _raise(pathway, **overrides):
    demo = build_partnership(pathway)
    d = transitions.raise_disagreement(demo.ladder["csc"][0], raise_data(demo, **overrides))
    return demo, d


def do(name, actor, d, **data):
    d = fresh(d)
    return transitions.perform(name, actor, d.pk, d.version, data)


# -- Fast track at any time -----------------------------------------------------------------


def test_jersey_a_case_may_quickly_escalate_from_stage_1_to_3():
    demo, d = _raise("jersey")
    raiser = demo.ladder["csc"][0]
    assert "fast_track" in transitions.allowed(raiser, d)

    d = do("fast_track", raiser, d, to_stage=3, reason="The child needs immediate action today.")

    assert d.stage == 3
    first, third = d.episodes.order_by("number")
    assert (first.number, first.outcome) == (1, EpisodeOutcome.ESCALATED)
    assert third.raising_actor == demo.ladder["csc"][2]
    assert third.receiving_actor == demo.ladder["police"][2]
    assert d.fast_track_reason == "The child needs immediate action today."
    event = Event.objects.filter(action="disagreement.fast_track").get()
    assert (event.data["from_stage"], event.data["to_stage"]) == (1, 3)


def test_stoke_on_trent_straight_to_head_of_service_when_risk_rises_mid_case():
    demo, d = _raise("stoke-on-trent")
    raiser = demo.ladder["csc"][0]

    d = do("fast_track", raiser, d, to_stage=3, reason="Risk rose: a new injury was seen today.")

    assert d.stage == 3
    assert d.current_episode().raising_actor.job_title == "Head of Service"


def test_a_fast_track_goes_only_where_the_pathways_rule_allows():
    demo, d = _raise("jersey")
    raiser = demo.ladder["csc"][0]

    with pytest.raises(transitions.Invalid) as refused:
        do("fast_track", raiser, d, to_stage=4, reason="The child needs immediate action.")
    assert "to_stage" in refused.value.errors
    with pytest.raises(transitions.Invalid) as no_reason:
        do("fast_track", raiser, d, to_stage=3, reason="")
    assert "reason" in no_reason.value.errors
    assert fresh(d).stage == 1


def test_blackpool_names_no_fast_track_so_none_is_offered():
    demo, d = _raise("blackpool")
    raiser = demo.ladder["csc"][0]

    assert "fast_track" not in transitions.allowed(raiser, d)
    with pytest.raises(transitions.NotAllowed, match="no stage"):
        do("fast_track", raiser, d, to_stage=3, reason="The child needs immediate action.")
