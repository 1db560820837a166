"""`rpd pathway show` describes everything a pack says, in correct English (issue 18 item
4), for every built-in pack and a partnership's own."""

from __future__ import annotations

import re

import pytest

from rpd.pathways import registry
from rpd.pathways.describe import describe
from rpd.pathways.loader import load_pack_text
from tests.pathways.northfield import NORTHFIELD

BUILT_IN = ["hillingdon", "cambridgeshire", "jersey", "stoke-on-trent", "blackpool"]


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("pathway_id", BUILT_IN)
def test_show_describes_every_form_field_role_referral_and_panel_of_each_built_in_pack(pathway_id):
    pack = registry.get(pathway_id).pack
    shown = flat(describe(pack))
    for form in pack.forms:
        assert f"Form: {form.name}, sent to" in shown, form.id
        for form_field in form.fields:
            assert flat(form_field.label) in shown, (form.id, form_field.id)
    for role in pack.roles:
        assert f"- {flat(role.name)}: " in shown, role.id
    for stage in pack.stages:
        for requirement in stage.must_record:
            if requirement.form:
                assert f"(by sending the {pack.form(requirement.form).name})" in shown
        for option in stage.referral_options:
            name = option if isinstance(option, str) else option.name
            assert f"{flat(name)} (tells " in shown, name
        if stage.panel:
            assert f"Panel: {flat(stage.panel.name)}, with seats for" in shown
            for seat in stage.panel.seats:
                assert flat(seat.name) in shown


@pytest.mark.parametrize("pathway_id", BUILT_IN)
def test_show_never_doubles_an_article_or_an_only(pathway_id):
    shown = flat(describe(registry.get(pathway_id).pack))
    assert not re.search(r"\b(the|a|an|only) \1\b", shown, re.IGNORECASE), shown


def test_a_role_named_with_its_own_article_is_told_without_another():
    shown = flat(describe(load_pack_text(NORTHFIELD)))
    assert "tell the safeguarding lead of the raiser's own agency." in shown
    assert (
        "The safeguarding lead of the raiser's own agency: an agency role, held in the "
        "raising agency only" in shown
    )


def test_a_condition_that_says_only_is_said_once():
    text = NORTHFIELD.replace(
        "        what: A professional difference has reached stage 2\n",
        "        what: A professional difference has reached stage 2\n"
        "        condition: Only where the child is subject to a plan\n",
    )
    shown = flat(describe(load_pack_text(text)))
    assert "Only where the child is subject to a plan." in shown


def test_show_gives_a_partnerships_source_review_date_upper_stages_and_stand_ins():
    shown = flat(describe(load_pack_text(NORTHFIELD)))
    assert "Source: Northfield escalation policy Policy review date: 31 January 2026" in shown
    assert "Upper stages (oversight lists and reports): 2" in shown
    assert (
        "Where a voluntary sector agency has no one on the Line manager rung, the professional "
        "body, funder, commissioner or trustees acts" in shown
    )
