"""No email carries free text written about the case: a Hillingdon disagreement driven
through every transition, with a synthetic subject's name, NHS number, address and
"self-harm" written into every free-text field, then sent through a real SMTP server.

Hillingdon's last stage refers on, so raise, record (with an agreed action), approve,
correct, hand over, pause, resume, extend, escalate (with reasons for what does not
apply), refer, resolve, mark the action done and withdraw (a second case) all happen.
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from rpd.disagreements import formsubmissions, transitions
from rpd.disagreements.nhs_number import synthetic
from rpd.notifications import sweep
from rpd.notifications.models import Kind, Notice, Status
from rpd.notifications.worker import deliver_batch
from rpd.people.demo import build_partnership
from tests.disagreements.helpers import approver_for, fresh, raise_data

from .smtp import SMTPServer

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
NHS = synthetic(77)
NAME, FAMILY = "Morwenna", "Quillfeather"
ADDRESS = "27 Larkspur Crescent, Fernhollow"
# What must never leave the building, each piece checked on its own.
# Special-category answers typed on Hillingdon's Request for Dispute Resolution form.
SPECIAL = {"ethnicity": "Pictish heritage", "religion": "Quietist Order", "disability": "Aphasiac"}
SECRETS = [NAME, FAMILY, NHS, f"{NHS[:3]} {NHS[3:6]} {NHS[6:]}", "Larkspur", "self-harm"]
SECRETS += list(SPECIAL.values())
FREE_TEXT = f"{NAME} {FAMILY}, NHS {NHS}, of {ADDRESS}: self-harm disclosed"


def london(month, day, hour=10):
    return datetime.datetime(2026, month, day, hour, 0, tzinfo=LONDON)


@pytest.fixture
def smtp(settings):
    with SMTPServer() as server:
        server.use_in(settings)
        yield server


def do(name, actor, d, **data):
    d = fresh(d)
    transitions.perform(name, actor, d.pk, d.version, data)
    return fresh(d)


def not_applicable(d):
    """Whatever the pathway lets the stage declare not applicable, with free text as why."""
    return {r.id: FREE_TEXT for r in d.pack.stage(d.stage).must_record if r.may_not_apply}


def must_cover(d):
    return [r.id for r in d.pack.stage(d.stage).must_record if not r.may_not_apply]


def discuss(d, outcome, **extra):
    """The raising actor records; someone on their own side approves."""
    episode = fresh(d).current_episode()
    d = do(
        "record",
        episode.raising_actor,
        d,
        kind="meeting",
        occurred_at=(transitions.now() - datetime.timedelta(minutes=5)).isoformat(),
        participants=[episode.raising_actor.pk, episode.receiving_actor.pk],
        other_participants=FREE_TEXT,
        summary=FREE_TEXT,
        outcome=outcome,
        covers=must_cover(fresh(d)),
        **extra,
    )
    record = d.records.latest("pk")
    approver = approver_for(episode.raising_actor, d)
    return do("approve", approver, d, record=record.pk), record


def raise_case(demo):
    data = raise_data(
        demo,
        "csc",
        subject_given_name=NAME,
        subject_family_name=FAMILY,
        subject_nhs_number=NHS,
        subject_address=ADDRESS,
        challenged_description=FREE_TEXT,
        summary=FREE_TEXT,
        outcome_sought=FREE_TEXT,
        challenged_on="2026-03-02",
        # Another agency copied in: Hillingdon sends it a copy of the written response.
        copied_agencies=[demo.agencies["school"].pk],
    )
    return transitions.raise_disagreement(demo.ladder["health"][0], data)


def test_no_email_of_any_transition_carries_free_text_about_the_case(smtp):
    with time_machine.travel(london(3, 2), tick=False) as traveller:
        demo = build_partnership("hillingdon")
        health, csc = demo.ladder["health"], demo.ladder["csc"]
        d = raise_case(demo)
        d = do("hand_over", csc[0], d, side="receiving", to_user=demo.colleague["csc"].pk,
               reason=FREE_TEXT)  # fmt: skip
        d, record = discuss(
            d, "ongoing", actions=[{"text": FREE_TEXT, "owner": health[0].pk, "due": "2026-03-04"}]
        )
        d = do("correct", health[0], d, record=record.pk, summary=FREE_TEXT, reason=FREE_TEXT)
        d = do("pause", health[0], d, reason=FREE_TEXT, expected_resume="2026-03-03")
        traveller.move_to(london(3, 4))
        sweep.run(london(3, 4, 9))  # the pause is overdue; the action is due today
        d = do("resume", health[0], d, note=FREE_TEXT)
        d = do("extend", health[0], d, asked_by=demo.colleague["csc"].pk, reason=FREE_TEXT,
               new_due=(d.stage_due + datetime.timedelta(days=7)).isoformat())  # fmt: skip
        while d.stage < d.pack.last_stage.number:
            d, _ = discuss(d, "unresolved")
            actor = d.current_episode().raising_actor
            d = do("escalate", actor, d, reason=FREE_TEXT, not_applicable=not_applicable(d))
        actor = d.current_episode().raising_actor
        # The board chair's option: a notice to a shared mailbox, with no one signed in.
        option = d.pack.stage(d.stage).referral_names[2]
        d = do("refer", actor, d, referred_to=option, recommendation=FREE_TEXT)
        d, _ = discuss(d, "resolved")
        # The Request for Dispute Resolution, with free text and special-category data in
        # every field the record lacks, sent twice: its notices name the form and link to it.
        form_id = "request-for-dispute-resolution"
        asked = formsubmissions.sample_answers(d, form_id, transitions.now())
        answers = {**{k: FREE_TEXT for k in asked if k not in ("form", "date-of-birth")}, **SPECIAL}
        d = do("submit_form", actor, d, form=form_id, **answers)
        d = do("submit_form", actor, d, form=form_id, **answers)
        d = do("resolve", actor, d, agreed_outcome=FREE_TEXT, next_steps=FREE_TEXT,
               written_confirmation=FREE_TEXT, feedback_to_raiser=FREE_TEXT,
               not_applicable=not_applicable(d))  # fmt: skip
        # The agreed action is a next step: reminded after the resolution, until done.
        for day in (5, 6):
            sweep.run(london(3, day))
        traveller.move_to(london(3, 6, 11))
        action = record.actions.get()
        d = do("complete_action", health[0], d, action=action.pk)
        other = raise_case(demo)
        do("withdraw", health[0], other, reason=FREE_TEXT)
    assert d.status == "resolved"

    while deliver_batch("test-worker"):
        pass

    messages = smtp.mailbox.messages()
    sent = Notice.objects.filter(status=Status.SENT)
    assert sent.filter(recipient=None, to_address=demo.holders["children-board-chair"].mailbox)
    assert sent.filter(recipient=demo.lead["school"], kind=Kind.PATHWAY)
    assert len(messages) == sent.count()
    assert set(sent.values_list("kind", flat=True)) >= {
        Kind.STAGE_STARTED, Kind.RECORD_TO_APPROVE, Kind.ESCALATED, Kind.RESOLVED,
        Kind.FEEDBACK, Kind.PATHWAY, Kind.CHANGED, Kind.PAUSE_OVERDUE, Kind.DUE_TODAY,
        Kind.RAISED_ACKNOWLEDGEMENT,
    }  # fmt: skip
    for message in messages:
        parts = [str(value) for _, value in message.items()]
        parts += [part.get_content() for part in message.walk() if not part.is_multipart()]
        for text in parts:
            leaked = [secret for secret in SECRETS if secret in text]
            assert not leaked, (message["Subject"], leaked)
