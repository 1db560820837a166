"""Records and resolutions both sides can stand behind: each side reads the other's record
as soon as it is written and may add its own account beside it, never edit it; the side
that did not resolve a disagreement confirms the resolution in writing, or contests it."""

import datetime

import pytest
import time_machine

from rpd.audit.log import events_for
from rpd.disagreements import transitions
from rpd.disagreements.models import Account, ContestedResolution, Status
from rpd.notifications.models import Kind, Notice
from rpd.pathways.calendar import LONDON
from rpd.people.demo import build_partnership

from .helpers import discuss, fresh, raise_data

pytestmark = pytest.mark.django_db
MONDAY = datetime.datetime(2026, 11, 30, 10, tzinfo=LONDON)
THEIR_VIEW = "We said the home visit was refused by the family, not cancelled by us."
RESOLVED = {
    "agreed_outcome": "A joint visit and a plan.",
    "next_steps": "Both agencies attend the review.",
    "written_confirmation": "Confirmed by email to both agencies the same day.",
    "feedback_to_raiser": "Thank you: the challenge changed the plan.",
}


@pytest.fixture
def stoke():
    with time_machine.travel(MONDAY):
        demo = build_partnership("stoke-on-trent")
        social_worker = demo.ladder["csc"][0]
        d = transitions.raise_disagreement(social_worker, raise_data(demo, "police"))
        yield demo, d


def do(name, actor, d, **data):
    d = fresh(d)
    return transitions.perform(name, actor, d.pk, d.version, data)


def test_cambridgeshire_11_the_other_side_reads_a_record_at_once_and_adds_its_own_account(
    stoke, client
):
    # "A clear record should be kept at all stages, by all parties."
    demo, d = stoke
    social_worker, officer = demo.ladder["csc"][0], demo.ladder["police"][0]
    with time_machine.travel(MONDAY):
        d = discuss(social_worker, d, outcome="ongoing", approve=False)
        record = d.records.get()
        client.force_login(officer)
        page = client.get(f"/disagreements/{d.pk}/").text
        assert record.summary in page  # before anyone approves it
        assert f"add-account/?record={record.pk}" in page
        # The author's own side corrects its record; it adds no "account" of its own.
        for same_side in (social_worker, demo.ladder["csc"][1]):
            with pytest.raises(transitions.NotAllowed, match="side that did not write"):
                do("add_account", same_side, d, record=record.pk, account=THEIR_VIEW)
        d = do("add_account", officer, d, record=record.pk, account=THEIR_VIEW)
        page = client.get(f"/disagreements/{d.pk}/").text
    assert fresh(d).records.get().summary == record.summary  # never an edit of theirs
    [account] = Account.objects.filter(record=record)
    assert (account.author, account.text) == (officer, THEIR_VIEW)
    assert THEIR_VIEW in page
    assert "disagreement.add_account" in {e.action for e in events_for(d.audit_target)}
    [told] = Notice.objects.filter(disagreement=d, kind=Kind.CHANGED, recipient=social_worker)
    assert THEIR_VIEW not in told.body_text and "own account" in told.body_text


def resolved_at_stage_1(demo, d):
    social_worker = demo.ladder["csc"][0]
    d = discuss(social_worker, d, outcome="resolved")
    return fresh(do("resolve", social_worker, d, **RESOLVED))


def test_stoke_on_trent_7_the_side_that_did_not_resolve_it_confirms_it_in_writing(stoke, client):
    # "Written confirmation between the parties about agreed resolutions."
    demo, d = stoke
    social_worker, officer = demo.ladder["csc"][0], demo.ladder["police"][0]
    with time_machine.travel(MONDAY):
        d = resolved_at_stage_1(demo, d)
        assert [(s["name"], s["people"]) for s in d.next_steps] == [
            ("confirm_resolution", [officer.pk])
        ]
        [asked] = Notice.objects.filter(disagreement=d, kind=Kind.RESOLVED, recipient=officer)
        assert "confirm" in asked.subject and RESOLVED["agreed_outcome"] not in asked.body_text
        client.force_login(officer)
        page = client.get(f"/disagreements/{d.pk}/").text
        assert "You must confirm the resolution, or contest it" in page
        assert RESOLVED["written_confirmation"] in page
        # My work lists it to confirm; the policy sets no date to confirm by, and its Due
        # column says so (it said "resolved", which is not a date).
        work = client.get("/").text.partition("Resolutions for you to confirm or contest")[2]
        row = work.split("</table>")[0]
        assert d.reference in row and "No deadline" in row and ">resolved<" not in row
        with pytest.raises(transitions.NotAllowed, match="side that did not resolve"):
            do("confirm_resolution", social_worker, d)
        d = fresh(do("confirm_resolution", officer, d))
        page = client.get(f"/disagreements/{d.pk}/").text
    assert d.resolution.confirmed_by == officer and d.next_steps == []
    assert f"Confirmed by {officer.display_name}" in page
    with pytest.raises(transitions.NotAllowed, match="already confirmed"):
        do("contest_resolution", officer, d, reason="Changed our mind")
    # Confirmed once: neither page opens again, by a link kept or an address typed.
    allowed = transitions.allowed(officer, d)
    assert "confirm_resolution" not in allowed and "contest_resolution" not in allowed
    for name in ("confirm-resolution", "contest-resolution"):
        assert client.get(f"/disagreements/{d.pk}/{name}/").status_code == 404, name


def test_a_contested_resolution_goes_on_to_the_next_stage_with_the_reason_kept(stoke, client):
    demo, d = stoke
    officer = demo.ladder["police"][0]
    with time_machine.travel(MONDAY):
        d = resolved_at_stage_1(demo, d)
        d = fresh(do("contest_resolution", officer, d, reason="The plan leaves the risk at home."))
        client.force_login(officer)
        page = client.get(f"/disagreements/{d.pk}/").text
    assert (d.status, d.stage, d.closed_at) == (Status.OPEN, 2, None)
    [contested] = ContestedResolution.objects.filter(disagreement=d)
    assert (contested.stage, contested.contested_by) == (1, officer)
    assert not type(d).objects.filter(pk=d.pk, resolution__isnull=False).exists()
    assert "The plan leaves the risk at home." in page
    assert {s["name"] for s in d.next_steps} == {"record"}
    assert "disagreement.contest_resolution" in {e.action for e in events_for(d.audit_target)}


def test_contesting_with_no_reason_is_a_named_error_and_changes_nothing(stoke, client):
    demo, d = stoke
    officer = demo.ladder["police"][0]
    with time_machine.travel(MONDAY):
        d = resolved_at_stage_1(demo, d)
        client.force_login(officer)
        url = f"/disagreements/{d.pk}/contest-resolution/"
        assert client.get(url).status_code == 200
        response = client.post(url, {"version": d.version, "reason": ""})
        assert response.status_code == 400 and "Reason" in response.text
        account = f"/disagreements/{d.pk}/add-account/?record={d.records.get().pk}"
        response = client.post(account, {"version": d.version, "account": ""})
        assert response.status_code == 400
    assert fresh(d).status == Status.RESOLVED and fresh(d).version == d.version


def test_the_confirm_and_contest_pages_show_the_resolution_being_confirmed(stoke, client):
    # The person asked to confirm in writing reads what they confirm where they confirm it.
    demo, d = stoke
    officer = demo.ladder["police"][0]
    with time_machine.travel(MONDAY):
        d = resolved_at_stage_1(demo, d)
        client.force_login(officer)
        for page in ("confirm-resolution", "contest-resolution"):
            text = client.get(f"/disagreements/{d.pk}/{page}/").text
            assert RESOLVED["agreed_outcome"] in text, page
            assert RESOLVED["next_steps"] in text, page
            assert RESOLVED["written_confirmation"] in text, page
            assert demo.ladder["csc"][0].display_name in text, page
