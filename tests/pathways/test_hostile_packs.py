"""Hostile pack files (issue 15 item 5): every one is a named problem at its line, through
`rpd pathway validate` and the upload page alike, and none makes the YAML library do more
than a pack's worth of work."""

from __future__ import annotations

import html

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from rpd.cli import main
from rpd.pathways import loader
from rpd.pathways.loader import MAX_BYTES, MAX_DEPTH, MAX_NODES, PackInvalid, load_pack_text
from rpd.pathways.registry import BUILT_IN_DIR
from tests.pathways.small_pack import small_pack


def merge_key_chain(links: int) -> bytes:
    """The review's file: each mapping merges the one before, so the work of building it
    grows with the square of the chain."""
    text = "a0: &a0 {x: 1}\n"
    for i in range(1, links):
        text += f"a{i}: &a{i}\n  <<: *a{i - 1}\n  k{i}: 1\n"
    return text.encode()


# name: (the file, what the problem says, the line it names; 0 for the whole file)
HOSTILE: dict[str, tuple[bytes, str, int]] = {
    "python tag": (
        b"id: lakeside\nversion: !!python/object/apply:os.system ['echo owned']\n",
        "version: YAML tags (!!python/object/apply:os.system) are not allowed",
        2,
    ),
    "python tag on the whole file": (
        b"!!python/object/apply:os.system ['echo owned']\n",
        "YAML tags (!!python/object/apply:os.system) are not allowed",
        1,
    ),
    "python name tag": (b"id: !!python/name:os.system\n", "id: YAML tags", 1),
    "set tag": (b"id: x\ncategories: !!set {a, b}\n", "categories: YAML tags (!!set)", 2),
    "local tag": (b"id: x\nname: !shout loud\n", "name: YAML tags (!shout)", 2),
    "merge-key chain": (
        merge_key_chain(2_300),  # 106 KB, as the review's was
        "a1.<<: YAML merge keys (<<) are not allowed",
        3,
    ),
    "merge key of a list": (
        b"a: &a {x: 1}\nb: &b {y: 2}\nc:\n  <<: [*a, *b]\n",
        "c.<<: YAML merge keys",
        4,
    ),
    "alias bomb": (
        b"a: &a [x, x, x, x, x, x, x, x, x]\n"
        b"b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
        b"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n",
        "b[0]: YAML aliases (*name) of a list or mapping are not allowed",
        2,
    ),
    "scalar alias bomb": (
        b"a: &a " + b"x" * 60_000 + b"\nb: [" + b", ".join([b"*a"] * 30) + b"]\n",
        "b[16]: the file repeats too much text through aliases",
        2,
    ),
    "deep nesting of lists": (
        b"stages: " + b"[" * 100_000 + b"]" * 100_000 + b"\n",
        f"lists and mappings are nested more than {MAX_DEPTH} deep",
        1,
    ),
    "deep nesting of mappings": (
        "".join("  " * i + f"k{i}:\n" for i in range(40)).encode(),
        f"k0.k1.k2.k3.k4.k5.k6.k7.k8.k9.k10.k11.k12.k13.k14.k15.k16.k17.k18.k19: lists "
        f"and mappings are nested more than {MAX_DEPTH} deep",
        21,
    ),
    "many values": (
        b"categories: [" + b", ".join([b"1"] * 20_000) + b"]\n",
        f"the file has more than {MAX_NODES:,} values",
        1,
    ),
    "a huge file": (b"# " + b"x" * MAX_BYTES + b"\n", "a pack must be at most 256 KB", 0),
    "a huge number": (b"id: x\nversion: " + b"9" * 5_000 + b"\n", "version: a number of 5,000", 2),
    "an impossible date": (
        small_pack()
        .replace("england-and-wales\n", "england-and-wales\nclosure_days: [2026-02-30]\n")
        .encode(),
        "closure_days[0]: must be a valid date",
        7,
    ),
    "UTF-16 with a byte order mark": (
        "id: lakeside\n".encode("utf-16"),
        "saved as UTF-16: save it as UTF-8",
        0,
    ),
    "UTF-16 without one": ("id: lakeside\n".encode("utf-16-le"), "saved as UTF-16", 0),
    "binary": (bytes(range(256)) * 4, "The file must be UTF-8 text: line 2 has a byte", 2),
    "a control character": (b"id: x\nname: a\x07b\n", "unreadable character", 2),
    "two documents": (b"id: x\n---\nid: y\n", "YAML syntax error", 2),
}


@pytest.fixture(autouse=True)
def no_installed_packs(settings, tmp_path):
    settings.RPD_PACK_DIRS = [tmp_path / "packs"]


@pytest.mark.parametrize(("data", "says", "line"), HOSTILE.values(), ids=HOSTILE.keys())
def test_rpd_pathway_validate_names_each_hostile_file_at_its_line(
    tmp_path, capsys, data, says, line
):
    path = tmp_path / "hostile.yaml"
    path.write_bytes(data)
    assert main(["pathway", "validate", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    [problem] = err.splitlines()
    where = f"{path}:{line}: " if line else f"{path}: "
    assert problem.startswith(where) and says in problem, problem


@pytest.mark.django_db
def test_the_upload_page_names_each_hostile_file_at_its_line_and_never_answers_500(
    client, settings
):
    settings.RPD_REQUIRE_MFA = False  # force_login sets up no second factor
    from rpd.people.demo import build_partnership

    demo = build_partnership("stoke-on-trent")
    client.force_login(demo.admin)
    for name, (data, says, line) in HOSTILE.items():
        response = client.post(
            "/partnerships/stoke-on-trent/pathway/upload/",
            {"file": SimpleUploadedFile("hostile.yaml", data)},
        )
        assert response.status_code == 400, name
        shown = html.unescape(response.text)
        # A file that is not UTF-8 text is refused at the file field, its line in the message.
        at_line = not line or says.startswith("The file") or f"hostile.yaml:{line}: " in shown
        assert says in shown and at_line, name


def test_a_merge_key_chain_is_refused_at_its_first_link_before_any_tree_is_built(monkeypatch):
    """The budget holds however long the chain: nothing past the first merge key is read."""
    built = []
    monkeypatch.setattr(loader.YAML, "load", lambda self, text: built.append(text))
    with pytest.raises(PackInvalid) as refused:
        load_pack_text(merge_key_chain(2_300).decode())
    assert refused.value.problems[0].line == 3
    assert built == []


def test_the_budgets_leave_every_built_in_pack_room_to_grow():
    """A pack twice the size of the largest built-in one is still well within the budgets."""
    for path in sorted(BUILT_IN_DIR.glob("*.yaml")):
        text = path.read_text("utf-8")
        events, depth, deepest = 0, 0, 0
        for event in loader.YAML(typ="rt").parse(text):
            events += 1
            depth += isinstance(event, loader.CollectionStartEvent)
            depth -= isinstance(event, loader.CollectionEndEvent)
            deepest = max(deepest, depth)
        assert 2 * events < MAX_NODES // 5 and deepest * 2 < MAX_DEPTH, path.name
        assert 2 * len(text.encode()) < MAX_BYTES // 5, path.name
        load_pack_text(text, path.name)
