"""Running a benchmark once on SQLite and once on PostgreSQL, each in its own process.

Django reads its settings once, so each database gets a fresh interpreter: the
script runs itself again with `--only sqlite` and `--only postgres`. SQLite
uses a file in a temporary directory; PostgreSQL a scratch database created
for the run and dropped after it, even when the run fails.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import tempfile
from collections.abc import Callable
from urllib.parse import urlparse, urlunparse

Run = Callable[[object, str, str, str], int]  # (args, label, database url, data dir)


def on_each_database(args, argv, script: str, run: Run, scratch_db: str) -> int:
    """`args` needs `.only` and `.database_url`; returns the worst exit status."""
    if args.only is None:
        status = 0
        for database in ("sqlite", "postgres"):
            command = [sys.executable, script, *(argv or sys.argv[1:]), "--only", database]
            status = max(status, subprocess.run(command, check=False).returncode)
        return status
    if args.only == "sqlite":
        with tempfile.TemporaryDirectory(prefix=f"{scratch_db}-") as data_dir:
            return run(args, "sqlite", f"sqlite:///{data_dir}/bench.sqlite3", data_dir)
    return _on_postgres(args, run, scratch_db)


def _on_postgres(args, run: Run, scratch_db: str) -> int:
    import psycopg
    from psycopg import sql

    parts = urlparse(args.database_url)
    named = parts.path.lstrip("/")
    if named and named != "postgres":
        # Named after the database given, so two people running the same benchmark on one
        # server, each with their own database, never drop each other's scratch one.
        scratch_db = f"{named}_{scratch_db}"
    scratch = urlunparse(parts._replace(path=f"/{scratch_db}"))
    try:
        admin = psycopg.connect(args.database_url, autocommit=True, connect_timeout=5)
    except psycopg.Error as error:
        print(f"postgres: SKIPPED, not reachable at {args.database_url}: {error}".strip())
        return 0
    name = sql.Identifier(scratch_db)
    with admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(name))
        try:
            with tempfile.TemporaryDirectory(prefix=f"{scratch_db}-") as data_dir:
                return run(args, "postgres", scratch, data_dir)
        finally:
            from django.conf import settings
            from django.db import connections

            if settings.configured:  # Django's connection must go before the database can
                connections.close_all()
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))


def setup_django(url: str, data_dir: str, **environment: str) -> None:
    """Point Django at the benchmark's database, before it reads its settings."""
    os.environ["RPD_DATABASE_URL"] = url
    os.environ["RPD_DATA_DIR"] = data_dir
    os.environ["RPD_DEBUG"] = "0"
    # Production settings refuse the published development key; nothing a benchmark
    # signs outlives its run.
    os.environ.setdefault("RPD_SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.update(environment)
    os.environ["DJANGO_SETTINGS_MODULE"] = "rpd.settings"
    import django

    django.setup()
