"""Subject access (UK GDPR Article 15) and the records of restriction and rectification
(Articles 16 and 18), for the partnership's information governance role.

A subject row is made per disagreement, so "everything about one child" is every
subject row that names them: by NHS number, or by name and date of birth (both indexed).
The role reaches every partnership where it is held (a region's information governance
team answers for each), and no other. Searches and exports are audited by what was
asked and what was found, never by the identifiers themselves: the audit chain cannot
be erased, so it must not hold them.
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from dataclasses import dataclass

from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from rpd.audit import log as audit
from rpd.audit import rows as audit_rows
from rpd.disagreements.models import Disagreement, Subject
from rpd.people.models import Agency, Partnership, User

from .models import Read, Reading, RequestKind, SubjectRequest

# What rectification may correct: the subject's identity as the raiser gave it.
RECTIFIABLE = ("given_name", "family_name", "date_of_birth", "nhs_number", "address")


class NotGoverned(Exception):
    """The person holds the information governance role in none of these partnerships."""


@dataclass(frozen=True)
class Criteria:
    """Who a request is about: an NHS number, or a name and date of birth, or both."""

    nhs_number: str = ""
    given_name: str = ""
    family_name: str = ""
    date_of_birth: datetime.date | None = None

    @property
    def asked(self) -> list[str]:
        """What was searched by, for the audit: the kind of identifier, not its value."""
        kinds = []
        if self.nhs_number:
            kinds.append("nhs-number")
        if self.date_of_birth and self.given_name and self.family_name:
            kinds.append("name-and-date-of-birth")
        return kinds

    def as_q(self) -> Q:
        found = Q(pk__in=[])
        if self.nhs_number:
            found |= Q(nhs_number=self.nhs_number)
        if self.date_of_birth and self.given_name and self.family_name:
            found |= Q(
                date_of_birth=self.date_of_birth,
                given_name__iexact=self.given_name.strip(),
                family_name__iexact=self.family_name.strip(),
            )
        return found


def governed(user: User) -> list[Partnership]:
    return list(Partnership.objects.filter(pk__in=user.governed_partnership_ids).order_by("name"))


def governed_case_or_none(user: User, pk) -> Disagreement | None:
    return (
        Disagreement.objects.select_related("partnership", "subject")
        .filter(pk=pk, partnership_id__in=user.governed_partnership_ids)
        .first()
    )


def find(user: User, criteria: Criteria) -> list[Disagreement]:
    """Every case, in every partnership `user` governs, about the person `criteria` names.
    The search is audited in each partnership searched."""
    partnerships = user.governed_partnership_ids
    if not partnerships:
        raise NotGoverned
    subjects = Subject.objects.filter(criteria.as_q(), partnership_id__in=partnerships)
    cases = list(
        Disagreement.objects.filter(subject__in=subjects)
        .select_related("partnership", "subject", "raising_agency", "receiving_agency")
        .order_by("partnership__name", "raised_at", "pk")
    )
    with transaction.atomic():
        for pid in sorted(partnerships):
            audit.append(
                action="subject_access.searched",
                target=audit.user_target(user),
                actor=user,
                partnership_id=pid,
                data={
                    "by": criteria.asked,
                    "cases": [d.pk for d in cases if d.partnership_id == pid],
                },
            )
    return cases


# -- Everything held about them --------------------------------------------------------------

# Bookkeeping that says nothing about the person (who may see the case is kept: it is
# who their data was shared with).
_SKIPPED = {Reading, SubjectRequest}


def _value(value):
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    return value


def _named(obj) -> str | None:
    if obj is None:
        return None
    if isinstance(obj, User):
        return obj.display_name
    if isinstance(obj, Agency | Partnership):
        return obj.name
    if isinstance(obj, Disagreement):
        return obj.reference
    return str(obj)


def _ours(model) -> bool:
    return model.__module__.startswith("rpd.") and model not in _SKIPPED


def _held(obj, seen: set, depth: int = 0) -> dict:
    """`obj`'s own fields (the rows it points at by their names) and, nested, the rows of
    ours that point at it: a record's participants, a form's versions and their
    special-category part. Generic, so a model added later is exported without a change
    here."""
    seen.add((type(obj), obj.pk))
    out: dict = {}
    for field in obj._meta.concrete_fields:
        if field.is_relation:
            out[field.name] = _named(getattr(obj, field.name))
        else:
            out[field.name] = _value(getattr(obj, field.attname))
    if depth >= 3:
        return out
    groups = []
    for relation in obj._meta.related_objects:
        model = relation.related_model
        if not _ours(model) or relation.many_to_many:
            continue
        if relation.one_to_one:
            children = [getattr(obj, relation.get_accessor_name())] if _has(obj, relation) else []
        else:
            children = list(
                model._default_manager.filter(**{relation.field.name: obj}).order_by("pk")
            )
        children = [c for c in children if (type(c), c.pk) not in seen]
        # Claimed before any is followed, so a row that points here and at a sibling (a
        # record, at its case and its stage) is listed once, here, nearest the case.
        seen.update((type(c), c.pk) for c in children)
        groups.append((relation, children))
    for relation, children in groups:
        rows = [_held(c, seen, depth + 1) for c in children]
        if rows:
            out[_name(relation)] = rows if relation.one_to_many else rows[0]
    return out


def _has(obj, relation) -> bool:
    try:
        getattr(obj, relation.get_accessor_name())
    except relation.related_model.DoesNotExist:
        return False
    return True


def _name(relation) -> str:
    model = relation.related_model._meta
    return f"{model.app_label}.{model.model_name}"


def _reads(d: Disagreement) -> list[dict]:
    rows = (
        Reading.objects.filter(disagreement=d)
        .select_related("user")
        .order_by("at", "pk")
        .values_list("at", "user__first_name", "user__last_name", "what", "detail")
    )
    return [
        {"at": at.isoformat(), "who": f"{first} {last}".strip(), "what": what, "detail": detail}
        for at, first, last, what, detail in rows
    ]


def _history(d: Disagreement) -> list[dict]:
    return [
        {"seq": e.seq, "at": e.at.isoformat(), "action": e.action, "by": e.actor_label}
        for e in audit.events_for(d.audit_target)
    ]


def _requests(d: Disagreement) -> list[dict]:
    return [
        {
            "kind": r.kind,
            "reason": r.reason,
            "fields": r.fields,
            "recorded_at": r.recorded_at.isoformat(),
            "recorded_by": r.recorded_by.display_name,
            "lifted_at": r.lifted_at.isoformat() if r.lifted_at else None,
        }
        for r in d.subject_requests.select_related("recorded_by").order_by("recorded_at")
    ]


def export(user: User, criteria: Criteria, request=None) -> dict:
    """Everything held about the person `criteria` names, across every partnership `user`
    governs: each case whole (its subject, records, forms and their versions, actions,
    notices sent), who read it and when, and its history. Audited, and itself a read."""
    cases = find(user, criteria)
    document = {
        "generated_at": timezone.now().isoformat(),
        "generated_by": user.display_name,
        "searched_by": criteria.asked,
        "cases": [],
    }
    for d in cases:
        seen: set = set()
        case = _held(d, seen)
        case["subject"] = _held(d.subject, seen)
        case["who_read_it"] = _reads(d)
        case["history"] = _history(d)
        case["requests"] = _requests(d)
        document["cases"].append(case)
    with transaction.atomic():
        for pid in sorted({d.partnership_id for d in cases}):
            audit.append(
                action="subject_access.exported",
                target=audit.user_target(user),
                actor=user,
                partnership_id=pid,
                data={"cases": [d.pk for d in cases if d.partnership_id == pid]},
            )
    if request is not None:
        from . import readings

        readings.note_many(request, [(d.pk, d.partnership_id) for d in cases], Read.SUBJECT_ACCESS)
    return document


# -- Restriction and rectification -----------------------------------------------------------


class Refused(ValueError):
    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)


def record_restriction(d: Disagreement, by: User, reason: str) -> SubjectRequest:
    """The person asked that their data in this case be restricted (Article 18)."""
    if not (reason or "").strip():
        raise Refused("reason", "Enter why processing is restricted")
    with transaction.atomic():
        made = SubjectRequest.objects.create(
            disagreement=d,
            kind=RequestKind.RESTRICTION,
            reason=reason.strip(),
            recorded_by=by,
            recorded_at=timezone.now(),
        )
        audit.append(
            action="subject.restricted",
            target=d.audit_target,
            actor=by,
            partnership_id=d.partnership_id,
            data={"request": made.pk},
        )
    return made


def lift_restriction(request: SubjectRequest, by: User) -> None:
    with transaction.atomic():
        updated = SubjectRequest.objects.filter(
            pk=request.pk, kind=RequestKind.RESTRICTION, lifted_at__isnull=True
        ).update(lifted_at=timezone.now())
        if not updated:
            raise Refused("request", "This restriction has already been lifted")
        d = request.disagreement
        audit.append(
            action="subject.restriction_lifted",
            target=d.audit_target,
            actor=by,
            partnership_id=d.partnership_id,
            data={"request": request.pk},
        )


def restricted(d: Disagreement) -> bool:
    return d.subject_requests.filter(kind=RequestKind.RESTRICTION, lifted_at__isnull=True).exists()


def rectify(d: Disagreement, by: User, changes: dict, reason: str) -> SubjectRequest:
    """Correct the subject's identity in this case (Article 16). The audit names the
    fields corrected, never their old or new values."""
    if not (reason or "").strip():
        raise Refused("reason", "Enter why the data is being corrected")
    subject = d.subject
    changed = sorted(
        name
        for name, value in changes.items()
        if name in RECTIFIABLE and getattr(subject, name) != value
    )
    if not changed:
        raise Refused("field", "Enter a corrected value that differs from the one held")
    with transaction.atomic():
        # The subject is evidence: the event vouches for the row as corrected, as a
        # transition's does for what it writes, so `rpd audit verify` still passes.
        before = audit_rows.digests([subject])
        for name in changed:
            setattr(subject, name, changes[name])
        subject.save(update_fields=changed)
        written = audit_rows.changes(before, audit_rows.digests([subject]))
        made = SubjectRequest.objects.create(
            disagreement=d,
            kind=RequestKind.RECTIFICATION,
            reason=reason.strip(),
            fields=changed,
            recorded_by=by,
            recorded_at=timezone.now(),
        )
        audit.append(
            action="subject.rectified",
            target=d.audit_target,
            actor=by,
            partnership_id=d.partnership_id,
            data={"request": made.pk, "fields": changed, "rows": written},
        )
    return made


def reads_by(user: User, person: User) -> models.QuerySet:
    """What `person` read in the partnerships `user` governs, newest first."""
    return (
        Reading.objects.filter(user=person, partnership_id__in=user.governed_partnership_ids)
        .select_related("disagreement")
        .order_by("-at", "-pk")
    )


def reads_of(d: Disagreement) -> models.QuerySet:
    return Reading.objects.filter(disagreement=d).select_related("user").order_by("-at", "-pk")


# -- The export as a document (PDF) ------------------------------------------------------------


def _label(key: str) -> str:
    return key.split(".")[-1].replace("_", " ").capitalize()


def _words(value) -> str:
    if value is None or value == "":
        return "Not given"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "None"
    return str(value)


def as_document(export: dict):
    """The export as sections of labelled lines, for the PDF: each case, then each kind of
    row held about it, one section a row."""
    from rpd.oversight.documents import Document, Line

    sections = [
        (
            "This export",
            [
                Line("Made", export["generated_at"]),
                Line("By", export["generated_by"]),
                Line("Searched by", _words(export["searched_by"])),
                Line("Cases", str(len(export["cases"]))),
            ],
        )
    ]

    def add(heading: str, row: dict) -> None:
        lines, nested = [], []
        for key, value in row.items():
            if isinstance(value, dict):
                nested.append((f"{heading}: {_label(key)}", value))
            elif isinstance(value, list) and value and isinstance(value[0], dict):
                nested += [(f"{heading}: {_label(key)} {i}", v) for i, v in enumerate(value, 1)]
            else:
                lines.append(Line(_label(key), _words(value)))
        sections.append((heading, lines))
        for sub_heading, sub_row in nested:
            add(sub_heading, sub_row)

    for case in export["cases"]:
        add(f"{case['reference']} ({case['partnership']})", case)
    return Document("Subject access export", "Everything held about one person", sections)
