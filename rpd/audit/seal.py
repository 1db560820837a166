"""What shows a cut-off tail: a sealed chain head and checkpoints outside the database.

The hash chain shows a changed or removed event, but not the newest events
removed together with the head wound back to match: the shorter chain is
still a valid chain. So the head carries a seal, an HMAC of its sequence
number and hash under a key the database does not hold (`RPD_AUDIT_KEY`, or
else one derived from `SECRET_KEY`), and every committed head is also
written as a line to a checkpoint file (`RPD_AUDIT_CHECKPOINTS`), append-only
and outside the database. See docs/adr/006.
"""

from __future__ import annotations

import dataclasses
import re

from django.conf import settings
from django.utils.crypto import salted_hmac

_LINE = re.compile(r"(\d+) ([0-9a-f]{64})")


def seal(seq: int, hash: str) -> str:
    return salted_hmac(
        "rpd.audit.chain-head",
        f"{seq}:{hash}",
        secret=settings.RPD_AUDIT_KEY or settings.SECRET_KEY,
        algorithm="sha256",
    ).hexdigest()


def checkpoint(seq: int, hash: str) -> None:
    """Add the head to the checkpoint file; called once its transaction has committed."""
    path = settings.RPD_AUDIT_CHECKPOINTS
    path.parent.mkdir(parents=True, exist_ok=True)
    # One short write in append mode (O_APPEND): lines from several processes interleave
    # whole, in whatever order their transactions happened to commit.
    with open(path, "a", encoding="ascii") as file:
        file.write(f"{seq} {hash}\n")


@dataclasses.dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str


class UnreadableCheckpoint(ValueError):
    pass


def newest_checkpoint() -> Checkpoint | None:
    """The checkpoint with the highest sequence number, or None if there are none.

    One is enough: each event's hash covers every event before it, so a chain
    that matches its newest checkpoint matches all the earlier ones too.
    """
    path = settings.RPD_AUDIT_CHECKPOINTS
    newest = None
    try:
        file = open(path, encoding="ascii", errors="replace")
    except FileNotFoundError:
        return None
    with file:
        for number, line in enumerate(file, start=1):
            match = _LINE.fullmatch(line.rstrip("\n"))
            if match is None:
                raise UnreadableCheckpoint(
                    f"{path} line {number} is not a checkpoint (sequence and hash)"
                )
            seq = int(match[1])
            if newest is None or seq > newest.seq:
                newest = Checkpoint(seq, match[2])
    return newest


def _verified_path():
    path = settings.RPD_AUDIT_CHECKPOINTS
    return path.with_name(path.name + ".verified")


def last_verified() -> Checkpoint | None:
    """The head the last verification found intact (kept beside the checkpoints)."""
    try:
        text = _verified_path().read_text("ascii").strip()
    except FileNotFoundError:
        return None
    match = _LINE.fullmatch(text)
    if match is None:
        raise UnreadableCheckpoint(f"{_verified_path()} is not a sequence and a hash")
    return Checkpoint(int(match[1]), match[2])


def verified(seq: int, hash: str) -> None:
    """Note the head a verification found intact, for the next incremental one."""
    path = _verified_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{seq} {hash}\n", "ascii")
