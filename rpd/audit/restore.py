"""Recording a restore from backup in the audit chain, so the gap it leaves is explained.

A restore puts back an earlier copy of the database: its chain ends at the backup's last
event, while the checkpoints kept outside the database go further, which `verify` would
rightly call a cut-off tail. So the restore appends one event (`audit.restored`) naming
the backup (the file's digest, when it was taken, its last event) and what was lost (the
events after it, up to the newest checkpoint and its hash), signed with the audit key;
and writes a sealed restore line to the checkpoint file naming that event. `verify`
accepts the gap only with both: a line without the event, or an event without a good
signature, is still reported (docs/adr/006, amended).
"""

from __future__ import annotations

import dataclasses
import hmac
import json

from django.db import transaction

from . import log, seal
from .models import GENESIS_HASH, ChainHead, Event

TARGET = "audit:chain"


@dataclasses.dataclass(frozen=True)
class Backup:
    """What a restore says about the file it put back."""

    name: str  # the file's name, without the directory (which is this host's business)
    sha256: str
    taken_at: str  # ISO 8601, as the backup recorded it


def record(backup: Backup) -> tuple[Event, seal.Checkpoint | None]:
    """Append the restore event to the restored chain and the restore line to the
    checkpoint file. Returns the event and the lost head (None if nothing was lost)."""
    store = seal.read_store()
    with transaction.atomic():
        head = ChainHead.objects.select_for_update().filter(pk=1).first()
        last_seq, last_hash = (head.seq, head.hash) if head else (0, GENESIS_HASH)
        kept = store.newest
        lost = kept if kept is not None and kept.seq > last_seq else None
        data = {
            "backup": {
                "file": backup.name,
                "sha256": backup.sha256,
                "taken_at": backup.taken_at,
                "last_event": last_seq,
                "last_hash": last_hash,
            },
            # The events numbered from..to on the copy that was replaced are gone; the
            # newest checkpoint's hash says which chain they were.
            "lost": None
            if lost is None
            else {"from": last_seq + 1, "to": lost.seq, "head_hash": lost.hash},
        }
        data["signature"] = _signature(data)
        event = log.append(action=log.RESTORED, target=TARGET, data=data)
    # Outside the transaction and raised, not logged: without this line verify fails, and
    # whoever restores must know at once.
    seal.restored(seal.Restore(event.seq, event.hash, last_seq, lost))
    seal.forget_verified()
    return event, lost


def signature_holds(event: Event) -> bool:
    data = event.data if isinstance(event.data, dict) else {}
    signature = data.get("signature")
    unsigned = {key: value for key, value in data.items() if key != "signature"}
    backup = unsigned.get("backup")
    return (
        isinstance(signature, str)
        and isinstance(backup, dict)
        # The restore follows the backup's last event directly.
        and backup.get("last_event") == event.seq - 1
        and backup.get("last_hash") == event.prev_hash
        and hmac.compare_digest(signature, _signature(unsigned))
    )


def _signature(data: dict) -> str:
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return seal.sign("rpd.audit.restore-event", text)
