"""Vouching again for evidence rows when their model gains a column.

A row's digest covers every column it has (`rows.row_digest`), so adding a column to an
evidence model changes the digest of every row written before, and `rpd audit verify`
would call each of them changed. The migration that adds the column therefore vouches
for the rows again, in audited events (`audit.revouched`) that carry, for each row, the
digest the chain last held and the digest with the new column: the same
`data["rows"]` pairs a transition writes, which `verify` replays with no special case.

A row is vouched for again only if, without the added columns, it still matches the
digest the chain last held for it: a row changed outside the application before the
upgrade is left as it is, and `verify` still reports it. See docs/adr/017.
"""

from __future__ import annotations

import itertools

from django.db import migrations

from . import log, rows
from .models import Event

ACTION = "audit.revouched"
ROWS_AN_EVENT = 500


class Revouch:
    """A migration's RunPython callable: `RunPython(Revouch("disagreements", "disagreement",
    ["next_steps"]), RunPython.noop)`. Each list is the columns one migration added (by
    attribute name: `confirmed_by_id`), so rows last vouched for before any of them match."""

    def __init__(self, app_label: str, model_name: str, *generations: list[str]):
        self.app_label, self.model_name = app_label, model_name
        self.generations = [list(columns) for columns in generations]

    def __call__(self, apps, schema_editor) -> None:
        revouch(apps, self.app_label, self.model_name, self.generations)


def operation(app_label: str, model_name: str, *generations: list[str]):
    return migrations.RunPython(
        Revouch(app_label, model_name, *generations), migrations.RunPython.noop
    )


def revouch(apps, app_label: str, model_name: str, generations: list[list[str]]) -> int:
    """Vouch again for every row of the model whose digest changed only by the added
    columns; returns how many. `apps` is the migration's (or the live) app registry."""
    model = apps.get_model(app_label, model_name)
    many = rows.many_of(model_name)
    vouched = _newest_digests(model_name)
    if not vouched:
        return 0
    columns = [f.attname for f in model._meta.concrete_fields]
    # Every combination of the generations, fewest left out first: a row last vouched for
    # between two of the migrations lacks only the later one's columns.
    candidates = [
        [c for c in columns if not any(c in generations[i] for i in left_out)]
        for size in range(1, len(generations) + 1)
        for left_out in itertools.combinations(range(len(generations)), size)
    ]
    changed: dict[str, list[str]] = {}
    queryset = model._default_manager.order_by("pk")
    if many:
        queryset = queryset.prefetch_related(*many)
    for row in queryset.iterator(chunk_size=2000):
        key = f"{model_name}:{row.pk}"
        digest = vouched.get(key)
        if digest is None:
            continue  # in no event: verify reports it, and so shall it stay
        now = rows.digest_over(row, columns, many)
        if now == digest:
            continue
        if any(rows.digest_over(row, fields, many) == digest for fields in candidates):
            changed[key] = [digest, now]
    added = sorted({c for columns_added in generations for c in columns_added})
    keys = list(changed)
    for start in range(0, len(keys), ROWS_AN_EVENT):
        log.append(
            action=ACTION,
            target=f"audit:{model_name}",
            data={
                "model": model_name,
                "added": added,
                "rows": {key: changed[key] for key in keys[start : start + ROWS_AN_EVENT]},
            },
        )
    return len(changed)


def _newest_digests(model_name: str) -> dict[str, str]:
    """The chain's newest digest of each row of one model (None where it went)."""
    prefix = f"{model_name}:"
    newest: dict[str, str] = {}
    events = Event.objects.order_by("seq").values_list("data", flat=True)
    for data in events.iterator(chunk_size=2000):
        written = data.get("rows") if isinstance(data, dict) else None
        if isinstance(written, dict):
            for key, pair in written.items():
                if key.startswith(prefix) and isinstance(pair, list) and len(pair) == 2:
                    newest[key] = pair[1]
    return {key: digest for key, digest in newest.items() if digest is not None}
