"""The example service units in deploy/ are ones systemd accepts: `systemd-analyze verify`
on each, with its programs pointed at this installation's."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
UNITS = ["rpd-web.service", "rpd-worker.service"]
INSTALLED = "/opt/rpd/venv/bin/"  # where the units expect RPD (docs/deploy.md)


@pytest.fixture
def analyze() -> str:
    found = shutil.which("systemd-analyze")
    if found is None:
        pytest.skip("systemd-analyze is missing (apt-get install systemd): units not verified")
    return found


def test_the_web_and_worker_units_verify(analyze, tmp_path):
    here = str(Path(sys.executable).parent) + "/"
    for name in UNITS:
        text = (DEPLOY / name).read_text()
        assert INSTALLED in text, name
        (tmp_path / name).write_text(text.replace(INSTALLED, here))
    done = subprocess.run(
        [analyze, "verify", *(str(tmp_path / name) for name in UNITS)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (done.returncode, done.stdout + done.stderr) == (0, "")


def test_the_units_run_what_docs_deploy_says():
    web = (DEPLOY / "rpd-web.service").read_text()
    worker = (DEPLOY / "rpd-worker.service").read_text()
    assert "gunicorn --no-control-socket" in web and "rpd.wsgi" in web
    assert f"ExecStart={INSTALLED}rpd worker" in worker
    assert (
        "EnvironmentFile=/etc/rpd/rpd.env" in web and "EnvironmentFile=/etc/rpd/rpd.env" in worker
    )
