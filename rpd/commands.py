"""Project-wide sub-commands: `rpd migrate`, `rpd serve` and `rpd manage`."""

from __future__ import annotations

import argparse
import os
import re

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
