"""Writing to the audit log and checking that it is intact.

Every event's hash covers its contents and the previous event's hash, so a
changed, removed or reordered event breaks the chain from that point on, and
`verify` names where.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import hmac

from django.db import transaction
from django.utils import timezone

from . import rows
from .hashing import HASHED_FIELDS, canonical, check_text, clean_data, contents_of, event_hash
from .models import GENESIS_HASH, ChainHead, Event, EventText
from .seal import Checkpoint, UnreadableCheckpoint, checkpoint, read_store, seal

SYSTEM = "system"
RESTORED = "audit.restored"  # the action of the event `rpd restore` writes (rpd.audit.restore)


class OutsideTransactionError(RuntimeError):
    """`append` was called with no transaction to commit or roll back with."""


class ChainHeadMissingError(RuntimeError):
    """Events exist but the chain head has gone: the log needs investigating."""


def append(
    *,
    action: str,
    target: str,
    data: dict | None = None,
    actor=None,
    partnership_id: int | None = None,
    texts: dict[str, str] | None = None,
) -> Event:
    """Add one event to the end of the chain and return it.

    `actor` is a user (anything with `.pk` and `.get_username()`), or None for
    the system. The caller's transaction holds the chain head locked until it
    commits, so call this last, after the change it records has been checked.
    `texts` are free texts about a case (a reason): kept beside the chain, which holds
    only their digests, so that erasing a case can remove them.
    """
    # The event must commit with the change it records, or not at all.
    if not transaction.get_connection().in_atomic_block:
        raise OutsideTransactionError(
            "audit append() must be called inside transaction.atomic(), "
            "so the event commits or rolls back with the change it records"
        )
    action = _text_field("action", action)
    target = _text_field("target", target)
    if partnership_id is not None and not _is_int(partnership_id):
        raise TypeError(f"audit partnership_id must be an int or None, not {partnership_id!r}")
    actor_id, actor_label = _actor(actor)
    data = clean_data(data)
    texts = {
        name: check_text(text, f"text {name!r}") for name, text in (texts or {}).items() if text
    }
    if texts:
        data = {**data, "texts": {name: text_digest(text) for name, text in texts.items()}}

    head = _lock_head()
    fields = {
        "seq": head.seq + 1,
        # Taken after the lock, so times follow the order of the chain (unless the
        # clock is stepped back); nothing in verification depends on it.
        "at": timezone.now(),
        "actor_id": actor_id,
        "actor_label": actor_label,
        "action": action,
        "target": target,
        "partnership_id": partnership_id,
        "data": data,
    }
    digest = event_hash(head.hash, canonical(**fields))
    event = Event.objects.create(**fields, prev_hash=head.hash, hash=digest)
    if texts:
        EventText.objects.bulk_create(
            EventText(seq=event.seq, name=name, text=text) for name, text in texts.items()
        )
    head.seq, head.hash, head.seal = event.seq, digest, seal(event.seq, digest)
    head.save(update_fields=["seq", "hash", "seal"])
    # Only once committed: a rolled-back event must leave no checkpoint. A failure to
    # write one is logged rather than raised, since the change itself has been made.
    transaction.on_commit(functools.partial(checkpoint, event.seq, digest), robust=True)
    return event


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def texts_of(seqs) -> dict[int, dict[str, str]]:
    """The free texts of these events, by event: one query for a page's history."""
    found: dict[int, dict[str, str]] = {}
    for seq, name, text in EventText.objects.filter(seq__in=list(seqs)).values_list(
        "seq", "name", "text"
    ):
        found.setdefault(seq, {})[name] = text
    return found


def user_target(user) -> str:
    """The target of events about a person's own settings: by id, as actors are."""
    return f"user:{user.pk}"


def events_for(target: str):
    """One target's events, oldest first (served by the (target, seq) index)."""
    return Event.objects.filter(target=target).order_by("seq")


@dataclasses.dataclass(frozen=True)
class Verification:
    ok: bool
    checked: int  # events found intact, from event 1 on
    first_broken_seq: int | None
    reason: str  # why the chain is broken; empty when ok
    head_hash: str = GENESIS_HASH  # the hash of the last intact event
    checkpoint: int | None = None  # the newest checkpoint outside the database, if any


def verify(*, batch_size: int = 1000, since: Checkpoint | None = None) -> Verification:
    """Walk the whole chain in order, in batches, and report the first broken link.

    Safe to run while events are being appended: the head is read only after
    the walk, and events committed meanwhile are walked too.

    With `since` (the head a verification found intact, `last_verified()`), only the
    events after it are walked: its event must still carry its hash, and every later
    one must chain onto it. Quicker, and weaker: an event before it changed in the
    database meanwhile is found only by a whole walk (ADR 014).
    """
    checked = 0
    last_seq, last_hash = 0, GENESIS_HASH
    if since is not None:
        start = Event.objects.filter(seq=since.seq).first()
        if start is None or start.hash != since.hash:
            return Verification(
                False,
                0,
                since.seq,
                f"event {since.seq} no longer matches the last verification",
            )
        last_seq, last_hash = since.seq, since.hash
    # Read before the walk: every event it names had committed, so the walk must meet it.
    try:
        store = read_store()
    except UnreadableCheckpoint as error:
        return Verification(False, 0, None, str(error))
    kept = store.newest
    kept_seq = None if kept is None else kept.seq
    # Each restore the checkpoint file records must be the event the chain holds there.
    restores = {restore.seq: restore for restore in store.restores}

    def broken(seq: int | None, reason: str) -> Verification:
        return Verification(False, checked, seq, reason, last_hash, kept_seq)

    # Each evidence row's newest digest in the chain, and the event that gave it.
    vouched: dict[str, dict[str, tuple[str | None, int]]] = {}
    # Each free text's digest, by (event, name), and the texts an erasure removed.
    texts: dict[tuple[int, str], str] = {}
    erased: set[tuple[int, str]] = set()

    def up_to_the_checkpoint() -> Verification:
        if kept is not None and kept.seq > last_seq:
            return broken(
                last_seq + 1,
                f"event {last_seq + 1} is missing: the checkpoints kept outside the "
                f"database go up to event {kept.seq}",
            )
        # The texts of events before `since` were not walked: only a whole walk checks them.
        mismatch = _rows_against(vouched) or (
            _texts_against(texts, erased) if since is None else None
        )
        if mismatch is not None:
            return broken(*mismatch)
        return Verification(True, checked, None, "", last_hash, kept_seq)

    # Keyset pagination: each batch is a short indexed query, memory stays flat,
    # and no cursor is held open across the walk. The first batch has no lower
    # bound, so a row numbered 0 or below is seen rather than skipped.
    batch = (
        _batch_after(last_seq, batch_size)
        if since is not None
        else _walked(Event.objects.order_by("seq")[:batch_size])
    )
    while True:
        if not batch:
            head = ChainHead.objects.filter(pk=1).first()
            if head is None:
                if last_seq == 0:
                    return up_to_the_checkpoint()
                return broken(None, "the chain head is missing")
            if head.seq < last_seq:
                return broken(
                    head.seq + 1,
                    f"event {head.seq + 1} is beyond the chain head (event {head.seq})",
                )
            if head.seq == last_seq:
                if head.hash != last_hash:
                    return broken(last_seq, f"the chain head does not match event {last_seq}")
                if last_seq and not hmac.compare_digest(head.seal, seal(head.seq, head.hash)):
                    return broken(
                        last_seq,
                        "the chain head's seal does not match it: the head was rewritten, "
                        "or the audit key has changed",
                    )
                return up_to_the_checkpoint()
            # The head is further on: events committed during the walk, or a cut-off tail.
            batch = _batch_after(last_seq, batch_size)
            if not batch:
                return broken(last_seq + 1, f"event {last_seq + 1} is missing")
        for event in batch:
            expected = last_seq + 1
            if event.seq < expected:
                return broken(event.seq, f"event {event.seq} is out of sequence")
            if event.seq > expected:
                return broken(expected, f"event {expected} is missing")
            if event.prev_hash != last_hash:
                if last_seq == 0:
                    return broken(1, "event 1: prev_hash is not the genesis hash")
                return broken(
                    event.seq, f"event {event.seq}: prev_hash does not match event {last_seq}"
                )
            if _recomputed_hash(event) != event.hash:
                return broken(event.seq, f"event {event.seq}: hash does not match its contents")
            if kept is not None and event.seq == kept.seq and event.hash != kept.hash:
                return broken(
                    event.seq,
                    f"event {event.seq} does not match the checkpoint kept outside the database",
                )
            restore = restores.get(event.seq)
            if restore is not None and event.hash != restore.hash:
                return broken(
                    event.seq,
                    f"event {event.seq} is not the restore the checkpoints outside the "
                    "database record there",
                )
            if event.action == RESTORED and not _signed_restore(event):
                return broken(
                    event.seq,
                    f"event {event.seq} records a restore that `rpd restore` did not sign",
                )
            changed = _row_changes(event)
            if changed is None:
                return broken(event.seq, f"event {event.seq}: its rows are not digests")
            for key, (was, now) in changed.items():
                model_rows = vouched.setdefault(key.partition(":")[0], {})
                if model_rows.get(key, (None, 0))[0] != was:
                    return broken(
                        event.seq,
                        f"{rows.describe(key)} was changed outside the application "
                        f"before event {event.seq}",
                    )
                model_rows[key] = (now, event.seq)
            if isinstance(event.data, dict):
                for name, digest in (event.data.get("texts") or {}).items():
                    texts[(event.seq, name)] = digest
                for seq, name in event.data.get("texts_erased") or ():
                    erased.add((seq, name))
            checked += 1
            last_seq, last_hash = event.seq, event.hash
        batch = _batch_after(last_seq, batch_size)


def _signed_restore(event: Event) -> bool:
    from .restore import signature_holds

    return signature_holds(event)


def _row_changes(event: Event) -> dict[str, tuple[str | None, str | None]] | None:
    """The event's [before, after] digest of each row it wrote, or None if malformed."""
    changed = event.data.get("rows", {}) if isinstance(event.data, dict) else None
    if not isinstance(changed, dict):
        return None
    for pair in changed.values():
        if not (isinstance(pair, list) and len(pair) == 2):
            return None
        if not all(digest is None or isinstance(digest, str) for digest in pair):
            return None
    return {key: tuple(pair) for key, pair in changed.items()}


def _rows_against(vouched) -> tuple[int | None, str] | None:
    """The first evidence row that differs from the chain's newest digest of it, if any."""
    for evidence in rows.registered():
        expected = dict(vouched.get(evidence.model._meta.model_name, {}))
        for row in rows.current(evidence):
            key = rows.label(row)
            digest, seq = expected.pop(key, (None, None))
            if digest is None:
                return (
                    None,
                    f"{rows.describe(key)} is in no audit event: written outside the application",
                )
            if rows.row_digest(row) != digest:
                return seq, f"{rows.describe(key)} no longer matches event {seq}"
        for key, (digest, seq) in sorted(expected.items(), key=lambda item: item[1][1]):
            if digest is not None:
                return seq, f"{rows.describe(key)} is missing: event {seq} vouches for it"
    return None


def _texts_against(texts, erased) -> tuple[int | None, str] | None:
    """The first free text that differs from its event's digest, or that is missing
    without an erasure to say why, or that no event wrote."""
    expected = dict(texts)
    rows = EventText.objects.order_by("seq", "name").values_list("seq", "name", "text")
    for seq, name, text in rows.iterator(chunk_size=2000):
        digest = expected.pop((seq, name), None)
        if digest is None:
            return (
                seq,
                f"a text of event {seq} ({name}) is in no event: written outside the application",
            )
        if text_digest(text) != digest:
            return seq, f"the {name} of event {seq} no longer matches it"
    for (seq, name), _digest in sorted(expected.items()):
        if (seq, name) not in erased:
            return seq, f"the {name} of event {seq} is missing, and no erasure removed it"
    return None


# The walk reads each event once, as a plain row: building a model instance of each cost
# about as much again as hashing it (bench/audit.py, a million events).
WALKED = (*HASHED_FIELDS, "prev_hash", "hash")


def _walked(events) -> list:
    return list(events.values_list(*WALKED, named=True))


def _batch_after(seq: int, size: int) -> list:
    return _walked(Event.objects.filter(seq__gt=seq).order_by("seq")[:size])


def _recomputed_hash(event: Event) -> str | None:
    try:
        contents = contents_of(event)
    except (TypeError, ValueError):  # contents no append() could have written
        return None
    return event_hash(event.prev_hash, contents)


def _lock_head() -> ChainHead:
    # On PostgreSQL the row lock queues concurrent appenders until this
    # transaction ends. SQLite has no row locks, but the settings open every
    # transaction with BEGIN IMMEDIATE, which already admits one writer at a time.
    head = ChainHead.objects.select_for_update().filter(pk=1).first()
    if head is not None:
        return head
    # A fresh or flushed database. Several first appenders may get here at once:
    # ON CONFLICT DO NOTHING waits for whichever inserts the row first to commit,
    # and the locking read after it then sees that appender's event.
    ChainHead.objects.bulk_create([ChainHead(pk=1)], ignore_conflicts=True)
    head = ChainHead.objects.select_for_update().get(pk=1)
    if head.seq == 0 and Event.objects.exists():
        raise ChainHeadMissingError(
            "the audit chain head is missing but events exist; run `rpd audit verify`"
        )
    return head


def _actor(actor) -> tuple[int | None, str]:
    if actor is None:
        return None, SYSTEM
    if not _is_int(actor.pk):
        raise TypeError(f"audit actor must be a saved user with an integer pk, not {actor!r}")
    # By id, not by username (often an email address): the chain cannot forget what it
    # seals, and a leaver is pseudonymised in the people table it points to (ADR 017).
    return actor.pk, f"user:{actor.pk}"


def _text_field(name: str, value) -> str:
    if not isinstance(value, str) or not value:
        raise TypeError(f"audit {name} must be a non-empty str, not {value!r}")
    limit = Event._meta.get_field(name).max_length
    if len(value) > limit:
        raise ValueError(f"audit {name} is {len(value)} characters long; the limit is {limit}")
    return check_text(value, name)


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
