"""Shared steps for the workflow tests: raise, record, escalate, as a practitioner would."""

from __future__ import annotations

import datetime

from rpd.disagreements import formsubmissions, transitions
from rpd.disagreements.models import Disagreement
from rpd.disagreements.nhs_number import synthetic
from rpd.people.models import Role, User


def raise_data(demo, receiving_key="police", **overrides) -> dict:
    data = {
        "subject_kind": "child",
        "subject_given_name": "Robin",
        "subject_family_name": "Testchild",
        "subject_date_of_birth": "2019-03-14",
        "subject_nhs_number": synthetic(42),
        "subject_address": "1 Example Row, Testtown",
        "receiving_agency": demo.agencies[receiving_key].pk,
        "receiving_professional": demo.ladder[receiving_key][0].pk,
        "challenged": "decision",
        "challenged_description": "Referral closed at the front door with no further action",
        "challenged_on": "2026-01-05",
        "categories": [c.id for c in demo.partnership.pathway_entry().pack.categories[:1]],
        "summary": "Three bruises seen in four weeks; the referral was closed without a visit.",
        "outcome_sought": "A strategy discussion and a home visit",
        "risk": "high",
    }
    data.update(overrides)
    return data


def fresh(d: Disagreement) -> Disagreement:
    return Disagreement.objects.get(pk=d.pk)


def approver_for(author, d):
    """Who approves `author`'s record: someone other than the author on their own side,
    their line manager, or at the top of the ladder their agency's safeguarding lead. A
    record by the stage's leader, on neither side, is approved by the receiving side."""
    lead = User.objects.filter(
        agency_id=author.agency_id, role_grants__role=Role.SAFEGUARDING_LEAD
    ).first()
    if author.agency_id not in (d.raising_agency_id, d.receiving_agency_id):
        lead = None
    return author.line_manager or lead or d.current_episode().receiving_actor


def discuss(actor, d, outcome="unresolved", covers=None, meets=(), at=None, approve=True):
    """Record a discussion at the current stage covering everything it must record, and
    have it approved on its author's side."""
    d = fresh(d)
    stage = d.pack.stage(d.stage)
    episode = d.current_episode()
    occurred = at or transitions.now() - datetime.timedelta(minutes=5)
    data = {
        "kind": "meeting",
        "occurred_at": occurred.isoformat(),
        "participants": [episode.raising_actor.pk, episode.receiving_actor.pk],
        "summary": f"Stage {d.stage} discussion: positions and evidence set out by both sides.",
        "outcome": outcome,
        "covers": [r.id for r in stage.must_record] if covers is None else covers,
        "meets": list(meets),
    }
    d = transitions.perform("record", actor, d.pk, d.version, data)
    if approve:
        approver = approver_for(actor, d)
        record = d.records.latest("pk")
        d = transitions.perform("approve", approver, d.pk, d.version, {"record": record.pk})
    return d


def send_forms(actor, d):
    """Submit each form the current stage must send before it closes, answering what the
    record lacks with synthetic text."""
    d = fresh(d)
    for form_id in formsubmissions.still_to_send(d):
        answers = formsubmissions.sample_answers(d, form_id, transitions.now())
        d = transitions.perform("submit_form", actor, d.pk, d.version, answers)
    return fresh(d)


def escalate(actor, d, reason="Still unresolved after discussion"):
    d = send_forms(actor, d)
    return transitions.perform("escalate", actor, d.pk, d.version, {"reason": reason})


def agree_action(actor, d, owner, with_whom, due=None):
    """Record a meeting an hour ago with `with_whom` at which `owner` agreed to do
    something, by `due` (an ISO date; two weeks after the meeting unless given)."""
    d = fresh(d)
    occurred = transitions.now() - datetime.timedelta(hours=1)
    due = due or (occurred.date() + datetime.timedelta(days=14)).isoformat()
    data = {
        "kind": "meeting",
        "occurred_at": occurred.isoformat(),
        "participants": [actor.pk, with_whom.pk],
        "summary": "Agreed the health visitor checks the bruising at the next visit.",
        "outcome": "ongoing",
        "actions": [{"text": "Check at the next visit", "owner": owner.pk, "due": due}],
    }
    return transitions.perform("record", actor, d.pk, d.version, data)


# What a form must answer with a named error, never a 500 (the page tests post each one).
HOSTILE = {
    "nul": "\x00",
    "nul-inside": "a\x00b",
    "1mb": "x" * 1_000_000,
    "script": "<script>alert(1)</script>",
    "huge-number": "99999999999999999999999999",
    "negative": "-1",
    "empty": "",
}


def soon(days: int = 14) -> datetime.date:
    """The first working day (England and Wales) `days` or more after today: a date a
    pause may expect to resume on, whatever day the suite runs."""
    from django.utils import timezone

    from rpd.pathways.calendar import get_calendar

    return get_calendar("england-and-wales").next_working_day(
        timezone.localdate() + datetime.timedelta(days=days)
    )
