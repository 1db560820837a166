"""`rpd access-log prune`: delete the access log's readings past their retention period."""

from __future__ import annotations

import datetime
import sys

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

    r = subparsers.add_parser(
        "retention",
        help="list the closed cases past their retention period; --apply erases them",
    )
    r.add_argument("--partnership", metavar="SLUG", help="one partnership (default: every one)")
    r.add_argument(
        "--apply", action="store_true", help="erase their personal data (audited); default lists"
    )
    r.set_defaults(handler=retention)


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


def retention(args) -> int:
    from rpd.cli import CommandError, require_database

    require_database()
    from rpd.dataprotection import leavers as leaving
    from rpd.dataprotection import retention as policy
    from rpd.pathways.calendar import today
    from rpd.people.models import Partnership

    partnerships = Partnership.objects.order_by("name")
    if args.partnership:
        partnerships = partnerships.filter(slug=args.partnership)
        if not partnerships:
            raise CommandError(f"no partnership {args.partnership!r}")
    due = policy.due(list(partnerships), today())
    leavers = [
        u
        for u in leaving.due()
        if not args.partnership
        or (u.agency_id and u.agency.memberships.filter(partnership__in=partnerships).exists())
    ]
    for item in due:
        d = item.disagreement
        closed = d.closed_at.date().isoformat()
        print(
            f"{d.partnership.slug}\t{d.reference}\t{d.get_status_display()} {closed}"
            f"\tkeep until {item.keep_until.isoformat()}"
        )
    for user in leavers:
        print(f"leaver\t{user.display_name}\tnamed in no kept case")
    if not due and not leavers:
        print("Nothing is past its retention period.")
        return 0
    if not args.apply:
        print(
            f"{len(due):,} cases past their retention period and {len(leavers):,} leavers "
            "to pseudonymise; --apply erases them."
        )
        return 0
    for number, item in enumerate(due, 1):
        policy.erase(item.disagreement, basis="retention")
        if number % 100 == 0 or number == len(due):
            print(f"Erased {number:,} of {len(due):,}…", file=sys.stderr, flush=True)
    # After the cases: a leaver named only in the cases just erased is due now too.
    leavers += [u for u in leaving.due() if u not in leavers] if due else []
    for user in leavers:
        leaving.pseudonymise(user)
    print(
        f"Erased the personal data of {len(due):,} cases and pseudonymised "
        f"{len(leavers):,} leavers."
    )
    return 0
