"""Read a pack from YAML, with errors that name the file, the line and the field.

A partnership administrator writes packs by hand, so a mistake must come
back as ``hillingdon.yaml:42: stages[2].timescale.days: must be greater
than 0 (got -3)``, never as a traceback. ruamel.yaml is used rather than
PyYAML because it keeps the line of every key and list item.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    MappingStartEvent,
    ScalarEvent,
)
from ruamel.yaml.reader import ReaderError

from .calendar import CALENDARS
from .formats import FORMAT, upgrade
from .schema import Loc, Pack, consistency_problems

# The work any pack file can cause is bounded before a tree is built from it. The five
# built-in packs are 12 to 19 KB, at most 946 YAML events deep 7; a file many times any of
# them is not a pack, and the YAML library's time grows faster than its size for some
# shapes (deep nesting, merge-key chains), so each is refused while the file is read.
MAX_BYTES = 256 * 1024
MAX_NODES = 10_000  # YAML events: every key, value, list and mapping
MAX_DEPTH = 20  # lists and mappings inside each other
# Python refuses to read an integer of more than 4,300 digits (a ValueError with no line).
MAX_DIGITS = 100
# The core schema's tags, which may be written out (`!!str 1`); any other tag (`!!python/...`,
# `!!set`, `!custom`) asks the YAML library to build something a pack never holds.
CORE_TAGS = {
    f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "map", "seq")
}


@dataclass(frozen=True)
class Problem:
    line: int
    field: str
    message: str

    def render(self, source: str) -> str:
        message = " ".join(self.message.split())  # one line, whatever the YAML library said
        where = f"{source}:{self.line}" if self.line else source
        return f"{where}: {self.field}: {message}" if self.field else f"{where}: {message}"


class PackInvalid(Exception):
    """A pack that cannot be used, with every problem found."""

    def __init__(self, source: str, problems: list[Problem]):
        self.source = source
        self.problems = problems
        super().__init__(self.lines()[0])

    def lines(self) -> list[str]:
        return [p.render(self.source) for p in self.problems]


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load_pack_file(path: str | Path) -> Pack:
    return load_pack_text(read_pack_file(path), str(path))


def read_pack_file(path: str | Path) -> str:
    """A pack file's text: refused, before it is read, when it is too big to be a pack."""
    path = Path(path)
    try:
        with path.open("rb") as file:
            data = file.read(MAX_BYTES + 1)
            size = max(len(data), path.stat().st_size)
    except FileNotFoundError:
        raise PackInvalid(str(path), [Problem(0, "", "no such file")]) from None
    except OSError as error:
        raise PackInvalid(str(path), [Problem(0, "", error.strerror or str(error))]) from None
    return decode(data, str(path), size)


def decode(data: bytes, source: str, size: int | None = None) -> str:
    """The text of a pack's bytes, or a problem saying what the file is instead.

    `size` is the whole file's, where only its first bytes were read.
    """
    size = max(size or 0, len(data))
    if size > MAX_BYTES:
        raise PackInvalid(
            source,
            [
                Problem(
                    0, "", f"The file is {_size(size)}: a pack must be at most {_size(MAX_BYTES)}"
                )
            ],
        )
    if not data.strip():
        raise PackInvalid(source, [Problem(0, "", "The file is empty")])
    # With a byte order mark, or as ASCII text is without one: every other byte zero.
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\0\0" in (data[:4:2], data[1:4:2]):
        raise PackInvalid(
            source,
            [Problem(0, "", "The file is saved as UTF-16: save it as UTF-8 and try again")],
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise PackInvalid(
            source,
            [
                Problem(
                    line,
                    "",
                    f"The file must be UTF-8 text: line {line} has a byte that is not "
                    f"(0x{data[error.start]:02x}); save it as UTF-8 and try again",
                )
            ],
        ) from None


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{(n + 1023) // 1024} KB"


@dataclass(frozen=True)
class Loaded:
    pack: Pack
    written_in: int  # the pack format of its text
    changes: list[Problem]  # what the migrations to today's format changed


def load_pack_text(text: str, source: str = "<pack>", stored_format: int | None = None) -> Pack:
    return load_pack(text, source, stored_format).pack


def load_pack(text: str, source: str = "<pack>", stored_format: int | None = None) -> Loaded:
    """A pack from its text, upgraded from the format it was written in (its `format:`,
    else `stored_format`, else today's) by the explicit migrations of `formats`.

    A text that says nothing of its format and fails today, but loads as an earlier
    format, is refused with what it must change, and how to say it is that format.
    """
    tree = parse_yaml(text, source)
    declared = _declared_format(tree, source)
    written_in = declared or stored_format or FORMAT
    changes = [_problem(tree, c.loc, c.message) for c in upgrade(tree, written_in)]
    try:
        return Loaded(_validated(tree, source), written_in, changes)
    except PackInvalid as invalid:
        if declared is None and stored_format is None:
            for earlier in range(FORMAT - 1, 0, -1):
                if advice := _as_format(text, source, earlier):
                    raise PackInvalid(source, advice) from None
        raise invalid from None


def _declared_format(tree: CommentedMap, source: str) -> int | None:
    if "format" not in tree:
        return None
    line = tree.lc.key("format")[0] + 1
    declared = tree.pop("format")
    if not isinstance(declared, int) or isinstance(declared, bool) or not 1 <= declared <= FORMAT:
        raise PackInvalid(
            source,
            [
                Problem(
                    line,
                    "format",
                    f"must be a pack format from 1 to {FORMAT}, the latest this product "
                    f"reads (got {declared!r})",
                )
            ],
        )
    return declared


def _as_format(text: str, source: str, earlier: int) -> list[Problem]:
    """What a pack that loads as format `earlier` must change to load as today's."""
    tree = parse_yaml(text, source)
    changes = [_problem(tree, c.loc, c.message) for c in upgrade(tree, earlier)]
    try:
        _validated(tree, source)
    except PackInvalid:
        return []
    return [
        *changes,
        Problem(
            1,
            "format",
            f"the pack is written in pack format {earlier}: make the changes above for "
            f"format {FORMAT}, or add `format: {earlier}` at its top to have them made "
            "when it loads",
        ),
    ]


def _validated(tree: CommentedMap, source: str) -> Pack:
    try:
        pack = Pack.model_validate(tree)
    except ValidationError as error:
        problems = [_problem_from_pydantic(tree, e) for e in error.errors()]
        raise PackInvalid(source, problems) from None
    problems = [_problem(tree, loc, msg) for loc, msg in consistency_problems(pack, CALENDARS)]
    if problems:
        raise PackInvalid(source, problems)
    return pack


class _PackConstructor(RoundTripConstructor):
    """Dates stay text for the schema to read: a wrong date is then a field's problem, at
    its line, not the YAML library's ValueError with no line."""

    def construct_yaml_timestamp(self, node, values=None):
        return self.construct_scalar(node)


_PackConstructor.add_constructor(
    "tag:yaml.org,2002:timestamp", _PackConstructor.construct_yaml_timestamp
)


def parse_yaml(text: str, source: str = "<pack>") -> CommentedMap:
    """The YAML tree of a pack's text, each line kept, or the first problem at its line.

    The file is first read as a stream of events, within the budgets above and refusing
    what a pack never needs (tags, merge keys, aliases of lists and mappings), so that no
    file, however hostile, makes the YAML library build more than a pack's worth of tree.
    """
    if len(text) > MAX_BYTES:
        message = (
            f"The file is {_size(len(text.encode()))}: a pack must be at most {_size(MAX_BYTES)}"
        )
        raise PackInvalid(source, [Problem(0, "", message)])
    yaml = YAML(typ="rt")
    yaml.Constructor = _PackConstructor
    try:
        if refused := _refused_event(yaml, text):
            raise PackInvalid(source, [refused])
        tree = yaml.load(text)
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 0
        what = error.problem or error.context or "invalid YAML"
        raise PackInvalid(source, [Problem(line, "", f"YAML syntax error: {what}")]) from None
    except ReaderError as error:
        line = text.count("\n", 0, max(error.position, 0)) + 1
        raise PackInvalid(
            source, [Problem(line, "", f"unreadable character: {error.reason}")]
        ) from None
    except (YAMLError, ValueError, TypeError, RecursionError, NotImplementedError) as error:
        # ruamel raises plain ValueError for some malformed scalars, and
        # NotImplementedError for comments it cannot place (found by the fuzz test).
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise PackInvalid(source, [Problem(0, "", f"YAML syntax error: {first}")]) from None
    if not isinstance(tree, CommentedMap):
        kind = "empty" if tree is None else ("a list" if isinstance(tree, list) else "one value")
        raise PackInvalid(
            source,
            [Problem(1, "", f"a pack must be a YAML mapping of fields; this file is {kind}")],
        )
    return tree


def _refused_event(yaml: YAML, text: str) -> Problem | None:
    """The first event of the text past a budget or of a kind a pack never needs.

    Reading events builds nothing, and stops at the first refusal: a file of ten thousand
    nested brackets or a chain of merge keys costs no more than its first few lines.
    """
    # The path of the event being read: one entry per open list or mapping, each
    # [is_mapping, key or index, expecting a key].
    path: list[list] = []
    collections: set[str] = set()  # anchors of lists and mappings
    scalars: dict[str, int] = {}  # anchors of scalars, with their lengths
    expanded = len(text)  # characters once scalar aliases are written out

    def here() -> str:
        return _field_path([part[1] for part in path if part[1] is not None])

    for count, event in enumerate(yaml.parse(text), 1):
        line = event.start_mark.line + 1
        if count > MAX_NODES:
            return Problem(
                line, "", f"the file has more than {MAX_NODES:,} values: it is not a pack"
            )
        tag = event.tag if isinstance(event, ScalarEvent | CollectionStartEvent) else None
        if tag is not None and str(tag) not in CORE_TAGS:
            return Problem(
                line,
                here(),
                f"YAML tags ({_tag(str(tag))}) are not allowed in a pack: write the plain value",
            )
        is_key = bool(path) and path[-1][0] and path[-1][2]
        if isinstance(event, ScalarEvent | AliasEvent | CollectionStartEvent) and path:
            top = path[-1]
            if top[0]:  # a mapping: keys and values alternate
                if top[2]:
                    top[1] = event.value if isinstance(event, ScalarEvent) else "?"
                top[2] = not top[2]
            else:
                top[1] = 0 if top[1] is None else top[1] + 1
        if isinstance(event, ScalarEvent):
            if is_key and event.value == "<<" and event.style is None:
                return Problem(
                    line,
                    here(),
                    "YAML merge keys (<<) are not allowed in a pack: write the fields out "
                    "where they are needed",
                )
            digits = event.value.lstrip("+-").replace("_", "")
            if event.style is None and len(digits) > MAX_DIGITS and digits.isdigit():
                return Problem(
                    line, here(), f"a number of {len(digits):,} digits is not a value of a pack"
                )
            if event.anchor:
                collections.discard(event.anchor)
                scalars[event.anchor] = len(event.value)
        elif isinstance(event, AliasEvent):
            if event.anchor in collections:
                return Problem(
                    line,
                    here(),
                    "YAML aliases (*name) of a list or mapping are not allowed in a pack: "
                    "write the value out where it is needed",
                )
            expanded += scalars.get(event.anchor, 0)
            if expanded > 4 * MAX_BYTES:
                return Problem(line, here(), "the file repeats too much text through aliases")
        elif isinstance(event, CollectionStartEvent):
            if event.anchor:
                collections.add(event.anchor)
                scalars.pop(event.anchor, None)
            path.append([isinstance(event, MappingStartEvent), None, True])
            if len(path) > MAX_DEPTH:
                return Problem(
                    line,
                    here(),
                    f"lists and mappings are nested more than {MAX_DEPTH} deep: it is not a pack",
                )
        elif isinstance(event, CollectionEndEvent):
            path.pop()
    return None


def _tag(tag: str) -> str:
    """A tag as the file wrote it: `!!python/name:os.system`, not its long form."""
    core = "tag:yaml.org,2002:"
    return "!!" + tag.removeprefix(core) if tag.startswith(core) else tag


def _problem_from_pydantic(tree, error) -> Problem:
    message = {
        "missing": "required field is missing",
        "extra_forbidden": "unknown field (check the spelling against the pack schema)",
    }.get(error["type"], error["msg"].replace("Input should", "must"))
    given = error.get("input")
    if error["type"] not in ("missing", "extra_forbidden") and _is_scalar(given):
        message += f" (got {given!r})"
    return _problem(tree, tuple(error["loc"]), message)


def _is_scalar(value) -> bool:
    return isinstance(value, str | int | float | bool) or value is None


def _problem(tree, loc: Loc, message: str) -> Problem:
    """Follow `loc` through the YAML tree to the deepest node that exists, for its line."""
    node = tree
    line = tree.lc.line + 1
    shown: list[str | int] = []
    for i, part in enumerate(loc):
        if isinstance(node, CommentedMap) and part in node:
            line = node.lc.key(part)[0] + 1
            node = node[part]
            shown.append(part)
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
            line = node.lc.item(part)[0] + 1
            node = node[part]
            shown.append(part)
        elif i == len(loc) - 1 or isinstance(part, int):
            shown.append(part)  # the missing field itself: the line is its parent's
        # otherwise: a discriminated union's tag that pydantic adds to the path; skip it
    return Problem(line, _field_path(shown), message)


def _field_path(parts: list[str | int]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out
