"""Retention and erasure of closed cases' personal data (ADR 017).

A closed case is due for erasure once its partnership's retention period has passed
(`RetentionPolicy`), unless a legal hold keeps it. Erasing it blanks every free text
of the case and the subject's identity, and deletes the special-category rows and the
agencies' case references, through one audited change: the event carries each evidence
row's digest before and after (None where the row went), so `rpd audit verify` passes
afterwards and still catches any other change. The case row stays, anonymised, so the
register, the figures and the annual reports count it as before.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import models, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from rpd.audit import log as audit
from rpd.audit import rows as audit_rows
from rpd.audit.models import EventText
from rpd.disagreements import evidence
from rpd.disagreements import models as m
from rpd.notifications.models import Notice
from rpd.pathways.calendar import LONDON
from rpd.people.models import Partnership, User

from .models import Erasure, LegalHold, RetentionPolicy, SubjectRequest

DEFAULT = RetentionPolicy(years_after_closure=6, child_until_age=25)
# Rows that exist only to hold what erasure removes.
DELETED = (m.SubjectSensitive, m.FormSubmissionSensitive, m.CaseReference)
# The subject's identity (its free texts go with every other TextField).
IDENTITY = {"given_name": "", "family_name": "", "nhs_number": "", "date_of_birth": None}


class Refused(ValueError):
    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)


def policy_of(partnership: Partnership) -> RetentionPolicy:
    return RetentionPolicy.objects.filter(partnership=partnership).first() or RetentionPolicy(
        partnership=partnership,
        years_after_closure=DEFAULT.years_after_closure,
        child_until_age=DEFAULT.child_until_age,
    )


def set_policy(partnership: Partnership, by: User, years: int, child_age: int) -> RetentionPolicy:
    if not 1 <= years <= 100:
        raise Refused("years_after_closure", "Years after closure must be between 1 and 100")
    if not 18 <= child_age <= 120:
        raise Refused("child_until_age", "The age must be between 18 and 120")
    with transaction.atomic():
        policy, _ = RetentionPolicy.objects.select_for_update().get_or_create(
            partnership=partnership
        )
        policy.years_after_closure, policy.child_until_age = years, child_age
        policy.set_by, policy.set_at = by, timezone.now()
        policy.save()
        audit.append(
            action="retention.policy_set",
            target=f"partnership:{partnership.slug}",
            actor=by,
            partnership_id=partnership.pk,
            data={"years_after_closure": years, "child_until_age": child_age},
        )
    return policy


def add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year + years, day=28)


def keep_until(d: m.Disagreement, policy: RetentionPolicy) -> datetime.date:
    closed = d.closed_at.astimezone(LONDON).date()
    until = add_years(closed, policy.years_after_closure)
    subject = d.subject
    if subject.kind == m.SubjectKind.CHILD and subject.date_of_birth:
        until = max(until, add_years(subject.date_of_birth, policy.child_until_age))
    return until


@dataclass(frozen=True)
class Due:
    disagreement: m.Disagreement
    keep_until: datetime.date


def _held() -> Exists:
    return Exists(LegalHold.objects.filter(disagreement=OuterRef("pk"), lifted_at__isnull=True))


def due(partnerships, today: datetime.date) -> list[Due]:
    """Closed cases of `partnerships` past their retention period, with no legal hold and
    not yet erased, oldest closure first."""
    found = []
    for partnership in partnerships:
        policy = policy_of(partnership)
        # Closed on or before this day: the shorter bound, in the database; a child's
        # birthday bound is checked on the few rows that pass it.
        last = add_years(today, -policy.years_after_closure)
        before = datetime.datetime.combine(
            last + datetime.timedelta(days=1), datetime.time(), LONDON
        )
        cases = (
            m.Disagreement.objects.filter(
                partnership=partnership,
                status__in=sorted(m.CLOSED),
                closed_at__lt=before,
                erasure__isnull=True,
            )
            .exclude(_held())
            .select_related("subject", "partnership")
            .order_by("closed_at", "pk")
        )
        for d in cases:
            until = keep_until(d, policy)
            if until <= today:
                found.append(Due(d, until))
    return found


def held(d: m.Disagreement) -> bool:
    return d.legal_holds.filter(lifted_at__isnull=True).exists()


def place_hold(d: m.Disagreement, by: User, reason: str) -> LegalHold:
    if not (reason or "").strip():
        raise Refused("reason", "Enter why the case must be kept")
    with transaction.atomic():
        hold = LegalHold.objects.create(
            disagreement=d, reason=reason.strip(), placed_by=by, placed_at=timezone.now()
        )
        audit.append(
            action="retention.hold_placed",
            target=d.audit_target,
            actor=by,
            partnership_id=d.partnership_id,
            data={"hold": hold.pk},
        )
    return hold


def lift_hold(hold: LegalHold, by: User) -> None:
    with transaction.atomic():
        if not LegalHold.objects.filter(pk=hold.pk, lifted_at__isnull=True).update(
            lifted_by=by, lifted_at=timezone.now()
        ):
            raise Refused("hold", "This legal hold has already been lifted")
        audit.append(
            action="retention.hold_lifted",
            target=hold.disagreement.audit_target,
            actor=by,
            partnership_id=hold.disagreement.partnership_id,
            data={"hold": hold.pk},
        )


def _blank(row) -> list[str]:
    """Empty every free text of `row` (and the subject's identity); the fields changed."""
    changed = []
    for field in row._meta.concrete_fields:
        if isinstance(field, models.TextField) and getattr(row, field.attname):
            setattr(row, field.attname, "")
            changed.append(field.attname)
    if isinstance(row, m.Subject):
        for name, empty in IDENTITY.items():
            if getattr(row, name) != empty:
                setattr(row, name, empty)
                changed.append(name)
        row.consent_given = None
        changed.append("consent_given")
    if isinstance(row, m.FormSubmission) and row.values:
        row.values = {}
        changed.append("values")
    return changed


def erase(d: m.Disagreement, by: User | None = None, basis: str = "retention") -> None:
    """Erase the personal data of closed case `d` in one audited change."""
    with transaction.atomic():
        d = m.Disagreement.objects.select_for_update().get(pk=d.pk)
        if d.status not in m.CLOSED:
            raise Refused(
                "disagreement", f"{d.reference} is still open: only closed cases are erased"
            )
        if Erasure.objects.filter(disagreement=d).exists():
            raise Refused("disagreement", f"{d.reference} has already been erased")
        if held(d):
            raise Refused("disagreement", f"{d.reference} is under a legal hold")
        found = evidence.rows_of(d)
        before = audit_rows.digests(found)
        for row in found:
            if isinstance(row, DELETED):
                row.delete()
            elif not isinstance(row, m.PathwayVersion) and (fields := _blank(row)):
                row.save(update_fields=fields)
        # What the emails said, and what people told the information governance role.
        Notice.objects.filter(disagreement=d).update(subject="", body_text="", body_html="")
        SubjectRequest.objects.filter(disagreement=d).update(reason="")
        LegalHold.objects.filter(disagreement=d).update(reason="")
        # The reasons people gave in its transitions, kept beside the chain for this.
        texts = EventText.objects.filter(seq__in=audit.events_for(d.audit_target).values("seq"))
        gone = [list(key) for key in texts.order_by("seq", "name").values_list("seq", "name")]
        texts.delete()
        Erasure.objects.create(disagreement=d, erased_at=timezone.now(), erased_by=by)
        audit.append(
            action="disagreement.erased",
            target=d.audit_target,
            actor=by,
            partnership_id=d.partnership_id,
            data={"basis": basis, "rows": evidence.written(before, d), "texts_erased": gone},
        )


def erased(d: m.Disagreement) -> bool:
    return Erasure.objects.filter(disagreement=d).exists()
