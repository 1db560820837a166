"""What contesting a resolution does, as a pack says it (issue 16 item 7): a pack that
says nothing still loads, escalating as every seed does, and a leader decides only at a
stage a role leads."""

from __future__ import annotations

import pytest

from rpd.pathways.describe import describe
from rpd.pathways.loader import PackInvalid, load_pack_text
from tests.pathways.small_pack import small_pack


def problems_of(text: str) -> list[str]:
    with pytest.raises(PackInvalid) as refused:
        load_pack_text(text, "p.yaml")
    return refused.value.lines()


def test_a_pack_that_says_nothing_of_contesting_escalates_and_gives_no_leader_the_decision():
    pack = load_pack_text(small_pack(stages=2, led_by="unit"))
    assert pack.contest_escalates(1) and not pack.contest_escalates(2)  # the last reopens
    assert not pack.leader_decides_contest(2)


def test_a_stage_may_reopen_and_have_its_leader_decide_where_the_pack_says_so():
    contest = "    contest: {then: reopen, leader_decides: true, source: Lakeside 4.2}\n"
    text = small_pack(stages=2, led_by="unit").replace(
        "    led_by: unit\n", "    led_by: unit\n" + contest
    )
    pack = load_pack_text(text)
    assert pack.leader_decides_contest(2) and not pack.leader_decides_contest(1)
    shown = " ".join(describe(pack).split())
    assert "If a resolution is contested: it escalates to stage 2" in shown
    assert "for the Lakeside partnership unit to decide" in shown


def test_a_pack_wide_reopen_applies_to_every_stage_that_does_not_say_otherwise():
    text = small_pack(stages=3).replace("stages:\n", "contest: {then: reopen}\nstages:\n", 1)
    pack = load_pack_text(text)
    assert not any(pack.contest_escalates(n) for n in (1, 2, 3))


def test_a_leader_deciding_at_a_stage_no_role_leads_is_refused_at_its_line():
    text = small_pack(stages=2, stage_extra="    contest: {then: escalate, leader_decides: true}\n")
    [problem] = problems_of(text)
    assert problem.startswith("p.yaml:")
    assert "stages[0].contest.leader_decides: stage 1 has no leader to decide" in problem


def test_contesting_that_neither_escalates_nor_reopens_is_refused_with_the_choices():
    text = small_pack(stage_extra="    contest: {then: overrule}\n")
    [problem] = problems_of(text)
    assert "stages[0].contest.then" in problem and "'escalate' or 'reopen'" in problem
