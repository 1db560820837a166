import datetime

import pytest
import time_machine

from rpd.disagreements import transitions
from rpd.people.demo import build_partnership

from .helpers import discuss, escalate, fresh, raise_data

pytestmark = pytest.mark.django_db


@time_machine.travel(datetime.datetime(2026, 1, 7, 10, 0, tzinfo=datetime.UTC), tick=False)
def test_smoke_stoke():
    demo = build_partnership("stoke-on-trent")
    raiser = demo.ladder["csc"][0]
    d = transitions.raise_disagreement(raiser, raise_data(demo))
    assert d.reference == "RPD-2026-0001"
    ep = d.current_episode()
    print(ep.due, list(ep.milestones.values_list("key", "due")))
    discuss(raiser, d)
    escalate(raiser, d)
    d = fresh(d)
    ep = d.current_episode()
    print(d.stage, ep.raising_actor.job_title, ep.receiving_actor.job_title, ep.due)
