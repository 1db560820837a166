"""A partnership's pathway versions: upload, compare, switch; open disagreements keep theirs."""

from __future__ import annotations

import datetime

import pytest

from rpd.audit import log as audit
from rpd.audit.models import Event
from rpd.disagreements import pathway_versions as versions
from rpd.disagreements import transitions
from rpd.disagreements.models import PartnershipPathway, PathwayVersion
from rpd.pathways import registry
from rpd.pathways.diff import diff
from rpd.pathways.loader import digest, load_pack_text
from rpd.people.demo import build_partnership

from .helpers import fresh, raise_data

pytestmark = pytest.mark.django_db

STOKE = registry.BUILT_IN_DIR / "stoke-on-trent.yaml"


def stoke_v2(version: int = 5, review_days: int = 3) -> bytes:
    """Stoke-on-Trent's pack with stage 1 reviewed sooner and its first milestone later."""
    text = STOKE.read_text("utf-8")
    text = text.replace("version: 4\n", f"version: {version}\n", 1)
    text = text.replace(
        "review_every_working_days: 5\n", f"review_every_working_days: {review_days}\n", 1
    )
    text = text.replace(
        "timescale: {kind: working_days, days: 1}\n",
        "timescale: {kind: working_days, days: 2}\n",
        1,
    )
    return text.encode("utf-8")


@pytest.fixture
def demo():
    return build_partnership("stoke-on-trent")


def upload(demo, data: bytes, name="stoke-on-trent.yaml"):
    return versions.upload(demo.partnership, data, name, by=demo.admin)


def switch(demo, row, **options):
    seen = versions.in_use(demo.partnership).digest
    return versions.switch(demo.partnership, row.pk, by=demo.admin, seen_in_use=seen, **options)


def test_an_open_disagreement_keeps_its_version_after_the_switch_and_a_new_one_takes_the_new(
    demo,
):
    raiser = demo.ladder["csc"][0]
    before = transitions.raise_disagreement(raiser, raise_data(demo))
    episode = before.current_episode()
    due, milestones = episode.due, {m.key: m.due for m in episode.milestones.all()}

    row = upload(demo, stoke_v2())
    assert versions.in_use(demo.partnership).pack.version == 4  # uploading changes nothing
    switch(demo, row)

    kept = fresh(before)
    assert kept.pathway.version == 4 and kept.pack.stage(1).timescale.review_every_working_days == 5
    assert kept.current_episode().due == due
    assert {m.key: m.due for m in kept.current_episode().milestones.all()} == milestones

    after = transitions.raise_disagreement(raiser, raise_data(demo))
    assert after.pathway == row.pathway and after.pack.version == 5
    assert after.pack.stage(1).timescale.review_every_working_days == 3
    calendar = demo.partnership.working_calendar()
    started = after.current_episode().started_on
    assert after.current_episode().due == calendar.add_working_days(started, 3)
    assert versions.in_use(demo.partnership).label == "stoke-on-trent v5"


def test_upload_and_switch_are_audited_and_the_chain_vouches_for_the_rows(demo):
    row = upload(demo, stoke_v2())
    switch(demo, row)
    actions = list(Event.objects.order_by("seq").values_list("action", flat=True))
    assert actions[-2:] == ["pathway.uploaded", "pathway.switched"]
    switched = Event.objects.get(action="pathway.switched")
    assert switched.data["from"]["version"] == 4 and switched.data["to"]["version"] == 5
    assert switched.actor_id == demo.admin.pk and switched.partnership_id == demo.partnership.pk
    assert audit.verify().ok


def test_the_version_it_ran_before_is_listed_with_the_disagreements_still_under_it(demo):
    transitions.raise_disagreement(demo.ladder["csc"][0], raise_data(demo))
    switch(demo, upload(demo, stoke_v2()))
    listed = versions.versions(demo.partnership)
    assert [(v.pathway.version, v.open) for v in listed] == [(5, 0), (4, 1)]
    assert listed[0].row.in_use and listed[1].row.in_use_until is not None


def test_the_same_version_with_other_content_is_refused_asking_for_a_new_version(demo):
    upload(demo, stoke_v2())
    with pytest.raises(versions.PathwayVersionError) as refused:
        upload(demo, stoke_v2(review_days=4))
    assert refused.value.field == "file"
    assert "stoke-on-trent v5 already exists with different content" in refused.value.message
    assert "version: 6" in refused.value.message
    assert refused.value.problems[0].startswith("stoke-on-trent.yaml:5: version:")


def test_the_built_in_version_with_other_content_is_refused(demo):
    with pytest.raises(versions.PathwayVersionError, match="v4 already exists"):
        upload(demo, stoke_v2(version=4))


def test_uploading_the_same_text_again_gives_the_version_already_held(demo):
    first = upload(demo, stoke_v2())
    assert upload(demo, stoke_v2()) == first
    assert Event.objects.filter(action="pathway.uploaded").count() == 1


def test_the_version_in_use_and_lower_versions_are_refused(demo):
    with pytest.raises(versions.PathwayVersionError, match="This is the version in use"):
        upload(demo, STOKE.read_bytes())
    switch(demo, upload(demo, stoke_v2(version=6)))
    with pytest.raises(versions.PathwayVersionError, match="needs a version above 6"):
        upload(demo, stoke_v2(version=5))


def test_an_invalid_pack_is_refused_with_each_problem_by_line_and_field(demo):
    text = (
        stoke_v2().decode().replace("review_every_working_days: 3", "review_every_working_days: -3")
    )
    with pytest.raises(versions.PathwayVersionError) as refused:
        upload(demo, text.encode())
    assert refused.value.message == "The pack has 1 problem, listed by line"
    [problem] = refused.value.problems
    assert problem.startswith("stoke-on-trent.yaml:73: stages[0].timescale")
    assert "greater than 0" in problem
    assert not PathwayVersion.objects.filter(version=5).exists()


@pytest.mark.parametrize(
    "data, message",
    [
        (b"x" * (versions.MAX_BYTES + 1), "a pack must be at most 256 KB"),
        (b"id: caf\xe9\n", "line 1 has a byte that is not (0xe9)"),
        (b"  \n", "The file is empty"),
        (b"a: &a [x, x]\nb: [*a, *a]\n", "YAML aliases"),
        (b"id: [unclosed\n", "YAML syntax error"),
        (b"- a list\n", "a pack must be a YAML mapping"),
    ],
)
def test_hostile_files_are_refused_with_a_clear_message(demo, data, message):
    with pytest.raises(versions.PathwayVersionError) as refused:
        upload(demo, data)
    assert message in " ".join([refused.value.message, *refused.value.problems])
    assert not PartnershipPathway.objects.exists()


def test_a_version_number_beyond_the_column_is_refused_by_the_schema(demo):
    with pytest.raises(versions.PathwayVersionError) as refused:
        upload(demo, stoke_v2(version=10**30))
    assert "version:" in refused.value.problems[0]


def test_another_pathway_id_is_switched_to_only_when_confirmed(demo):
    own = stoke_v2().decode().replace("id: stoke-on-trent\n", "id: stoke-own\n", 1)
    row = upload(demo, own.encode(), "stoke-own.yaml")
    with pytest.raises(versions.PathwayVersionError) as refused:
        switch(demo, row)
    assert refused.value.field == "other_pathway"
    switch(demo, row, other_pathway=True)
    demo.partnership.refresh_from_db()
    assert demo.partnership.pathway_id == "stoke-own"
    assert demo.partnership.pathway_entry().pack.id == "stoke-own"


def test_a_stale_switch_is_refused(demo):
    two, three = upload(demo, stoke_v2()), upload(demo, stoke_v2(version=6))
    seen = versions.in_use(demo.partnership).digest
    versions.switch(demo.partnership, three.pk, by=demo.admin, seen_in_use=seen)
    with pytest.raises(versions.PathwayVersionError, match="changed while you were looking"):
        versions.switch(demo.partnership, two.pk, by=demo.admin, seen_in_use=seen)


def test_going_back_to_a_lower_version_is_refused(demo):
    two, three = upload(demo, stoke_v2()), upload(demo, stoke_v2(version=6))
    switch(demo, three)
    with pytest.raises(versions.PathwayVersionError, match="upload its text as version 7"):
        switch(demo, two)


def test_another_partnerships_version_cannot_be_switched_to(demo):
    other = build_partnership("stoke-on-trent", slug="elsewhere")
    theirs = versions.upload(other.partnership, stoke_v2(), "x.yaml", by=other.admin)
    with pytest.raises(versions.PathwayVersionError, match="No such version"):
        switch(demo, theirs)


def test_the_diff_names_what_changes_by_section():
    old = registry.get("stoke-on-trent").pack
    from rpd.pathways.loader import load_pack_text

    new = load_pack_text(stoke_v2().decode())
    sections = {s.title: s.changes for s in diff(old, new)}
    assert set(sections) == {"Pathway", "Timescales"}
    [version] = sections["Pathway"]
    assert (version.what, version.before, version.after) == ("Version", "4", "5")
    timescale, milestone = sections["Timescales"]
    assert timescale.where == "Stage 1: Practitioner to practitioner"
    assert "reviewed every 5 working days" in timescale.before
    assert "reviewed every 3 working days" in timescale.after
    assert milestone.what == "Milestone" and "within 2 working days" in milestone.after
    assert diff(old, old) == []


def test_the_diff_of_two_pathways_covers_stages_records_notices_forms_and_roles():
    sections = {
        s.title for s in diff(registry.get("stoke-on-trent").pack, registry.get("hillingdon").pack)
    }
    assert {"Stages", "Timescales", "Records", "Notices", "Forms", "Roles"} <= sections


def test_pinned_dates_are_unchanged_when_the_calendar_moves_on(demo):
    # The switch moves no stored date: the sweep reads each disagreement's own.
    d = transitions.raise_disagreement(demo.ladder["csc"][0], raise_data(demo))
    next_due = fresh(d).next_due
    switch(demo, upload(demo, stoke_v2()))
    assert next_due is not None and fresh(d).next_due == next_due


def test_a_disagreement_raised_under_the_built_in_v2_keeps_it_once_v3_adds_the_review_date(
    demo, monkeypatch, tmp_path
):
    """Version 3 of the built-in Stoke-on-Trent pack adds the policy's review date (issue 18
    item 10). A case raised under version 3 keeps the text it pinned (ADR 008); the
    partnership's next case starts under version 4."""
    entry = demo.partnership.pathway_entry()
    assert entry.built_in and entry.pack.version == 4
    text = entry.path.read_text("utf-8").replace("version: 4\n", "version: 3\n", 1)
    text = "".join(line for line in text.splitlines(keepends=True) if "review_date:" not in line)
    earlier = tmp_path / "stoke-on-trent.yaml"
    earlier.write_text(text, "utf-8")
    v3 = registry.Entry(load_pack_text(text), earlier, True, digest(text))
    raiser = demo.ladder["csc"][0]
    with monkeypatch.context() as patched:
        patched.setattr(type(demo.partnership), "pathway_entry", lambda self: v3)
        before = transitions.raise_disagreement(raiser, raise_data(demo))
    due = before.current_episode().due

    after = transitions.raise_disagreement(raiser, raise_data(demo))

    kept = fresh(before)
    assert (kept.pathway.version, kept.pack.source.review_date) == (3, None)
    assert kept.current_episode().due == due
    assert after.pathway.version == 4
    assert after.pack.source.review_date == datetime.date(2026, 1, 31)
