"""`rpd partnership create`, `rpd import people|template`, `rpd check`: each mistake one
line on stderr and exit 2; the check exits 1 when not ready."""

from __future__ import annotations

import pytest

from rpd.audit.models import Event
from rpd.cli import main
from rpd.onboarding import csvformat
from rpd.people.models import Partnership, User

from .conftest import as_csv

pytestmark = pytest.mark.django_db


def rpd(capsys, *argv):
    try:
        status = main([str(a) for a in argv])
    except SystemExit as exit:  # argparse's own usage errors
        status = exit.code
    out, err = capsys.readouterr()
    return status, out, err


def test_partnership_create_makes_one_on_its_pathways_calendar(capsys):
    status, out, _ = rpd(
        capsys, "partnership", "create", "jersey-spb", "--name", "Jersey SPB", "--pathway", "jersey"
    )
    assert status == 0 and "created Jersey SPB (jersey-spb)" in out
    partnership = Partnership.objects.get(slug="jersey-spb")
    assert (partnership.pathway_id, partnership.calendar) == ("jersey", "jersey")
    assert Event.objects.filter(action="partnership.created").count() == 1


@pytest.mark.parametrize(
    "argv, message",
    [
        (["Not A Slug", "--name", "X", "--pathway", "jersey"], "SLUG: 'Not A Slug' is not a slug"),
        (
            ["testshire", "--name", "X", "--pathway", "jersey"],
            "SLUG: a partnership with slug 'testshire' already exists",
        ),
        (["new", "--name", " ", "--pathway", "jersey"], "--name: give the partnership's name"),
        (
            ["new", "--name", "X", "--pathway", "atlantis"],
            "--pathway: no pathway with id 'atlantis'",
        ),
        (
            ["new", "--name", "X", "--pathway", "jersey", "--calendar", "mars"],
            "--calendar: 'mars' is not a calendar",
        ),
        (["new", "--pathway", "jersey"], "the following arguments are required: --name"),
        (["new", "--name", "X"], "the following arguments are required: --pathway"),
    ],
)
def test_partnership_create_refuses_bad_arguments(capsys, partnership, argv, message):
    status, _, err = rpd(capsys, "partnership", "create", *argv)
    assert status == 2 and message in err and "Traceback" not in err
    assert Partnership.objects.count() == 1


def test_import_dry_run_lists_the_changes_and_writes_nothing(capsys, partnership, rows, tmp_path):
    path = tmp_path / "people.csv"
    path.write_bytes(as_csv(rows))
    status, out, err = rpd(
        capsys, "import", "people", path, "--partnership", "testshire", "--dry-run"
    )
    assert status == 0
    assert out.startswith("dry run: nothing written. Importing")
    assert f"line 2: create person {rows[0]['email']}" in out
    assert "dry run: agencies: 5 to create" in out
    assert "rpd import: checking 40 rows" in err
    assert not User.objects.exists()


def test_import_twice_says_nothing_changed(capsys, partnership, rows, tmp_path):
    path = tmp_path / "people.csv"
    path.write_bytes(as_csv(rows))
    assert rpd(capsys, "import", "people", path, "--partnership", "testshire")[0] == 0
    status, out, _ = rpd(capsys, "import", "people", path, "--partnership", "testshire")
    assert status == 0 and "people: 0 created, 0 updated, 40 unchanged" in out


def test_import_names_every_bad_row_and_exits_2(capsys, partnership, rows, tmp_path):
    rows[4]["given_name"] = ""
    rows[6]["agency_type"] = "spaceship"
    path = tmp_path / "people.csv"
    path.write_bytes(as_csv(rows))
    status, _, err = rpd(capsys, "import", "people", path, "--partnership", "testshire")
    assert status == 2
    assert "2 problems; nothing was imported" in err
    assert "people.csv: line 6, column given_name (B): is empty" in err
    assert "people.csv: line 8, column agency_type (F)" in err


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "No such file or directory"),
        ("dir", "Is a directory"),
        ("é".encode("cp1252") * 10, "not UTF-8"),
        (b"name\r\n", "unknown column 'name'"),
    ],
)
def test_import_refuses_a_file_it_cannot_read_in_one_line(
    capsys, partnership, tmp_path, content, message
):
    path = tmp_path / "people.csv"
    if content == "dir":
        path.mkdir()
    elif content is not None:
        path.write_bytes(content)
    status, _, err = rpd(capsys, "import", "people", path, "--partnership", "testshire")
    assert status == 2 and message in err
    # After the progress lines, one line says what is wrong.
    assert [line for line in err.splitlines() if not line.startswith("rpd import: ")] == [
        err.splitlines()[-1]
    ]
    assert err.splitlines()[-1].startswith("rpd: error: ") and "Traceback" not in err


def test_import_refuses_an_oversized_file_before_reading_it(
    capsys, partnership, tmp_path, monkeypatch
):
    monkeypatch.setattr(csvformat, "MAX_BYTES", 5)
    path = tmp_path / "people.csv"
    path.write_bytes(b"0123456789")
    status, _, err = rpd(capsys, "import", "people", path, "--partnership", "testshire")
    assert status == 2 and "the file is 10 bytes; the most is 5" in err


def test_import_into_an_unknown_partnership_lists_the_known_ones(
    capsys, partnership, rows, tmp_path
):
    path = tmp_path / "people.csv"
    path.write_bytes(as_csv(rows))
    status, _, err = rpd(capsys, "import", "people", path, "--partnership", "nowhere")
    assert status == 2
    assert "--partnership: no partnership with slug 'nowhere' (known: testshire;" in err


def test_import_needs_a_partnership(capsys, tmp_path):
    status, _, err = rpd(capsys, "import", "people", tmp_path / "x.csv")
    assert status == 2 and "required: --partnership" in err


def test_the_template_is_the_header_or_the_partnerships_people(capsys, partnership, rows, tmp_path):
    status, out, _ = rpd(capsys, "import", "template")
    assert status == 0 and out == ",".join(csvformat.NAMES) + "\r\n"
    path = tmp_path / "people.csv"
    path.write_bytes(as_csv(rows))
    rpd(capsys, "import", "people", path, "--partnership", "testshire")
    status, out, _ = rpd(capsys, "import", "template", "--partnership", "testshire")
    assert status == 0 and len(out.splitlines()) == 41
    status, _, err = rpd(capsys, "import", "template", "--partnership", "nowhere")
    assert status == 2 and "no partnership with slug 'nowhere'" in err


def test_check_exits_1_listing_problems_by_area_with_their_links(capsys, partnership):
    status, out, _ = rpd(capsys, "check", "--partnership", "testshire")
    assert status == 1
    assert "Testshire Safeguarding Partnership is not ready to go live" in out
    assert "\nPathway roles\n" in out and "fix: /partnerships/testshire/roles/" in out


def test_check_exits_0_when_ready(capsys, partnership, rows, tmp_path, ready_mail):
    path = tmp_path / "people.csv"
    path.write_bytes(as_csv(rows))
    rpd(capsys, "import", "people", path, "--partnership", "testshire")
    status, out, _ = rpd(capsys, "check", "--partnership", "testshire")
    assert status == 0 and "is ready to go live" in out


def test_check_counts_its_problems_in_plain_english(
    capsys, partnership, rows, tmp_path, ready_mail
):
    from rpd.people.models import RoleHolder

    path = tmp_path / "people.csv"
    path.write_bytes(as_csv(rows))
    rpd(capsys, "import", "people", path, "--partnership", "testshire")
    RoleHolder.objects.filter(partnership=partnership, role_id="independent-advisor").delete()
    status, out, _ = rpd(capsys, "check", "--partnership", "testshire")
    assert status == 1 and "is not ready to go live: 1 problem\n" in out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["check"], "required: --partnership"),
        (["check", "--partnership", "nowhere"], "no partnership with slug 'nowhere'"),
        (["check", "--partnership", "testshire", "--verbose"], "unrecognized arguments: --verbose"),
    ],
)
def test_check_refuses_bad_usage_with_exit_2(capsys, partnership, argv, message):
    status, _, err = rpd(capsys, *argv)
    assert status == 2 and message in err


def test_a_shared_agency_region_is_built_with_create_import_join_and_answer(
    capsys, partnership, rows, tmp_path
):
    from rpd.people.models import Agency, JoinRequest

    people = tmp_path / "testshire.csv"
    people.write_bytes(as_csv(rows))
    assert rpd(capsys, "import", "people", people, "--partnership", "testshire")[0] == 0
    created = rpd(
        capsys, "partnership", "create", "otherside", "--name", "Otherside", "--pathway",
        "stoke-on-trent",
    )  # fmt: skip
    assert created[0] == 0
    force = Agency.objects.get(code="police-02")

    status, out, _ = rpd(capsys, "agency", "join", "police-02", "--partnership", "otherside")
    assert status == 0 and "asked Testshire Safeguarding Partnership" in out
    assert not force.partnerships.filter(slug="otherside").exists()
    status, out, _ = rpd(
        capsys, "agency", "answer", "police-02", "--partnership", "otherside", "--accept"
    )
    assert status == 0 and out.startswith("accepted")
    assert set(force.partnerships.values_list("slug", flat=True)) == {"testshire", "otherside"}
    assert JoinRequest.objects.get().decided_by is None  # the operator, audited as such
    officer = User.objects.filter(agency=force).first()
    assert officer.partnership_ids == {force.owner_id, Partnership.objects.get(slug="otherside").pk}
    # Otherside's own import still may not touch the force's people.
    status, _, err = rpd(capsys, "import", "people", people, "--partnership", "otherside")
    assert status == 2 and "is governed by Testshire" in err


@pytest.mark.parametrize(
    "argv, message",
    [
        (["join", "no-such", "--partnership", "testshire"], "No agency has the code no-such"),
        (["join", "x", "--partnership", "nowhere"], "--partnership: no partnership with slug"),
        (["answer", "x", "--partnership", "testshire", "--accept"], "has not asked to join 'x'"),
        (["answer", "x", "--partnership", "testshire"], "one of the arguments --accept --decline"),
    ],
)
def test_agency_join_and_answer_refuse_mistakes_in_one_line(capsys, partnership, argv, message):
    status, _, err = rpd(capsys, "agency", *argv)
    assert status == 2 and message in err and "Traceback" not in err
