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


def _evidence_of(d: m.Disagreement, *, pathway: bool) -> list[tuple[type, str, int]]:
    """Each kind of evidence row of one disagreement: its model, and the lookup that finds
    its rows with the key it must equal."""
    case, subject = d.pk, d.subject_id
    return [
        *([(m.PathwayVersion, "pk", d.pathway_id)] if pathway else []),
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
