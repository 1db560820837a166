"""Every change writes the notices it causes, in its own transaction, and says no more than
it must: the reference, the stage, the dates, the agencies and a link."""

import datetime
import html

import pytest
import time_machine

from rpd.disagreements import transitions
from rpd.notifications import outbox
from rpd.notifications.models import Kind, Notice
from rpd.people.demo import build_partnership
from tests.disagreements.helpers import discuss, escalate, fresh, raise_data, send_forms

pytestmark = pytest.mark.django_db

MONDAY = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC)


def notices(d, kind=None):
    rows = Notice.objects.filter(disagreement=d)
    return rows.filter(kind=kind) if kind else rows


def recipients(d, kind):
    return {n.recipient for n in notices(d, kind)}


def climb_to(demo, d, stage):
    """Escalate stage by stage, each time by the raising side's current actor."""
    while fresh(d).stage < stage:
        actor = fresh(d).current_episode().raising_actor
        discuss(actor, d)
        escalate(actor, d)
    return fresh(d)


@pytest.fixture
def stoke():
    with time_machine.travel(MONDAY, tick=False):
        yield build_partnership("stoke-on-trent")


def raise_in(demo, **overrides):
    return transitions.raise_disagreement(
        demo.ladder["csc"][0], raise_data(demo, challenged_on="2026-02-27", **overrides)
    )


@time_machine.travel(MONDAY, tick=False)
def test_raising_tells_the_other_side_its_stage_has_started(stoke):
    d = raise_in(stoke)
    assert recipients(d, Kind.STAGE_STARTED) == {stoke.ladder["police"][0]}


@time_machine.travel(MONDAY, tick=False)
def test_the_raiser_is_acknowledged_with_reference_pathway_first_deadline_and_next_steps(stoke):
    raiser = stoke.ladder["csc"][0]
    d = raise_in(stoke, summary="Robin said the bruises came from home")
    [ack] = notices(d, Kind.RAISED_ACKNOWLEDGEMENT)
    assert ack.recipient == raiser
    assert ack.subject == f"{d.reference}: your disagreement has been raised"
    for shown in (ack.body_text, ack.body_html):
        assert d.reference in shown
        assert "Stoke-on-Trent concerns resolution process" in shown
        # Raising it met stage 1's milestone (raise the matter with the other practitioner):
        # the first deadline left is the stage's own review date.
        due = d.current_episode().due
        # Stage 1 has no limit in the policy: its date is a review date, and says so.
        assert (
            f"Review date: stage 1 to be reviewed by {due:%A} {due.day} {due:%B %Y} "
            "(the policy sets this stage no deadline)"
        ) in shown
        assert "First deadline" not in shown
        assert "Raise the matter with the other practitioner" not in shown
        assert "What happens next: Discuss immediately with colleagues" in shown
        assert f"/disagreements/{d.pk}/" in shown
        assert "Robin" not in shown and "bruises" not in shown


@time_machine.travel(MONDAY, tick=False)
def test_stage_1_in_stoke_on_trent_informs_the_lead_professional_in_writing(stoke):
    iro = stoke.colleague["csc"]
    d = raise_in(stoke, lead_professional=iro.pk)
    [notice] = notices(d, Kind.PATHWAY)
    assert notice.recipient == iro
    assert "for information and monitoring" in notice.body_text


@time_machine.travel(MONDAY, tick=False)
def test_without_a_lead_professional_stoke_stage_1_sends_no_such_notice(stoke):
    d = raise_in(stoke)
    assert not notices(d, Kind.PATHWAY).exists()


@time_machine.travel(MONDAY, tick=False)
def test_stage_3_in_stoke_on_trent_notifies_the_partnership_with_its_form(stoke):
    d = climb_to(stoke, raise_in(stoke), 3)
    [notice] = notices(d, Kind.PATHWAY)
    assert notice.recipient == stoke.unit
    assert "Professionals Concerns Resolutions Notifications and Outcomes Form" in notice.body_text
    # It links to the form's page, where the partnership reads what was submitted.
    assert f"/disagreements/{d.pk}/forms/concerns-resolution-form/" in notice.body_text
    d = climb_to(stoke, d, 5)
    to_unit = notices(d, Kind.PATHWAY).filter(recipient=stoke.unit)
    # Stages 3, 4 and 5 start: once each; and the form, sent before stages 3 and 4 closed.
    assert to_unit.exclude(subject__contains="submitted").count() == 3
    submitted = to_unit.filter(subject__contains="submitted")
    assert submitted.count() == 2
    assert all("/forms/concerns-resolution-form/" in n.body_text for n in submitted)


@time_machine.travel(MONDAY, tick=False)
def test_escalating_tells_both_sides_starts_the_next_and_gives_the_raiser_feedback(stoke):
    d = raise_in(stoke)
    d = climb_to(stoke, d, 2)
    assert recipients(d, Kind.ESCALATED) == {stoke.ladder["police"][0]}  # the raiser acted
    assert recipients(d, Kind.STAGE_STARTED) >= {stoke.ladder["csc"][1], stoke.ladder["police"][1]}
    # The raiser escalated stage 1 themself: feedback starts when others act for them.
    d = climb_to(stoke, d, 3)
    assert stoke.ladder["csc"][0] in recipients(d, Kind.FEEDBACK)


@time_machine.travel(MONDAY, tick=False)
def test_resolving_tells_every_party_and_the_raiser_without_sending_what_was_agreed(stoke):
    d = raise_in(stoke)
    discuss(stoke.ladder["csc"][0], d, outcome="resolved")
    d = fresh(d)
    agreed = {
        "agreed_outcome": "A home visit within two working days",
        "next_steps": "Strategy discussion booked",
        "written_confirmation": "Confirmed by email to both agencies.",
        "feedback_to_raiser": "Your challenge led to a home visit.",
    }
    transitions.perform("resolve", stoke.ladder["police"][0], d.pk, d.version, agreed)
    resolved = notices(d, Kind.RESOLVED)
    assert {n.recipient for n in resolved} == {stoke.ladder["csc"][0], stoke.ladder["police"][0]}
    # One change, one email a person: the raiser, who took part, reads in the one email that
    # the feedback for them is on the page (a second saying the same was the try-out's).
    assert not notices(d, Kind.FEEDBACK).exists()
    [raisers] = resolved.filter(recipient=stoke.ladder["csc"][0])
    assert "the feedback for you, as the one who raised it" in raisers.body_text
    for notice in resolved:
        assert "resolved at stage 1" in notice.body_text
        assert f"/disagreements/{d.pk}/" in notice.body_text
        for text in agreed.values():
            for shown in (notice.subject, notice.body_text, notice.body_html):
                assert text not in shown


def test_an_email_context_that_holds_a_model_instance_is_refused(stoke):
    d = raise_in(stoke)
    with pytest.raises(TypeError, match="'details.about' is a Disagreement"):
        outbox.queue(
            partnership=d.partnership,
            kind=Kind.CHANGED,
            to_user=stoke.ladder["csc"][0],
            disagreement=d,
            subject=f"{d.reference}: test",
            template="transition",
            context={"message": "m", "stage": d.pack.stage(1), "details": [{"about": d}]},
        )


@pytest.mark.parametrize(
    ("pathway", "stage", "who"),
    [("jersey", 4, "chair"), ("hillingdon", 4, "unit"), ("blackpool", 4, "unit")],
)
def test_the_upper_stage_notices_each_pathway_requires(pathway, stage, who):
    with time_machine.travel(MONDAY, tick=False):
        demo = build_partnership(pathway)
        d = climb_to(demo, raise_in(demo), stage)
        assert getattr(demo, who) in recipients(d, Kind.PATHWAY)


@time_machine.travel(MONDAY, tick=False)
def test_cambridgeshire_informs_the_independent_chair_when_unresolved_at_the_top():
    demo = build_partnership("cambridgeshire")
    d = climb_to(demo, raise_in(demo), 4)
    assert demo.chair not in recipients(d, Kind.PATHWAY)
    discuss(demo.unit, d, outcome="unresolved")
    assert demo.chair in recipients(d, Kind.PATHWAY)


@time_machine.travel(MONDAY, tick=False)
def test_blackpool_tells_the_masa_team_at_once_of_non_involvement_in_life_threatening_risk():
    demo = build_partnership("blackpool")
    d = raise_in(demo, risk="immediate")
    # Nothing is inferred from the risk chosen at raise: a position is reported, or not.
    assert demo.unit not in recipients(d, Kind.PATHWAY)
    report = {"risk": "immediate", "non_involvement": True, "reason": "Will not attend."}
    transitions.perform("raise_risk", demo.ladder["csc"][0], d.pk, fresh(d).version, report)
    assert demo.unit in recipients(d, Kind.PATHWAY)


@time_machine.travel(MONDAY, tick=False)
def test_no_notice_carries_the_subjects_identity_or_special_category_data(stoke):
    d = climb_to(stoke, raise_in(stoke, lead_professional=stoke.colleague["csc"].pk), 4)
    subject = d.subject
    secrets = [
        subject.given_name,
        subject.family_name,
        subject.nhs_number,
        subject.address,
        "2019-03-14",
        "14 March 2019",
    ]
    assert notices(d).count() > 5
    for notice in notices(d):
        for text in (notice.subject, notice.body_text, notice.body_html):
            assert not any(secret in text for secret in secrets), notice
        assert f"/disagreements/{d.pk}/" in notice.body_text


@time_machine.travel(MONDAY, tick=False)
def test_a_refused_change_writes_no_notice(stoke):
    d = raise_in(stoke)
    before = Notice.objects.count()
    with pytest.raises(transitions.Invalid):
        transitions.perform("pause", stoke.ladder["csc"][0], d.pk, d.version, {"reason": ""})
    assert Notice.objects.count() == before


@time_machine.travel(MONDAY, tick=False)
def test_a_person_without_an_email_address_is_named_to_the_administrators_once(stoke):
    police = stoke.ladder["police"][0]
    police.email = ""
    police.save(update_fields=["email"])
    d = raise_in(stoke)  # stage 1 has started: the receiving practitioner is told
    discuss(stoke.ladder["csc"][0], d, outcome="ongoing", covers=[])  # a record to approve
    assert not Notice.objects.filter(recipient=police).exists()
    [told] = Notice.objects.filter(kind=Kind.NO_ADDRESS)
    assert told.recipient == stoke.admin
    assert told.subject == f"{police.display_name} has no email address"
    assert police.username in told.body_text and police.display_name in told.body_html
    for text in (told.subject, told.body_text, told.body_html):
        assert d.summary not in text and d.subject.family_name not in text


# -- Notices reach the people the policy names (issue 8, items 2 and 3) --------------------


AGREED = {
    "agreed_outcome": "The panel's agreed method: a joint visit this week",
    "next_steps": "Joint visit booked by both agencies",
    "written_confirmation": "Written response sent to the referrer by email.",
    "feedback_to_raiser": "Your referral led to a joint visit.",
}


def resolve(actor, d):
    discuss(actor, d, outcome="resolved")
    d = send_forms(actor, d)  # the stage's form, where the pathway names one, goes first
    return transitions.perform("resolve", actor, d.pk, d.version, AGREED)


def refer(actor, d, option: int, recommendation="Both agencies meet with the chair this week."):
    d = fresh(d)
    name = d.pack.stage(d.stage).referral_names[option]
    data = {"referred_to": name, "recommendation": recommendation}
    return transitions.perform("refer", actor, d.pk, d.version, data)


def mailboxes(d, kind=Kind.PATHWAY):
    return {n.to_address for n in notices(d, kind).filter(recipient=None)}


@time_machine.travel(MONDAY, tick=False)
def test_hillingdon_copies_of_the_written_response_go_to_the_other_involved_agencies():
    demo = build_partnership("hillingdon")
    school = demo.agencies["school"]
    d = climb_to(demo, raise_in(demo, copied_agencies=[school.pk]), 4)
    d = resolve(demo.unit, d)
    copies = notices(d, Kind.PATHWAY).filter(subject__contains="Copy of the written response")
    assert {n.recipient for n in copies} == {demo.lead["school"]}
    for notice in copies:
        assert f"/disagreements/{d.pk}/" in notice.body_text
        for text in AGREED.values():
            assert text not in notice.body_text and text not in notice.body_html
    # The referrer (the raising agency's operations manager who referred it) gets the
    # written response itself.
    assert demo.ladder["csc"][2] in recipients(d, Kind.RESOLVED)


@time_machine.travel(MONDAY, tick=False)
def test_hillingdon_an_agency_copied_in_later_gets_the_copy_through_its_named_person():
    demo = build_partnership("hillingdon")
    d = climb_to(demo, raise_in(demo), 4)
    named = demo.ladder["health"][1]
    d = transitions.perform(
        "add_party",
        demo.ladder["csc"][2],
        d.pk,
        d.version,
        {"agency": demo.agencies["health"].pk, "person": named.pk},
    )
    d = resolve(demo.unit, d)
    copies = notices(d, Kind.PATHWAY).filter(subject__contains="Copy of the written response")
    assert {n.recipient for n in copies} == {named}


@time_machine.travel(MONDAY, tick=False)
def test_hillingdon_without_other_involved_agencies_the_copy_goes_to_no_lead_professional():
    demo = build_partnership("hillingdon")
    d = climb_to(demo, raise_in(demo, lead_professional=demo.colleague["csc"].pk), 4)
    d = resolve(demo.unit, d)
    assert not notices(d, Kind.PATHWAY).filter(subject__contains="Copy of the written").exists()


@pytest.mark.parametrize(("kind", "board", "other"), [
    ("child", "children-board-chair", "adults-board-chair"),
    ("adult", "adults-board-chair", "children-board-chair"),
])  # fmt: skip
def test_hillingdon_referring_to_the_board_chair_tells_the_chair_of_the_subjects_board(
    kind, board, other
):
    with time_machine.travel(MONDAY, tick=False):
        demo = build_partnership("hillingdon")
        d = climb_to(demo, raise_in(demo, subject_kind=kind), 4)
        d = refer(demo.unit, d, 2)
    assert demo.holders[board].mailbox in mailboxes(d)
    assert demo.holders[other].mailbox not in mailboxes(d)


@time_machine.travel(MONDAY, tick=False)
def test_hillingdon_escalating_to_the_executive_leadership_group_tells_the_group():
    demo = build_partnership("hillingdon")
    d = climb_to(demo, raise_in(demo), 4)
    d = refer(demo.unit, d, 3)
    [told] = notices(d, Kind.PATHWAY).filter(
        to_address=demo.holders["executive-leadership-group"].mailbox
    )
    assert "Executive Leadership Group" in told.body_text
    assert f"/disagreements/{d.pk}/" in told.body_text
    assert "Both agencies meet" not in told.body_text  # the recommendation stays on the page


@time_machine.travel(MONDAY, tick=False)
def test_stoke_the_independent_professional_advisor_notice_goes_to_the_advisor_not_the_chair():
    demo = build_partnership("stoke-on-trent")
    d = climb_to(demo, raise_in(demo), 5)
    discuss(demo.unit, d, outcome="unresolved")
    d = refer(demo.unit, d, 1)
    advisor = demo.holders["independent-advisor"].mailbox
    assert advisor in mailboxes(d)
    assert demo.chair not in recipients(d, Kind.PATHWAY)


@time_machine.travel(MONDAY, tick=False)
def test_stoke_the_executive_acting_with_both_parties_involves_no_advisor():
    demo = build_partnership("stoke-on-trent")
    d = climb_to(demo, raise_in(demo), 5)
    d = refer(demo.unit, d, 0)
    assert demo.holders["independent-advisor"].mailbox not in mailboxes(d)


@time_machine.travel(MONDAY, tick=False)
def test_cambridgeshire_considering_a_learning_activity_does_not_tell_the_chair_no_resolution():
    demo = build_partnership("cambridgeshire")
    d = climb_to(demo, raise_in(demo), 4)
    d = refer(demo.unit, d, 1)
    assert demo.chair not in recipients(d, Kind.PATHWAY)
    assert (
        not notices(d).filter(body_text__contains="informed that there is no resolution").exists()
    )


@time_machine.travel(MONDAY, tick=False)
def test_cambridgeshire_informing_the_independent_chair_tells_the_chair_there_is_no_resolution():
    demo = build_partnership("cambridgeshire")
    d = climb_to(demo, raise_in(demo), 4)
    d = refer(demo.unit, d, 0)
    [told] = notices(d, Kind.PATHWAY).filter(recipient=demo.chair)
    assert "no resolution" in told.body_text


@time_machine.travel(MONDAY, tick=False)
def test_stoke_the_partnership_gets_the_outcome_on_the_same_form_for_a_case_it_was_told_of(
    stoke,
):
    d = climb_to(stoke, raise_in(stoke), 3)
    d = resolve(stoke.ladder["csc"][2], d)
    [outcome] = notices(d, Kind.PATHWAY).filter(subject__contains="told the outcome")
    assert outcome.recipient == stoke.unit
    assert "Professionals Concerns Resolutions Notifications and Outcomes Form" in outcome.body_text
    assert f"/disagreements/{d.pk}/" in outcome.body_text
    for text in AGREED.values():
        assert text not in outcome.body_text


@time_machine.travel(MONDAY, tick=False)
def test_stoke_a_case_resolved_before_the_partnership_was_told_sends_it_no_outcome(stoke):
    d = resolve(stoke.ladder["csc"][1], climb_to(stoke, raise_in(stoke), 2))
    assert stoke.unit not in recipients(d, Kind.PATHWAY)


@time_machine.travel(MONDAY, tick=False)
def test_jersey_the_chairs_recommendation_is_communicated_to_all_involved(client, settings):
    settings.RPD_REQUIRE_MFA = False  # the second factor is specified in tests/people
    demo = build_partnership("jersey")
    d = climb_to(demo, raise_in(demo), 4)
    recommendation = "Both agencies hold a joint strategy meeting within five working days."
    d = refer(demo.chair, d, 0, recommendation)
    everyone = {p.user for p in d.participants.select_related("user")}
    assert len(everyone) == 6  # both sides at stages 1 to 3 (stage 4's are stage 3's)
    told = {
        n.recipient for n in notices(d, Kind.PATHWAY).filter(subject__contains="recommendation")
    }
    assert told == everyone
    for notice in notices(d):
        assert recommendation not in notice.body_text
    client.force_login(demo.ladder["police"][0])  # took part at stage 1 only
    page = client.get(f"/disagreements/{d.pk}/")
    assert page.status_code == 200
    assert recommendation in page.content.decode()


def _copy_in(demo, d, agency_key, person=None):
    data = {"agency": demo.agencies[agency_key].pk, "person": person.pk if person else ""}
    actor = fresh(d).current_episode().raising_actor
    return transitions.perform("add_party", actor, d.pk, fresh(d).version, data)


@time_machine.travel(MONDAY, tick=False)
def test_hillingdon_the_copied_agency_reads_the_written_response_on_the_page_its_copy_links_to(
    client, settings
):
    settings.RPD_REQUIRE_MFA = False  # the second factor is specified in tests/people
    demo = build_partnership("hillingdon")
    named = demo.ladder["school"][1]
    d = climb_to(demo, _copy_in(demo, raise_in(demo), "school", named), 4)
    d = resolve(demo.unit, d)
    [copy] = notices(d, Kind.PATHWAY).filter(subject__contains="Copy of the written response")
    assert copy.recipient == named

    client.force_login(named)
    page = client.get(f"/disagreements/{d.pk}/")

    assert page.status_code == 200
    text = html.unescape(page.content.decode())
    for written in AGREED.values():
        assert written in text  # the written response, its outcome and next steps
    assert "Robin Testchild" in text  # whom it is about, for the school's own record
    # Not the two agencies' case: their summary, records and the partnership's form.
    assert "Three bruises seen in four weeks" not in text
    assert "Records of discussions" not in text
    assert "Record a discussion" not in text
    for form_id in d.pack.stage(4).forms:
        assert client.get(f"/disagreements/{d.pk}/forms/{form_id}/").status_code == 404


@time_machine.travel(MONDAY, tick=False)
def test_jersey_an_agency_copied_in_is_told_the_chairs_recommendation_and_reads_it(
    client, settings
):
    settings.RPD_REQUIRE_MFA = False
    demo = build_partnership("jersey")
    d = climb_to(demo, _copy_in(demo, raise_in(demo), "school"), 4)
    recommendation = "Both agencies hold a joint strategy meeting within five working days."
    d = refer(demo.chair, d, 0, recommendation)
    lead = demo.lead["school"]
    told = {
        n.recipient for n in notices(d, Kind.PATHWAY).filter(subject__contains="recommendation")
    }
    assert lead in told

    client.force_login(lead)
    page = client.get(f"/disagreements/{d.pk}/")

    assert page.status_code == 200
    assert recommendation in page.content.decode()


@time_machine.travel(MONDAY, tick=False)
def test_a_hand_over_tells_the_raiser_once_not_as_a_change_and_again_as_feedback(stoke):
    d = raise_in(stoke)
    raiser, receiver = stoke.ladder["csc"][0], stoke.ladder["police"][0]
    before = set(notices(d).filter(recipient=raiser).values_list("pk", flat=True))
    transitions.perform(
        "hand_over",
        receiver,
        d.pk,
        fresh(d).version,
        {"side": "receiving", "to_user": stoke.colleague["police"].pk, "reason": "On leave"},
    )
    told = notices(d).filter(recipient=raiser).exclude(pk__in=before)
    assert [n.kind for n in told] == [Kind.CHANGED]
    assert stoke.colleague["police"] in recipients(d, Kind.CHANGED)  # who now acts is told


@time_machine.travel(MONDAY, tick=False)
def test_the_notices_of_an_escalation_take_the_new_stage_from_the_change_however_many_are_told(
    stoke,
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    d = raise_in(stoke)
    actor = fresh(d).current_episode().raising_actor
    discuss(actor, d)
    before = notices(d).count()
    with CaptureQueriesContext(connection) as captured:
        escalate(actor, d)
    told = notices(d).count() - before
    # The new stage's episode, for its due date in each notice: the change opened it and
    # holds it, so no notice reads it again.
    stage_read = [
        q["sql"]
        for q in captured.captured_queries
        if '"disagreements_stageepisode"."number" = 2)' in q["sql"]
        and '"disagreements_stageepisode"."disagreement_id" =' in q["sql"]
    ]
    assert told >= 2
    assert stage_read == []
    # Nor the agencies each notice names: read with the case the change locked.
    agency_read = [
        q["sql"] for q in captured.captured_queries if 'FROM "people_agency"' in q["sql"]
    ]
    assert agency_read == []


@time_machine.travel(MONDAY, tick=False)
def test_an_agreed_extension_is_told_with_its_dates_in_words_and_the_raiser_told_what_changed(
    stoke,
):
    raiser = stoke.ladder["csc"][0]
    d = climb_to(stoke, raise_in(stoke), 2)  # the raiser no longer acts for the case
    episode = d.current_episode()
    new_due = d.partnership.working_calendar().add_working_days(episode.due, 3)
    transitions.perform(
        "extend", episode.raising_actor, d.pk, d.version,
        {"asked_by": episode.receiving_actor.pk, "reason": "Needs a week",
         "new_due": new_due.isoformat()},
    )  # fmt: skip
    day = f"{new_due:%A} {new_due.day} {new_due:%B %Y}"
    [told] = notices(d, Kind.CHANGED).filter(subject__endswith="deadline extended")
    assert day in told.body_text and new_due.isoformat() not in told.body_text
    [feedback] = notices(d, Kind.FEEDBACK).filter(recipient=raiser)
    assert feedback.subject.endswith(": deadline extended")
    assert day in feedback.body_text


@time_machine.travel(MONDAY, tick=False)
def test_an_unresolved_record_once_approved_asks_each_side_to_escalate_it_by_email(stoke):
    """Stoke-on-Trent: "If the issue is not resolved … escalate to stage 2". The case page
    says "You must escalate it" once the record is approved; whoever it asks learns it
    from an email too, not only by happening to open the page."""
    d = raise_in(stoke)
    raiser, police = stoke.ladder["csc"][0], stoke.ladder["police"][0]
    discuss(raiser, d, approve=False)
    assert not notices(d, Kind.ASKED).exists()  # a record waiting asks its approver only
    approver = stoke.ladder["csc"][1]
    record = fresh(d).records.latest("pk")
    d = transitions.perform("approve", approver, d.pk, fresh(d).version, {"record": record.pk})
    asked = {step["name"]: set(step["people"]) for step in d.next_steps}
    assert asked == {"escalate": {raiser.pk, police.pk}}
    told = notices(d, Kind.ASKED)
    assert {n.recipient for n in told} == {raiser, police}
    for notice in told:
        assert "escalate it to stage 2" in notice.body_text
        assert "positions and evidence" not in notice.body_text  # never the record's text
    # Asked once: another change that leaves the same step asks no one again.
    transitions.perform("add_case_reference", police, d.pk, d.version, {"reference": "POL-0001"})
    assert notices(d, Kind.ASKED).count() == 2


@time_machine.travel(MONDAY, tick=False)
def test_a_resolved_record_once_approved_asks_each_side_to_resolve_it_by_email(stoke):
    d = raise_in(stoke)
    raiser = stoke.ladder["csc"][0]
    discuss(raiser, d, outcome="resolved")
    told = notices(d, Kind.ASKED)
    assert {n.recipient for n in told} == {raiser, stoke.ladder["police"][0]}
    assert all("resolve it, as the record agreed" in n.body_text for n in told)


@time_machine.travel(MONDAY, tick=False)
def test_whoever_a_change_has_already_told_what_to_do_is_not_asked_again_by_a_second_email(stoke):
    d = raise_in(stoke)
    raiser = stoke.ladder["csc"][0]
    discuss(raiser, d, approve=False)
    # The approver is asked by the record's own notice, not by a second one.
    assert not notices(d, Kind.ASKED).exists()
    assert recipients(d, Kind.RECORD_TO_APPROVE) == {stoke.ladder["csc"][1]}
    # Escalating tells the new stage's actors what is asked of them as the stage starts.
    record = fresh(d).records.latest("pk")
    approver = stoke.ladder["csc"][1]
    transitions.perform("approve", approver, d.pk, fresh(d).version, {"record": record.pk})
    before = set(notices(d, Kind.ASKED).values_list("pk", flat=True))
    escalate(raiser, d)
    assert not notices(d, Kind.ASKED).exclude(pk__in=before).exists()


@time_machine.travel(MONDAY, tick=False)
def test_stoke_stage_2_tells_its_managers_the_line_managers_contact_due_before_the_stage(stoke):
    """Stoke-on-Trent stage 2: the line managers make contact within one working day, the
    stage has longer: the email that starts the stage names the sooner date too."""
    d = climb_to(stoke, raise_in(stoke), 2)
    episode = d.current_episode()
    [milestone] = episode.milestones.filter(met_at__isnull=True, due__lt=episode.due)
    day = f"{milestone.due:%A} {milestone.due.day} {milestone.due:%B %Y}"
    started = notices(d, Kind.STAGE_STARTED).filter(recipient=episode.receiving_actor).get()
    assert f"Contact between the agencies' line managers: due {day}" in started.body_text
    assert f"Contact between the agencies' line managers: due {day}" in html.unescape(
        started.body_html
    )


@time_machine.travel(MONDAY, tick=False)
def test_a_confirmation_or_contest_is_told_by_the_agency_that_made_it_not_as_the_other_side(
    stoke,
):
    """Everyone on the case is told, the confirmer's own side too: "the other side" would
    tell the raiser their own manager was the other side."""
    agreed = {
        "agreed_outcome": "A home visit within two working days",
        "next_steps": "Strategy discussion booked",
        "written_confirmation": "Confirmed by email to both agencies.",
        "feedback_to_raiser": "Your challenge led to a home visit.",
    }
    police = stoke.agencies["police"].name
    for then in ("confirm_resolution", "contest_resolution"):
        d = raise_in(stoke)
        discuss(stoke.ladder["csc"][0], d, outcome="resolved")
        d = transitions.perform("resolve", stoke.ladder["csc"][0], d.pk, fresh(d).version, agreed)
        before = set(notices(d).values_list("pk", flat=True))
        data = (
            {} if then == "confirm_resolution" else {"reason": "The plan leaves the child at risk."}
        )
        transitions.perform(then, stoke.ladder["police"][0], d.pk, d.version, data)
        told = notices(d, Kind.CHANGED).exclude(pk__in=before)
        assert told.exists()
        for notice in told:
            assert "other side" not in notice.body_text, notice.body_text
            assert police in notice.body_text, notice.body_text


@time_machine.travel(MONDAY, tick=False)
def test_an_agency_copied_in_on_the_outcome_is_told_it_is_resolved_once(stoke):
    """The copied agency's page says it is "copied in on its outcome": the outcome is
    told to it (its safeguarding leads, or its named person), once, without its text."""
    school = stoke.agencies["school"]
    d = raise_in(stoke, copied_agencies=[school.pk])
    discuss(stoke.ladder["csc"][0], d, outcome="resolved")
    agreed = {
        "agreed_outcome": "A home visit within two working days",
        "next_steps": "Strategy discussion booked",
        "written_confirmation": "Confirmed by email to both agencies.",
        "feedback_to_raiser": "Your challenge led to a home visit.",
    }
    transitions.perform("resolve", stoke.ladder["police"][0], d.pk, fresh(d).version, agreed)
    told = notices(d).filter(recipient=stoke.lead["school"])
    assert [n.kind for n in told] == [Kind.RESOLVED]
    assert "resolved at stage 1" in told[0].body_text
    for text in agreed.values():
        assert text not in told[0].body_text and text not in told[0].body_html


def test_hillingdon_a_copied_agency_gets_the_written_responses_copy_and_no_second_email():
    demo = build_partnership("hillingdon")
    school = demo.agencies["school"]
    d = climb_to(demo, raise_in(demo, copied_agencies=[school.pk]), 4)
    d = resolve(demo.unit, d)
    assert [n.kind for n in notices(d).filter(recipient=demo.lead["school"])] == [Kind.PATHWAY]


@time_machine.travel(MONDAY, tick=False)
def test_the_stage_started_email_gives_the_pathways_words_for_the_stage_as_the_pathways(stoke):
    """Each pathway describes a stage in its own words, often as instructions to the one
    who raises it ("State your concerns clearly"): the other side reads them as what the
    pathway says of the stage, not as an instruction to them."""
    d = raise_in(stoke)
    [started] = notices(d, Kind.STAGE_STARTED)
    summary = d.pack.stage(1).summary
    assert f"What the pathway says of stage 1: {summary}" in started.body_text


@time_machine.travel(MONDAY, tick=False)
def test_a_resume_on_the_day_it_paused_says_so(stoke):
    d = raise_in(stoke)
    actor = stoke.ladder["csc"][0]
    resume = d.partnership.working_calendar().add_working_days(MONDAY.date(), 3)
    d = transitions.perform(
        "pause", actor, d.pk, d.version,
        {"reason": "Waiting for a medical", "expected_resume": resume.isoformat()},
    )  # fmt: skip
    transitions.perform("resume", actor, d.pk, d.version, {"note": "The medical is done."})
    [told] = notices(d, Kind.CHANGED).filter(subject__endswith="resumed")
    assert "0 working days" not in told.body_text
    assert "Resumed the same working day it was paused" in told.body_text


def test_an_email_about_a_stage_past_its_date_says_the_stage_is_overdue():
    """Blackpool's stage 1 has 5 working days (Stoke-on-Trent's a review date, which is
    not broken by passing)."""
    with time_machine.travel(MONDAY, tick=False):
        blackpool = build_partnership("blackpool")
        d = raise_in(blackpool)
    due = fresh(d).current_episode().due
    assert not fresh(d).current_episode().due_is_review
    with time_machine.travel(MONDAY + datetime.timedelta(days=21), tick=False):
        discuss(blackpool.ladder["csc"][0], d, approve=False)
    [asked] = notices(d, Kind.RECORD_TO_APPROVE)
    day = f"{due:%A} {due.day} {due:%B %Y}"
    assert f"Stage due: {day} (overdue)" in asked.body_text
    assert "(overdue)" in asked.body_html


@time_machine.travel(MONDAY, tick=False)
def test_a_case_raised_as_urgent_says_so_in_every_email_about_it(stoke):
    """The raiser's "This is urgent" is what the other side most needs to know first; the
    case page shows it, and so does each email (a fact, never the reason)."""
    d = raise_in(stoke, urgent=True)
    told = notices(d)
    assert told.exists()
    for notice in told:
        assert "Marked urgent by the person who raised it" in notice.body_text
        assert "Marked urgent by the person who raised it" in notice.body_html
    calm = raise_in(stoke)
    assert not any("Marked urgent" in n.body_text for n in notices(calm))


@time_machine.travel(MONDAY, tick=False)
def test_a_raiser_who_is_told_nothing_else_is_sent_the_feedback_when_it_is_resolved(stoke):
    """At stage 2 the raiser's managers act; the raiser, who took part at stage 1, is told
    once: in the resolution's email to those who took part, or as feedback."""
    raiser = stoke.ladder["csc"][0]
    d = climb_to(stoke, raise_in(stoke), 2)
    episode = fresh(d).current_episode()
    discuss(episode.raising_actor, d, outcome="resolved")
    agreed = {
        "agreed_outcome": "A home visit within two working days",
        "next_steps": "Strategy discussion booked",
        "written_confirmation": "Confirmed by email to both agencies.",
        "feedback_to_raiser": "Your challenge led to a home visit.",
    }
    before = set(notices(d).values_list("pk", flat=True))
    transitions.perform("resolve", episode.raising_actor, d.pk, fresh(d).version, agreed)
    [told] = notices(d).filter(recipient=raiser).exclude(pk__in=before)
    assert "feedback for you" in told.body_text
