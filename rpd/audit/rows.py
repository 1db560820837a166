"""Digests of the rows an audit event vouches for, and the check of today's rows against them.

An event's hash covers what the event says, not the evidence it is about: a
record's summary edited in the database would leave the chain intact. So each
event carries, for every evidence row its change wrote, the digest of the row
before and after (`data["rows"]`), and `verify` checks that every evidence row
in the database matches the newest digest the chain holds for it.

Which models are evidence, and which of their fields are hashed, is declared by
the app that owns them (`rpd.disagreements.evidence`) through `register`: the
audit app knows nothing of disagreements.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import decimal
import hashlib
import json
import uuid

from django.db import DEFAULT_DB_ALIAS, connections, models

_EVIDENCE: dict[str, Evidence] = {}


@dataclasses.dataclass(frozen=True)
class Evidence:
    model: type[models.Model]
    many: tuple[str, ...]  # many-to-many fields, hashed as sorted lists of ids

    @property
    def columns(self) -> list[str]:
        """The columns hashed: every one the row has (a column added later is vouched for
        again by the migration that adds it: `rpd.audit.upgrade`)."""
        return [f.attname for f in self.model._meta.concrete_fields]

    @property
    def fields(self) -> list[str]:
        """What is hashed: the columns, and the many-to-many fields."""
        return self.columns + list(self.many)


def register(model: type[models.Model], many: tuple[str, ...] = ()) -> None:
    _EVIDENCE[model._meta.model_name] = Evidence(model, tuple(many))


def registered() -> list[Evidence]:
    return list(_EVIDENCE.values())


def label(instance: models.Model) -> str:
    return f"{instance._meta.model_name}:{instance.pk}"


def describe(row_label: str) -> str:
    """'record:12' as a person reads it: 'record 12'."""
    name, _, pk = row_label.partition(":")
    evidence = _EVIDENCE.get(name)
    return f"{evidence.model._meta.verbose_name if evidence else name} {pk}"


def row_digest(instance: models.Model) -> str:
    evidence = _EVIDENCE[instance._meta.model_name]
    return digest_over(instance, evidence.columns, evidence.many)


def many_of(model_name: str) -> tuple[str, ...]:
    evidence = _EVIDENCE.get(model_name)
    return evidence.many if evidence else ()


def digest_over(instance: models.Model, columns, many=()) -> str:
    """The digest of these columns (attribute names) and many-to-many fields of a row;
    `instance` may be a migration's historical model."""
    return _digest(
        {name: getattr(instance, name) for name in columns},
        {name: [related.pk for related in getattr(instance, name).all()] for name in many},
    )


def _digest(columns: dict, many: dict[str, list]) -> str:
    values = {name: _plain(value) for name, value in columns.items()}
    values.update((name, sorted(ids)) for name, ids in many.items())
    text = json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Read:
    """One evidence row as read, its digest not yet taken: a change's rows are read before
    and after it, and only those that differ are hashed (`changes`).

    `read_all` keeps a row as the database gave it (`raw`) with what converts it as the
    ORM would (`decode`): most of a case's rows are the same before and after a change,
    and two rows read by the same query with the same values are equal however they
    convert, so they are compared as read and converted only to be hashed. Converting
    every row (times, JSON) was a tenth of a submission on SQLite."""

    __slots__ = ("_columns", "_decode", "_raw", "many")

    def __init__(self, columns: dict | None, many: dict[str, list], *, raw=None, decode=None):
        self._columns, self.many, self._raw, self._decode = columns, many, raw, decode

    @property
    def columns(self) -> dict:
        if self._columns is None:
            self._columns = self._decode(self._raw)
        return self._columns

    def __eq__(self, other) -> bool:
        if not isinstance(other, Read):
            return NotImplemented
        if self._raw is not None and other._raw is not None and self._decode is other._decode:
            return self._raw == other._raw and self.many == other.many
        return self.columns == other.columns and self.many == other.many

    __hash__ = None  # compared, never a key

    def __repr__(self) -> str:
        return f"Read({self.columns!r}, {self.many!r})"

    def digest(self) -> str:
        return _digest(self.columns, self.many)


def read_where(model: type[models.Model], lookup: str, key) -> dict[str, Read]:
    """`model`'s rows where `lookup` equals `key`, with their many-to-many fields, by
    label (`read_all` of one)."""
    return read_all([(model, lookup, key)])


def read_all(wanted: list[tuple[type[models.Model], str, object]]) -> dict[str, Read]:
    """The rows of each (model, lookup, key): `model`'s rows where `lookup` equals `key`
    (`"disagreement_id"`, `"episode__disagreement_id"`), with their many-to-many fields,
    by label; read as values, as the database converts them for an instance, but none is
    built.

    The transitions read every evidence row of a case twice a change, two dozen queries
    that run in half a millisecond between them; building them with the ORM took twenty
    times that, so each is built once per connection (`_compiled`) and only run. On
    PostgreSQL each was also a round trip to the server, a third of a submission's
    database time: they are sent together and answered together (`_run_all`), the rows
    first, then the many-to-many ids of the models that have rows."""
    found, decoders = _run_all(
        [
            (model, lookup, _EVIDENCE[model._meta.model_name].columns, key)
            for model, lookup, key in wanted
        ],
        raw=True,
    )
    asked, links = [], []
    for (model, lookup, key), rows in zip(wanted, found, strict=True):
        for name in _EVIDENCE[model._meta.model_name].many if rows else ():
            field = model._meta.get_field(name)
            source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
            asked.append((model, name))
            columns = [f"{source}_id", f"{target}_id"]
            links.append((field.remote_field.through, f"{source}__{lookup}", columns, key))
    ids: dict[tuple, dict[object, list]] = {}
    for which, pairs in zip(asked, _run_all(links)[0], strict=True):
        for row_pk, related_pk in pairs:
            ids.setdefault(which, {}).setdefault(row_pk, []).append(related_pk)
    read: dict[str, Read] = {}
    for (model, _, _), rows, decode in zip(wanted, found, decoders, strict=True):
        evidence, name = _EVIDENCE[model._meta.model_name], model._meta.model_name
        # A key is an integer as read and as converted: no converter touches it.
        at = evidence.columns.index(model._meta.pk.attname)
        for row in rows:
            many = {f: sorted(ids.get((model, f), {}).get(row[at], [])) for f in evidence.many}
            read[f"{name}:{row[at]}"] = Read(None, many, raw=row, decode=decode)
    return read


# A stand-in for the key while a query is compiled, found again in its parameters.
_KEY = -7_301_990


def _run_all(
    queries: list[tuple[type[models.Model], str, list[str], object]], raw: bool = False
) -> tuple[list[list], list]:
    """For each (model, lookup, columns, key): the values of `columns` of `model`'s rows
    where `lookup` equals `key`, converted as the ORM would; with `raw`, as the database
    gave them, beside each query's function from one such row to its converted columns
    by name. On PostgreSQL in one pipeline: every query is sent before any answer is
    read, so together they cost one round trip to the server, not one each."""
    if not queries:
        return [], []
    connection = connections[DEFAULT_DB_ALIAS]
    compiled = [_compiled(model, lookup, tuple(columns)) for model, lookup, columns, _ in queries]
    connection.ensure_connection()
    together = (
        connection.connection.pipeline()
        if connection.vendor == "postgresql" and _pipelines()
        else contextlib.nullcontext()
    )
    found = []
    with together:
        cursors = []
        for (sql, *_), (*_, key) in zip(compiled, queries, strict=True):
            cursor = connection.cursor()
            cursor.execute(sql, [key])
            cursors.append(cursor)
        for cursor, (_, compiler, converters, _) in zip(cursors, compiled, strict=True):
            with cursor:
                rows = cursor.fetchall()
            if converters and not raw:
                rows = list(compiler.apply_converters(rows, converters))
            found.append(rows)
    return found, [decode for *_, decode in compiled]


def _pipelines() -> bool:
    """Whether psycopg can pipeline here: its binary package brings a libpq that can; one
    built against a system libpq older than 14 cannot, and the queries run one by one."""
    import psycopg

    return psycopg.Pipeline.is_supported()


def _compiled(model: type[models.Model], lookup: str, columns: tuple[str, ...]):
    """The SQL of `_run_all`'s query with the key as its one parameter, what converts what
    it reads as the ORM would, and a function from one row as read to its converted columns
    by name, kept on the connection (a thread's own)."""
    connection = connections[DEFAULT_DB_ALIAS]
    kept = connection.__dict__.setdefault("_rpd_evidence_queries", {})
    found = kept.get((model, lookup, columns))
    if found is None:
        query = model._default_manager.filter(**{lookup: _KEY}).values_list(*columns).query
        compiler = query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        if list(params) != [_KEY]:
            raise ValueError(f"{model.__name__} rows by {lookup}: one parameter, the key")
        converters = compiler.get_converters([column for column, _, _ in compiler.select])

        def decode(row, compiler=compiler, converters=converters) -> dict:
            if converters:
                row = next(compiler.apply_converters([row], converters))
            return dict(zip(columns, row, strict=True))

        found = kept[(model, lookup, columns)] = (sql, compiler, converters, decode)
    return found


def _plain(value):
    # As in hashing.canonical: the same bytes whichever database gave the row back.
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat(timespec="microseconds")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    return value


def digests(rows) -> dict[str, str]:
    return {label(row): row_digest(row) for row in rows}


def changes(before: dict[str, str | Read], after: dict[str, str | Read]) -> dict[str, list]:
    """The rows a change wrote, each as [digest before, digest after] (None: not there).
    Either side may be digests or rows as read (`read_all`): a row read alike both
    times is left out unhashed (equal values are equal digests; values that differ are
    hashed, and kept only where their digests differ too)."""
    found = {}
    for key in sorted(before.keys() | after.keys()):
        old, new = before.get(key), after.get(key)
        if isinstance(old, Read) and isinstance(new, Read) and old == new:
            continue
        old, new = _digest_of(old), _digest_of(new)
        if old != new:
            found[key] = [old, new]
    return found


def _digest_of(row: str | Read | None) -> str | None:
    return row.digest() if isinstance(row, Read) else row


def current(evidence: Evidence, chunk: int = 2000):
    """Every row of one evidence model as the database holds it, in primary-key order."""
    rows = evidence.model._default_manager.order_by("pk")
    if evidence.many:
        rows = rows.prefetch_related(*evidence.many)
    return rows.iterator(chunk_size=chunk)
