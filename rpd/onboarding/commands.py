"""`rpd partnership create`, `rpd import people|template`, `rpd agency join|answer` and
`rpd check`.

A mistake in the command (an unknown partnership, a file that cannot be read, bad rows)
ends with exit status 2 and says what is wrong on stderr; `rpd check` exits 1 when the
partnership is not ready to go live, 0 when it is.
"""

from __future__ import annotations

import os
import sys

from rpd.cli import CommandError, require_database, setup_django
from rpd.pathways.describe import plural


def register(subparsers) -> None:
    partnership = subparsers.add_parser("partnership", help="create a partnership")
    actions = partnership.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = actions.add_parser("create", help="a new partnership on one of the pathways")
    p.add_argument("slug", metavar="SLUG", help="its short name in addresses, e.g. blackpool")
    p.add_argument("--name", required=True, metavar="NAME")
    p.add_argument("--pathway", required=True, metavar="ID", help="see `rpd pathway list`")
    p.add_argument(
        "--calendar", default="", metavar="NAME", help="working days (default: the pathway's)"
    )
    p.set_defaults(handler=partnership_create)

    imports = subparsers.add_parser("import", help="import a partnership's agencies and people")
    actions = imports.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = actions.add_parser(
        "people", help="agencies, ladders and people from a CSV file (docs/import.md)"
    )
    p.add_argument("file", metavar="FILE.csv")
    p.add_argument("--partnership", required=True, metavar="SLUG")
    p.add_argument(
        "--dry-run", action="store_true", help="check the file and show what would change"
    )
    p.set_defaults(handler=import_people)
    p = actions.add_parser(
        "template", help="the CSV's header, with a partnership's people to edit and import again"
    )
    p.add_argument("--partnership", metavar="SLUG")
    p.set_defaults(handler=import_template)

    agency = subparsers.add_parser(
        "agency", help="ask that an agency another partnership governs serve one, and answer"
    )
    actions = agency.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = actions.add_parser(
        "join", help="ask that agency CODE serve --partnership too (its owner must accept)"
    )
    p.add_argument("code", metavar="CODE")
    p.add_argument("--partnership", required=True, metavar="SLUG")
    p.set_defaults(handler=agency_join)
    p = actions.add_parser(
        "answer", help="as the installation's operator, accept or decline such a request"
    )
    p.add_argument("code", metavar="CODE")
    p.add_argument("--partnership", required=True, metavar="SLUG", help="the one that asked")
    decision = p.add_mutually_exclusive_group(required=True)
    decision.add_argument("--accept", action="store_true")
    decision.add_argument("--decline", action="store_true")
    p.set_defaults(handler=agency_answer)

    p = subparsers.add_parser(
        "check", help="the go-live check: exit 0 when ready, 1 listing what is missing"
    )
    p.add_argument("--partnership", required=True, metavar="SLUG")
    p.set_defaults(handler=check)


def _partnership(slug: str):
    from rpd.people.models import Partnership

    partnership = Partnership.objects.filter(slug=slug).first()
    if partnership is None:
        known = ", ".join(Partnership.objects.order_by("slug").values_list("slug", flat=True))
        raise CommandError(
            f"--partnership: no partnership with slug {slug!r} (known: {known or 'none yet'}; "
            "`rpd partnership create` makes one)"
        )
    return partnership


def partnership_create(args) -> int:
    require_database()
    from .partnerships import PartnershipError, create

    try:
        partnership = create(
            slug=args.slug, name=args.name, pathway_id=args.pathway, calendar=args.calendar
        )
    except PartnershipError as error:
        option = "SLUG" if error.field == "slug" else f"--{error.field}"
        raise CommandError(f"{option}: {str(error).split(': ', 1)[1]}") from None
    print(
        f"created {partnership.name} ({partnership.slug}) on the {partnership.pathway_id} "
        f"pathway, {partnership.calendar} calendar; next: `rpd import people FILE.csv "
        f"--partnership {partnership.slug}`"
    )
    return 0


def _refused(error) -> CommandError:
    return CommandError("; ".join(m for ms in error.errors.values() for m in ms))


def agency_join(args) -> int:
    """The operator asks, for a partnership, to be served by an agency another governs:
    a request its owner's administrators answer, as from the Agencies page."""
    require_database()
    from rpd.administration import operations

    partnership = _partnership(args.partnership)
    try:
        request = operations.join_agency(partnership, None, {"code": args.code})
    except operations.Invalid as error:
        raise _refused(error) from None
    print(
        f"asked {request.agency.owner.name} to let {request.agency.name} serve "
        f"{partnership.name}; its administrators were told"
    )
    return 0


def agency_answer(args) -> int:
    """The operator answers a partnership's request, as the agency's owner would."""
    require_database()
    from rpd.administration import operations
    from rpd.people.models import JoinRequest

    partnership = _partnership(args.partnership)
    request = (
        JoinRequest.objects.filter(
            partnership=partnership, agency__code=args.code.lower(), outcome=""
        )
        .select_related("agency__owner", "partnership")
        .first()
    )
    if request is None:
        raise CommandError(f"CODE: {partnership.name} has not asked to join {args.code!r}")
    decision = JoinRequest.Outcome.ACCEPTED if args.accept else JoinRequest.Outcome.DECLINED
    try:
        operations.decide_join(request, None, {"decision": decision})
    except operations.Invalid as error:
        raise _refused(error) from None
    print(f"{decision} {partnership.name}'s request to be served by {request.agency.name}")
    return 0


def _progress(message: str) -> None:
    print(f"rpd import: {message}", file=sys.stderr, flush=True)


def import_people(args) -> int:
    from .csvformat import MAX_BYTES, FileProblem

    try:
        size = os.path.getsize(args.file)
        if size > MAX_BYTES:  # refused before reading it into memory
            raise FileProblem(f"the file is {size:,} bytes; the most is {MAX_BYTES:,}")
        with open(args.file, "rb") as f:
            data = f.read()
    except FileProblem as error:
        raise CommandError(f"{args.file}: {error}") from None
    except OSError as error:
        raise CommandError(f"{args.file}: {error.strerror or error}") from None
    require_database()
    from .import_people import ImportRefused, import_file

    partnership = _partnership(args.partnership)
    try:
        plan = import_file(
            partnership,
            data,
            by=None,
            dry_run=args.dry_run,
            source=os.path.basename(args.file),
            progress=_progress,
        )
    except FileProblem as error:
        raise CommandError(f"{args.file}: {error}") from None
    except ImportRefused as error:
        print(
            f"rpd: error: {args.file}: {plural(len(error.errors), 'problem')}; "
            "nothing was imported",
            file=sys.stderr,
        )
        for line in error.lines():
            print(f"  {args.file}: {line}", file=sys.stderr)
        return 2
    if args.dry_run:
        print(f"dry run: nothing written. Importing {args.file} would change:")
        for change in plan.changes:
            if change.action != "unchanged":
                print(f"  {change}")
    print(f"{'dry run' if args.dry_run else 'imported'}: {plan.summary(done=not args.dry_run)}")
    return 0


def import_template(args) -> int:
    partnership = None
    if args.partnership:
        require_database()
        partnership = _partnership(args.partnership)
    else:
        setup_django()
    from .import_people import template

    sys.stdout.write(template(partnership))
    return 0


def check(args) -> int:
    require_database()
    from .golive import AREAS
    from .golive import check as go_live

    partnership = _partnership(args.partnership)
    problems = go_live(partnership)
    if not problems:
        print(
            f"{partnership.name} is ready to go live: every agency can raise with every "
            "other and climb every stage."
        )
        return 0
    print(f"{partnership.name} is not ready to go live: {plural(len(problems), 'problem')}")
    area = None
    for problem in problems:
        if problem.area != area:
            area = problem.area
            print(f"\n{AREAS[area]}")
        print(f"  - {problem.message}")
        print(f"    fix: {problem.href or problem.fix}")
    return 1
