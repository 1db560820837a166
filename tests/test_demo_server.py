"""The demo as a newcomer runs it from a clone: `scripts/rpd` finds the demo's settings, and
`rpd serve --demo` shows the error pages production shows, never Django's debug pages."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from .subprocess_rpd import environment, rpd

ROOT = Path(__file__).resolve().parents[1]


def test_scripts_rpd_runs_any_command_from_a_clone_with_nothing_set(tmp_path):
    # .venv/bin/rpd alone reads production settings (a key of one's own, ~/.local/share/rpd).
    env = environment(tmp_path, RPD_DEBUG=None)
    done = subprocess.run(
        [ROOT / "scripts" / "rpd", "pathway", "list"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert "stoke-on-trent" in done.stdout
    status, _, err = rpd(tmp_path, "pathway", "list", RPD_DEBUG=None)
    assert status == 2 and "RPD_SECRET_KEY" in err  # what scripts/rpd spares a newcomer


def test_scripts_run_help_says_how_to_use_it_and_sets_nothing_up(tmp_path):
    # It set up the environment and started a server instead (found by a try-out).
    done = subprocess.run(
        [ROOT / "scripts" / "run", "--help"],
        env=environment(tmp_path),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and done.stderr == ""
    assert "usage: scripts/run" in done.stdout and "stoke-on-trent" in done.stdout
    assert "Installed" not in done.stdout and not (tmp_path / "var").exists()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_the_demo_server_shows_page_not_found_not_the_url_patterns(tmp_path):
    port = free_port()
    main = "import sys; from rpd.cli import main; sys.exit(main(sys.argv[1:]))"
    server = subprocess.Popen(
        [sys.executable, "-c", main, "serve", "--demo", "jersey", "--address", str(port)],
        env=environment(tmp_path, RPD_DEBUG="1"),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        for line in server.stdout:  # it says when it serves; no timing guess
            if line.startswith("RPD (demo) at"):
                break
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):  # runserver binds just after saying so
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        status, html = fetch(base + "/no-such-page/")
        assert status == 404
        assert "Page not found" in html
        assert "URLconf" not in html and "Traceback" not in html
        status, login = fetch(base + "/accounts/login/")
        assert status == 200 and "demo people" in login  # the demo's sign-in still works
        stylesheet = login.split('rel="stylesheet" href="')[1].split('"')[0]
        assert fetch(base + stylesheet)[0] == 200  # and its static files are served
    finally:
        server.terminate()
        server.wait(timeout=30)
