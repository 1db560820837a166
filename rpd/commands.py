"""Project-wide sub-commands: `rpd migrate`, `rpd serve`, `rpd manage`, `rpd backup` and
`rpd restore`."""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

from rpd.cli import CommandError, setup_django

# What Django's runserver takes: PORT, HOST:PORT or [IPv6]:PORT.
ADDRESS = re.compile(r"^(?:(?P<host>\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):)?(?P<port>\d{1,5})$")


def address(value: str) -> str:
    match = ADDRESS.match(value)
    if not match or not 0 < int(match["port"]) < 65536:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not HOST:PORT or PORT (e.g. 127.0.0.1:8000)"
        )
    return value


def register(subparsers) -> None:
    p = subparsers.add_parser("migrate", help="create or update the database's tables")
    p.set_defaults(handler=migrate)

    p = subparsers.add_parser("serve", help="set up the database and serve the web application")
    p.add_argument("--address", default="127.0.0.1:8000", type=address, metavar="HOST:PORT")
    p.add_argument(
        "--demo",
        metavar="PATHWAY",
        help="build this pathway's demo partnership (once) and list its people on the sign-in "
        "page; refused unless RPD_DEBUG=1",
    )
    p.set_defaults(handler=serve)

    p = subparsers.add_parser(
        "backup",
        help="copy the whole database to FILE (SQLite's online backup, or pg_dump's custom "
        "format on PostgreSQL)",
    )
    p.add_argument("file", metavar="FILE", type=Path)
    p.set_defaults(handler=backup)

    p = subparsers.add_parser(
        "restore",
        help="replace the whole database with a backup, and record the restore in the audit log",
    )
    p.add_argument("file", metavar="FILE", type=Path)
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.set_defaults(handler=restore)

    p = subparsers.add_parser("manage", help="run a Django management command")
    p.add_argument("arguments", nargs=argparse.REMAINDER)
    p.set_defaults(handler=manage)


def migrate(args) -> int:
    from rpd.cli import database_name
    from rpd.disagreements.commands import migrate as migrate_database

    setup_django()
    migrate_database()
    print(f"database ready: {database_name()}")
    return 0


def serve(args) -> int:
    if args.demo:
        # A newcomer trying the demo meets the error pages production shows, not Django's
        # debug pages listing every URL pattern (rpd/settings.py, RPD_DEBUG_PAGES).
        os.environ.setdefault("RPD_DEBUG_PAGES", "0")
    setup_django()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import transaction

    from rpd.cli import database_name
    from rpd.disagreements.commands import build_demo, known_pathway, migrate
    from rpd.people.models import Partnership

    if args.demo:
        known_pathway(args.demo, option="--demo")
        if not settings.RPD_DEVELOPMENT:
            raise CommandError("--demo: demo sign-in is refused unless RPD_DEBUG=1")
    host, _, port = args.address.rpartition(":")
    url = f"http://{host or '127.0.0.1'}:{port}/"
    if "RPD_BASE_URL" not in os.environ:
        # Links this process writes (the demo's notices, the calendar feed's address) point
        # at where it serves, not at the default port.
        settings.RPD_BASE_URL = url.rstrip("/")
    print(f"Bringing the database up to date: {database_name()}", flush=True)
    migrate(verbosity=1)
    # Synthetic cases go only into a database that asked for them (scripts/run does).
    if args.demo and not Partnership.objects.filter(slug=args.demo).exists():
        print(
            f"Building the {args.demo} demo partnership: synthetic people and cases "
            "(about 10 seconds, once)...",
            flush=True,
        )
        with transaction.atomic():
            partnership, disagreements = build_demo(args.demo)
        print(
            f"Built the demo partnership {partnership.name} with {len(disagreements)} "
            "synthetic disagreements (`rpd demo --help` for more)."
        )
    if args.demo:
        settings.RPD_DEMO = True  # still refused in production: see people/demo_sign_in.py
        print(f"RPD (demo) at {url}: the sign-in page lists the synthetic demo people;")
        print("choose one to sign in as them, no password needed. Ctrl-C stops it.")
    else:
        print(f"RPD at {url}: sign in with a registered email address and password.")
    # Without debug pages, runserver serves the static files only when told to (in
    # production whitenoise serves `collectstatic`'s copies).
    call_command("runserver", args.address, use_reloader=False, insecure_serving=not settings.DEBUG)
    return 0


def manage(args) -> int:
    setup_django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["rpd manage", *args.arguments])
    return 0


def say(line: str) -> None:
    print(line, flush=True)


def backup(args) -> int:
    from rpd.cli import database_name, require_database

    require_database()
    from rpd import backup as backups

    path: Path = args.file
    if path.exists():
        raise CommandError(f"{path} already exists: choose a new name for the backup")
    if not path.parent.is_dir():
        raise CommandError(f"no directory {path.parent} to write the backup in")
    say(f"Backing up the {backups.kind()} database {database_name()} to {path}...")
    taken = backups.take(path, say)
    size = path.stat().st_size / 1_000_000
    say(
        f"Backed up to {path} ({size:,.1f} MB, taken {taken.taken_at}, the audit log up to "
        f"event {taken.last_event:,}). Keep it off this machine; `rpd restore {path}` "
        "puts it back."
    )
    return 0


def restore(args) -> int:
    setup_django()
    from rpd import backup as backups
    from rpd.audit import restore as restores
    from rpd.cli import database_name

    path: Path = args.file
    where = database_name()
    say(f"Checking {path}...")
    found = backups.inspect(path)
    if not args.yes:
        if not sys.stdin.isatty():
            raise CommandError(
                "restore replaces the whole database: run it at a terminal to confirm, "
                "or pass --yes"
            )
        print(
            f"This replaces everything in {where} with the backup taken {found.taken_at} "
            f"(the audit log up to event {found.last_event:,}); anything written since is "
            "lost. Stop the web processes and workers first. Type yes to restore: ",
            end="",
            flush=True,
        )
        if sys.stdin.readline().strip().lower() != "yes":
            say("Nothing restored.")
            return 1
    sha256 = backups.digest(path)
    say(f"Restoring {where} from {path}...")
    backups.put_back(path, say)
    say("Recording the restore in the audit log...")
    event, lost = restores.record(
        restores.Backup(name=path.name, sha256=sha256, taken_at=found.taken_at)
    )
    gone = (
        "no event was lost"
        if lost is None
        else f"events {found.last_event + 1:,} to {lost.seq:,}, written after the backup, are lost"
    )
    say(
        f"Restored {where} from {path} (taken {found.taken_at}): {gone}; event "
        f"{event.seq:,} records the restore. If the backup is from an older version, run "
        "`rpd migrate`; then `rpd audit verify`."
    )
    return 0
