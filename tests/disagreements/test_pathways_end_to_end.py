"""Each seed pathway driven from raising to resolution at its top stage.

Time is frozen and moved on between steps, as the days of a real dispute pass. Every
expected date was counted by hand from the bank-holiday list in the comment beside it,
never computed with the calendar under test. At every stage the tests check who acts
for each side (one rung up each agency's ladder per stage, or the partnership role
that leads the stage), the due date and its milestones, and that a stage cannot be
closed until everything the pack says it must record is covered by a record approved by
someone other than its author (and not since corrected), or declared not applicable with
a reason.
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from rpd.audit import log as audit
from rpd.disagreements import formsubmissions, transitions
from rpd.disagreements.models import (
    Extension,
    Handover,
    Participant,
    Pause,
    Record,
    Referral,
    Resolution,
    Status,
)
from rpd.disagreements.transitions import Invalid, NotAllowed
from rpd.people.demo import build_partnership

from .helpers import fresh, raise_data

pytestmark = pytest.mark.django_db

D = datetime.date
LONDON = ZoneInfo("Europe/London")


def london(year, month, day, hour=10, minute=0):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=LONDON)


# -- Steps ---------------------------------------------------------------------------------


def do(name, actor, d, **data):
    """Perform a transition as `actor` on the version they see; the disagreement afresh."""
    d = fresh(d)
    transitions.perform(name, actor, d.pk, d.version, data)
    return fresh(d)


def send_form(d, form_id):
    """The stage's form is required before it closes: sent by the raising side, with
    what the record lacks typed in."""
    d = fresh(d)
    actor = d.current_episode().raising_actor
    assert formsubmissions.still_to_send(d) == [form_id]
    answers = formsubmissions.sample_answers(d, form_id, timezone.now())
    return do("submit_form", actor, d, **answers)


def refused(error, name, actor, d, **data):
    """The transition is refused and leaves the disagreement as it was."""
    d = fresh(d)
    with pytest.raises(error) as caught:
        transitions.perform(name, actor, d.pk, d.version, data)
    after = fresh(d)
    assert (after.version, after.updated_at, after.status) == (d.version, d.updated_at, d.status)
    return caught.value


def record(
    actor,
    d,
    covers,
    outcome="unresolved",
    meets=(),
    participants=None,
    summary=None,
    approved_by=None,
):
    """Record a discussion at the current stage, held half an hour ago; with `approved_by`,
    that person then approves it (a record counts towards what the stage must record only
    once someone other than its author has approved it)."""
    episode = fresh(d).current_episode()
    d = do(
        "record",
        actor,
        d,
        kind="meeting",
        occurred_at=(timezone.now() - datetime.timedelta(minutes=30)).isoformat(),
        participants=[
            p.pk for p in participants or (episode.raising_actor, episode.receiving_actor)
        ],
        summary=summary or f"Stage {episode.number}: both positions and the evidence set out.",
        outcome=outcome,
        covers=list(covers),
        meets=list(meets),
    )
    made = Record.objects.filter(disagreement=d).latest("pk")
    if approved_by is not None:
        d = do("approve", approved_by, d, record=made.pk)
        made.refresh_from_db()
        assert (made.approved_by, made.approved_at) == (approved_by, timezone.now())
    return d, made


def resolution(**extra):
    return {
        "agreed_outcome": "A strategy discussion is held and a home visit made this week.",
        "next_steps": "Social worker visits; police share the three previous reports.",
        "written_confirmation": "Emailed to both agencies and placed on each agency's record.",
        "feedback_to_raiser": "Told the practitioner who raised it what was agreed and why.",
        **extra,
    }


def at_stage(d, number, raising, receiving, due, *, basis="review", milestones=(), led_by=""):
    """The current stage: its number, who acts for each side, its due date and milestones."""
    d = fresh(d)
    episode = d.current_episode()
    assert d.stage == episode.number == number
    assert episode.raising_actor == raising, episode.raising_actor.job_title
    assert episode.receiving_actor == receiving, episode.receiving_actor.job_title
    assert (episode.due, episode.due_basis) == (due, basis)
    assert [(m.key, m.due) for m in episode.milestones.all()] == list(milestones)
    assert episode.led_by_role == led_by
    return episode


def trail(d):
    """The audit events for the disagreement, oldest first, without the prefix."""
    events = audit.events_for(d.audit_target)
    return [e.action.removeprefix("disagreement.") for e in events]


def resolved_at_top(d, by, episodes):
    d = fresh(d)
    assert d.status == Status.RESOLVED and d.closed_at == timezone.now()
    assert d.next_due is None
    assert d.resolution.resolved_by == by
    assert list(d.episodes.values_list("outcome", flat=True)) == episodes
    assert audit.verify().ok


# -- Hillingdon ----------------------------------------------------------------------------


def test_hillingdon_adult_dispute_over_christmas_2026_climbs_to_the_implementation_unit():
    demo = build_partnership("hillingdon")
    health, asc = demo.ladder["health"], demo.ladder["asc"]
    stand_in = demo.colleague["asc"]
    unit = demo.unit
    adult = raise_data(
        demo,
        "asc",
        subject_kind="adult",
        subject_given_name="Morgan",
        subject_date_of_birth="1948-02-11",
        challenged_on="2026-12-18",
    )
    # England and Wales: Fri 25 Dec 2026, Mon 28 Dec (Boxing Day substitute), Fri 1 Jan 2027.
    with time_machine.travel(london(2026, 12, 21), tick=False) as traveller:
        d = transitions.raise_disagreement(health[0], adult)
        assert d.subject.kind == "adult" and d.reference == "RPD-2026-0001"
        # Stage 1 has no limit: reviewed after 5 working days from Mon 21 Dec:
        # Tue 22=1, Wed 23=2, Thu 24=3, Tue 29=4, Wed 30 Dec=5.
        at_stage(d, 1, health[0], asc[0], D(2026, 12, 30))
        assert d.next_due == D(2026, 12, 30)

        # The adult social worker goes on leave: the receiving side is handed to a colleague.
        traveller.move_to(london(2026, 12, 22, 9))
        d = do("hand_over", asc[0], d, side="receiving", to_user=stand_in.pk, reason="On leave")
        handover = Handover.objects.get(episode__disagreement=d)
        assert (handover.from_user, handover.to_user, handover.by) == (asc[0], stand_in, asc[0])
        at_stage(d, 1, health[0], stand_in, D(2026, 12, 30))
        assert d.participants.get(user=stand_in).side == "receiving"

        traveller.move_to(london(2026, 12, 22, 15))
        d, conversation = record(
            health[0], d, ["specific-evidence-based-difference", "conversation"]
        )
        # Approved on its author's side (their line manager), not by its author.
        d = do("approve", health[1], d, record=conversation.pk)
        conversation.refresh_from_db()
        assert conversation.approved_by == health[1]
        assert conversation.approved_at == timezone.now()

        # Stage 1 must still record the confirming email and the contemporaneous record.
        error = refused(Invalid, "escalate", health[0], d, reason="Still unsafe")
        assert list(error.errors) == ["not_applicable"]
        assert "The email following the conversation" in str(error)
        assert "Each discussion recorded contemporaneously" in str(error)
        assert "The conversation between" not in str(error)
        d, email = record(health[0], d, ["email-confirming-outcome", "contemporaneous-record"])
        d = do("approve", health[1], d, record=email.pk)

        traveller.move_to(london(2026, 12, 23))
        d = do("escalate", health[0], d, reason="The adult remains at risk")
        # Stage 2, the first line managers (the stand-in's manager is the same team manager),
        # from Wed 23 Dec: Thu 24=1, Tue 29=2, Wed 30=3, Thu 31=4, Mon 4 Jan 2027=5.
        at_stage(d, 2, health[1], asc[1], D(2027, 1, 4))
        # The practitioner who raised it no longer acts for the raising side.
        refused(NotAllowed, "escalate", health[0], d, reason="Still unsafe")

        # Both managers are on leave: paused Thu 24 Dec, resumed Tue 5 Jan 2027.
        traveller.move_to(london(2026, 12, 24))
        d = do("pause", health[1], d, reason="Both managers on leave", expected_resume="2027-01-05")
        assert d.status == Status.PAUSED and d.next_due == D(2027, 1, 5)
        error = refused(NotAllowed, "escalate", health[1], d, reason="x")
        assert "is paused" in str(error)
        traveller.move_to(london(2027, 1, 5))
        d = do("resume", asc[1], d)
        # Working days paused whole (not the day it paused, nor the day it resumed): Tue 29,
        # Wed 30, Thu 31 Dec and Mon 4 Jan = 4, so the review moves 4 working days on from
        # Mon 4 Jan: Tue 5, 6, 7, Fri 8 Jan 2027.
        pause = Pause.objects.get(disagreement=d)
        assert (pause.paused_on, pause.resumed_on) == (D(2026, 12, 24), D(2027, 1, 5))
        assert (pause.working_days_paused, pause.resumed_by) == (4, asc[1])
        at_stage(d, 2, health[1], asc[1], D(2027, 1, 8))
        assert d.status == Status.OPEN and d.next_due == D(2027, 1, 8)

        d, _ = record(
            asc[1],
            d,
            ["specific-evidence-based-difference", "contemporaneous-record"],
            approved_by=asc[2],
        )
        traveller.move_to(london(2027, 1, 6))
        d = do("escalate", asc[1], d, reason="Managers could not agree")
        # Stage 3 from Wed 6 Jan: Thu 7=1, Fri 8=2, Mon 11=3, Tue 12=4, Wed 13 Jan=5.
        at_stage(d, 3, health[2], asc[2], D(2027, 1, 13))
        # The partnership unit oversees but does not act until the stage it leads.
        refused(NotAllowed, "record", unit, d)

        traveller.move_to(london(2027, 1, 8))
        d, _ = record(
            health[2],
            d,
            ["specific-evidence-based-difference", "contemporaneous-record"],
            approved_by=demo.lead["health"],
        )
        d = do("escalate", health[2], d, reason="Operations managers could not agree")
        # Stage 4, led by the Implementation Unit, from Fri 8 Jan: 11, 12, 13, 14, Fri 15 Jan.
        at_stage(d, 4, health[2], asc[2], D(2027, 1, 15), led_by="implementation-unit")
        assert d.next_due == D(2027, 1, 15)

        traveller.move_to(london(2027, 1, 11))
        everyone = [health[2], asc[2], unit]
        # The unit leads the stage and writes its record; one of the sides approves it.
        d, _ = record(
            unit,
            d,
            ["request-form", "route-chosen", "contemporaneous-record"],
            participants=everyone,
            approved_by=health[2],
        )
        error = refused(Invalid, "resolve", unit, d, **resolution())
        assert "The written response outlining the agreed method" in str(error)
        panel = (
            "The Implementation Unit convenes a Resolution Panel (Local Authority, Police and "
            "CCG, including the agencies directly concerned)"
        )
        d = do("refer", unit, d, referred_to=panel, recommendation="Joint visit within 2 days")
        referral = Referral.objects.get(episode__disagreement=d)
        assert (referral.referred_to, referral.by) == (panel, unit)

        traveller.move_to(london(2027, 1, 12, 16))
        d, _ = record(
            unit,
            d,
            ["written-response"],
            outcome="resolved",
            participants=everyone,
            approved_by=asc[2],
        )
        d = send_form(d, "request-for-dispute-resolution")
        d = do("resolve", unit, d, **resolution(learning_multi_agency_audit=True))
        resolved_at_top(d, unit, ["escalated", "escalated", "escalated", "resolved"])
        assert d.resolution.learning_multi_agency_audit

    assert trail(d) == [
        "raised",
        "hand_over",
        "record",
        "approve",
        "record",
        "approve",
        "escalate",
        "pause",
        "resume",
        "record",
        "approve",
        "escalate",
        "record",
        "approve",
        "escalate",
        "record",
        "approve",
        "refer",
        "record",
        "approve",
        "submit_form",
        "resolve",
    ]


# -- Cambridgeshire ------------------------------------------------------------------------


def test_cambridgeshire_non_accidental_injury_of_an_infant_is_due_the_same_day_whatever_day():
    demo = build_partnership("cambridgeshire")
    health, csc = demo.ladder["health"], demo.ladder["csc"]
    unit = demo.unit
    infant = raise_data(
        demo,
        "csc",
        subject_date_of_birth="2025-12-01",
        challenged_on="2026-04-01",
        risk="immediate",
        urgent=True,
        immediate_rule="non-accidental-injury-infant",
    )
    # England and Wales, Easter 2026: Good Friday 3 Apr, Easter Monday 6 Apr.
    with time_machine.travel(london(2026, 4, 2, 9), tick=False) as traveller:
        d = transitions.raise_disagreement(health[0], infant)
        assert d.immediate_rule == "non-accidental-injury-infant"
        # Raised Thu 2 Apr, a working day: due the same day.
        at_stage(d, 1, health[0], csc[0], D(2026, 4, 2), basis="immediately")
        d, _ = record(health[0], d, ["clear-record"], approved_by=health[1])

        traveller.move_to(london(2026, 4, 2, 11))
        d = do("escalate", health[0], d, reason="The infant is still at home")
        at_stage(d, 2, health[1], csc[1], D(2026, 4, 2), basis="immediately")
        d, first = record(
            health[1],
            d,
            ["clear-record", "outcome-to-concerned-professional"],
            summary="Two bruises on the infant's cheek; the referral was closed.",
        )
        # A correction is a new version pointing at the old, which stays as it was.
        traveller.move_to(london(2026, 4, 2, 12))
        d = do(
            "correct",
            health[1],
            d,
            record=first.pk,
            summary="Three bruises on the infant's cheek and ear; the referral was closed.",
            reason="The body map shows three bruises, not two",
        )
        corrected = Record.objects.get(supersedes=first)
        first.refresh_from_db()
        assert first.summary.startswith("Two bruises")
        assert corrected.summary.startswith("Three bruises")
        assert (corrected.author, corrected.created_at) == (health[1], timezone.now())
        assert (corrected.covers, corrected.outcome) == (first.covers, first.outcome)
        assert set(corrected.participants.all()) == {health[1], csc[1]}
        error = refused(NotAllowed, "approve", csc[1], d, record=first.pk)
        assert "corrected" in str(error)
        # Neither the superseded record nor its correction counts until the correction is
        # approved.
        error = refused(Invalid, "escalate", health[1], d, reason="Managers disagree")
        assert "A clear record of this stage" in str(error)
        assert "advising the concerned professional of the outcome" in str(error)
        d = do("approve", health[2], d, record=corrected.pk)

        # On Easter Saturday 4 Apr: "immediately" (§2.6) means that Saturday, not the next
        # working day (Tue 7 Apr), for stage 3 and the designated leads' liaison alike.
        traveller.move_to(london(2026, 4, 4, 10))
        d = do("escalate", health[1], d, reason="Managers disagree about a medical")
        at_stage(
            d,
            3,
            health[2],
            csc[2],
            D(2026, 4, 4),
            basis="immediately",
            milestones=[("designated-leads-liaise", D(2026, 4, 4))],
        )
        d, _ = record(
            health[2],
            d,
            ["action-agreed", "written-confirmation", "feedback-to-professionals"],
            meets=["designated-leads-liaise"],
            approved_by=demo.lead["health"],
        )
        liaison = d.current_episode().milestones.get()
        assert liaison.met_at == timezone.now()

        traveller.move_to(london(2026, 4, 7, 9))
        d = do("escalate", csc[2], d, reason="Designated leads cannot agree")
        # Stage 4, reviewed by the Head of Service for Partnerships and QA: due Tue 7 Apr.
        at_stage(
            d,
            4,
            health[2],
            csc[2],
            D(2026, 4, 7),
            basis="immediately",
            led_by="head-of-service-pqa",
        )
        assert d.next_due == D(2026, 4, 7)
        d, _ = record(
            unit,
            d,
            ["review-outcome", "written-confirmation"],
            participants=[health[2], csc[2], unit],
            approved_by=health[2],
        )
        error = refused(Invalid, "resolve", unit, d, **resolution())
        assert "feedback to the professionals with the original concerns" in str(error)
        chair = (
            'The Independent Chair of the LSCB is informed, in line with the "Resolution of '
            'Professional Differences" process'
        )
        d = do("refer", unit, d, referred_to=chair, recommendation="Child protection medical today")

        traveller.move_to(london(2026, 4, 7, 16))
        d, _ = record(
            health[2],
            d,
            ["feedback-to-professionals"],
            outcome="resolved",
            approved_by=demo.lead["health"],
        )
        d = do("resolve", unit, d, **resolution(learning_case_review=True))
        resolved_at_top(d, unit, ["escalated", "escalated", "escalated", "resolved"])

    assert trail(d) == [
        "raised",
        "record",
        "approve",
        "escalate",
        "record",
        "correct",
        "approve",
        "escalate",
        "record",
        "approve",
        "escalate",
        "record",
        "approve",
        "refer",
        "record",
        "approve",
        "resolve",
    ]


# -- Jersey --------------------------------------------------------------------------------


def test_jersey_over_liberation_day_2025_climbs_to_the_board_chair():
    demo = build_partnership("jersey")
    school, csc = demo.ladder["school"], demo.ladder["csc"]
    chair = demo.chair
    # Jersey 2025: Mon 5 May (early May bank holiday), Fri 9 May (Liberation Day),
    # Mon 26 May (spring bank holiday).
    with time_machine.travel(london(2025, 5, 1), tick=False) as traveller:
        d = transitions.raise_disagreement(
            school[0], raise_data(demo, "csc", challenged_on="2025-04-30")
        )
        assert d.reference == "RPD-2025-0001"
        # Up to 5 working days from Thu 1 May: Fri 2=1, Tue 6=2, 7=3, 8=4, Mon 12 May=5;
        # informing the line manager has the stage's 5 working days.
        at_stage(
            d,
            1,
            school[0],
            csc[0],
            D(2025, 5, 12),
            basis="limit",
            milestones=[("inform-line-manager", D(2025, 5, 12))],
        )

        traveller.move_to(london(2025, 5, 2))
        d, _ = record(
            school[0],
            d,
            ["outcome-and-plan", "discussions-documented"],
            meets=["inform-line-manager"],
            approved_by=school[1],
        )
        assert d.current_episode().milestones.get().met_at == timezone.now()

        traveller.move_to(london(2025, 5, 7))
        error = refused(Invalid, "escalate", school[0], d, reason="No shared plan")
        assert "included in the minutes" in str(error)
        error = refused(
            Invalid, "escalate", school[0], d, reason="x", not_applicable={"dissent-minuted": " "}
        )
        assert "Say why “" in str(error) and "dissent-minuted" not in str(error)
        d = do(
            "escalate",
            school[0],
            d,
            reason="No shared plan",
            not_applicable={"dissent-minuted": "The challenge was by telephone, not in a meeting"},
        )
        # Stage 2 from Wed 7 May: Thu 8=1, (Liberation Day) Mon 12=2, 13=3, 14=4, Thu 15 May=5.
        at_stage(d, 2, school[1], csc[1], D(2025, 5, 15), basis="limit")

        # A meeting needs longer: an extension asked for by one side, agreed by the other.
        traveller.move_to(london(2025, 5, 8))
        error = refused(
            Invalid, "extend", school[1], d, asked_by=csc[1].pk, reason="x", new_due="2025-05-17"
        )
        assert list(error.errors) == ["new_due"] and "not a working day" in str(error)
        d = do(
            "extend",
            school[1],
            d,
            asked_by=csc[1].pk,
            reason="The team manager can meet only on Tuesday",
            new_due="2025-05-20",
        )
        extension = Extension.objects.get(episode__disagreement=d)
        assert (extension.old_due, extension.new_due) == (D(2025, 5, 15), D(2025, 5, 20))
        assert (extension.asked_by, extension.agreed_by) == (csc[1], school[1])
        at_stage(d, 2, school[1], csc[1], D(2025, 5, 20), basis="limit")
        assert d.next_due == D(2025, 5, 20)

        traveller.move_to(london(2025, 5, 19))
        d, plan = record(
            school[1], d, ["plan-of-action", "steps-followed", "evidenced-concerns", "outcome"]
        )
        d = do("approve", school[2], d, record=plan.pk)
        d = do("escalate", school[1], d, reason="Still no agreement")
        # Stage 3 from Mon 19 May: 20, 21, 22, 23, (spring bank holiday) Tue 27 May.
        at_stage(d, 3, school[2], csc[2], D(2025, 5, 27), basis="limit")

        traveller.move_to(london(2025, 5, 21))
        d, _ = record(
            csc[2],
            d,
            ["plan-of-action", "heads-of-service-referral", "discussions-documented"],
            approved_by=demo.lead["csc"],
        )
        d = do("escalate", school[2], d, reason="Resources are the sticking point")
        # Stage 4, the Independent Chair of the SPB, from Wed 21 May: 22, 23, 27, 28, Thu 29 May.
        at_stage(d, 4, school[2], csc[2], D(2025, 5, 29), basis="limit", led_by="spb-chair")

        traveller.move_to(london(2025, 5, 22))
        d, _ = record(
            chair,
            d,
            ["stage-4-information", "wider-lessons", "spb-record"],
            participants=[school[2], csc[2], chair],
            approved_by=school[2],
        )
        error = refused(Invalid, "resolve", chair, d, **resolution())
        assert "The SPB Chair's clear recommendation" in str(error)
        recommendation = (
            "The SPB Chair makes a clear recommendation on the most appropriate way to proceed, "
            "communicated to all involved"
        )
        d = do("refer", chair, d, referred_to=recommendation, recommendation="Fund the placement")
        d, _ = record(
            chair,
            d,
            ["chair-recommendation"],
            outcome="resolved",
            participants=[chair],
            approved_by=csc[2],
        )
        d = send_form(d, "stage-4-information")
        d = do("resolve", chair, d, **resolution(learning_procedure_amendment=True))
        resolved_at_top(d, chair, ["escalated", "escalated", "escalated", "resolved"])

    assert trail(d) == [
        "raised",
        "record",
        "approve",
        "escalate",
        "extend",
        "record",
        "approve",
        "escalate",
        "record",
        "approve",
        "escalate",
        "record",
        "approve",
        "refer",
        "record",
        "approve",
        "submit_form",
        "resolve",
    ]


# -- Stoke-on-Trent ------------------------------------------------------------------------


def test_stoke_on_trent_over_christmas_2025_climbs_to_the_partnership_at_stage_5():
    demo = build_partnership("stoke-on-trent")
    # A charity's worker has no line manager: the trustees are the next rung up.
    charity, csc = demo.ladder["charity"], demo.ladder["csc"]
    unit = demo.unit
    assert charity[1].job_title == "Board of Trustees (no line manager)"
    # England and Wales: Thu 25 Dec, Fri 26 Dec 2025, Thu 1 Jan 2026.
    with time_machine.travel(london(2025, 12, 19, 11), tick=False) as traveller:
        d = transitions.raise_disagreement(
            charity[0], raise_data(demo, "csc", challenged_on="2025-12-18")
        )
        # §5 Stage 1: raise with the other practitioner within 1 working day of receiving
        # the disputed decision (Thu 18 Dec), so Fri 19 Dec, not Mon 22 Dec counted from the
        # day the case was entered; stage 1 reviewed after 5 from Fri 19: 22, 23, 24, 29,
        # Tue 30 Dec.
        at_stage(
            d,
            1,
            charity[0],
            csc[0],
            D(2025, 12, 30),
            milestones=[("raise-with-practitioner", D(2025, 12, 19))],
        )
        # Raising it here is raising the matter with the other practitioner: met, on time.
        assert d.current_episode().milestones.get().met_at is not None
        assert d.next_due == D(2025, 12, 30)

        traveller.move_to(london(2025, 12, 22))
        d, _ = record(charity[0], d, ["evidence-based-reason"], approved_by=charity[1])
        assert d.next_due == D(2025, 12, 30)

        traveller.move_to(london(2025, 12, 23))
        # Not resolved, so no points of resolution are asked for ("where resolved").
        d = do("escalate", charity[0], d, reason="No agreement")
        # Stage 2 from Tue 23 Dec: contact within 1, Wed 24 Dec; review after 5:
        # 24, 29, 30, 31 Dec, (New Year's Day) Fri 2 Jan 2026.
        at_stage(
            d,
            2,
            charity[1],
            csc[1],
            D(2026, 1, 2),
            milestones=[("contact-between-agencies", D(2025, 12, 24))],
        )

        traveller.move_to(london(2025, 12, 24))
        d, _ = record(
            csc[1],
            d,
            ["specific-circumstances"],
            meets=["contact-between-agencies"],
            approved_by=csc[2],
        )
        traveller.move_to(london(2025, 12, 31))
        d = do("escalate", csc[1], d, reason="No agreement")
        # Stage 3 from Wed 31 Dec: contact within 1, Fri 2 Jan; meeting and written decision
        # within 2, Mon 5 Jan, which is also the stage's limit.
        at_stage(
            d,
            3,
            charity[2],
            csc[2],
            D(2026, 1, 5),
            basis="limit",
            milestones=[
                ("contact-counterpart", D(2026, 1, 2)),
                ("meeting", D(2026, 1, 5)),
                ("decision-in-writing", D(2026, 1, 5)),
            ],
        )
        assert d.next_due == D(2026, 1, 2)

        traveller.move_to(london(2026, 1, 2))
        d, decision = record(
            charity[2],
            d,
            ["decision-in-writing", "families-attendance-considered", "partnership-form"],
            meets=["contact-counterpart", "meeting", "decision-in-writing"],
        )
        d = do("approve", charity[3], d, record=decision.pk)
        assert d.next_due == D(2026, 1, 5)

        traveller.move_to(london(2026, 1, 5))
        d = send_form(d, "concerns-resolution-form")
        d = do("escalate", charity[2], d, reason="Heads of service disagree")
        # Stage 4 from Mon 5 Jan: raised at senior leader level within 5 working days, Tue 6,
        # 7, 8, 9, Mon 12 Jan, which is also when the stage is reviewed.
        at_stage(
            d,
            4,
            charity[3],
            csc[3],
            D(2026, 1, 12),
            milestones=[("raise-at-senior-leader-level", D(2026, 1, 12))],
        )
        # Stoke-on-Trent has five stages: stage 4 is not yet the partnership's.
        refused(NotAllowed, "record", unit, d)

        traveller.move_to(london(2026, 1, 7))
        d, _ = record(
            charity[3],
            d,
            [
                "letter-between-directors",
                "director-to-director-meeting",
                "families-attendance-considered",
                "partnership-form",
            ],
            meets=["raise-at-senior-leader-level"],
            approved_by=demo.lead["charity"],
        )
        d = send_form(d, "concerns-resolution-form")
        d = do("escalate", charity[3], d, reason="Directors disagree")
        # Stage 5, the partnership, from Wed 7 Jan: referral within 2 working days, Thu 8,
        # Fri 9 Jan; reviewed after 5: 8, 9, 12, 13, Wed 14 Jan.
        at_stage(
            d,
            5,
            charity[3],
            csc[3],
            D(2026, 1, 14),
            milestones=[("refer-to-partnership", D(2026, 1, 9))],
            led_by="partnership-executive",
        )
        assert d.next_due == D(2026, 1, 9)
        error = refused(NotAllowed, "escalate", charity[3], d, reason="x")
        assert "last stage" in str(error) and "refer it on" in str(error)

        traveller.move_to(london(2026, 1, 8))
        d, _ = record(
            unit,
            d,
            ["partnership-form", "executive-action"],
            meets=["refer-to-partnership"],
            participants=[charity[3], csc[3], unit],
            approved_by=csc[3],
        )
        advisor = "The Partnership Executive involves an independent professional advisor"
        d = do("refer", unit, d, referred_to=advisor, recommendation="Assessment by the advisor")
        d = send_form(d, "concerns-resolution-form")
        d = do("resolve", unit, d, **resolution())
        resolved_at_top(d, unit, ["escalated"] * 4 + ["resolved"])

    assert trail(d) == [
        "raised",
        "record",
        "approve",
        "escalate",
        "record",
        "approve",
        "escalate",
        "record",
        "approve",
        "submit_form",
        "escalate",
        "record",
        "approve",
        "submit_form",
        "escalate",
        "record",
        "approve",
        "refer",
        "submit_form",
        "resolve",
    ]


# -- Blackpool -----------------------------------------------------------------------------


def test_blackpool_over_easter_2025_keeps_stages_1_to_3_within_15_working_days():
    demo = build_partnership("blackpool")
    school, police = demo.ladder["school"], demo.ladder["police"]
    # England and Wales: Good Friday 18 Apr, Easter Monday 21 Apr, early May bank holiday
    # Mon 5 May 2025.
    with time_machine.travel(london(2025, 4, 16), tick=False) as traveller:
        d = transitions.raise_disagreement(school[0], raise_data(demo, challenged_on="2025-04-15"))
        # From Wed 16 Apr: Thu 17=1, Tue 22=2, 23=3, 24=4, Fri 25 Apr=5. The 15-day cap goes
        # on: 28, 29, 30, 1 May, 2 May=10, Tue 6, 7, 8, 9, Mon 12 May=15.
        at_stage(d, 1, school[0], police[0], D(2025, 4, 25), basis="limit")
        assert (d.cap_due, d.next_due) == (D(2025, 5, 12), D(2025, 4, 25))

        # The police practitioner is off sick: paused Thu 17 Apr, resumed Wed 23 Apr.
        traveller.move_to(london(2025, 4, 17))
        d = do("pause", school[0], d, reason="Practitioner off sick", expected_resume="2025-04-23")
        assert d.next_due == D(2025, 4, 23)
        traveller.move_to(london(2025, 4, 23))
        d = do("resume", school[0], d, note="Back at work")
        # Working days paused whole, between the day it paused and the day it resumed: Good
        # Friday and Easter Monday are holidays, so Tue 22 Apr = 1. Stage 1: Fri 25 Apr, then
        # Mon 28 Apr; the cap: Mon 12 May, then Tue 13 May.
        assert Pause.objects.get(disagreement=d).working_days_paused == 1
        at_stage(d, 1, school[0], police[0], D(2025, 4, 28), basis="limit")
        assert (d.cap_due, d.next_due) == (D(2025, 5, 13), D(2025, 4, 28))

        d, evidence = record(school[0], d, ["evidence-of-concern", "written-record"])
        d = do("approve", school[1], d, record=evidence.pk)
        traveller.move_to(london(2025, 4, 24))
        d = do("escalate", school[0], d, reason="Referral still refused")
        # Stage 2 from Thu 24 Apr: 25, 28, 29, 30, Thu 1 May. The cap is not restarted.
        at_stage(d, 2, school[1], police[1], D(2025, 5, 1), basis="limit")
        assert (d.cap_due, d.next_due) == (D(2025, 5, 13), D(2025, 5, 1))

        traveller.move_to(london(2025, 4, 30))
        error = refused(
            Invalid, "extend", school[1], d, asked_by=police[1].pk, reason="x", new_due="2025-05-05"
        )
        assert "Monday 5 May 2025 is not a working day" in str(error)
        d = do(
            "extend",
            school[1],
            d,
            asked_by=police[1].pk,
            reason="Awaiting the GP's report",
            new_due="2025-05-06",
        )
        extension = Extension.objects.get(episode__disagreement=d)
        assert (extension.old_due, extension.new_due) == (D(2025, 5, 1), D(2025, 5, 6))
        at_stage(d, 2, school[1], police[1], D(2025, 5, 6), basis="limit")

        traveller.move_to(london(2025, 5, 2))
        d, _ = record(police[1], d, ["written-record"], approved_by=police[2])
        d = do("escalate", police[1], d, reason="Still refused")
        # Stage 3 from Fri 2 May: (bank holiday) Tue 6, 7, 8, 9, Mon 12 May; the cap,
        # Tue 13 May, is later.
        at_stage(d, 3, school[2], police[2], D(2025, 5, 12), basis="limit")
        assert (d.cap_due, d.next_due) == (D(2025, 5, 13), D(2025, 5, 12))

        traveller.move_to(london(2025, 5, 8))
        d, _ = record(school[2], d, ["written-record"], approved_by=school[3])
        d = do("escalate", school[2], d, reason="Senior managers cannot agree")
        # Stage 4, the highest level of management, has no limit: reviewed after 5 working
        # days from Thu 8 May: 9, 12, 13, 14, Thu 15 May. The cap covers stages 1-3 only: kept
        # on record but no longer a deadline.
        at_stage(d, 4, school[3], police[3], D(2025, 5, 15))
        assert (d.cap_due, d.next_due) == (D(2025, 5, 13), D(2025, 5, 15))

        # The top stage names nowhere to refer on to: it is resolved there.
        error = refused(
            NotAllowed, "refer", police[3], d, referred_to="MASA Team", recommendation="x"
        )
        assert "nowhere to refer on to" in str(error)
        error = refused(NotAllowed, "escalate", police[3], d, reason="x")
        assert "last stage" in str(error)

        traveller.move_to(london(2025, 5, 12))
        d, _ = record(
            police[3], d, ["written-record"], outcome="resolved", approved_by=demo.lead["police"]
        )
        d = do("resolve", police[3], d, **resolution())
        resolved_at_top(d, police[3], ["escalated", "escalated", "escalated", "resolved"])
        assert Resolution.objects.filter(disagreement=d).count() == 1
        assert set(Participant.objects.filter(disagreement=d).values_list("user", flat=True)) == {
            p.pk for p in school + police
        }

    assert trail(d) == [
        "raised",
        "pause",
        "resume",
        "record",
        "approve",
        "escalate",
        "extend",
        "record",
        "approve",
        "escalate",
        "record",
        "approve",
        "escalate",
        "record",
        "approve",
        "resolve",
    ]
