"""Which rows are evidence, so the audit log vouches for every column of each.

Every transition's audit event carries the digest of each evidence row it
wrote, before and after (`rpd.audit.rows`); `rpd audit verify` recomputes them
from the rows as they are now and names any row that no longer matches, was
changed between two events, or was never written through a transition.

A row is hashed whole: every column, and for a record the ids of the people
who took part. A model added to this app must be listed in `EVIDENCE` or in
`NOT_EVIDENCE` with the reason (a test checks).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator

from django.db import connection

from rpd.audit import rows

from . import models as m

EVIDENCE: dict[type, tuple[str, ...]] = {
    # model: its many-to-many fields (its columns are always hashed)
    m.PathwayVersion: (),
    m.PartnershipPathway: (),
    m.Subject: (),
    m.SubjectSensitive: (),
    m.CaseReference: (),
    m.Disagreement: (),
    m.StageEpisode: (),
    m.Milestone: (),
    m.Participant: (),
    m.Record: ("participants",),
    m.AgreedAction: (),
    m.Pause: (),
    m.Extension: (),
    m.CaseDeadline: (),
    m.RiskChange: (),
    m.Handover: (),
    m.Referral: (),
    m.PanelSitting: ("members",),
    m.Resolution: (),
    m.ContestedResolution: (),
    m.Account: (),
    m.FormSubmission: (),
    m.FormSubmissionSensitive: (),
    m.CopiedAgency: (),
}

NOT_EVIDENCE = {
    m.Viewer: "derived from participants and line management, rebuilt at will",
    m.ReferenceCounter: "a counter; the references it gave out are in the disagreements",
    m.OpenStretch: "derived from the evidence rows and the audit log (facts), rebuilt at will",
}

for _model, _many in EVIDENCE.items():
    rows.register(_model, _many)

# The tables each kind of evidence row is written to: its own, and its many-to-many links'.
_TABLES = {
    model: {model._meta.db_table}
    | {model._meta.get_field(name).remote_field.through._meta.db_table for name in many}
    for model, many in EVIDENCE.items()
}


def snapshot(d: m.Disagreement, *, pathway: bool = False) -> dict[str, str]:
    """The digest of every evidence row of one disagreement, read from the database.

    The pinned pathway is shared by many disagreements and never changes, so it is
    vouched for once, by the event of the disagreement that pinned it (`pathway`).
    """
    return {label: row.digest() for label, row in read(d, pathway=pathway).items()}


def read(d: m.Disagreement, *, pathway: bool = False) -> dict[str, rows.Read]:
    """Every evidence row of one disagreement as read, by label, not yet hashed: what a
    change is compared with (`written`), which hashes only the rows it changed."""
    return rows.read_all(_evidence_of(d, pathway=pathway))


def rows_of(d: m.Disagreement, *, pathway: bool = False) -> list:
    """Every evidence row of one disagreement (erasure blanks them; `snapshot` hashes them)."""
    return [
        row
        for model, lookup, key in _evidence_of(d, pathway=pathway)
        for row in model.objects.filter(**{lookup: key}).prefetch_related(*EVIDENCE[model])
    ]


@contextlib.contextmanager
def writes() -> Iterator[set[str]]:
    """The tables written on this connection while inside, to read again after a change
    only the evidence it may have written (`read_again`). Every statement passes here,
    the ORM's and raw SQL alike; one whose writing is not understood is taken to have
    written everything (`EVERY_TABLE`)."""
    written: set[str] = set()

    def watch(execute, sql, params, many, context):
        found = _WRITES.findall(sql)
        if found:
            written.update(name.lower() for name in found)
        elif not _READS.match(sql):
            written.add(EVERY_TABLE)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(watch):
        yield written


EVERY_TABLE = "*"
# The table each writing clause names, quoted as Django quotes it or not, and in a schema
# or not. (A row lock's "FOR UPDATE OF" reads as a write of a table "of": a harmless extra.)
_WRITES = re.compile(
    r"\b(?:(?:INSERT|REPLACE|MERGE)(?:\s+OR\s+\w+)?\s+INTO|UPDATE(?:\s+ONLY)?|"
    r'DELETE\s+FROM|TRUNCATE(?:\s+TABLE)?)\s+(?:"?\w+"?\.)?"?(\w+)"?',
    re.IGNORECASE,
)
# Statements that write nothing when no writing clause is found in them: reads (a WITH
# writes only through such a clause) and transaction control.
_READS = re.compile(
    r"\s*(?:SELECT|WITH|VALUES|EXPLAIN|SAVEPOINT|RELEASE|ROLLBACK|PRAGMA|SET|SHOW)\b",
    re.IGNORECASE,
)


def read_again(d: m.Disagreement, before: dict[str, rows.Read], written: set[str]) -> dict:
    """Every evidence row of `d` after a change that wrote the tables `written` (`writes`),
    as `read` would give them: the kinds of row the change wrote, or now finds by another
    key (the case's subject), are read again; the others are as `before` read them. A
    change writes a few of a case's two dozen kinds."""
    was = before.get(f"{m.Disagreement._meta.model_name}:{d.pk}")
    then = was.columns if was is not None else {}
    now = _evidence_of(d, pathway=False)
    keys_then = _evidence_of_keys(then.get("id"), then.get("subject_id"), None)
    again, kept = [], set()
    for wanted, found_then in zip(now, keys_then, strict=True):
        model = wanted[0]
        if EVERY_TABLE in written or _TABLES[model] & written or wanted != found_then:
            again.append(wanted)
        else:
            kept.add(model._meta.model_name)
    unchanged = {label: row for label, row in before.items() if label.partition(":")[0] in kept}
    return unchanged | rows.read_all(again)


def _evidence_of(d: m.Disagreement, *, pathway: bool) -> list[tuple[type, str, int]]:
    """Each kind of evidence row of one disagreement: its model, and the lookup that finds
    its rows with the key it must equal."""
    return _evidence_of_keys(d.pk, d.subject_id, d.pathway_id if pathway else None)


def _evidence_of_keys(case, subject, pathway) -> list[tuple[type, str, int]]:
    return [
        *([(m.PathwayVersion, "pk", pathway)] if pathway is not None else []),
        (m.Disagreement, "pk", case),
        (m.Subject, "pk", subject),
        (m.SubjectSensitive, "subject_id", subject),
        (m.CaseReference, "subject_id", subject),
        (m.StageEpisode, "disagreement_id", case),
        (m.Milestone, "episode__disagreement_id", case),
        (m.Participant, "disagreement_id", case),
        (m.Record, "disagreement_id", case),
        (m.AgreedAction, "record__disagreement_id", case),
        (m.Pause, "disagreement_id", case),
        (m.Extension, "episode__disagreement_id", case),
        (m.CaseDeadline, "episode__disagreement_id", case),
        (m.PanelSitting, "episode__disagreement_id", case),
        (m.RiskChange, "disagreement_id", case),
        (m.Handover, "episode__disagreement_id", case),
        (m.Referral, "episode__disagreement_id", case),
        (m.Resolution, "disagreement_id", case),
        (m.ContestedResolution, "disagreement_id", case),
        (m.Account, "record__disagreement_id", case),
        (m.FormSubmission, "disagreement_id", case),
        (m.FormSubmissionSensitive, "submission__disagreement_id", case),
        (m.CopiedAgency, "disagreement_id", case),
    ]


def written(before: dict, d: m.Disagreement, *, pathway: bool = False) -> dict:
    """For the audit event: each row changed since `before` (digests, or rows as `read`),
    as [digest before, after]."""
    return changed(before, read(d, pathway=pathway))


def changed(before: dict, after: dict) -> dict:
    """`written`, where the rows after the change are already read (`read`)."""
    return rows.changes(before, after)
