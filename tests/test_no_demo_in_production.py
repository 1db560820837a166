"""No demo in production: synthetic people and cases are built only when asked (`rpd demo`,
or `scripts/run`, which is `rpd serve --demo`), and production settings refuse demo sign-in
whatever RPD_DEMO says."""

from __future__ import annotations

from pathlib import Path

from .subprocess_rpd import python, rpd

ROOT = Path(__file__).resolve().parents[1]
PRODUCTION = {
    "RPD_DEBUG": "0",
    "RPD_SECRET_KEY": "a-synthetic-test-key-" + "x" * 40,
    "RPD_ALLOWED_HOSTS": "rpd.example.org",
}

# In a fresh process with the settings given, on a migrated database: a demo partnership
# exists, demo mode asked for; then what the sign-in page lists and what a demo button does.
TRY_DEMO_SIGN_IN = """
import django, os
os.environ["DJANGO_SETTINGS_MODULE"] = "rpd.settings"
django.setup()
from django.conf import settings
from django.test import Client
from rpd.people.demo import build_partnership
from rpd.people.demo_sign_in import demo_mode, demo_people
demo = build_partnership("jersey")
client = Client(HTTP_HOST="rpd.example.org")
response = client.post("/demo/sign-in/", {"person": str(demo.unit.pk)}, secure=True)
login = client.get("/accounts/login/", secure=True).content.decode()
print(settings.RPD_DEMO, demo_mode(), len(demo_people()), response.status_code,
      "_auth_user_id" in client.session, "demo people" in login)
"""


def test_production_settings_refuse_demo_sign_in_even_with_the_demo_flag(tmp_path, migrated_sqlite):
    (tmp_path / "data").mkdir()
    migrated_sqlite(tmp_path / "data" / "rpd.sqlite3")
    # Plain static files: this process has no collected manifest to draw the 404 page with.
    env = {**PRODUCTION, "RPD_DEMO": "1", "RPD_STATIC_MANIFEST": "0"}
    status, out, err = python(tmp_path, TRY_DEMO_SIGN_IN, **env)

    assert status == 0, err
    assert out.split() == ["True", "False", "0", "404", "False", "False"]


def test_migrate_and_the_worker_build_no_demo(tmp_path):
    for argv in (["migrate"], ["worker", "--once"]):
        status, out, err = rpd(tmp_path, *argv, **PRODUCTION)
        assert status in (0, 1), err
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'rpd.settings'; "
        "django.setup(); from rpd.people.models import Partnership, User; "
        "print(Partnership.objects.count(), User.objects.count())"
    )
    status, out, err = python(tmp_path, code, **PRODUCTION)
    assert (status, out.split()) == (0, ["0", "0"]), err


def test_only_scripts_run_asks_serve_for_a_demo_and_says_so():
    script = (ROOT / "scripts" / "run").read_text()
    assert 'rpd serve --demo "${RPD_DEMO:-stoke-on-trent}"' in script
    assert "demo" in script.splitlines()[1].lower() or "demo" in script.splitlines()[2].lower()
    # Nothing else in scripts/ builds one.
    for other in (ROOT / "scripts").iterdir():
        if other.name != "run" and other.is_file():
            text = other.read_text(errors="replace")
            assert "--demo" not in text and "rpd demo" not in text, other.name
