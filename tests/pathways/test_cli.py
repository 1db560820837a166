"""The `rpd pathway` and `rpd calendar` commands, as users and their scripts call them."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rpd.cli import main
from rpd.pathways.registry import BUILT_IN_DIR
from tests.pathways.small_pack import ACTION_PLAN, small_pack

SEED_PATHWAYS = {"hillingdon", "cambridgeshire", "jersey", "stoke-on-trent", "blackpool"}


@pytest.fixture(autouse=True)
def no_installed_packs(settings, tmp_path):
    settings.RPD_PACK_DIRS = [tmp_path / "packs"]
    return tmp_path / "packs"


def run(capsys, *argv):
    try:
        status = main(list(argv))
    except SystemExit as exit:  # argparse's own usage errors
        status = exit.code
    out, err = capsys.readouterr()
    return status, out, err


def test_list_shows_the_five_seed_pathways_with_scope_and_calendar(capsys):
    status, out, _ = run(capsys, "pathway", "list", "--json")
    assert status == 0
    rows = {row["id"]: row for row in json.loads(out)}
    assert set(rows) == SEED_PATHWAYS
    assert rows["jersey"]["calendar"] == "jersey" and rows["jersey"]["scope"] == "both"
    assert rows["hillingdon"]["scope"] == "both"
    assert rows["stoke-on-trent"]["stages"] == 5
    assert all(row["built_in"] for row in rows.values())


def test_list_as_text_has_a_line_per_pathway(capsys):
    status, out, _ = run(capsys, "pathway", "list")
    assert status == 0
    assert {line.split()[0] for line in out.splitlines()} == SEED_PATHWAYS


def test_show_reads_as_the_policy_does(capsys):
    status, out, _ = run(capsys, "pathway", "show", "stoke-on-trent")
    assert status == 0
    assert "Stage 3: Senior manager to senior manager" in out
    assert "When the stage starts, tell the Stoke-on-Trent Safeguarding Children" in out
    assert "Professionals Concerns Resolutions Notifications and Outcomes Form" in out
    assert "May start at stage 3 when:" in out


@pytest.mark.parametrize("pathway", ["hillingdon", "stoke-on-trent"])
def test_show_lists_the_rung_and_role_ids_an_import_file_uses(capsys, pathway):
    # docs/import.md sends an administrator here for pathway_rung and pack_roles.
    from rpd.pathways import registry

    status, out, _ = run(capsys, "pathway", "show", pathway)
    pack = registry.get(pathway).pack
    assert status == 0
    for item in [*pack.rungs, *pack.roles]:
        assert f"  - {item.id}: " in out
    example = {"hillingdon": "implementation-unit", "stoke-on-trent": "partnership-executive"}
    assert f"  - {example[pathway]}: " in out


def test_validate_accepts_every_built_in_pack(capsys):
    files = sorted(str(p) for p in BUILT_IN_DIR.glob("*.yaml"))
    status, out, _ = run(capsys, "pathway", "validate", *files)
    assert status == 0
    assert out.count(": valid (") == 5


def test_validate_refuses_a_bad_pack_with_exit_2_and_the_line(capsys, tmp_path):
    bad = tmp_path / "ours.yaml"
    text = (BUILT_IN_DIR / "stoke-on-trent.yaml").read_text()
    bad.write_text(text.replace("      - to: lead-professional", "      - to: nobody"))
    status, out, err = run(capsys, "pathway", "validate", str(bad))
    assert status == 2
    line = next(i + 1 for i, t in enumerate(bad.read_text().splitlines()) if "to: nobody" in t)
    assert err.strip().splitlines() == [
        f"{bad}:{line}: stages[0].notify[0].to: notification role 'nobody' is not defined "
        "(defined: designated-safeguarding-lead, independent-advisor, lead-professional, "
        "partnership-executive, partnership-unit)"
    ]


def test_simulate_json_has_every_stage_and_milestone(capsys):
    status, out, _ = run(
        capsys, "pathway", "simulate", "stoke-on-trent", "--start", "2025-12-19", "--json"
    )
    assert status == 0
    result = json.loads(out)
    assert result["pathway"] == "stoke-on-trent"
    assert result["calendar"] == "england-and-wales"
    assert result["start"] == "2025-12-19"
    assert [s["number"] for s in result["stages"]] == [1, 2, 3, 4, 5]
    stage3 = result["stages"][2]
    assert stage3["starts"] == "2026-01-07" and stage3["due"] == "2026-01-09"
    assert [m["due"] for m in stage3["milestones"]] == ["2026-01-08", "2026-01-09", "2026-01-09"]


def test_simulate_text_says_when_a_stage_has_no_limit(capsys):
    status, out, _ = run(capsys, "pathway", "simulate", "hillingdon", "--start", "2026-11-02")
    assert status == 0
    assert "review: no limit in the policy" in out


def test_simulate_a_fast_tracked_start(capsys):
    status, out, _ = run(
        capsys,
        "pathway",
        "simulate",
        "stoke-on-trent",
        "--start",
        "2025-12-19",
        "--stage",
        "3",
        "--json",
    )
    assert status == 0
    stages = json.loads(out)["stages"]
    assert stages[0]["number"] == 3 and stages[0]["starts"] == "2025-12-19"


def test_simulate_a_pack_file_not_yet_installed(capsys, tmp_path):
    ours = tmp_path / "ours.yaml"
    shutil.copy(BUILT_IN_DIR / "blackpool.yaml", ours)
    status, out, _ = run(capsys, "pathway", "simulate", str(ours), "--start", "2026-11-02")
    assert status == 0 and "Stage 3" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["pathway", "simulate", "atlantis", "--start", "2026-01-01"], "no pathway with id"),
        (["pathway", "simulate", "jersey", "--start", "2026-13-01"], "is not a date"),
        (
            ["pathway", "simulate", "jersey", "--start", "2026-01-01", "--stage", "9"],
            "jersey has stages 1 to 4",
        ),
        (["pathway", "show", "missing.yaml"], "missing.yaml: no such file"),
        (
            [
                "calendar",
                "due",
                "--calendar",
                "mars",
                "--from",
                "2026-01-01",
                "--working-days",
                "3",
            ],
            "Unknown working-day calendar 'mars'",
        ),
        (
            [
                "calendar",
                "due",
                "--calendar",
                "jersey",
                "--from",
                "2026-01-01",
                "--working-days",
                "-1",
            ],
            "must be 0 or more",
        ),
        (["calendar", "holidays", "--calendar", "jersey", "--year", "99999"], "out of range"),
        (
            ["pathway", "simulate", "stoke-on-trent", "--start", "9999-12-31"],
            "--start: the date 9999-12-31 is out of range",
        ),
        (
            [
                "calendar",
                "due",
                "--calendar",
                "jersey",
                "--from",
                "2026-01-01",
                "--working-days",
                "100000000",
            ],
            "100000000 working days from 2026-01-01 is out of range",
        ),
    ],
)
def test_bad_input_gets_one_clear_line_and_exit_2(capsys, argv, message):
    status, out, err = run(capsys, *argv)
    assert status == 2
    assert message in err
    assert "Traceback" not in err + out


def test_calendar_due_counts_as_policies_md_says(capsys):
    # shared/POLICIES.md: an event on Saturday 7 November 2026 with 5 working days is
    # due Friday 13 November; one on Monday 2 November is due Monday 9 November.
    assert (
        run(
            capsys,
            "calendar",
            "due",
            "--calendar",
            "england-and-wales",
            "--from",
            "2026-11-07",
            "--working-days",
            "5",
        )[1]
        == "2026-11-13\n"
    )
    assert (
        run(
            capsys,
            "calendar",
            "due",
            "--calendar",
            "england-and-wales",
            "--from",
            "2026-11-02",
            "--working-days",
            "5",
        )[1]
        == "2026-11-09\n"
    )


def test_calendar_due_skips_partnership_closure_days(capsys):
    _, out, _ = run(
        capsys,
        "calendar",
        "due",
        "--calendar",
        "england-and-wales",
        "--from",
        "2026-11-02",
        "--working-days",
        "5",
        "--closure",
        "2026-11-04",
    )
    assert out == "2026-11-10\n"


def test_calendar_holidays_lists_jerseys_liberation_day(capsys):
    status, out, _ = run(
        capsys, "calendar", "holidays", "--calendar", "jersey", "--year", "2025", "--json"
    )
    assert status == 0
    assert {"date": "2025-05-09", "name": "Liberation Day"} in json.loads(out)


def test_install_puts_a_partnerships_own_pack_beside_the_built_in_ones(
    capsys, tmp_path, no_installed_packs
):
    ours = tmp_path / "ours.yaml"
    text = (BUILT_IN_DIR / "blackpool.yaml").read_text()
    ours.write_text(text.replace("id: blackpool", "id: lancaster", 1))
    status, out, _ = run(capsys, "pathway", "install", str(ours))
    assert status == 0, out
    assert (no_installed_packs / "lancaster.yaml").exists()
    rows = {r["id"]: r for r in json.loads(run(capsys, "pathway", "list", "--json")[1])}
    assert rows["lancaster"]["built_in"] is False


def test_install_refuses_to_shadow_a_built_in_pathway(capsys, tmp_path):
    ours = tmp_path / "ours.yaml"
    shutil.copy(BUILT_IN_DIR / "jersey.yaml", ours)
    status, _, err = run(capsys, "pathway", "install", str(ours))
    assert status == 2 and "'jersey' is a built-in pathway" in err


def test_the_console_script_is_installed_and_runs():
    rpd = Path(sys.executable).parent / "rpd"
    result = subprocess.run(
        [str(rpd), "pathway", "list"], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "stoke-on-trent" in result.stdout


def test_install_refuses_a_different_pack_under_an_installed_id_and_version(
    capsys, tmp_path, no_installed_packs
):
    ours = tmp_path / "ours.yaml"
    ours.write_text(small_pack("lakeside"))
    assert run(capsys, "pathway", "install", str(ours))[0] == 0
    # The same file again changes nothing, and is fine.
    assert run(capsys, "pathway", "install", str(ours))[0] == 0
    installed = (no_installed_packs / "lakeside.yaml").read_text()

    ours.write_text(small_pack("lakeside").replace("days: 5", "days: 3"))
    status, _, err = run(capsys, "pathway", "install", str(ours))
    assert status == 2
    assert err.count("\n") == 1
    assert "lakeside v1 is already installed with different content" in err
    assert "give it a new version" in err
    assert (no_installed_packs / "lakeside.yaml").read_text() == installed

    ours.write_text(small_pack("lakeside", version=2).replace("days: 5", "days: 3"))
    status, out, _ = run(capsys, "pathway", "install", str(ours))
    assert status == 0 and "installed lakeside v2" in out
    replaced = (no_installed_packs / "lakeside.yaml").read_text()

    # Nor does an older version go back over a newer one.
    ours.write_text(small_pack("lakeside"))
    status, _, err = run(capsys, "pathway", "install", str(ours))
    assert status == 2 and "lakeside v2 is installed" in err
    assert (no_installed_packs / "lakeside.yaml").read_text() == replaced


def test_validate_counts_one_stage_as_one_stage(capsys, tmp_path):
    ours = tmp_path / "ours.yaml"
    ours.write_text(small_pack("lakeside"))
    status, out, _ = run(capsys, "pathway", "validate", str(ours))
    assert status == 0
    assert out == f"{ours}: valid (lakeside v1, 1 stage)\n"


@pytest.mark.parametrize("pathway", sorted(SEED_PATHWAYS))
def test_show_wraps_long_items_under_their_own_bullet(capsys, pathway):
    status, out, _ = run(capsys, "pathway", "show", pathway)
    assert status == 0
    lines = out.splitlines()
    assert all(len(line) <= 88 for line in lines), max(lines, key=len)
    for before, line in zip(lines, lines[1:], strict=False):
        # A bullet's second line hangs under its text, never starts a bullet of its own.
        if before.lstrip().startswith("- ") and not line.lstrip().startswith("- "):
            indent = len(before) - len(before.lstrip()) + 2
            if line.strip() and not line.lstrip().startswith(("Must", "When", "(", "Can", "If")):
                assert line.startswith(" " * indent), (before, line)


def test_show_says_must_be_resolved_within_the_timescale(capsys):
    # Cambridgeshire §2.6: "must be resolved immediately".
    out = run(capsys, "pathway", "show", "cambridgeshire")[1]
    assert "Must be resolved immediately: the same day, whatever the working-day calendar" in out


def test_show_says_a_rule_in_working_days_is_resolved_within_them(capsys, tmp_path):
    ours = tmp_path / "ours.yaml"
    rule = (
        "immediate_rules:\n"
        "  - id: missing-child\n"
        "    when: A child is missing from home\n"
        "    timescale: {kind: working_days, days: 2}\n"
        "    source: Lakeside policy, urgent cases\n"
    )
    ours.write_text(small_pack("lakeside") + rule)
    out = run(capsys, "pathway", "show", str(ours))[1]
    assert "Must be resolved within 2 working days:\n  A child is missing from home\n" in out


def test_show_wraps_stoke_on_trents_long_record_items_with_one_bullet_each(capsys):
    out = run(capsys, "pathway", "show", "stoke-on-trent")[1]
    assert (
        "  - Where resolved, the agreed points of resolution and next steps, shared with everyone\n"
        "    involved (only when the stage resolves)\n"
    ) in out


def test_simulate_cambridgeshire_nai_of_an_infant_on_good_friday_2025_is_due_that_day(capsys):
    # Cambridgeshire §2.6 "must be resolved immediately", not on Tuesday after Easter Monday.
    argv = ["pathway", "simulate", "cambridgeshire", "--start", "2025-04-18"]
    status, out, _ = run(capsys, *argv, "--immediate", "non-accidental-injury-infant", "--json")
    assert status == 0
    stages = json.loads(out)["stages"]
    assert {s["due"] for s in stages} == {"2025-04-18"}
    assert {s["due_basis"] for s in stages} == {"immediately"}
    status, out, _ = run(capsys, *argv, "--immediate", "non-accidental-injury-infant")
    assert "Stage 1 Practitioner level: starts Fri 18 Apr 2025, due Fri 18 Apr 2025" in out
    assert "immediately: the same day, whatever the working-day calendar" in out
    assert "reminders are not held for working hours" in out


def test_simulate_shows_what_each_milestone_counts_from(capsys):
    # Stoke-on-Trent §5 Stage 1: from the disputed decision; Stage 3: from formal escalation.
    argv = ["pathway", "simulate", "stoke-on-trent", "--start", "2025-04-22"]
    status, out, _ = run(capsys, *argv, "--decision", "2025-04-17", "--json")
    assert status == 0
    stages = json.loads(out)["stages"]
    first = stages[0]["milestones"][0]
    assert (first["counts_from"], first["anchor"], first["due"]) == (
        "disputed_decision",
        "2025-04-17",
        "2025-04-22",
    )
    assert {m["counts_from"] for m in stages[2]["milestones"]} == {"stage_start"}
    out = run(capsys, *argv, "--decision", "2025-04-17")[1]
    assert (
        "Raise the matter with the other practitioner: Tue 22 Apr 2025 (within 1 working day "
        "of the disputed decision on Thu 17 Apr 2025)"
    ) in out
    status, _, err = run(capsys, *argv, "--decision", "2025-04-23")
    assert status == 2 and err.count("\n") == 1 and "--decision" in err


def test_simulate_shows_a_milestone_counted_from_another_being_met(capsys, tmp_path):
    ours = tmp_path / "ours.yaml"
    ours.write_text(small_pack(stage_extra=ACTION_PLAN))
    out = run(capsys, "pathway", "simulate", str(ours), "--start", "2026-04-02")[1]
    # Initial discussion within 1 working day of Thu 2 Apr 2026: Tue 7 Apr (Good Friday,
    # Easter Monday); the action plan within 2 of that: Thu 9 Apr.
    assert (
        "Initial discussion: Tue 07 Apr 2026 (within 1 working day of the start of stage 1 on "
        "Thu 02 Apr 2026)"
    ) in out
    assert (
        "Action plan: Thu 09 Apr 2026 (within 2 working days of \u201cInitial discussion\u201d "
        "being met, if met on Tue 07 Apr 2026)"
    ) in out


def test_show_says_who_may_set_a_shorter_deadline_and_what_a_milestone_counts_from(capsys):
    # Hillingdon §2 "a timescale that protects the child/adult from harm".
    out = run(capsys, "pathway", "show", "hillingdon")[1]
    assert "The raiser (when raising at this stage) or the stage's actors may set a shorter" in out
    # Stoke-on-Trent §5 Stage 1 "on receipt of the disputed decision".
    out = run(capsys, "pathway", "show", "stoke-on-trent")[1]
    assert (
        "  - Raise the matter with the other practitioner: within 1 working day of the disputed\n"
        "    decision\n"
    ) in out
