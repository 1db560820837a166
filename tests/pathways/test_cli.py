"""The `rpd pathway` and `rpd calendar` commands, as users and their scripts call them."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rpd.cli import main
from rpd.pathways.registry import BUILT_IN_DIR

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
    assert "Notify Stoke-on-Trent Safeguarding Children Partnership on stage started" in out
    assert "Professionals Concerns Resolutions Notifications and Outcomes Form" in out
    assert "May start at stage 3 when:" in out


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
