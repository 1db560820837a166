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
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.reader import ReaderError

from .calendar import CALENDARS
from .schema import Loc, Pack, consistency_problems


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
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PackInvalid(str(path), [Problem(0, "", "no such file")]) from None
    except UnicodeDecodeError:
        raise PackInvalid(str(path), [Problem(0, "", "not a UTF-8 text file")]) from None
    except OSError as error:
        raise PackInvalid(str(path), [Problem(0, "", error.strerror or str(error))]) from None
    return load_pack_text(text, str(path))


def load_pack_text(text: str, source: str = "<pack>") -> Pack:
    tree = _parse_yaml(text, source)
    try:
        pack = Pack.model_validate(tree)
    except ValidationError as error:
        problems = [_problem_from_pydantic(tree, e) for e in error.errors()]
        raise PackInvalid(source, problems) from None
    problems = [_problem(tree, loc, msg) for loc, msg in consistency_problems(pack, CALENDARS)]
    if problems:
        raise PackInvalid(source, problems)
    return pack


def _parse_yaml(text: str, source: str):
    yaml = YAML(typ="rt")
    try:
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
        # ruamel raises plain ValueError for some malformed scalars (e.g. bad timestamps),
        # and NotImplementedError for comments it cannot place (found by the fuzz test).
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise PackInvalid(source, [Problem(0, "", f"YAML syntax error: {first}")]) from None
    if not isinstance(tree, CommentedMap):
        kind = "empty" if tree is None else f"a {type(tree).__name__}"
        raise PackInvalid(
            source,
            [Problem(1, "", f"a pack must be a YAML mapping of fields; this file is {kind}")],
        )
    if reused := _reused_node(tree):
        line, path = reused
        raise PackInvalid(
            source,
            [
                Problem(
                    line,
                    path,
                    "YAML aliases (*name) of a list or mapping are not allowed in a pack: "
                    "write the value out where it is needed",
                )
            ],
        )
    return tree


def _reused_node(tree) -> tuple[int, str] | None:
    """The line and field of the first list or mapping the YAML reaches twice (an alias).

    A pack needs none, and a few nested aliases ("billion laughs") expand to more items
    than any machine holds once validated: the walk visits each node once, so it costs
    no more than the file's size.
    """
    seen: set[int] = set()
    stack: list[tuple[object, list[str | int], int]] = [(tree, [], tree.lc.line + 1)]
    while stack:
        node, path, at = stack.pop()
        if isinstance(node, CommentedMap):
            children = [(k, node[k], node.lc.key(k)[0] + 1) for k in node]
        elif isinstance(node, CommentedSeq):
            children = [(i, v, node.lc.item(i)[0] + 1) for i, v in enumerate(node)]
        else:
            continue
        pending = []
        for key, child, line in children:
            if isinstance(child, CommentedMap | CommentedSeq):
                if id(child) in seen:
                    # ruamel gives an alias the line of its anchor; it is at least as far
                    # down as the list or mapping holding it.
                    return max(line, at), _field_path([*path, key])
                seen.add(id(child))
                pending.append((child, [*path, key], line))
        stack += reversed(pending)  # in the file's order, so the first alias is named
    return None


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
