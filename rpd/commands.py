"""Project-wide sub-commands: `rpd serve` and `rpd manage`."""

from __future__ import annotations

import argparse

from rpd.cli import CommandError, setup_django


def register(subparsers) -> None:
    p = subparsers.add_parser("serve", help="set up the database and serve the web application")
    p.add_argument("--address", default="127.0.0.1:8000", metavar="HOST:PORT")
    p.add_argument(
        "--demo",
        action="store_true",
        help="demo mode: the sign-in page lists the demo people (refused unless RPD_DEBUG=1)",
    )
    p.set_defaults(handler=serve)

    p = subparsers.add_parser("manage", help="run a Django management command")
    p.add_argument("arguments", nargs=argparse.REMAINDER)
    p.set_defaults(handler=manage)


def serve(args) -> int:
    setup_django()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import transaction

    from rpd.disagreements.commands import DEFAULT_DEMO, build_demo, migrate
    from rpd.people.models import Partnership

    if args.demo and not settings.DEBUG:
        raise CommandError("--demo: demo sign-in is refused unless RPD_DEBUG=1")
    migrate()
    # A fresh machine serves something to look at: the demo partnership, built once.
    if not Partnership.objects.exists():
        with transaction.atomic():
            partnership, disagreements = build_demo(DEFAULT_DEMO)
        print(
            f"Built the demo partnership {partnership.name} with {len(disagreements)} "
            "synthetic disagreements (`rpd demo --help` for more)."
        )
        # Nobody but the demo people can sign in to a database just built for them.
        args.demo = True
    if args.demo:
        settings.RPD_DEMO = True  # still refused without DEBUG: see people/demo_sign_in.py
    call_command("runserver", args.address, use_reloader=False)
    return 0


def manage(args) -> int:
    setup_django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["rpd manage", *args.arguments])
    return 0
