"""A bad pack gets a clear error naming the file, the line and the field; never a traceback."""

import re
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from rpd.pathways.loader import PackInvalid, load_pack_file, load_pack_text
from rpd.pathways.registry import BUILT_IN_DIR

STOKE = (BUILT_IN_DIR / "stoke-on-trent.yaml").read_text(encoding="utf-8")


def problems_of(text: str) -> list[str]:
    with pytest.raises(PackInvalid) as caught:
        load_pack_text(text, "bad.yaml")
    return caught.value.lines()


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    lines = [i + 1 for i, line in enumerate(text.splitlines()) if needle in line]
    return lines[occurrence - 1]


def test_the_stoke_pack_is_valid_as_shipped():
    assert load_pack_text(STOKE).id == "stoke-on-trent"


def test_an_unknown_calendar_is_named_with_the_known_ones():
    text = STOKE.replace("calendar: england-and-wales", "calendar: atlantis")
    [problem] = problems_of(text)
    assert problem.startswith(f"bad.yaml:{line_of(text, 'calendar: atlantis')}: calendar: ")
    assert "unknown calendar 'atlantis'" in problem
    assert "england-and-wales" in problem and "jersey" in problem


def test_stage_numbers_out_of_order_are_refused_at_the_stage_that_breaks_the_order():
    text = STOKE.replace("  - number: 2\n", "  - number: 3\n", 1)
    problems = problems_of(text)
    assert any(
        p.startswith(f"bad.yaml:{line_of(text, '- number: 3')}: stages[1].number: ")
        and "1, 2, 3" in p
        for p in problems
    )


def test_a_notification_to_an_undefined_role_names_the_role_and_the_line():
    text = STOKE.replace("      - to: lead-professional", "      - to: head-teacher")
    [problem] = problems_of(text)
    assert problem.startswith(
        f"bad.yaml:{line_of(text, 'to: head-teacher')}: stages[0].notify[0].to:"
    )
    assert "'head-teacher' is not defined" in problem


def test_a_negative_timescale_is_refused_with_its_value():
    text = STOKE.replace(
        "timescale: {kind: working_days, days: 1}", "timescale: {kind: working_days, days: -3}", 1
    )
    [problem] = problems_of(text)
    assert problem.startswith(
        f"bad.yaml:{line_of(text, 'days: -3')}: stages[0].milestones[0].timescale.days: "
    )
    assert "greater than 0" in problem and "-3" in problem


def test_a_yaml_syntax_error_gives_the_line():
    text = STOKE.replace(
        "name: Stoke-on-Trent concerns resolution process", "name: [Stoke-on-Trent concerns", 1
    )
    [problem] = problems_of(text)
    assert re.match(r"bad\.yaml:\d+: YAML syntax error: ", problem)


def test_a_misspelt_field_is_an_unknown_field_not_silently_ignored():
    text = STOKE.replace("    summary: >-\n", "    sumary: >-\n", 1)
    problems = problems_of(text)
    assert f"bad.yaml:{line_of(text, 'sumary:')}: stages[0].sumary: unknown field" in problems[
        0
    ] or any("stages[0].sumary: unknown field" in p for p in problems)
    assert any("stages[0].summary: required field is missing" in p for p in problems)


def test_an_unknown_timescale_kind_is_named():
    text = STOKE.replace("kind: not_fixed", "kind: whenever", 1)
    problems = problems_of(text)
    assert any("stages[0].timescale" in p and "whenever" in p for p in problems)


def test_a_form_reference_must_exist():
    text = STOKE.replace("    forms: [concerns-resolution-form]", "    forms: [form-a]", 1)
    [problem] = problems_of(text)
    assert "stages[2].forms[0]: form 'form-a' is not defined" in problem


def test_fast_track_to_a_stage_that_does_not_exist_is_refused():
    text = STOKE.replace("  - start_at: [3]", "  - start_at: [9]")
    [problem] = problems_of(text)
    assert "fast_track[0].start_at[0]: stage 9 does not exist" in problem


def test_an_empty_file_and_a_list_are_not_packs():
    assert "this file is empty" in problems_of("")[0]
    assert "must be a YAML mapping" in problems_of("- a\n- b\n")[0]


def test_a_missing_file_is_reported_not_raised(tmp_path: Path):
    with pytest.raises(PackInvalid) as caught:
        load_pack_file(tmp_path / "nope.yaml")
    assert caught.value.lines() == [f"{tmp_path / 'nope.yaml'}: no such file"]


def test_every_error_is_one_line():
    text = STOKE.replace("calendar: england-and-wales", "calendar: 12").replace(
        "version: 1", "version: -1"
    )
    for problem in problems_of(text):
        assert "\n" not in problem


# -- Fuzz: whatever the input, a pack or a PackInvalid; never anything else. -------------

yaml_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-10, 10),
    st.text(string.printable, max_size=12),
    st.dates().map(str),
)
yaml_values = st.recursive(
    yaml_scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "number",
                    "stages",
                    "timescale",
                    "kind",
                    "days",
                    "to",
                    "rung",
                    "name",
                    "roles",
                    "calendar",
                    "milestones",
                    "notify",
                    "forms",
                    "x",
                ]
            ),
            children,
            max_size=5,
        )
    ),
    max_leaves=20,
)


def load_or_invalid(text: str) -> None:
    try:
        load_pack_text(text, "fuzz.yaml")
    except PackInvalid as error:
        assert error.lines() and all("\n" not in line for line in error.lines())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200))
def test_random_text_never_raises_anything_but_a_pack_error(text):
    load_or_invalid(text)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(yaml_values)
def test_random_yaml_structures_never_raise_anything_but_a_pack_error(value):
    import io

    buffer = io.StringIO()
    YAML().dump({"pack": value} if not isinstance(value, dict) else value, buffer)
    load_or_invalid(buffer.getvalue())


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, len(STOKE) - 1), st.text(max_size=8))
# A digit typed into a comment's indentation: ruamel raised NotImplementedError.
@example(1201, "0")
def test_a_damaged_real_pack_never_raises_anything_but_a_pack_error(position, junk):
    load_or_invalid(STOKE[:position] + junk + STOKE[position + len(junk) :])


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        (
            "timescale: {kind: working_days, days: 1}",
            "timescale: {kind: working_days, days: 100000000}",
            "stages[0].milestones[0].timescale.days",
        ),
        (
            "timescale: {kind: working_days, days: 1}",
            "timescale: {kind: working_days, days: 261}",
            "stages[0].milestones[0].timescale.days",
        ),
        (
            "review_every_working_days: 5",
            "review_every_working_days: 100000000",
            "stages[0].timescale.review_every_working_days",
        ),
    ],
)
def test_a_timescale_longer_than_a_year_of_working_days_is_refused_at_its_line(old, new, field):
    assert old in STOKE
    text = STOKE.replace(old, new, 1)
    [problem] = problems_of(text)
    value = new.rstrip("}").split()[-1]
    assert problem.startswith(f"bad.yaml:{line_of(text, new)}: {field}: ")
    assert "less than or equal to 260" in problem and value in problem


def test_a_closure_day_outside_the_calendars_window_is_refused():
    text = STOKE.replace(
        "calendar: england-and-wales", "calendar: england-and-wales\nclosure_days: [9999-12-31]"
    )
    [problem] = problems_of(text)
    assert "closure_days[0]" in problem and "2200-12-31" in problem


@pytest.mark.parametrize(
    ("role", "kind"),
    [("designated-safeguarding-lead", "agency"), ("lead-professional", "party")],
)
def test_a_stage_led_by_an_agency_or_party_role_is_refused_not_handed_to_the_partnership(
    role, kind
):
    # Stoke-on-Trent §5 Stage 5: the Partnership Executive leads; an agency's own designated
    # lead (or a party such as the IRO) cannot lead a stage: no one in the product would.
    text = STOKE.replace("    led_by: partnership-executive", f"    led_by: {role}")
    [problem] = problems_of(text)
    assert problem.startswith(f"bad.yaml:{line_of(text, f'led_by: {role}')}: stages[4].led_by: ")
    assert f"role {role!r} is of kind {kind!r}" in problem
    assert "partnership or independent" in problem


def test_a_milestone_counting_from_something_unknown_is_refused_naming_what_it_may_count_from():
    text = STOKE.replace("counts_from: disputed_decision", "counts_from: the-decision", 1)
    [problem] = problems_of(text)
    assert problem.startswith(
        f"bad.yaml:{line_of(text, 'counts_from: the-decision')}: "
        "stages[0].milestones[0].counts_from: 'the-decision' is not something to count from"
    )
    assert "stage_start, disputed_decision" in problem


def test_milestones_counting_from_each_other_in_a_circle_are_refused():
    from tests.pathways.small_pack import ACTION_PLAN, small_pack

    circle = ACTION_PLAN.replace(
        "        timescale: {kind: working_days, days: 1}\n",
        "        timescale: {kind: working_days, days: 1}\n        counts_from: action-plan\n",
    )
    problems = problems_of(small_pack(stage_extra=circle))
    assert any("counts, through others, from itself" in p for p in problems)


def test_a_form_field_with_an_unknown_source_is_refused_naming_its_line():
    text = STOKE.replace("source: subject.nhs_number}", "source: subject.nhs}", 1)
    [problem] = problems_of(text)
    assert f"bad.yaml:{line_of(text, 'source: subject.nhs}')}:" in problem
    assert "forms[0].fields[3].source: unknown source 'subject.nhs'" in problem


def test_a_form_field_must_say_where_its_value_comes_from():
    text = STOKE.replace(", source: raised_by}", "}", 1)
    problems = problems_of(text)
    # As format 1 allowed (the field was asked): the pack is told both ways to load.
    assert any("forms[0].fields[4]: has no source: add `source: asked`" in p for p in problems)
    assert "add `format: 1` at its top" in problems[-1]


def test_asked_stands_alone_as_a_source():
    text = STOKE.replace("source: [challenged, summary, records]", "source: [summary, asked]")
    [problem] = problems_of(text)
    assert "forms[0].fields[6].source: 'asked' stands alone" in problem


def test_a_requirement_met_by_a_form_names_one_of_the_stages_forms():
    families = "\n      - id: families-attendance-considered"
    text = STOKE.replace(
        "form: concerns-resolution-form" + families, "form: nothing-such" + families, 1
    )
    [problem] = problems_of(text)
    assert "stages[2].must_record[1].form: form 'nothing-such' is not defined" in problem
