"""Issue 10's first "done when": a partnership of 25 agencies and 2,000 people onboarded
from CSV in one command, the go-live check green, and a disagreement run from raising to
resolution between two imported people; the same file with one bad row imports nothing
and names that row and column."""

from __future__ import annotations

import pytest

from rpd.cli import main
from rpd.disagreements import transitions
from rpd.disagreements.models import Status
from rpd.disagreements.nhs_number import synthetic
from rpd.onboarding import csvformat
from rpd.onboarding.sample import sample_rows
from rpd.people.models import Agency, User
from tests.disagreements.helpers import discuss, escalate, fresh

pytestmark = pytest.mark.django_db

PATHWAY = "blackpool"


@pytest.fixture(scope="module")
def rows():
    return sample_rows(PATHWAY, agencies=25, people=2000)


@pytest.fixture
def csv_file(tmp_path, rows):
    path = tmp_path / "people.csv"
    path.write_text(csvformat.write(rows), encoding="utf-8")
    return path


def rpd(capsys, *argv):
    try:
        status = main(list(argv))
    except SystemExit as exit:
        status = exit.code
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture
def blackpool(capsys):
    status, out, err = rpd(
        capsys,
        "partnership",
        "create",
        "blackpool",
        "--name",
        "Blackpool Safeguarding Partnership",
        "--pathway",
        PATHWAY,
    )
    assert status == 0, err


def test_a_partnership_of_2000_people_goes_live_and_runs_a_disagreement(
    blackpool, csv_file, rows, capsys, ready_mail
):
    status, out, err = rpd(capsys, "import", "people", str(csv_file), "--partnership", "blackpool")

    assert status == 0, err
    assert out.startswith("imported: agencies: 26 created")
    assert "people: 2000 created, 0 updated, 0 unchanged" in out
    assert "rpd import: people created: 2,000 of 2,000" in err  # progress, on stderr
    assert User.objects.filter(agency__partnerships__slug="blackpool").count() == 2000
    assert Agency.objects.filter(partnerships__slug="blackpool").count() == 26

    status, out, _ = rpd(capsys, "check", "--partnership", "blackpool")
    assert (status, out.startswith("Blackpool Safeguarding Partnership is ready to go live")) == (
        0,
        True,
    ), out

    raiser = User.objects.get(email=_practitioner(rows, "csc-01"))
    receiver = User.objects.get(email=_practitioner(rows, "police-02"))
    d = transitions.raise_disagreement(raiser, _raise_data(raiser, receiver))
    pack = d.pack
    while d.stage < pack.stages[-1].number:
        episode = fresh(d).current_episode()
        d = discuss(episode.raising_actor, d)
        d = escalate(episode.raising_actor, d)
    d = fresh(d)
    top = d.current_episode()
    # Each side climbed its own imported ladder to the pathway's highest rung.
    assert top.raising_actor.agency == raiser.agency
    assert top.raising_actor.rung.pathway_rung == pack.stages[-1].raising.rung
    assert top.receiving_actor.agency == receiver.agency
    d = discuss(top.receiving_actor, d, outcome="resolved")
    d = transitions.perform(
        "resolve",
        top.receiving_actor,
        d.pk,
        fresh(d).version,
        {
            "agreed_outcome": "A strategy discussion is held this week.",
            "next_steps": "Social worker visits; police share the previous reports.",
            "written_confirmation": "Emailed to both agencies and placed on each record.",
            "feedback_to_raiser": "Told the practitioner who raised it what was agreed.",
        },
    )
    assert fresh(d).status == Status.RESOLVED
    assert fresh(d).episodes.count() == len(pack.stages)


def test_one_bad_row_among_2000_imports_nothing_and_names_it(blackpool, tmp_path, rows, capsys):
    bad = [dict(r) for r in rows]
    # A typo in a title the agency's ladder has, with no pathway rung given for it.
    bad[1500]["rung_title"], bad[1500]["pathway_rung"] = "Detective Sargeant", ""
    path = tmp_path / "people.csv"
    path.write_text(csvformat.write(bad), encoding="utf-8")

    status, out, err = rpd(capsys, "import", "people", str(path), "--partnership", "blackpool")

    assert status == 2
    code = bad[1500]["agency_code"]
    assert (
        f"people.csv: line 1502, column pathway_rung (H): 'Detective Sargeant' is not yet "
        f"on {code}'s ladder" in err
    )
    assert "1 problem; nothing was imported" in err
    assert not User.objects.exists()
    assert not Agency.objects.exists()


def _practitioner(rows, code):
    return next(
        r["email"] for r in rows if r["agency_code"] == code and r["pathway_rung"] == "practitioner"
    )


def _raise_data(raiser, receiver) -> dict:
    partnership = receiver.agency.partnerships.get()
    return {
        "partnership": partnership.pk,
        "subject_kind": "child",
        "subject_given_name": "Robin",
        "subject_family_name": "Testchild",
        "subject_date_of_birth": "2019-03-14",
        "subject_nhs_number": synthetic(42),
        "subject_address": "1 Example Row, Testtown",
        "receiving_agency": receiver.agency.pk,
        "receiving_professional": receiver.pk,
        "challenged": "decision",
        "challenged_description": "Referral closed at the front door with no further action",
        "challenged_on": "2026-01-05",
        "categories": [partnership.pathway_entry().pack.categories[0].id],
        "summary": "Three bruises seen in four weeks; the referral was closed without a visit.",
        "outcome_sought": "A strategy discussion and a home visit",
        "risk": "high",
    }


def test_the_imported_administrator_adds_a_person_choosing_their_agency_then_its_manager(
    blackpool, csv_file, rows, capsys, settings
):
    """The partnership's own administrator, from the file and not the demo, adds someone:
    the agency first, then that agency's rungs and line managers only (of 2,000 people)."""
    import re

    from django.test import Client

    from rpd.people.models import Role

    settings.RPD_REQUIRE_MFA = False  # signing in with a second factor has its own tests
    assert rpd(capsys, "import", "people", str(csv_file), "--partnership", "blackpool")[0] == 0
    admin = User.objects.get(
        role_grants__role=Role.ADMINISTRATOR, role_grants__partnership__slug="blackpool"
    )
    police = User.objects.get(email=_practitioner(rows, "police-02")).agency
    client = Client()
    client.force_login(admin)
    s = "/partnerships/blackpool/people/add/"
    assert "Which agency are they in?" in client.get(s).text
    html = client.get(s, {"agency": police.pk}).text
    select = re.search(r'<select name="line_manager".*?</select>', html, re.S).group(0)
    listed = {int(pk) for pk in re.findall(r'<option value="(\d+)"', select)}
    assert listed == set(
        User.objects.filter(agency=police, is_active=True).values_list("pk", flat=True)
    )
    assert len(listed) < 2000
    manager = User.objects.filter(agency=police, rung__position=2).first()
    answers = {
        "first_name": "Ada", "last_name": "Sample", "email": "ada.sample@example.org",
        "agency": police.pk, "rung": police.rungs.get(position=1).pk, "line_manager": manager.pk,
    }  # fmt: skip
    assert client.post(s, answers).status_code == 302
    assert client.post(s + "check/").status_code == 302
    assert User.objects.get(email="ada.sample@example.org").line_manager == manager


def _imported_case(csv_file, rows, capsys, settings):
    """The file imported; the imported administrator signed in; a disagreement raised by
    an imported practitioner with the police's: (their client, the police's, the case)."""
    from django.test import Client

    from rpd.people.models import Role

    settings.RPD_REQUIRE_MFA = False
    assert rpd(capsys, "import", "people", str(csv_file), "--partnership", "blackpool")[0] == 0
    admin = User.objects.get(
        role_grants__role=Role.ADMINISTRATOR, role_grants__partnership__slug="blackpool"
    )
    raiser = User.objects.get(email=_practitioner(rows, "csc-01"))
    receiver = User.objects.get(email=_practitioner(rows, "police-02"))
    d = transitions.raise_disagreement(raiser, _raise_data(raiser, receiver))
    client = Client()
    client.force_login(admin)
    return client, receiver, d


def test_the_imported_administrator_signs_off_an_imported_practitioner_who_acts_on_a_case(
    blackpool, csv_file, rows, capsys, settings
):
    """A leaver from the file, acting for the police on a disagreement between imported
    people: their side goes to their line manager, offered by name; everything else would
    go to one person chosen from the force's whole list, drawn once."""
    import re

    from rpd.administration import leavers

    client, receiver, d = _imported_case(csv_file, rows, capsys, settings)
    page = f"/partnerships/blackpool/people/{receiver.pk}/deactivate/"

    html = client.get(page).text
    side = next(i.key for i in leavers.open_items(receiver) if i.side)
    row = re.search(rf'<select [^>]*name="{side}".*?</select>', html, re.S).group(0)
    assert f'<option value="{receiver.line_manager_id}">' in row
    assert row.count("<option") == 2  # everything else, and the line manager
    force = User.objects.filter(agency=receiver.agency, is_active=True).count() - 1
    assert html.count("<option") == row.count("<option") + 1 + force  # the force once
    done = client.post(page, {side: str(receiver.line_manager_id)})

    assert done.status_code == 302
    assert not User.objects.get(pk=receiver.pk).is_active
    assert fresh(d).current_episode().receiving_actor_id == receiver.line_manager_id


def test_the_imported_administrator_moves_an_imported_practitioner_to_another_agency(
    blackpool, csv_file, rows, capsys, settings
):
    """Which agency first, then that agency's imported rungs and line managers only (none
    of the agency they leave), then who takes over the side they act for."""
    from rpd.administration import leavers

    client, receiver, d = _imported_case(csv_file, rows, capsys, settings)
    health = User.objects.get(email=_practitioner(rows, "health-03"))
    page = f"/partnerships/blackpool/people/{receiver.pk}/move/"

    assert "Which agency are they moving to?" in client.get(page).text
    there = client.get(f"{page}?agency={health.agency_id}").text
    assert f'<option value="{health.line_manager_id}">' in there
    assert f'<option value="{receiver.line_manager_id}">' not in there
    place = {"rung": health.rung_id, "line_manager": health.line_manager_id}
    chosen = client.post(f"{page}?agency={health.agency_id}", place)
    assert chosen.status_code == 302 and "hand-over/" in chosen.url
    side = next(i.key for i in leavers.open_items(receiver) if i.side)
    done = client.post(chosen.url, {side: str(receiver.line_manager_id)})

    assert done.status_code == 302
    moved = User.objects.get(pk=receiver.pk)
    assert (moved.agency_id, moved.line_manager_id) == (health.agency_id, health.line_manager_id)
    assert fresh(d).current_episode().receiving_actor_id == receiver.line_manager_id
