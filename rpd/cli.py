"""The `rpd` command.

Each app adds its own sub-commands through a `register(subparsers)` function;
a user's mistake ends with one clear line on stderr and exit status 2, never a
traceback.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys


class CommandError(Exception):
    """A mistake in what the user asked for: reported in one line, exit status 2."""


def date_argument(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (use YYYY-MM-DD)") from None


def int_at_least(minimum: int):
    """An argparse type: a whole number no smaller than `minimum`."""

    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
        if number < minimum:
            raise argparse.ArgumentTypeError(f"{value!r} must be {minimum} or more")
        return number

    return parse


non_negative_int = int_at_least(0)


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rpd.settings")
    import django

    django.setup()


def database_name() -> str:
    """The database as a person would name it: SQLite's file, or PostgreSQL's host and name."""
    from django.db import connection

    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return str(db["NAME"])
    return f"{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


def require_database() -> None:
    """For commands that work on existing data (the worker, the audit check): one clear
    line when there is none, instead of an empty SQLite file made in the wrong place."""
    setup_django()
    from django.db import DatabaseError, connection
    from django.db.migrations.executor import MigrationExecutor

    where = database_name()
    if connection.vendor == "sqlite" and not connection.is_in_memory_db():
        if not os.path.exists(connection.settings_dict["NAME"]):
            raise CommandError(
                f"no database at {where}: run `rpd migrate` first, or set RPD_DATA_DIR to "
                "the directory that holds rpd.sqlite3"
            )
    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as error:
        raise CommandError(database_problem(error)) from None
    if plan:
        raise CommandError(
            f"the database at {where} is not set up ({len(plan)} migrations to apply): "
            "run `rpd migrate` first"
        )


def database_problem(error: Exception) -> str:
    first = (str(error).strip().splitlines() or [type(error).__name__])[0]
    return f"cannot use the database at {database_name()}: {first}"


def installed_version() -> str:
    """The version pip installed (pyproject.toml's), for `rpd --version` and the upgrade
    guide's first step."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("rpd")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown (not installed)"


class Parser(argparse.ArgumentParser):
    """argparse, with every mistake one line naming it and exit status 2 (argparse prints
    its usage block first, and leaves an unknown option to the top-level parser, after a
    sub-command has complained of something else)."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message}\n")

    def parse_known_args(self, args=None, namespace=None):
        if self._subparsers is None:  # a command itself, not a list of sub-commands
            self._refuse_unknown(args)
        return super().parse_known_args(args, namespace)

    def _refuse_unknown(self, args) -> None:
        """An option this command does not know is named first, before what it lacks: a
        first reading with nothing required, for what is left over."""
        required = [a for a in self._actions if a.required]
        required += [g for g in self._mutually_exclusive_groups if g.required]
        for item in required:
            item.required = False
        try:
            _, extras = super().parse_known_args(args, None)
        finally:
            for item in required:
                item.required = True
        if extras:
            self.error(f"unrecognized arguments: {' '.join(extras)}")


def build_parser() -> argparse.ArgumentParser:
    from rpd import commands as project_commands
    from rpd.audit import commands as audit_commands
    from rpd.dataprotection import commands as dataprotection_commands
    from rpd.disagreements import commands as disagreement_commands
    from rpd.notifications import commands as notification_commands
    from rpd.onboarding import commands as onboarding_commands
    from rpd.oversight import commands as oversight_commands
    from rpd.pathways import commands as pathway_commands
    from rpd.people import commands as people_commands

    parser = Parser(
        prog="rpd", description="Resolving Professional Differences: safeguarding escalation."
    )
    parser.add_argument("--version", action="version", version=f"rpd {installed_version()}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    pathway_commands.register(subparsers)
    disagreement_commands.register(subparsers)
    audit_commands.register(subparsers)
    notification_commands.register(subparsers)
    onboarding_commands.register(subparsers)
    project_commands.register(subparsers)
    people_commands.register(subparsers)
    dataprotection_commands.register(subparsers)
    oversight_commands.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    # Settings are read lazily: commands that need no database still find theirs here.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rpd.settings")
    parser = build_parser()
    args = parser.parse_args(argv)
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management.base import CommandError as DjangoCommandError
    from django.db import DatabaseError

    try:
        return args.handler(args) or 0
    except (CommandError, ImproperlyConfigured, DjangoCommandError) as error:
        # ImproperlyConfigured is a setting at fault, and says which: one line too.
        print(f"rpd: error: {error}", file=sys.stderr)
        return 2
    except DatabaseError as error:  # unreachable, refused, or missing its tables
        print(f"rpd: error: {database_problem(error)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `rpd pathway show x | head`
        return 0


if __name__ == "__main__":
    # `python -m rpd.cli`: run the imported module's main, so that the CommandError the
    # commands raise (rpd.cli's) is the one caught, not this __main__ copy's.
    from rpd.cli import main as rpd_main

    sys.exit(rpd_main())
