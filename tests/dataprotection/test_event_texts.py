"""What people write about a case in a transition (a reason for escalating, withdrawing,
a change of risk) is kept beside the audit chain, not sealed inside it: the chain holds
its digest, so a changed text still shows, and erasing the case can remove it."""

from __future__ import annotations

import json

from django.test import Client
from django.urls import reverse

from rpd.audit.log import verify
from rpd.audit.models import Event, EventText
from rpd.disagreements import transitions

from ..disagreements.helpers import discuss, escalate

REASON = "The plan names Quillon's aunt, who has not been assessed"


def escalated(region):
    raiser = region["blackpool"].ladder["csc"][0]
    d = discuss(raiser, region["robin"][0])
    return escalate(raiser, d, reason=REASON)


def test_a_reason_is_kept_beside_the_chain_and_its_digest_in_it(region):
    d = escalated(region)
    event = Event.objects.get(target=d.audit_target, action="disagreement.escalate")
    assert REASON not in json.dumps(event.data)
    assert EventText.objects.get(seq=event.seq, name="reason").text == REASON
    assert set(event.data["texts"]) == {"reason"}
    assert verify().ok


def test_the_timeline_and_the_form_still_read_the_reason(region):
    d = escalated(region)
    client = Client()
    client.force_login(region["blackpool"].ladder["csc"][0])
    page = client.get(reverse("disagreements:detail", args=[d.pk])).content.decode()
    assert "Quillon&#x27;s aunt" in page


def test_a_reason_changed_in_the_database_breaks_the_chain(region):
    d = escalated(region)
    EventText.objects.filter(name="reason").update(text="Nothing to see")
    result = verify()
    assert not result.ok and "the reason of event" in result.reason
    assert "no longer matches" in result.reason
    assert d.pk


def test_a_reason_removed_without_an_erasure_breaks_the_chain(region):
    escalated(region)
    EventText.objects.all().delete()
    result = verify()
    assert not result.ok and "no erasure removed it" in result.reason


def test_a_withdrawal_reason_is_never_in_the_chain(region):
    raiser = region["blackpool"].ladder["csc"][0]
    d = region["sky"]
    transitions.perform("withdraw", raiser, d.pk, d.version, {"reason": REASON})
    assert not any(REASON in json.dumps(e.data) for e in Event.objects.all())
    assert verify().ok
