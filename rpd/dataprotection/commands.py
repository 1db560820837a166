"""`rpd access-log prune`: delete the access log's readings past their retention period."""

from __future__ import annotations

import datetime

from rpd.cli import date_argument


def register(subparsers) -> None:
    log = subparsers.add_parser("access-log", help="who read which case's personal data")
    actions = log.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = actions.add_parser(
        "prune",
        help="delete readings older than RPD_ACCESS_LOG_DAYS (or before --before)",
    )
    p.add_argument("--before", type=date_argument, help="delete readings before this day instead")
    p.set_defaults(handler=prune)


def prune(args) -> int:
    from rpd.cli import CommandError, require_database

    require_database()
    from django.utils import timezone

    from rpd.dataprotection import readings
    from rpd.pathways.calendar import LONDON

    if args.before is not None:
        if args.before > timezone.localdate():
            raise CommandError(f"--before {args.before} is in the future")
        before = datetime.datetime.combine(args.before, datetime.time(), LONDON)
    else:
        before = readings.cutoff()
    print(f"Deleting readings before {before:%Y-%m-%d %H:%M}…", flush=True)
    removed = readings.prune(before)
    print(f"Deleted {removed:,} readings.")
    return 0
