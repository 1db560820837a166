"""`rpd serve`: migrates, and builds a demo partnership only when asked."""

import pytest

from rpd.cli import main
from rpd.people.models import Partnership

pytestmark = pytest.mark.django_db


@pytest.fixture
def served(monkeypatch):
    """What `rpd serve` asked Django to run; the database is the test's, already migrated."""
    import django.core.management

    calls = []
    monkeypatch.setattr(
        django.core.management, "call_command", lambda *args, **kw: calls.append(args)
    )
    return calls


def test_serve_builds_no_demo_into_a_database_unless_asked(served, capsys):
    assert main(["serve"]) == 0
    assert not Partnership.objects.exists()
    assert served == [("migrate",), ("runserver", "127.0.0.1:8000")]


def test_serve_with_demo_builds_that_pathways_demo_once(served, capsys, settings):
    settings.RPD_DEVELOPMENT = True  # demo sign-in is refused otherwise
    assert main(["serve", "--demo", "jersey", "--address", "8001"]) == 0
    assert list(Partnership.objects.values_list("slug", flat=True)) == ["jersey"]
    assert "Built the demo partnership" in capsys.readouterr().out
    assert main(["serve", "--demo", "jersey"]) == 0
    assert Partnership.objects.count() == 1
    assert "Built" not in capsys.readouterr().out
    assert served[1] == ("runserver", "8001")


def test_serve_says_each_step_and_links_to_the_address_it_serves_on(
    served, capsys, settings, monkeypatch
):
    monkeypatch.delenv("RPD_BASE_URL", raising=False)
    settings.RPD_DEVELOPMENT = True
    settings.RPD_BASE_URL = "http://127.0.0.1:8000"  # set here, so restored after the test
    assert main(["serve", "--demo", "jersey", "--address", "8123"]) == 0
    out = capsys.readouterr().out
    assert out.index("Bringing the database up to date") < out.index("Building the jersey demo")
    assert "RPD (demo) at http://127.0.0.1:8123/" in out
    # Notices' links and the calendar feed's address are where it serves.
    assert settings.RPD_BASE_URL == "http://127.0.0.1:8123"


def run(capsys, *argv):
    try:
        status = main(list(argv))
    except SystemExit as exit:  # argparse's own usage errors
        status = exit.code
    return status, capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["serve", "--address", "nonsense"], "'nonsense' is not HOST:PORT or PORT"),
        (["serve", "--address", "127.0.0.1:99999"], "'127.0.0.1:99999' is not HOST:PORT"),
        (["serve", "--demo", "atlantis"], "--demo: no pathway with id 'atlantis'"),
    ],
)
def test_serve_refuses_a_bad_address_or_demo_in_one_line(served, capsys, argv, message):
    status, err = run(capsys, *argv)
    assert status == 2 and message in err and "Traceback" not in err
    assert served == []  # refused before the database or the server was touched
