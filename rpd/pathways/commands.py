"""`rpd pathway ...` and `rpd calendar ...`."""

from __future__ import annotations

import json
import sys

from rpd.cli import CommandError, date_argument, non_negative_int

from . import registry
from .calendar import CALENDARS, DateOutOfRange, UnknownCalendar, get_calendar
from .describe import describe, plural
from .formats import FORMAT
from .loader import PackInvalid, load_pack, read_pack_file
from .schema import joined
from .simulate import anchor_in_words, simulate


def register(subparsers) -> None:
    pathway = subparsers.add_parser("pathway", help="escalation pathways (policy packs)")
    actions = pathway.add_subparsers(dest="action", required=True, metavar="ACTION")

    p = actions.add_parser("list", help="every built-in and installed pathway")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(handler=pathway_list)

    p = actions.add_parser("show", help="a pathway as a person would read it")
    p.add_argument("pathway", metavar="ID|FILE")
    p.set_defaults(handler=pathway_show)

    p = actions.add_parser("validate", help="check pack files; exit 2 naming the line and field")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.set_defaults(handler=pathway_validate)

    p = actions.add_parser("simulate", help="every stage and milestone's due date from a start")
    p.add_argument("pathway", metavar="ID|FILE")
    p.add_argument("--start", required=True, type=date_argument, metavar="YYYY-MM-DD")
    p.add_argument(
        "--stage",
        type=int,
        default=1,
        metavar="N",
        help="start at stage N (a fast-tracked disagreement)",
    )
    p.add_argument(
        "--immediate",
        metavar="RULE",
        help="apply one of the pathway's immediate rules (see `rpd pathway show`)",
    )
    p.add_argument(
        "--decision",
        type=date_argument,
        metavar="YYYY-MM-DD",
        help="the disputed decision's date, for milestones counted from it (default: --start)",
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(handler=pathway_simulate)

    p = actions.add_parser("install", help="validate a partnership's pack and install it")
    p.add_argument("file", metavar="FILE")
    p.set_defaults(handler=pathway_install)

    calendar = subparsers.add_parser("calendar", help="working days")
    actions = calendar.add_subparsers(dest="action", required=True, metavar="ACTION")
    names = ", ".join(CALENDARS)

    p = actions.add_parser("due", help="the date 'within N working days' of a date falls due")
    p.add_argument("--calendar", required=True, metavar="NAME", help=names)
    p.add_argument("--from", dest="start", required=True, type=date_argument, metavar="YYYY-MM-DD")
    p.add_argument("--working-days", required=True, type=non_negative_int, metavar="N")
    p.add_argument(
        "--closure",
        action="append",
        type=date_argument,
        default=[],
        metavar="YYYY-MM-DD",
        help="a partnership closure day (repeatable)",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=calendar_due)

    p = actions.add_parser("holidays", help="the public holidays of a calendar in a year")
    p.add_argument("--calendar", required=True, metavar="NAME", help=names)
    p.add_argument("--year", required=True, type=int, metavar="YYYY")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=calendar_holidays)


def _entry(id_or_file: str) -> registry.Entry:
    try:
        return registry.resolve(id_or_file)
    except registry.UnknownPathway as error:
        raise CommandError(str(error)) from None
    except PackInvalid as error:
        raise CommandError("\n".join(error.lines())) from None


def pathway_list(args) -> int:
    entries = registry.all_entries()
    rows = [
        {
            "id": e.pack.id,
            "name": e.pack.name,
            "partnership": e.pack.partnership,
            "scope": e.pack.scope.value,
            "calendar": e.pack.calendar,
            "version": e.pack.version,
            "stages": len(e.pack.stages),
            "built_in": e.built_in,
            "valid": True,
        }
        for e in entries
    ]
    # A pack file that does not load is listed by its file's name, with its problems; it
    # changes nothing for the others.
    broken = [
        {"id": b.pathway_id, "path": str(b.path), "valid": False, "problems": b.error.lines()}
        for b in registry.broken()
    ]
    if args.json:
        rows += broken
        json.dump(rows, sys.stdout, indent=2)
        print()
        return 0
    width = max(len(r["id"]) for r in rows)
    for r in rows:
        origin = "built-in" if r["built_in"] else "installed"
        print(f"{r['id']:<{width}}  {r['scope']:<8}  {r['calendar']:<17}  {origin:<9}  {r['name']}")
    for b in broken:
        count = plural(len(b["problems"]), "problem")
        print(f"{b['id']}  INVALID: {count}, first: {b['problems'][0]}")
    return 0


def pathway_show(args) -> int:
    sys.stdout.write(describe(_entry(args.pathway).pack))
    return 0


def pathway_validate(args) -> int:
    failed = False
    for name in args.files:
        try:
            loaded = load_pack(read_pack_file(name), name)
        except PackInvalid as error:
            failed = True
            for line in error.lines():
                print(line, file=sys.stderr)
        else:
            pack = loaded.pack
            print(f"{name}: valid ({pack.id} v{pack.version}, {plural(len(pack.stages), 'stage')})")
            if loaded.changes:
                print(
                    f"{name}: written in pack format {loaded.written_in}, upgraded to "
                    f"{FORMAT} as it loads; to write it in format {FORMAT}, remove its "
                    "`format:` line and:"
                )
                for change in loaded.changes:
                    print(f"  {change.render(name)}")
    return 2 if failed else 0


def pathway_simulate(args) -> int:
    pack = _entry(args.pathway).pack
    if args.stage not in [s.number for s in pack.stages]:
        raise CommandError(f"--stage: {pack.id} has stages 1 to {pack.last_stage.number}")
    if args.decision and args.decision > args.start:
        raise CommandError("--decision: the disputed decision cannot come after --start")
    try:
        result = simulate(pack, args.start, args.stage, args.immediate, args.decision)
    except KeyError as error:
        raise CommandError(f"--immediate: {error.args[0]}") from None
    except DateOutOfRange as error:
        raise CommandError(f"--start: {error}") from None
    if args.json:
        json.dump(result.as_json(), sys.stdout, indent=2)
        print()
        return 0
    print(f"{pack.name}: raised {args.start:%a %d %b %Y} ({CALENDARS[pack.calendar]} working days)")
    if args.immediate:
        rule = pack.immediate_rule(args.immediate)
        print(
            f"Under the rule {rule.id!r}: due {rule.timescale.describe()}; "
            "its reminders are not held for working hours"
        )
    for stage in result.stages:
        flag = {"review": "  (review: no limit in the policy)", "immediately": "  (immediately)"}
        print(
            f"Stage {stage.number} {stage.name}: starts {stage.starts:%a %d %b %Y}, "
            f"due {stage.due:%a %d %b %Y}{flag.get(stage.due_basis, '')}"
        )
        for m in stage.milestones:
            due = f"{m.due:%a %d %b %Y}" if m.due else "no date yet"
            print(f"    {m.name}: {due} ({m.timescale}{_anchor(m)})")
    if result.overall_cap:
        cap = result.overall_cap
        print(
            f"Overall limit for stages {', '.join(map(str, cap.stages))}: "
            f"{cap.due:%a %d %b %Y} ({cap.working_days} working days)"
        )
    return 0


def _anchor(m) -> str:
    """What a milestone counts from, as the simulation's text says it (an event: nothing)."""
    if m.event:
        return ""
    return joined(m.within, anchor_in_words(m, lambda day: f"{day:%a %d %b %Y}"))


def pathway_install(args) -> int:
    try:
        entry = registry.install(args.file)
    except PackInvalid as error:
        raise CommandError("\n".join(error.lines())) from None
    print(f"installed {entry.pack.id} v{entry.pack.version} as {entry.path}")
    return 0


def _calendar(name: str, closure_days=()):
    try:
        return get_calendar(name, tuple(closure_days))
    except UnknownCalendar as error:
        raise CommandError(f"--calendar: {error}") from None


def calendar_due(args) -> int:
    calendar = _calendar(args.calendar, args.closure)
    try:
        due = calendar.add_working_days(args.start, args.working_days)
    except DateOutOfRange as error:
        raise CommandError(f"--from/--working-days: {error}") from None
    if args.json:
        print(
            json.dumps(
                {
                    "calendar": args.calendar,
                    "from": args.start.isoformat(),
                    "working_days": args.working_days,
                    "due": due.isoformat(),
                }
            )
        )
    else:
        print(due.isoformat())
    return 0


def calendar_holidays(args) -> int:
    if not 1900 <= args.year <= 2200:
        raise CommandError(f"--year: {args.year} is out of range (1900 to 2200)")
    days = _calendar(args.calendar).holidays(args.year)
    if args.json:
        print(json.dumps([{"date": d.isoformat(), "name": n} for d, n in days], indent=2))
    else:
        for day, name in days:
            print(f"{day.isoformat()}  {day:%a}  {name}")
    return 0
