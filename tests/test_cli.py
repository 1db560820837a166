"""Every `rpd` command meets a missing, empty or unreachable database with one line on
stderr and exit status 2, naming where it looked."""

import sqlite3

from .subprocess_rpd import rpd

UNREACHABLE = "postgres://postgres@127.0.0.1:1/rpd_nowhere"


def one_line(err: str) -> str:
    assert "Traceback" not in err
    [line] = err.strip().splitlines()
    return line


def test_the_worker_from_cron_names_the_database_it_did_not_find_and_makes_none(tmp_path):
    status, _, err = rpd(tmp_path, "worker", "--once")
    assert status == 2
    database = tmp_path / "data" / "rpd.sqlite3"
    assert one_line(err) == (
        f"rpd: error: no database at {database}: run `rpd migrate` first, or set "
        "RPD_DATA_DIR to the directory that holds rpd.sqlite3"
    )
    assert not database.exists()


def test_audit_verify_on_a_database_never_migrated_says_so(tmp_path):
    (tmp_path / "data").mkdir()
    sqlite3.connect(tmp_path / "data" / "rpd.sqlite3").close()
    status, _, err = rpd(tmp_path, "audit", "verify")
    assert status == 2
    assert one_line(err).startswith("rpd: error: the database at ")
    assert "is not set up" in err and "run `rpd migrate` first" in err


def test_after_rpd_migrate_the_worker_and_the_audit_check_run(tmp_path):
    status, out, _ = rpd(tmp_path, "migrate")
    assert status == 0 and f"database ready: {tmp_path / 'data' / 'rpd.sqlite3'}" in out
    assert rpd(tmp_path, "audit", "verify")[0] == 0
    assert rpd(tmp_path, "worker", "--once")[0] == 0


def test_an_unreachable_postgresql_is_one_line_naming_it(tmp_path):
    for argv in (["audit", "verify"], ["worker", "--once"], ["demo", "--pathway", "jersey"]):
        status, _, err = rpd(tmp_path, *argv, RPD_DATABASE_URL=UNREACHABLE)
        assert status == 2
        assert one_line(err).startswith(
            "rpd: error: cannot use the database at 127.0.0.1:1/rpd_nowhere: "
        )


def test_version_is_the_installed_packages(tmp_path):
    from importlib.metadata import version

    status, out, err = rpd(tmp_path, "--version")
    assert (status, out, err) == (0, f"rpd {version('rpd')}\n", "")
