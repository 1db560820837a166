"""Shared steps for the workflow tests: raise, record, escalate, as a practitioner would."""

from __future__ import annotations

import datetime

from rpd.disagreements import transitions
from rpd.disagreements.models import Disagreement
from rpd.disagreements.nhs_number import synthetic


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
        "categories": [demo.partnership.pathway_entry().pack.categories[0].id],
        "summary": "Three bruises seen in four weeks; the referral was closed without a visit.",
        "outcome_sought": "A strategy discussion and a home visit",
        "risk": "high",
    }
    data.update(overrides)
    return data


def fresh(d: Disagreement) -> Disagreement:
    return Disagreement.objects.get(pk=d.pk)


def discuss(actor, d, outcome="unresolved", covers=None, meets=(), at=None, approve=True):
    """Record a discussion at the current stage covering everything it must record, and
    have it approved."""
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
        # Records are evidence once approved, by someone other than their author: the
        # receiving side's actor, or the raising side's where the receiving actor wrote it.
        receiving = episode.receiving_actor
        approver = episode.raising_actor if actor == receiving else receiving
        record = d.records.latest("pk")
        d = transitions.perform("approve", approver, d.pk, d.version, {"record": record.pk})
    return d


def escalate(actor, d, reason="Still unresolved after discussion"):
    d = fresh(d)
    return transitions.perform("escalate", actor, d.pk, d.version, {"reason": reason})


def agree_action(actor, d, owner, with_whom, due="2026-01-09"):
    """Record a meeting with `with_whom` at which `owner` agreed to do something."""
    d = fresh(d)
    data = {
        "kind": "meeting",
        "occurred_at": (transitions.now() - datetime.timedelta(hours=1)).isoformat(),
        "participants": [actor.pk, with_whom.pk],
        "summary": "Agreed the health visitor checks the bruising at the next visit.",
        "outcome": "ongoing",
        "actions": [{"text": "Check at the next visit", "owner": owner.pk, "due": due}],
    }
    return transitions.perform("record", actor, d.pk, d.version, data)
