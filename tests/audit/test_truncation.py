"""A cut-off tail shows even when the head is wound back with it: the head is sealed with a
key the database does not hold, and checkpoints of the head are kept outside the database."""

import pytest
from django.db import transaction

from rpd.audit import log, seal
from rpd.audit.models import GENESIS_HASH, ChainHead, Event

from .helpers import tamper


def append(count, start=0):
    return [
        log.append(action="disagreement.recorded", target="t", data={"n": n})
        for n in range(start, start + count)
    ]


def cut_back_to(seq, head=None):
    """Remove every event after `seq` and wind the head back, as a database owner could."""
    tamper("DELETE FROM audit_event WHERE seq > %s", [seq])
    if head is None:
        last = Event.objects.filter(seq=seq).first()
        head = (seq, last.hash if last else GENESIS_HASH, "")
    ChainHead.objects.update(seq=head[0], hash=head[1], seal=head[2])


@pytest.mark.django_db
def test_a_cut_off_tail_with_the_head_wound_back_is_reported():
    append(5)
    cut_back_to(3)

    result = log.verify()

    assert not result.ok
    assert result.first_broken_seq == 3
    assert result.reason == (
        "the chain head's seal does not match it: the head was rewritten, "
        "or the audit key has changed"
    )


@pytest.mark.django_db
def test_a_head_sealed_with_another_key_is_reported(settings):
    append(2)

    settings.RPD_AUDIT_KEY = "another key"

    assert "seal does not match" in log.verify().reason


@pytest.mark.django_db
def test_an_intact_chain_names_its_newest_checkpoint(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        append(3)

    result = log.verify()

    assert (result.ok, result.checked, result.checkpoint) == (True, 3, 3)


@pytest.mark.django_db
def test_an_old_sealed_head_put_back_with_its_tail_cut_off_is_caught_by_the_checkpoints(
    django_capture_on_commit_callbacks,
):
    # The attacker kept a copy of the head (a backup will do) and restores it.
    with django_capture_on_commit_callbacks(execute=True):
        append(3)
    old = ChainHead.objects.values_list("seq", "hash", "seal").get()
    with django_capture_on_commit_callbacks(execute=True):
        append(2, start=3)
    cut_back_to(3, head=old)

    result = log.verify()

    assert (result.ok, result.first_broken_seq, result.checked) == (False, 4, 3)
    assert result.reason == (
        "event 4 is missing: the checkpoints kept outside the database go up to event 5"
    )


@pytest.mark.django_db
def test_an_emptied_log_is_caught_by_the_checkpoints(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        append(2)
    cut_back_to(0)

    result = log.verify()

    assert (result.ok, result.first_broken_seq) == (False, 1)
    assert result.reason.startswith("event 1 is missing: the checkpoints")


@pytest.mark.django_db
def test_a_rewritten_chain_is_caught_by_the_checkpoints(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        append(3)
    # Rewritten from event 2 on, every hash recomputed and the head sealed again: what
    # someone holding the database and the key (but not the checkpoint file) could do.
    cut_back_to(1)
    append(2, start=10)

    result = log.verify()

    assert (result.ok, result.first_broken_seq) == (False, 3)
    assert result.reason == "event 3 does not match the checkpoint kept outside the database"


@pytest.mark.django_db(transaction=True)
def test_only_committed_events_are_checkpointed(audit_checkpoints):
    with transaction.atomic():
        first, second = append(2)
    with pytest.raises(RuntimeError), transaction.atomic():
        append(1)
        raise RuntimeError("the transition fails after writing its event")

    assert audit_checkpoints.read_text() == f"1 {first.hash}\n2 {second.hash}\n"


@pytest.mark.django_db
def test_an_unreadable_checkpoint_line_is_reported(audit_checkpoints):
    append(1)
    audit_checkpoints.write_text("1 not-a-hash\n")

    result = log.verify()

    assert not result.ok
    assert result.reason == f"{audit_checkpoints} line 1 is not a checkpoint (sequence and hash)"


def test_the_seal_is_keyed_by_the_audit_key_or_else_the_secret_key(settings):
    settings.RPD_AUDIT_KEY = ""
    by_secret = seal.seal(3, "a" * 64)
    settings.SECRET_KEY = "another secret"
    assert seal.seal(3, "a" * 64) != by_secret
    settings.RPD_AUDIT_KEY = "the audit key"
    by_audit_key = seal.seal(3, "a" * 64)
    settings.SECRET_KEY = "yet another secret"
    assert seal.seal(3, "a" * 64) == by_audit_key != seal.seal(4, "a" * 64)
