"""Writing a long audit chain in bulk, as `audit.log.append` would have written it event by
event: each event's canonical text and hash from the same code (rpd/audit/hashing.py),
chained onto the head, the head moved and sealed and a checkpoint written, so
`rpd audit verify` finds it intact and the transitions append after it."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from itertools import islice

WRITE_BATCH = 10_000


def write_chain(
    events: Iterable[dict], label: str, first_seq: int = 1, last: str = ""
) -> tuple[int, str]:
    """Append `events` (the fields of each but seq, hashes and ids) from `first_seq` on,
    chained onto `last` (the genesis hash if empty). Returns the last sequence number and
    hash (first_seq - 1 and `last` if there were none)."""
    from django.db import transaction

    from rpd.audit.hashing import canonical, clean_data, event_hash
    from rpd.audit.models import GENESIS_HASH, ChainHead, Event
    from rpd.audit.seal import checkpoint, seal

    last = last or GENESIS_HASH
    seq = first_seq - 1
    source: Iterator[dict] = iter(events)
    while batch := list(islice(source, WRITE_BATCH)):
        rows = []
        for fields in batch:
            seq += 1
            fields = {**fields, "seq": seq, "data": clean_data(fields["data"])}
            digest = event_hash(last, canonical(**fields))
            rows.append(Event(**fields, prev_hash=last, hash=digest))
            last = digest
        with transaction.atomic():
            Event.objects.bulk_create(rows, batch_size=2_000)
        print(f"{label}: {seq:,} audit events written", file=sys.stderr)
    if seq >= first_seq:
        with transaction.atomic():
            ChainHead.objects.update_or_create(
                pk=1, defaults={"seq": seq, "hash": last, "seal": seal(seq, last)}
            )
        checkpoint(seq, last)
    return seq, last
