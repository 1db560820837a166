"""Earlier pack formats, and the explicit migrations that bring a pack's text up to today's.

A disagreement pins the text of the pack it started under, and a partnership keeps the
texts it uploaded: a schema change must never stop them loading. Each change to the pack
format that an earlier text would no longer satisfy raises `FORMAT` by one and adds the
migration from the format before it, which rewrites the parsed YAML (never the stored
text) and says what it changed, field by field.

A pack's text says which format it is written in with `format: N`; a text that does not
say is in the format it was stored under (`PathwayVersion.format`), or, for a file, today's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ruamel.yaml.comments import CommentedMap

from .schema import ASKED, Loc

FORMAT = 2  # today's


@dataclass(frozen=True)
class Change:
    """One change a migration made, at the path of the field it changed."""

    loc: Loc
    message: str


def _form_fields_say_where_their_value_comes_from(tree: CommentedMap) -> list[Change]:
    """Format 2 (issue 18): every form field names its `source`. In format 1 a field
    without one was asked of the person filling in the form."""
    changes = []
    for i, form in enumerate(_items(tree, "forms")):
        for j, field in enumerate(_items(form, "fields")):
            if isinstance(field, CommentedMap) and "source" not in field:
                field["source"] = ASKED
                changes.append(
                    Change(
                        ("forms", i, "fields", j),
                        f"has no source: add `source: {ASKED}` (format 1's meaning)",
                    )
                )
    return changes


def _items(node, key: str) -> list:
    value = node.get(key) if isinstance(node, CommentedMap) else None
    return value if isinstance(value, list) else []


# From format N to N + 1.
MIGRATIONS: dict[int, Callable[[CommentedMap], list[Change]]] = {
    1: _form_fields_say_where_their_value_comes_from,
}
assert set(MIGRATIONS) == set(range(1, FORMAT)), "one migration to each format after the first"


def upgrade(tree: CommentedMap, written_in: int) -> list[Change]:
    """Bring a parsed pack from the format it was written in to today's, in place."""
    changes: list[Change] = []
    for number in range(written_in, FORMAT):
        changes += MIGRATIONS[number](tree)
    return changes
