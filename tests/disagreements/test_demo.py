"""`rpd demo`: synthetic disagreements, made through the real transitions, for every pathway."""

import pytest

from rpd.audit.log import verify
from rpd.cli import main
from rpd.disagreements.models import Disagreement, Resolution, Status, Subject
from rpd.disagreements.nhs_number import TEST_RANGE, is_valid
from rpd.pathways import registry
from rpd.pathways.calendar import today
from rpd.people.models import Partnership
from tests.pathways.small_pack import small_pack

PATHWAYS = ["blackpool", "cambridgeshire", "hillingdon", "jersey", "stoke-on-trent"]


@pytest.mark.django_db
@pytest.mark.parametrize("pathway", PATHWAYS)
def test_demo_has_every_stage_and_state_with_synthetic_subjects_and_an_intact_audit_chain(
    pathway, capsys
):
    assert main(["demo", "--pathway", pathway]) == 0

    out = capsys.readouterr().out
    partnership = Partnership.objects.get(slug=pathway)
    assert out.startswith(f"{partnership.name}: slug {pathway}, pathway {pathway} v")
    assert f"{pathway}-csc-1 " in out and "demo-password-not-for-production" in out
    pack = registry.get(pathway).pack
    disagreements = list(Disagreement.objects.filter(partnership=partnership))
    live = [d for d in disagreements if d.status in (Status.OPEN, Status.PAUSED)]
    assert {d.stage for d in live} == {s.number for s in pack.stages}
    assert {d.status for d in disagreements} == set(Status)
    assert any(d.next_due < today() for d in live)
    assert any(d.status == Status.PAUSED and d.next_due >= today() for d in live)
    learning = Resolution.objects.filter(disagreement__partnership=partnership)
    assert learning.filter(learning_multi_agency_audit=True).exists()
    if pack.fast_track:
        assert any(d.fast_track_reason and d.stage > 1 for d in disagreements)
    if pack.scope.value == "both":
        assert {"child", "adult"} <= {d.subject.kind for d in disagreements}
    numbers = [s.nhs_number for s in Subject.objects.filter(partnership=partnership)]
    assert len(set(numbers)) == len(numbers) == len(disagreements)
    for number in numbers:
        assert TEST_RANGE[0] <= int(number) <= TEST_RANGE[1] and is_valid(number), number
    assert verify().ok


@pytest.mark.django_db
def test_demo_refuses_a_slug_already_taken_and_an_unknown_pathway(capsys):
    assert main(["demo", "--pathway", "jersey", "--slug", "island"]) == 0
    capsys.readouterr()

    assert main(["demo", "--pathway", "jersey", "--slug", "island"]) == 2
    assert capsys.readouterr().err == (
        "rpd: error: --slug: a partnership with slug 'island' already exists; "
        "choose another with --slug\n"
    )
    assert main(["demo", "--pathway", "narnia"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("rpd: error: --pathway: no pathway with id 'narnia' (known: ")
    assert err.count("\n") == 1
    assert Partnership.objects.filter(slug__startswith="island").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(("stages", "rungs"), [(1, 2), (3, 7)])
def test_demo_builds_a_history_for_any_valid_pack(stages, rungs, settings, tmp_path, capsys):
    # A partnership's own pathway with one stage, or a management ladder of seven rungs.
    settings.RPD_PACK_DIRS = [tmp_path]
    (tmp_path / "lakeside.yaml").write_text(small_pack(stages=stages, rungs=rungs))
    assert main(["demo", "--pathway", "lakeside"]) == 0, capsys.readouterr().err
    partnership = Partnership.objects.get(slug="lakeside")
    disagreements = list(Disagreement.objects.filter(partnership=partnership))
    live = [d for d in disagreements if d.status in (Status.OPEN, Status.PAUSED)]
    assert {d.stage for d in live} == set(range(1, stages + 1))
    assert {d.status for d in disagreements} == set(Status)
    assert verify().ok


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("scope", "absent"),
    [
        ("adults", ["Children's Social Care", "Brookside Primary School", "Children"]),
        ("children", ["Adult Social Care", "Adults"]),
    ],
)
def test_an_adults_or_a_children_only_demo_has_agencies_and_titles_that_fit(
    scope, absent, settings, tmp_path
):
    from rpd.people.demo import build_partnership
    from rpd.people.models import Agency, User

    settings.RPD_PACK_DIRS = [tmp_path]
    (tmp_path / "lakeside.yaml").write_text(
        small_pack(stages=3, rungs=3).replace("scope: children", f"scope: {scope}")
    )
    build_partnership("lakeside")
    names = list(Agency.objects.values_list("name", flat=True))
    titles = list(User.objects.values_list("job_title", flat=True))
    for word in absent:
        assert not [n for n in names + titles if word in n], word


@pytest.mark.django_db
def test_demo_all_says_it_builds_the_built_in_pathways_and_not_the_installed_ones(
    settings, tmp_path, capsys, monkeypatch
):
    from rpd.disagreements import commands

    settings.RPD_PACK_DIRS = [tmp_path]
    (tmp_path / "lakeside.yaml").write_text(small_pack())
    monkeypatch.setattr(commands, "migrate", lambda: None)
    monkeypatch.setattr(commands, "build_demo", lambda pathway_id, slug: (pathway_id, []))
    monkeypatch.setattr(commands, "report", lambda *built: None)
    assert main(["demo", "--pathway", "all"]) == 0
    assert capsys.readouterr().out.splitlines()[:2] == [
        "Building a demo of each of the 5 built-in pathways: blackpool, cambridgeshire, "
        "hillingdon, jersey, stoke-on-trent.",
        "Not the installed ones (lakeside): build one with rpd demo --pathway ID.",
    ]


@pytest.mark.django_db
def test_a_demo_case_was_active_on_the_days_its_story_tells_in_its_figures_and_its_timeline():
    # The demo tells each story on back-dated days while the audit log writes each event at
    # its real time: drift over time and the timeline read when each transition happened,
    # not when its event was written, or every demo case would look idle until today.
    from rpd.audit.models import Event
    from rpd.disagreements import demo as case_demo
    from rpd.disagreements import presenters
    from rpd.disagreements.models import OpenStretch
    from rpd.pathways.calendar import local_date

    _, cases = case_demo.build("stoke-on-trent")
    checked = 0
    for d in cases:
        d.refresh_from_db()
        events = list(Event.objects.filter(target=d.audit_target).order_by("seq"))
        entries = presenters.timeline(events, {}, {}, today())
        assert local_date(entries[0].at) == local_date(d.raised_at)
        if d.status != Status.OPEN or local_date(d.updated_at) >= today():
            continue
        now = OpenStretch.objects.get(disagreement=d, last_day__isnull=True)
        assert now.last_active == local_date(d.updated_at), d.reference
        checked += 1
    assert checked >= 3
