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
def test_an_intact_chain_is_reported_with_its_count_head_and_checkpoint(
    capsys, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(3):
            last = log.append(action="disagreement.recorded", target="t", data={"n": n})

    status = run("audit", "verify")

    assert status == 0
    assert capsys.readouterr().out == (
        f"audit chain verified: 3 events, head {last.hash[:12]}…, checkpoint at event 3\n"
    )


@pytest.mark.django_db
def test_an_intact_chain_without_checkpoints_says_where_they_were_looked_for(
    capsys, audit_checkpoints
):
    last = log.append(action="disagreement.recorded", target="t")

    assert run("audit", "verify") == 0
    assert capsys.readouterr().out == (
        f"audit chain verified: 1 events, head {last.hash[:12]}…; "
        f"no checkpoints in {audit_checkpoints}\n"
    )


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


@pytest.mark.django_db
def test_a_cut_off_tail_with_the_head_wound_back_fails_verification(capsys):
    for n in range(3):
        log.append(action="disagreement.recorded", target="t", data={"n": n})
    tamper("DELETE FROM audit_event WHERE seq = 3")
    tamper(
        "UPDATE audit_chainhead SET seq = 2, hash = (SELECT hash FROM audit_event WHERE seq = 2)"
    )

    assert run("audit", "verify") == 1
    assert capsys.readouterr().err == (
        "audit chain broken at event 2: the chain head's seal does not match it: "
        "the head was rewritten, or the audit key has changed\n"
    )


@pytest.mark.django_db
def test_verify_since_the_last_walks_only_newer_events_and_still_finds_one_changed(
    capsys, audit_checkpoints
):
    for n in range(3):
        log.append(action="disagreement.recorded", target="t", data={"n": n})
    assert run("audit", "verify") == 0
    for n in range(3, 5):
        last = log.append(action="disagreement.recorded", target="t", data={"n": n})
    capsys.readouterr()

    assert run("audit", "verify", "--since-last") == 0
    assert capsys.readouterr().out.startswith(
        f"audit chain verified: 2 events since event 3, head {last.hash[:12]}…"
    )
    log.append(action="disagreement.recorded", target="t", data={"n": 5})
    tamper("UPDATE audit_event SET action = 'disagreement.withdrawn' WHERE seq = 6")
    assert run("audit", "verify", "--since-last") == 1
    assert capsys.readouterr().err == (
        "audit chain broken at event 6: hash does not match its contents\n"
    )


@pytest.mark.django_db
def test_verify_since_the_last_refuses_a_rewritten_starting_event(capsys, audit_checkpoints):
    for n in range(2):
        log.append(action="disagreement.recorded", target="t", data={"n": n})
    assert run("audit", "verify") == 0
    tamper("UPDATE audit_event SET hash = %s WHERE seq = 2", ["0" * 64])
    capsys.readouterr()
    assert run("audit", "verify", "--since-last") == 1
    assert "event 2 no longer matches the last verification" in capsys.readouterr().err
