"""What shows a cut-off tail: a sealed chain head and checkpoints outside the database.

The hash chain shows a changed or removed event, but not the newest events
removed together with the head wound back to match: the shorter chain is
still a valid chain. So the head carries a seal, an HMAC of its sequence
number and hash under a key the database does not hold (`RPD_AUDIT_KEY`, or
else one derived from `SECRET_KEY`), and every committed head is also
written as a line to a checkpoint file (`RPD_AUDIT_CHECKPOINTS`), append-only
and outside the database. See docs/adr/006.

A restore from backup winds the chain back on purpose. `rpd restore` then writes a
restore line to the same file, sealed like the head, naming the restore event and the
newest checkpoint it lost; from that line on the checkpoints count from the restore
event, and nothing else can make them go back.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import hmac
import re

from django.conf import settings
from django.utils.crypto import salted_hmac

_LINE = re.compile(r"(\d+) ([0-9a-f]{64})")
# restore EVENT HASH  BACKUP'S-LAST-EVENT  LOST-HEAD-SEQ LOST-HEAD-HASH  SEAL
_RESTORE = re.compile(r"restore (\d+) ([0-9a-f]{64}) (\d+) (\d+) ([0-9a-f]{64}) ([0-9a-f]{64})")


@dataclasses.dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str


NO_CHECKPOINT = Checkpoint(0, "0" * 64)  # what a restore line says when none was lost


def seal(seq: int, hash: str) -> str:
    return sign("rpd.audit.chain-head", f"{seq}:{hash}")


def sign(purpose: str, text: str) -> str:
    """An HMAC of `text` under the audit key, which the database does not hold."""
    return salted_hmac(
        purpose, text, secret=settings.RPD_AUDIT_KEY or settings.SECRET_KEY, algorithm="sha256"
    ).hexdigest()


def checkpoint(seq: int, hash: str) -> None:
    """Add the head to the checkpoint file; called once its transaction has committed."""
    _append_line(f"{seq} {hash}")


@contextlib.contextmanager
def _store_locked():
    """The checkpoint file opened to append, under an exclusive lock. O_APPEND alone keeps
    lines whole between processes of one host; on a directory shared between hosts (NFS)
    it does not, and the lock (which NFS carries between hosts) does."""
    path = settings.RPD_AUDIT_CHECKPOINTS
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="ascii") as file:
        fcntl.lockf(file, fcntl.LOCK_EX)
        try:
            yield file
        finally:
            file.flush()
            fcntl.lockf(file, fcntl.LOCK_UN)


def _append_line(line: str) -> None:
    with _store_locked() as file:
        file.write(line + "\n")


@dataclasses.dataclass(frozen=True)
class Restore:
    """A restore from backup, as the checkpoint file records it."""

    seq: int  # the restore event's
    hash: str
    backup_last: int  # the newest event the backup held
    lost: Checkpoint | None  # the newest checkpoint then, which the restore gave up

    def sealed_text(self) -> str:
        lost = self.lost or NO_CHECKPOINT
        return f"{self.seq}:{self.hash}:{self.backup_last}:{lost.seq}:{lost.hash}"


def restored(restore: Restore) -> None:
    """Record a restore in the checkpoint file: from here on, checkpoints count from its
    event. Sealed, so that only a holder of the audit key can explain a gap."""
    lost = restore.lost or NO_CHECKPOINT
    signature = sign("rpd.audit.restore", restore.sealed_text())
    _append_line(
        f"restore {restore.seq} {restore.hash} {restore.backup_last} "
        f"{lost.seq} {lost.hash} {signature}"
    )


class UnreadableCheckpoint(ValueError):
    pass


@dataclasses.dataclass(frozen=True)
class Store:
    newest: Checkpoint | None  # what the chain must reach, counted since the last restore
    restores: tuple[Restore, ...]  # every restore recorded, oldest first


def newest_checkpoint() -> Checkpoint | None:
    return read_store().newest


def read_store() -> Store:
    """The checkpoint the chain must reach, and the restores that explain where it went back.

    One checkpoint is enough: each event's hash covers every event before it, so a chain
    that matches its newest checkpoint matches all the earlier ones too. A restore line
    replaces the newest with the restore event, but only when its seal is good and it
    names the newest checkpoint written before it (a gap it does not explain stays).
    """
    path = settings.RPD_AUDIT_CHECKPOINTS
    newest, restores = None, []
    try:
        file = open(path, encoding="ascii", errors="replace")
    except FileNotFoundError:
        return Store(None, ())
    with file:
        for number, line in enumerate(file, start=1):
            text = line.rstrip("\n")
            if match := _LINE.fullmatch(text):
                seq = int(match[1])
                if newest is None or seq > newest.seq:
                    newest = Checkpoint(seq, match[2])
                continue
            match = _RESTORE.fullmatch(text)
            if match is None:
                raise UnreadableCheckpoint(
                    f"{path} line {number} is not a checkpoint (sequence and hash)"
                )
            lost_seq = int(match[4])
            restore = Restore(
                int(match[1]),
                match[2],
                int(match[3]),
                Checkpoint(lost_seq, match[5]) if lost_seq else None,
            )
            if not hmac.compare_digest(match[6], sign("rpd.audit.restore", restore.sealed_text())):
                raise UnreadableCheckpoint(
                    f"{path} line {number} records a restore whose seal does not match it: "
                    "it was not written with the audit key"
                )
            if any(r.seq == restore.seq and r.hash == restore.hash for r in restores):
                continue  # a copy of a line already read explains nothing more
            restores.append(restore)
            if newest is None or newest == restore.lost or newest.seq <= restore.backup_last:
                newest = Checkpoint(restore.seq, restore.hash)
    return Store(newest, tuple(restores))


def forget_verified() -> None:
    """After a restore, the next `--since-last` walks the whole chain again."""
    _verified_path().unlink(missing_ok=True)


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
