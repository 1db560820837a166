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


def every_command(parser, words=()):
    """Each command's words (`("pathway", "list")`...), walking every sub-command list."""
    import argparse

    subcommands = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subcommands:
        yield words
    for action in subcommands:
        for name, child in action.choices.items():
            yield from every_command(child, (*words, name))


def mistake(capsys, argv) -> tuple[int, str]:
    import pytest

    from rpd.cli import main

    with pytest.raises(SystemExit) as exit:
        main(argv)
    captured = capsys.readouterr()
    assert captured.out == ""
    return exit.value.code, one_line(captured.err)


def test_every_command_given_an_option_it_does_not_know_names_it_in_one_line(capsys):
    from rpd.cli import build_parser

    commands = list(every_command(build_parser()))
    assert ("pathway", "list") in commands and ("demo",) in commands and len(commands) > 20
    for words in commands:
        status, line = mistake(capsys, [*words, "--bogus"])
        assert (status, line) == (
            2,
            f"rpd {' '.join(words)}: error: unrecognized arguments: --bogus",
        ), words


def test_an_unknown_option_is_named_before_a_missing_one(capsys):
    assert mistake(capsys, ["demo", "--bogus"]) == (
        2,
        "rpd demo: error: unrecognized arguments: --bogus",
    )
    assert mistake(capsys, ["pathway", "list", "--json", "--bogus"]) == (
        2,
        "rpd pathway list: error: unrecognized arguments: --bogus",
    )


def test_other_mistakes_are_one_line_too(capsys):
    assert mistake(capsys, ["nonsense"])[1].startswith("rpd: error: argument COMMAND: invalid")
    assert mistake(capsys, ["demo"]) == (
        2,
        "rpd demo: error: the following arguments are required: --pathway",
    )
    assert mistake(capsys, ["calendar", "due", "--from", "tomorrow"])[1].startswith(
        "rpd calendar due: error: argument --from: 'tomorrow' is not a date"
    )
