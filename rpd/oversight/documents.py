"""A case's documents: each submitted version of a partnership's form as it was sent, and
an agency's copy of a case or of one approved record for its own file (Hillingdon: "place
a copy on the child's record held by their agency"), as PDF and as plain text to paste.

What a document holds follows `access.sight`: the forms and copies only for someone who
sees the case whole; special-category values only where `may_see_special_category`.
Every download is audited.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.template.loader import render_to_string

from rpd.audit import log as audit
from rpd.disagreements import transitions
from rpd.disagreements.models import (
    CaseReference,
    Disagreement,
    FormSubmission,
    FormSubmissionSensitive,
    Record,
)

from .register import local

MISSING = "Missing: not given when this version was sent"


@dataclass(frozen=True)
class Line:
    label: str
    value: str
    missing: bool = False


@dataclass(frozen=True)
class Document:
    title: str
    heading: str
    sections: list[tuple[str, list[Line]]]

    def text(self) -> str:
        return render_to_string("oversight/document.txt", {"document": self})


def form_version(submission: FormSubmission, special: bool) -> Document:
    """A submitted version, field by field in the seed form's order: each value as sent, or
    marked missing, never filled in from elsewhere."""
    d = submission.disagreement
    form = d.pack.form(submission.form_id)
    values = dict(submission.values)
    if special:
        row = FormSubmissionSensitive.objects.filter(submission=submission).first()
        values.update(row.values if row else {})
    lines = []
    for f in form.fields:
        if f.special_category and not special:
            lines.append(Line(f.label, "Special category: not shown to you", missing=False))
            continue
        value = str(values.get(f.id, "") or "").strip()
        lines.append(Line(f.label, value or MISSING, missing=not value))
    sent = f"{local(submission.submitted_at):%-d %B %Y}"
    about = [
        Line("Reference", d.reference),
        Line("Version", f"{submission.version}, submitted at stage {submission.stage} on {sent}"),
        Line("Submitted by", submission.submitted_by.display_name),
        Line("Sent to", d.pack.role(form.recipient_for(d.subject.kind)).name),
    ]
    return Document(
        f"{form.name}: {d.reference}, version {submission.version}",
        form.name,
        [("This version", about), ("The form", lines)],
    )


def agency_copy(d: Disagreement, agency, records: list[Record] | None = None) -> Document:
    """`agency`'s copy of the case (or of `records` alone) for its own file: the subject's
    identifiers, the agency's own case reference, the case and its approved records."""
    subject = d.subject
    reference = (
        CaseReference.objects.filter(subject=subject, agency=agency)
        .values_list("reference", flat=True)
        .first()
    )
    who = [
        Line("Name", f"{subject.given_name} {subject.family_name}"),
        Line(
            "Date of birth",
            f"{subject.date_of_birth:%-d %B %Y}" if subject.date_of_birth else "Not recorded",
        ),
        Line("NHS number", subject.nhs_number or "Not recorded"),
        Line("Address", subject.address or "Not recorded"),
        Line(f"{agency.name}'s case reference", reference or "None added to this case"),
    ]
    case = [
        Line("Reference", d.reference),
        Line("Between", f"{d.raising_agency.name} (raised it) and {d.receiving_agency.name}"),
        Line("Status", f"{d.get_status_display()} at stage {d.stage}"),
        Line("Raised", f"{local(d.raised_at):%-d %B %Y}"),
        Line("What is disputed", d.challenged_description),
        Line("Summary", d.summary),
        Line("Outcome sought", d.outcome_sought),
    ]
    resolution = getattr(d, "resolution", None) if records is None else None
    if resolution is not None:
        case += [
            Line("Agreed outcome", resolution.agreed_outcome),
            Line("Next steps", resolution.next_steps),
        ]
    shown = records if records is not None else approved_records(d)
    sections = [("Whom it is about", who), ("The case", case)]
    for r in shown:
        sections.append(
            (
                f"Record: {r.get_kind_display()} on {local(r.occurred_at):%-d %B %Y}, "
                f"stage {r.episode.number}",
                [
                    Line("Summary", r.summary),
                    Line("Outcome", r.get_outcome_display()),
                    Line(
                        "Approved",
                        f"by {r.approved_by.display_name} on {local(r.approved_at):%-d %B %Y}",
                    ),
                ],
            )
        )
    what = "record" if records is not None else "case"
    return Document(
        f"{agency.name}'s copy of {d.reference}" + (f", {what}" if records is not None else ""),
        f"{agency.name}'s copy of {d.reference}",
        sections,
    )


def approved_records(d: Disagreement, records: list[Record] | None = None) -> list[Record]:
    """The approved records as they stand: each correction in place of what it corrects.
    `records`: all of `d`'s as `transitions.records_of` gives them, if already read."""
    if records is None:
        records, _ = transitions.records_of(d, set())
    return [r for r in records if r.approved_at is not None and not hasattr(r, "superseded_by")]


def audited(user, d: Disagreement, what: str, kind: str, detail: dict) -> None:
    with transaction.atomic():
        audit.append(
            action=f"oversight.document.{what}",
            target=d.audit_target,
            actor=user,
            partnership_id=d.partnership_id,
            data={"format": kind, **detail},
        )
