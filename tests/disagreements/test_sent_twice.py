"""A form sent twice at once (a double click before the script loads, a slow connection)
is done once, and its author is not told that someone changed the case: they did. Each
form page carries a token of its own, kept with the change it makes (rpd/disagreements/
sends.py)."""

import re

import pytest

from rpd.audit.models import Event
from rpd.disagreements import transitions
from rpd.disagreements.models import Record

from .helpers import approver_for, discuss, fresh, soon
from .pages import partnership_with_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def awaiting_approval():
    """Stoke-on-Trent stage 1: the raiser's record of the discussion awaits their manager."""
    demo, raiser, d = partnership_with_case()
    d = discuss(raiser, d, approve=False)
    record = d.records.get()
    return approver_for(raiser, d), fresh(d), record


def token(page: str) -> str:
    return re.search(r'name="sent_from" value="([0-9a-f]{32})"', page).group(1)


def approve(client, d, record, version, sent_from):
    return client.post(
        f"/disagreements/{d.pk}/approve/?record={record.pk}",
        {"version": version, "record": record.pk, "sent_from": sent_from},
    )


def test_an_approval_sent_twice_approves_the_record_once_and_says_it_is_done(
    awaiting_approval, client
):
    approver, d, record = awaiting_approval
    client.force_login(approver)
    page = token(client.get(f"/disagreements/{d.pk}/approve/?record={record.pk}").text)
    first = approve(client, d, record, d.version, page)
    second = approve(client, d, record, d.version, page)  # the same page, sent again
    assert first.status_code == second.status_code == 302
    assert second["Location"] == f"/disagreements/{d.pk}/"
    page = client.get(second["Location"]).text
    assert "Someone changed this" not in page
    assert Record.objects.get(pk=record.pk).approved_by == approver
    assert Event.objects.filter(action="disagreement.approve").count() == 1
    assert fresh(d).version == d.version + 1


def test_another_form_sent_from_the_same_version_still_meets_the_change(client):
    # Only the very same form is a twin: anything else sent from the page as it was is
    # told what changed since, even where the change was the sender's own.
    demo, raiser, d = partnership_with_case()
    client.force_login(raiser)
    seen = d.version
    pause_page = token(client.get(f"/disagreements/{d.pk}/pause/").text)
    withdraw_page = token(client.get(f"/disagreements/{d.pk}/withdraw/").text)
    resume = soon()
    paused = client.post(
        f"/disagreements/{d.pk}/pause/",
        {
            "version": seen,
            "sent_from": pause_page,
            "reason": "Waiting for a strategy meeting",
            "expected_resume_day": resume.day,
            "expected_resume_month": resume.month,
            "expected_resume_year": resume.year,
        },
    )
    assert paused.status_code == 302
    withdrawn = client.post(
        f"/disagreements/{d.pk}/withdraw/",
        {"version": seen, "sent_from": withdraw_page, "reason": "Agreed after all"},
    )
    assert withdrawn.status_code == 409
    assert "Someone changed this since you opened it" in withdrawn.text


def test_a_send_that_met_a_change_is_not_done_when_sent_again(awaiting_approval, client):
    approver, d, record = awaiting_approval
    resume = soon()
    transitions.perform(  # someone else changed the case meanwhile
        "pause",
        d.raised_by,
        d.pk,
        d.version,
        {"reason": "Waiting for a strategy meeting", "expected_resume": resume.isoformat()},
    )
    client.force_login(approver)
    page = token(client.get(f"/disagreements/{d.pk}/approve/?record={record.pk}").text)
    for _ in range(2):
        response = approve(client, d, record, d.version, page)
        assert response.status_code == 409
        assert "Someone changed this since you opened it" in response.text
    assert Record.objects.get(pk=record.pk).approved_at is None
