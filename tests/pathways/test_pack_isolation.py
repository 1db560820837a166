"""Packs isolated and durable (issue 18 item 1): a bad pack file breaks only itself, and a
text written in an earlier pack format still loads, by explicit migrations."""

from __future__ import annotations

import json

import pytest

from rpd.cli import main
from rpd.pathways import registry
from rpd.pathways.formats import FORMAT, MIGRATIONS, upgrade
from rpd.pathways.loader import PackInvalid, load_pack, load_pack_text, parse_yaml
from tests.pathways.small_pack import small_pack

BUILT_IN = ["hillingdon", "cambridgeshire", "jersey", "stoke-on-trent", "blackpool"]

# Last month's format (1): a form field needed no `source`; it was asked of the person.
LAST_MONTH = (
    small_pack()
    + """\
forms:
  - id: referral
    name: Request for dispute resolution
    sent_to: unit
    source: Lakeside policy, appendix 1
    fields:
      - {id: child, label: The child's name, source: subject.name}
      - {id: reason, label: Why it is referred}
"""
)
REASON_LINE = LAST_MONTH.splitlines().index("      - {id: reason, label: Why it is referred}") + 1


@pytest.fixture
def packs(settings, tmp_path):
    settings.RPD_PACK_DIRS = [tmp_path / "packs"]
    (tmp_path / "packs").mkdir()
    return tmp_path / "packs"


def run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_a_bad_pack_beside_the_five_built_ins_is_listed_as_invalid_and_leaves_all_five_working(
    packs, capsys
):
    (packs / "broken.yaml").write_text(small_pack("broken").replace("scope: children", "scope: x"))
    status, out, err = run(capsys, "pathway", "list")
    assert status == 0 and err == ""
    assert [line.split()[0] for line in out.splitlines()] == [*sorted(BUILT_IN), "broken"]
    assert "broken  INVALID: 1 problem, first: " in out and ":5: scope: must be" in out
    status, out, _ = run(capsys, "pathway", "list", "--json")
    rows = {row["id"]: row for row in json.loads(out)}
    assert rows["broken"]["valid"] is False and "scope" in rows["broken"]["problems"][0]
    assert all(rows[i]["valid"] for i in BUILT_IN)
    for pathway_id in BUILT_IN:
        assert registry.get(pathway_id).built_in
        status, out, err = run(capsys, "pathway", "show", pathway_id)
        assert status == 0 and err == "", pathway_id
        status, _, err = run(capsys, "pathway", "simulate", pathway_id, "--start", "2026-03-02")
        assert status == 0 and err == "", pathway_id
    status, out, err = run(capsys, "pathway", "show", "broken")
    assert status == 2 and out == ""
    [line] = err.splitlines()
    assert "the pathway 'broken' does not load" in line and "rpd pathway validate" in line


def test_an_installed_pack_reusing_a_built_in_id_is_broken_alone(packs, capsys):
    (packs / "copy.yaml").write_text(small_pack("jersey"))
    assert [b.pathway_id for b in registry.broken()] == ["copy"]
    assert "'jersey' is already used by" in registry.broken()[0].error.lines()[0]
    assert registry.get("jersey").built_in


def test_a_pack_of_last_months_format_is_told_what_to_change_or_to_say_its_format(
    packs, tmp_path, capsys
):
    path = tmp_path / "lakeside.yaml"
    path.write_text(LAST_MONTH)
    status, out, err = run(capsys, "pathway", "validate", str(path))
    assert status == 2 and out == ""
    assert err.splitlines() == [
        f"{path}:{REASON_LINE}: forms[0].fields[1]: has no source: add `source: asked` "
        "(format 1's meaning)",
        f"{path}:1: format: the pack is written in pack format 1: make the changes above for "
        "format 2, or add `format: 1` at its top to have them made when it loads",
    ]
    path.write_text("format: 1\n" + LAST_MONTH)
    status, out, err = run(capsys, "pathway", "validate", str(path))
    assert status == 0 and err == ""
    assert out.splitlines()[1:] == [
        f"{path}: written in pack format 1, upgraded to 2 as it loads; to write it in format "
        "2, remove its `format:` line and:",
        f"  {path}:{REASON_LINE + 1}: forms[0].fields[1]: has no source: add `source: asked` "
        "(format 1's meaning)",
    ]
    assert load_pack_text(path.read_text()).form("referral").fields[1].source == "asked"


def test_a_format_the_product_does_not_read_is_refused_at_its_line():
    with pytest.raises(PackInvalid) as refused:
        load_pack_text(small_pack().replace("version: 1\n", f"version: 1\nformat: {FORMAT + 1}\n"))
    assert refused.value.lines() == [
        f"<pack>:3: format: must be a pack format from 1 to {FORMAT}, the latest this product "
        f"reads (got {FORMAT + 1})"
    ]


def test_every_format_has_its_migration_and_each_leaves_a_pack_of_today_unchanged():
    assert set(MIGRATIONS) == set(range(1, FORMAT))
    for pathway_id in BUILT_IN:
        text = registry.get(pathway_id).path.read_text("utf-8")
        tree = parse_yaml(text)
        assert upgrade(tree, 1) == []
        assert load_pack(text, stored_format=1).pack == registry.get(pathway_id).pack


@pytest.mark.django_db
def test_a_version_stored_under_an_older_format_loads_after_the_schema_changed():
    from rpd.disagreements.models import PathwayVersion
    from rpd.pathways.loader import digest

    stored = PathwayVersion.objects.create(
        pathway_id="lakeside", version=1, digest=digest(LAST_MONTH), text=LAST_MONTH, format=1
    )
    pack = PathwayVersion.objects.get(pk=stored.pk).pack
    assert [f.source for f in pack.form("referral").fields] == ["subject.name", "asked"]
    # Stored under today's format, the same text is refused: the format is what says how
    # to read it.
    today = PathwayVersion(pathway_id="x", version=1, digest="0" * 64, text=LAST_MONTH)
    with pytest.raises(PackInvalid):
        today.pack  # noqa: B018
