"""Run `rpd` (or Python) in a fresh process with a chosen environment: settings are read
once per process, so a bad setting can only be tried in a process of its own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

# Variables that would leak the developer's or the suite's own configuration in.
CLEARED = ("RPD_", "DJANGO_SETTINGS_MODULE", "XDG_DATA_HOME")


def environment(tmp_path: Path, **env: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(CLEARED)}
    # Development, as the suite runs (tests/settings.py): a test of production says RPD_DEBUG=0,
    # and one of the defaults RPD_DEBUG=None (unset).
    base.update(
        {"HOME": str(tmp_path / "home"), "RPD_DATA_DIR": str(tmp_path / "data"), "RPD_DEBUG": "1"}
    )
    base.update(env)
    return {k: v for k, v in base.items() if v is not None}


def python(tmp_path: Path, code: str, *argv: str, cwd: Path | None = None, **env):
    """(exit status, stdout, stderr) of `python -c code argv...` in a fresh process."""
    done = subprocess.run(
        [sys.executable, "-c", code, *argv],
        env=environment(tmp_path, **env),
        cwd=cwd or tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.returncode, done.stdout, done.stderr


def rpd(tmp_path: Path, *argv: str, cwd: Path | None = None, **env) -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of `rpd argv...` in a fresh process."""
    main = "import sys; from rpd.cli import main; sys.exit(main(sys.argv[1:]))"
    return python(tmp_path, main, *argv, cwd=cwd, **env)
