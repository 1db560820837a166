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
    settings.DEBUG = True  # demo sign-in is refused otherwise
    assert main(["serve", "--demo", "jersey", "--address", "8001"]) == 0
    assert list(Partnership.objects.values_list("slug", flat=True)) == ["jersey"]
    assert "Built the demo partnership" in capsys.readouterr().out
    assert main(["serve", "--demo", "jersey"]) == 0
    assert Partnership.objects.count() == 1
    assert "Built" not in capsys.readouterr().out
    assert served[1] == ("runserver", "8001")


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
