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
    return rows.digests(rows_of(d, pathway=pathway))


def rows_of(d: m.Disagreement, *, pathway: bool = False) -> list:
    """Every evidence row of one disagreement (erasure blanks them; `snapshot` hashes them)."""
    subject = {"subject_id": d.subject_id}
    return [
        *(m.PathwayVersion.objects.filter(pk=d.pathway_id) if pathway else ()),
        *m.Disagreement.objects.filter(pk=d.pk),
        *m.Subject.objects.filter(pk=d.subject_id),
        *m.SubjectSensitive.objects.filter(**subject),
        *m.CaseReference.objects.filter(**subject),
        *m.StageEpisode.objects.filter(disagreement=d),
        *m.Milestone.objects.filter(episode__disagreement=d),
        *m.Participant.objects.filter(disagreement=d),
        *m.Record.objects.filter(disagreement=d).prefetch_related("participants"),
        *m.AgreedAction.objects.filter(record__disagreement=d),
        *m.Pause.objects.filter(disagreement=d),
        *m.Extension.objects.filter(episode__disagreement=d),
        *m.CaseDeadline.objects.filter(episode__disagreement=d),
        *m.PanelSitting.objects.filter(episode__disagreement=d).prefetch_related("members"),
        *m.RiskChange.objects.filter(disagreement=d),
        *m.Handover.objects.filter(episode__disagreement=d),
        *m.Referral.objects.filter(episode__disagreement=d),
        *m.Resolution.objects.filter(disagreement=d),
        *m.ContestedResolution.objects.filter(disagreement=d),
        *m.Account.objects.filter(record__disagreement=d),
        *m.FormSubmission.objects.filter(disagreement=d),
        *m.FormSubmissionSensitive.objects.filter(submission__disagreement=d),
        *m.CopiedAgency.objects.filter(disagreement=d),
    ]


def written(before: dict[str, str], d: m.Disagreement, *, pathway: bool = False) -> dict:
    """For the audit event: each row changed since `before`, as [digest before, after]."""
    return rows.changes(before, snapshot(d, pathway=pathway))
