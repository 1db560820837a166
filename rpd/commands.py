"""Project-wide sub-commands: `rpd serve` and `rpd manage`."""

from __future__ import annotations

import argparse

from rpd.cli import setup_django


def register(subparsers) -> None:
    p = subparsers.add_parser("serve", help="set up the database and serve the web application")
    p.add_argument("--address", default="127.0.0.1:8000", metavar="HOST:PORT")
    p.set_defaults(handler=serve)

    p = subparsers.add_parser("manage", help="run a Django management command")
    p.add_argument("arguments", nargs=argparse.REMAINDER)
    p.set_defaults(handler=manage)


def serve(args) -> int:
    from django.conf import settings

    settings_dir = settings.DATA_DIR if hasattr(settings, "DATA_DIR") else None
    setup_django()
    from django.core.management import call_command

    if settings_dir:
        settings_dir.mkdir(parents=True, exist_ok=True)
    call_command("migrate", interactive=False, verbosity=0)
    call_command("runserver", args.address, use_reloader=False)
    return 0


def manage(args) -> int:
    setup_django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["rpd manage", *args.arguments])
    return 0
