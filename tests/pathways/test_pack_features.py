"""Pack features of issue 18 item 3, as the schema holds them: what a policy leaves out
need not be made up, and what it says about oversight, review and stand-ins is data."""

from __future__ import annotations

import pytest

from rpd.pathways import registry
from rpd.pathways.loader import PackInvalid, load_pack_text
from tests.pathways.northfield import NORTHFIELD
from tests.pathways.small_pack import small_pack


def problems_of(text: str) -> list[str]:
    with pytest.raises(PackInvalid) as refused:
        load_pack_text(text, "p.yaml")
    return refused.value.lines()


def test_a_policy_without_a_year_categories_or_a_second_rung_needs_no_placeholder():
    pack = load_pack_text(NORTHFIELD)
    assert pack.source.year is None and pack.source.cited == "Northfield escalation policy"
    assert pack.categories == []
    one_rung = small_pack(rungs=1).replace(
        "categories:\n  - {id: referrals, name: Handling of referrals}\n", ""
    )
    assert [r.id for r in load_pack_text(one_rung).rungs] == ["rung-1"]


def test_the_upper_stages_are_stage_3_on_where_the_pack_does_not_say_else_its_own():
    assert registry.get("stoke-on-trent").pack.upper_stages == [3, 4, 5]
    assert load_pack_text(NORTHFIELD).upper_stages == [2]
    assert problems_of(
        NORTHFIELD.replace("oversight_from_stage: 2", "oversight_from_stage: 4")
    ) == ["p.yaml:10: oversight_from_stage: stage 4 does not exist (the stages are 1, 2)"]


def test_the_policys_review_date_is_a_date_at_its_line():
    assert str(load_pack_text(NORTHFIELD).source.review_date) == "2026-01-31"
    [problem] = problems_of(
        NORTHFIELD.replace("review_date: 2026-01-31", "review_date: 2026-01-32")
    )
    assert problem.startswith("p.yaml:9: source.review_date: must be a valid date")


def test_only_an_agency_role_names_whose_agency_it_means():
    text = NORTHFIELD.replace(
        "    kind: partnership\n", "    kind: partnership\n    agency: raising\n"
    )
    assert problems_of(text) == [
        "p.yaml:18: roles[0].agency: only an agency role names whose agency it means; 'unit' "
        "is of kind 'partnership'"
    ]


def test_a_stand_in_rule_names_a_rung_of_the_pack():
    text = NORTHFIELD.replace(
        "    rung: line-manager\n    acted_by", "    rung: manager\n    acted_by"
    )
    [problem] = problems_of(text)
    assert problem.startswith("p.yaml:25: stand_ins[0].rung: rung 'manager' is not defined")


def test_a_panel_seat_names_either_agency_types_or_a_role_the_pack_defines():
    hillingdon = registry.get("hillingdon").path.read_text("utf-8")
    both = hillingdon.replace(
        "{name: Police, agency_types: [police]}",
        "{name: Police, agency_types: [police], role: implementation-unit}",
    )
    assert "a seat names either the agency types that fill it or a role" in problems_of(both)[0]
    unknown = hillingdon.replace(
        "{name: Police, agency_types: [police]}", "{name: Police, role: chief-constable}"
    )
    assert "seats[1].role: role 'chief-constable' is not defined" in problems_of(unknown)[0]
