"""Production serving: collectstatic's hashed files, served by whitenoise under gunicorn
behind a TLS proxy (here: the proxy's X-Forwarded-Proto header, sent by the test)."""

import json
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.test_deploy import PRODUCTION, clean_environment

VENV_BIN = Path(sys.executable).parent


def production_env(tmp_path) -> dict:
    environment = clean_environment()
    environment.update(
        PRODUCTION,
        DJANGO_SETTINGS_MODULE="rpd.settings",
        RPD_DATA_DIR=str(tmp_path),
        RPD_STATIC_ROOT=str(tmp_path / "static"),
        RPD_ALLOWED_HOSTS="127.0.0.1",
    )
    return environment


def collectstatic(environment):
    subprocess.run(
        [sys.executable, "-m", "django", "collectstatic", "--noinput", "-v0"],
        env=environment,
        check=True,
    )
    return json.loads((Path(environment["RPD_STATIC_ROOT"]) / "staticfiles.json").read_text())


def test_the_module_that_starts_govuk_frontend_imports_its_hashed_name(tmp_path):
    paths = collectstatic(production_env(tmp_path))["paths"]
    init = (tmp_path / "static" / paths["rpd/init.js"]).read_text()
    assert f'from "./{Path(paths["rpd/govuk-frontend.min.js"]).name}";' in init
    assert (tmp_path / "static" / (paths["rpd/rpd.css"] + ".gz")).exists()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str):
    request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def test_gunicorn_serves_the_pages_and_their_hashed_static_files(tmp_path):
    environment = production_env(tmp_path)
    paths = collectstatic(environment)["paths"]
    port = free_port()
    server = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "--no-control-socket", "--workers", "2",
         "--bind", f"127.0.0.1:{port}", "rpd.wsgi"],
        env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):  # up to 10 s for the workers to boot
            try:
                status, headers, body = get(base + "/pathways/")
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError("gunicorn did not answer: " + server.stderr.read1().decode())
        assert status == 200
        assert "Strict-Transport-Security" in headers
        css = re.search(r'href="(/static/rpd/rpd\.[0-9a-f]+\.css)"', body).group(1)
        assert css == "/static/" + paths["rpd/rpd.css"]
        status, headers, _ = get(base + css)
        assert status == 200 and "immutable" in headers["Cache-Control"]
        # The plain 500 page links the unhashed name, which is served as well.
        assert get(base + "/static/rpd/rpd.css")[0] == 200
    finally:
        server.terminate()
        server.wait(timeout=10)
