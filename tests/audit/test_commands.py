"""`rpd audit verify`: one line saying the chain is intact, or where it breaks."""

import argparse

import pytest

from rpd.audit import commands, log

from .helpers import tamper


def run(*argv):
    # The command is wired into `rpd` elsewhere; a parser of our own runs it the same way.
    parser = argparse.ArgumentParser(prog="rpd")
    commands.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.handler(args)


@pytest.mark.django_db
def test_an_intact_chain_is_reported_with_its_count_and_head(capsys):
    for n in range(3):
        last = log.append(action="disagreement.recorded", target="t", data={"n": n})

    status = run("audit", "verify")

    assert status == 0
    assert capsys.readouterr().out == f"audit chain verified: 3 events, head {last.hash[:12]}…\n"


@pytest.mark.django_db
def test_a_broken_chain_is_reported_on_stderr_with_the_first_broken_event(capsys):
    for n in range(3):
        log.append(action="disagreement.recorded", target="t", data={"n": n})
    tamper("UPDATE audit_event SET action = 'disagreement.withdrawn' WHERE seq = 2")

    status = run("audit", "verify")

    assert status == 1
    output = capsys.readouterr()
    assert output.out == ""
    assert output.err == "audit chain broken at event 2: hash does not match its contents\n"
