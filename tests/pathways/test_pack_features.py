"""Pack features of issue 18 item 3, as the schema holds them: what a policy leaves out
need not be made up, and what it says about oversight, review and stand-ins is data."""

from __future__ import annotations

import pytest

from rpd.pathways import registry
from rpd.pathways.diff import diff
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
    assert load_pack_text(NORTHFIELD).upper_stages == [2, 3]
    assert problems_of(
        NORTHFIELD.replace("oversight_from_stage: 2", "oversight_from_stage: 4")
    ) == ["p.yaml:10: oversight_from_stage: stage 4 does not exist (the stages are 1, 2, 3)"]


def test_the_policys_review_date_is_a_date_at_its_line():
    assert str(load_pack_text(NORTHFIELD).source.review_date) == "2026-01-31"
    [problem] = problems_of(
        NORTHFIELD.replace("review_date: 2026-01-31", "review_date: 2026-01-32")
    )
    assert problem.startswith("p.yaml:9: source.review_date: must be a valid date")


def test_only_an_agency_role_names_whose_agency_it_means():
    text = NORTHFIELD.replace(
        "    kind: partnership\n", "    kind: partnership\n    agency: raising\n", 1
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
    assert problem.startswith("p.yaml:34: stand_ins[0].rung: rung 'manager' is not defined")


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


# -- Anchors on an earlier stage (Lincolnshire step 2: "This discussion must occur within
# five working days of step 1") ----------------------------------------------------------


def test_a_milestone_counts_from_an_earlier_stages_start_end_or_milestone():
    stages = load_pack_text(NORTHFIELD).stages
    assert [m.anchor_key for m in stages[1].milestones] == ["stage-1:milestone:initial-discussion"]
    assert [m.anchor_key for m in stages[2].milestones] == ["stage-2:end", "stage-1:start"]


@pytest.mark.parametrize(
    "anchor, problem",
    [
        (
            "{stage: 3, event: end}",
            "stages[2].milestones[0].counts_from.stage: stage 3 is not a stage before stage 3",
        ),
        (
            "{stage: 4, event: start}",
            "stages[2].milestones[0].counts_from.stage: stage 4 is not a stage before stage 3",
        ),
        (
            "{stage: 2, milestone: initial-discussion}",
            "stages[2].milestones[0].counts_from.milestone: stage 2 has no milestone "
            "'initial-discussion' (it has: managers-discussion)",
        ),
        (
            "{stage: 2}",
            "stages[2].milestones[0].counts_from: name either the earlier stage's `event`",
        ),
        (
            "{stage: 2, event: end, milestone: managers-discussion}",
            "stages[2].milestones[0].counts_from: name either the earlier stage's `event`",
        ),
        ("{stage: 2, event: middle}", "stages[2].milestones[0].counts_from"),
    ],
    ids=["itself", "later", "no-such-milestone", "neither", "both", "unknown-event"],
)
def test_an_anchor_on_an_earlier_stage_names_a_stage_before_and_something_it_has(anchor, problem):
    text = NORTHFIELD.replace("counts_from: {stage: 2, event: end}", f"counts_from: {anchor}")
    [found] = problems_of(text)
    assert problem in found, found
    assert found.startswith("p.yaml:")  # at its line


# -- Leads and form recipients by subject kind (Lincolnshire step 4: "LSAB or LSCP
# independent chaired meeting") -----------------------------------------------------------


def test_a_stage_lead_and_a_form_recipient_follow_the_subject_kind_with_a_default():
    pack = load_pack_text(NORTHFIELD)
    stage = pack.stage(3)
    assert (stage.lead_for("child"), stage.lead_for("adult")) == ("lscp-chair", "lsab-chair")
    assert stage.lead_roles == {"lscp-chair", "lsab-chair"}
    form = pack.form("step-4-referral")
    assert (form.recipient_for("child"), form.recipient_for("adult")) == ("unit", "lsab-unit")
    assert pack.stage(1).lead_for("adult") is None  # the two agencies lead it


def test_a_lead_by_subject_is_a_defined_role_that_can_lead_and_of_a_kind_the_pathway_covers():
    unknown = NORTHFIELD.replace("led_by_for: {adult: lsab-chair}", "led_by_for: {adult: lsab}")
    assert "stages[2].led_by_for.adult: role 'lsab' is not defined" in problems_of(unknown)[0]
    agency = NORTHFIELD.replace(
        "led_by_for: {adult: lsab-chair}", "led_by_for: {adult: raiser-lead}"
    )
    assert problems_of(agency)[0].endswith(
        "stages[2].led_by_for.adult: role 'raiser-lead' is of kind 'agency'; a stage is led by "
        "a partnership or independent role (leave led_by out for the two agencies to lead it)"
    )
    children_only = NORTHFIELD.replace("scope: both ", "scope: children ")
    assert set(problems_of(children_only)) == {
        "p.yaml:83: stages[2].led_by_for.adult: this pathway covers children and young people "
        "only: a role for an adult at risk would never be used",
        "p.yaml:108: forms[0].sent_to_for.adult: this pathway covers children and young people "
        "only: a role for an adult at risk would never be used",
    }


def test_the_diff_names_a_changed_anchor_and_a_changed_lead_or_recipient_by_subject():
    old = load_pack_text(NORTHFIELD)
    new = load_pack_text(
        NORTHFIELD.replace("version: 1", "version: 2")
        .replace(
            "counts_from: {stage: 1, milestone: initial-discussion}",
            "counts_from: {stage: 1, event: end}",
        )
        .replace("led_by_for: {adult: lsab-chair}", "")
        .replace("sent_to_for: {adult: lsab-unit}", "sent_to_for: {child: lsab-unit}")
    )
    changes = {(c.what, c.before, c.after) for s in diff(old, new) for c in s.changes}
    assert (
        "Milestone",
        "Line managers' discussion: within 5 working days of stage 1's milestone "
        "'initial-discussion' being met",
        "Line managers' discussion: within 5 working days of stage 1's end",
    ) in changes
    assert (
        "Led by",
        "Independent chair of the adults' board for an adult at risk; otherwise Independent "
        "chair of the children's partnership",
        "Independent chair of the children's partnership",
    ) in changes
    assert (
        "Sent to",
        "Northfield adults' board business unit for an adult at risk; otherwise Northfield "
        "partnership business unit",
        "Northfield adults' board business unit for a child; otherwise Northfield partnership "
        "business unit",
    ) in changes
