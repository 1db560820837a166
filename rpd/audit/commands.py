"""`rpd audit verify`: check the audit log's hash chain end to end."""

from __future__ import annotations

import sys


def register(subparsers) -> None:
    audit = subparsers.add_parser("audit", help="the append-only audit log")
    actions = audit.add_subparsers(dest="action", required=True, metavar="ACTION")

    p = actions.add_parser(
        "verify", help="recompute every event's hash; exit 1 naming the first broken link"
    )
    p.add_argument(
        "--since-last",
        action="store_true",
        help="walk only the events after the head the last verification found intact",
    )
    p.set_defaults(handler=audit_verify)


def audit_verify(args) -> int:
    from rpd.cli import require_database

    require_database()
    from django.conf import settings

    from rpd.audit.log import verify
    from rpd.audit.seal import UnreadableCheckpoint, last_verified, verified

    since = None
    if args.since_last:
        try:
            since = last_verified()
        except UnreadableCheckpoint as error:
            print(f"rpd: error: {error}", file=sys.stderr)
            return 2
    result = verify(since=since)
    if not result.ok:
        where = "" if result.first_broken_seq is None else f" at event {result.first_broken_seq}"
        print(f"audit chain broken{where}: {_reason(result)}", file=sys.stderr)
        return 1
    if result.checkpoint is None:
        # Not a failure (a new data directory, or a server without one), but the reader
        # should know a wound-back head could only be shown by its seal.
        kept = f"; no checkpoints in {settings.RPD_AUDIT_CHECKPOINTS}"
    else:
        kept = f", checkpoint at event {result.checkpoint:,}"
    walked = "" if since is None else f" since event {since.seq:,}"
    print(
        f"audit chain verified: {result.checked:,} events{walked}, "
        f"head {result.head_hash[:12]}…{kept}"
    )
    if result.checked or since is not None:
        verified(since.seq + result.checked if since else result.checked, result.head_hash)
    return 0


def _reason(result) -> str:
    # "event 17: hash does not match" reads twice as "at event 17: event 17: ...".
    prefix = f"event {result.first_broken_seq}: "
    return result.reason.removeprefix(prefix)
