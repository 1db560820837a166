"""Settings: insecure combinations refuse to start, a bad value is named in one line, and
the data directory is the same wherever a command runs from."""

from pathlib import Path

import pytest

from rpd.settings import DEVELOPMENT_KEY

from .subprocess_rpd import python, rpd

SETTINGS = "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'rpd.settings'; "


def one_line_error(status: int, err: str) -> str:
    assert status == 2
    assert "Traceback" not in err
    [line] = err.strip().splitlines()
    return line


def test_the_published_key_with_debug_off_refuses_to_start(tmp_path):
    status, _, err = rpd(tmp_path, "pathway", "list", RPD_DEBUG="0")
    line = one_line_error(status, err)
    assert line.startswith("rpd: error: RPD_SECRET_KEY: set a secret key of your own")


def test_the_web_application_refuses_to_start_with_the_published_key(tmp_path):
    status, _, err = python(tmp_path, "import rpd.wsgi", RPD_DEBUG="0")
    assert status != 0
    assert "ImproperlyConfigured: RPD_SECRET_KEY" in err
    status, _, err = python(
        tmp_path, "import rpd.wsgi", RPD_DEBUG="0", RPD_SECRET_KEY=DEVELOPMENT_KEY
    )
    assert status != 0 and "RPD_SECRET_KEY" in err


def test_debug_with_a_public_host_refuses_to_start(tmp_path):
    status, _, err = rpd(tmp_path, "pathway", "list", RPD_ALLOWED_HOSTS="rpd.example.org")
    line = one_line_error(status, err)
    assert line.startswith("rpd: error: RPD_DEBUG: debug pages are for this machine only")
    assert "rpd.example.org" in line


def test_a_key_of_ones_own_with_debug_off_and_a_public_host_starts(tmp_path):
    status, out, err = rpd(
        tmp_path,
        "pathway",
        "list",
        RPD_DEBUG="0",
        RPD_SECRET_KEY="a-synthetic-test-key-" + "x" * 40,
        RPD_ALLOWED_HOSTS="rpd.example.org",
    )
    assert (status, err) == (0, "")
    assert "stoke-on-trent" in out


@pytest.mark.parametrize(
    ("name", "value", "argv", "message"),
    [
        ("RPD_SMTP_PORT", "abc", "worker --once", "RPD_SMTP_PORT: 'abc' is not a whole number"),
        ("RPD_SMTP_PORT", "70000", "pathway list", "RPD_SMTP_PORT: 70000 is out of range"),
        ("RPD_DRIFT_WORKING_DAYS", "five", "pathway list", "RPD_DRIFT_WORKING_DAYS: 'five' is"),
        ("RPD_WORKER_LEASE_SECONDS", "-1", "worker --once", "RPD_WORKER_LEASE_SECONDS: -1 is"),
        (
            "RPD_DATABASE_CONN_MAX_AGE",
            "forever",
            "pathway list",
            "RPD_DATABASE_CONN_MAX_AGE: 'forever' is",
        ),
        ("RPD_DATABASE_URL", "mysql://root@localhost/rpd", "audit verify", "RPD_DATABASE_URL:"),
    ],
)
def test_a_bad_setting_is_one_line_naming_it_and_exit_2(tmp_path, name, value, argv, message):
    status, _, err = rpd(tmp_path, *argv.split(), **{name: value})
    assert one_line_error(status, err).startswith(f"rpd: error: {message}")


def data_dir(tmp_path: Path, cwd: Path, **env) -> str:
    code = SETTINGS + "django.setup(); from django.conf import settings; print(settings.DATA_DIR)"
    status, out, err = python(tmp_path, code, cwd=cwd, **{"RPD_DATA_DIR": None, **env})
    assert status == 0, err
    return out.strip()


def test_the_data_directory_is_the_users_own_whatever_the_working_directory(tmp_path):
    (tmp_path / "somewhere").mkdir()
    home = tmp_path / "home"
    expected = str(home / ".local" / "share" / "rpd")
    assert data_dir(tmp_path, tmp_path) == expected
    assert data_dir(tmp_path, tmp_path / "somewhere") == expected


def test_the_data_directory_follows_xdg_data_home_then_rpd_data_dir(tmp_path):
    assert data_dir(tmp_path, tmp_path, XDG_DATA_HOME=str(tmp_path / "xdg")) == str(
        tmp_path / "xdg" / "rpd"
    )
    assert data_dir(tmp_path, tmp_path, RPD_DATA_DIR=str(tmp_path / "mine")) == str(
        tmp_path / "mine"
    )


def test_postgresql_connections_are_kept_between_requests_and_checked_before_reuse():
    from rpd.settings import database_from_url

    db = database_from_url("postgres://rpd@db.example.org:5432/rpd")
    assert db["CONN_MAX_AGE"] == 60 and db["CONN_HEALTH_CHECKS"] is True
    assert "CONN_MAX_AGE" not in database_from_url("sqlite:////tmp/rpd.sqlite3")


def test_postgresql_statements_are_prepared_unless_a_pooler_cannot_keep_them(tmp_path):
    # ADR 020: parameters sent apart from the SQL, and a statement run five times on a
    # connection prepared; RPD_DATABASE_PREPARE=0 for PgBouncer in transaction mode.
    code = (
        "from django.conf import settings; o = settings.DATABASES['default']['OPTIONS'];"
        "print(o.get('server_side_binding'), o.get('prepare_threshold'), o['options'])"
    )
    url = {"RPD_DATABASE_URL": "postgres://rpd@db.example.org:5432/rpd"}
    setup = "import django; django.setup();"
    status, out, _ = python(tmp_path, setup + code, DJANGO_SETTINGS_MODULE="rpd.settings", **url)
    assert (status, out.split()) == (0, ["True", "5", "-c", "jit=off"])
    status, out, _ = python(
        tmp_path,
        setup + code,
        DJANGO_SETTINGS_MODULE="rpd.settings",
        RPD_DATABASE_PREPARE="0",
        **url,
    )
    assert (status, out.split()) == (0, ["None", "None", "-c", "jit=off"])
    status, _, err = rpd(tmp_path, "pathway", "list", RPD_DATABASE_PREPARE="yes", **url)
    assert "RPD_DATABASE_PREPARE: 'yes' is not a whole number" in err


def test_with_nothing_set_the_settings_are_productions(tmp_path):
    # No RPD_DEBUG at all: production, so the published key is refused...
    status, _, err = rpd(tmp_path, "pathway", "list", RPD_DEBUG=None)
    assert one_line_error(status, err).startswith("rpd: error: RPD_SECRET_KEY:")
    # ...and with a key of one's own, no debug pages, secure cookies, hashed static files.
    code = SETTINGS + (
        "django.setup(); from django.conf import settings as s; "
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.STORAGES['staticfiles']['BACKEND'])"
    )
    status, out, err = python(
        tmp_path, code, RPD_DEBUG=None, RPD_SECRET_KEY="a-synthetic-test-key-" + "x" * 40
    )
    assert (status, out.split()) == (0, ["False", "True", "rpd.staticstorage.StaticStorage"]), err
