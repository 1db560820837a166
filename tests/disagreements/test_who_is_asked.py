"""One rule decides who is asked and who may act: the people a next step names, on My work,
on the case page and in the notices, are those the transition's own rule lets do it."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rpd.audit import log
from rpd.audit.models import Event
from rpd.disagreements import access, presenters, queries, transitions
from rpd.notifications.models import Kind, Notice
from rpd.pathways.calendar import LONDON
from rpd.people.backends import UserBackend
from rpd.people.demo import build_partnership

from .helpers import discuss, fresh, raise_data

MONDAY = datetime.datetime(2026, 11, 30, 10, tzinfo=LONDON)


def told_on_my_work(person, d) -> str:
    person = UserBackend().get_user(person.pk)
    [row] = [r for r in queries.work_rows(person) if r.pk == d.pk]
    names = presenters.people_named([row.next_steps])
    return presenters.next_step(row.next_steps, person, names).what


def asked_by_notice(d, kind=Kind.RECORD_TO_APPROVE) -> set[int]:
    return set(Notice.objects.filter(disagreement=d, kind=kind).values_list("recipient", flat=True))


def a_colleague_on_the_same_rung(person):
    return type(person).objects.create_user(
        username="acting.sergeant",
        email="acting.sergeant@example.org",
        first_name="Rowan",
        last_name="Acting",
        agency=person.agency,
        rung=person.rung,
        line_manager=person.line_manager,
    )


@pytest.fixture
def stage_1_record_by_the_police_officer(db):
    demo = build_partnership("stoke-on-trent")
    social_worker, officer = demo.ladder["csc"][0], demo.ladder["police"][0]
    with time_machine.travel(MONDAY):
        d = transitions.raise_disagreement(social_worker, raise_data(demo, "police"))
        d = discuss(officer, d, outcome="unresolved", approve=False)
    return demo, fresh(d)


def test_a_stage_1_record_by_the_police_officer_asks_their_sergeant_not_the_social_worker(
    stage_1_record_by_the_police_officer, client
):
    demo, d = stage_1_record_by_the_police_officer
    social_worker, officer = demo.ladder["csc"][0], demo.ladder["police"][0]
    sergeant = demo.ladder["police"][1]
    record = d.records.get()

    assert told_on_my_work(sergeant, d).startswith("You must approve the record")
    assert not told_on_my_work(social_worker, d).startswith("You must")
    assert sergeant.display_name in told_on_my_work(social_worker, d)
    assert asked_by_notice(d) == {sergeant.pk}

    client.force_login(social_worker)
    page = client.get(f"/disagreements/{d.pk}/").text
    assert "You must approve" not in page
    client.force_login(sergeant)
    page = client.get(f"/disagreements/{d.pk}/").text
    assert "You must approve the record" in page

    d = transitions.perform("approve", sergeant, d.pk, d.version, {"record": record.pk})
    assert d.records.get().approved_by == sergeant
    assert officer.pk not in {
        p for s in d.next_steps for p in s["people"] if s["name"] == "approve"
    }


def test_two_records_of_one_day_waiting_for_approval_are_asked_for_by_their_times(
    stage_1_record_by_the_police_officer,
):
    """Two discussions on 30 November: "the record of the discussion on 30 November"
    would not say which. discuss() dates each five minutes before it is recorded."""
    demo, d = stage_1_record_by_the_police_officer
    with time_machine.travel(MONDAY + datetime.timedelta(hours=4, minutes=30)):
        d = discuss(demo.ladder["police"][0], d, outcome="ongoing", approve=False)
    asked = sorted(s["what"] for s in fresh(d).next_steps if s["name"] == "approve")
    assert asked == [
        "approve the record of the discussion on 30 November at 2:25pm",
        "approve the record of the discussion on 30 November at 9:55am",
    ]


def test_the_person_named_in_every_next_step_may_take_it(stage_1_record_by_the_police_officer):
    demo, d = stage_1_record_by_the_police_officer
    episode = d.current_episode()
    for step in transitions.next_steps(d, episode):
        assert step.people
        for pk in step.people:
            person = UserBackend().get_user(pk)
            target = d.records.get(pk=step.target) if step.target else None
            assert transitions.refusal(step.name, person, d, episode, target) is None


def test_the_partnership_unit_is_not_offered_raising_a_disagreement(db, client):
    # Raising refuses the partnership's own people ("raised by the agencies, not the
    # partnership"): neither My work nor the header offers it to them.
    demo = build_partnership("stoke-on-trent")
    client.force_login(demo.unit)
    assert "Raise a disagreement" not in client.get("/").text
    client.force_login(demo.ladder["csc"][0])
    assert "Raise a disagreement" in client.get("/").text


def test_a_new_line_manager_is_asked_to_approve_at_once_and_the_old_one_no_longer(
    stage_1_record_by_the_police_officer, django_capture_on_commit_callbacks
):
    # An administrator changes who manages the officer while the record waits: My work and
    # the case page name the manager the rules would let approve now, not the one stored
    # when the record was written.
    demo, d = stage_1_record_by_the_police_officer
    officer, sergeant = demo.ladder["police"][0], demo.ladder["police"][1]
    acting = a_colleague_on_the_same_rung(sergeant)
    with django_capture_on_commit_callbacks(execute=True):
        officer.line_manager = acting
        officer.save()

    d = fresh(d)
    [step] = [s for s in d.next_steps if s["name"] == "approve"]
    assert step["people"] == [acting.pk]
    assert told_on_my_work(acting, d).startswith("You must approve the record")
    # The sergeant no longer manages the officer: the case leaves their My work altogether.
    sergeant = UserBackend().get_user(sergeant.pk)
    assert d.pk not in {row.pk for row in queries.work_rows(sergeant)}


def the_sergeant_leaves(demo, capture_on_commit):
    sergeant = demo.ladder["police"][1]
    with capture_on_commit(execute=True):
        sergeant.is_active = False
        sergeant.save()
    return sergeant


def test_a_leaver_is_no_longer_named_in_a_next_step(
    stage_1_record_by_the_police_officer, django_capture_on_commit_callbacks
):
    demo, d = stage_1_record_by_the_police_officer
    sergeant = the_sergeant_leaves(demo, django_capture_on_commit_callbacks)

    d = fresh(d)
    assert all(sergeant.pk not in s["people"] for s in d.next_steps)


def test_raised_with_i_do_not_know_who_the_agencys_lead_is_asked_to_name_the_person_first(
    db, client
):
    """Until the other agency names who holds the case there is no one to discuss it
    with: the lead is asked to name them, and no one is asked to record a discussion."""
    demo = build_partnership("stoke-on-trent")
    social_worker, lead = demo.ladder["csc"][0], demo.lead["police"]
    data = raise_data(demo, "police", receiving_professional=None, receiver_unknown=True)
    with time_machine.travel(MONDAY):
        d = transitions.raise_disagreement(social_worker, data)
    assert d.receiver_to_name

    assert told_on_my_work(lead, d) == "You must name who holds the case"
    assert told_on_my_work(social_worker, d).startswith("Waiting for ")
    assert lead.display_name in told_on_my_work(social_worker, d)
    client.force_login(lead)
    page = client.get(f"/disagreements/{d.pk}/").text
    assert "You must name who holds the case" in page
    assert ">Name who holds the case</a>" in page and "Do it now" not in page
    client.force_login(social_worker)
    assert "You must record" not in client.get(f"/disagreements/{d.pk}/").text
    # The lead's email says the same: name them first (it said only "You act for the
    # receiving side: The practitioner who made the decision", found by a try-out).
    [started] = Notice.objects.filter(disagreement=d, recipient=lead, kind=Kind.STAGE_STARTED)
    [step] = fresh(d).next_steps
    assert f"You are asked to {step['what']}." in started.body_text
    assert "You act for the receiving side" not in started.body_text

    # Named: whoever now acts for the police is told it is them, and what they are asked.
    officer = demo.ladder["police"][0]
    with time_machine.travel(MONDAY):
        d = transitions.perform(
            "name_receiver", lead, d.pk, fresh(d).version, {"to_user": officer.pk, "reason": ""}
        )
    [named] = Notice.objects.filter(disagreement=d, recipient=officer, subject__contains="named")
    assert "you now act for" in named.body_text
    [step] = [s for s in d.next_steps if officer.pk in s["people"]]
    assert f"You are asked to {step['what']}." in named.body_text


def test_a_new_line_manager_asked_to_approve_is_told_by_email_once(
    stage_1_record_by_the_police_officer, django_capture_on_commit_callbacks
):
    # Named on My work is not enough: the person a change asks to act hears of it as those
    # asked by a transition do (the record-to-approve notice, its dedupe key shared).
    demo, d = stage_1_record_by_the_police_officer
    officer, sergeant = demo.ladder["police"][0], demo.ladder["police"][1]
    acting = a_colleague_on_the_same_rung(sergeant)
    for manager in (acting, sergeant, acting):  # asked twice, told once
        with django_capture_on_commit_callbacks(execute=True):
            officer.line_manager = manager
            officer.save()
    assert asked_by_notice(fresh(d)) == {sergeant.pk, acting.pk}
    [notice] = Notice.objects.filter(disagreement=d, recipient=acting)
    assert "approve the record of the discussion on 30 November" in notice.body_text
    assert "outcome" not in notice.body_text.lower()


def test_a_new_safeguarding_lead_is_asked_to_name_who_holds_the_case_and_told(
    db, django_capture_on_commit_callbacks
):
    """The other agency's safeguarding leads are asked to name the receiver: a lead
    appointed while the case waits is asked at once, and one who stops being lead is not."""
    from rpd.people.models import Role, RoleGrant

    demo = build_partnership("stoke-on-trent")
    social_worker, lead = demo.ladder["csc"][0], demo.lead["police"]
    data = raise_data(demo, "police", receiving_professional=None, receiver_unknown=True)
    with time_machine.travel(MONDAY):
        d = transitions.raise_disagreement(social_worker, data)
    [step] = fresh(d).next_steps
    newcomer = demo.ladder["police"][2]
    assert newcomer.pk not in step["people"]

    with django_capture_on_commit_callbacks(execute=True):
        grant = RoleGrant.objects.create(user=newcomer, role=Role.SAFEGUARDING_LEAD)
    [step] = fresh(d).next_steps
    assert step["name"] == "name_receiver" and newcomer.pk in step["people"]
    assert told_on_my_work(newcomer, d) == "You must name who holds the case"
    assert Notice.objects.filter(disagreement=d, recipient=newcomer, kind=Kind.ASKED).count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        grant.delete()
    [step] = fresh(d).next_steps
    assert newcomer.pk not in step["people"] and lead.pk in step["people"]


def test_until_the_receiver_is_named_no_one_may_record_a_discussion_and_the_page_says_why(
    db, client
):
    # "There is no one to discuss it with yet": the rule that asks the lead to name the
    # receiver first also keeps "Record a discussion" from the raiser and the lead.
    demo = build_partnership("stoke-on-trent")
    social_worker, lead = demo.ladder["csc"][0], demo.lead["police"]
    data = raise_data(demo, "police", receiving_professional=None, receiver_unknown=True)
    with time_machine.travel(MONDAY):
        d = transitions.raise_disagreement(social_worker, data)
    for person in (social_worker, lead):
        assert "record" not in transitions.allowed(person, fresh(d))
        with pytest.raises(transitions.NotAllowed, match="who holds the case"):
            transitions.perform("record", person, d.pk, fresh(d).version, {})
    client.force_login(social_worker)
    page = client.get(f"/disagreements/{d.pk}/").text
    assert "Record a discussion: " in page and "who holds the case" in page


def test_next_steps_restated_after_a_leaver_are_vouched_for_in_the_audit_log(
    stage_1_record_by_the_police_officer, django_capture_on_commit_callbacks
):
    # The steps are a column of the case, and the audit log vouches for every column of
    # it: restated with no event of their own, `rpd audit verify` would report the case
    # changed outside the application.
    demo, d = stage_1_record_by_the_police_officer
    the_sergeant_leaves(demo, django_capture_on_commit_callbacks)

    assert fresh(d).next_steps != d.next_steps
    result = log.verify()
    assert result.ok, result.reason
    [event] = Event.objects.filter(action="disagreement.next_steps_restated")
    assert list(event.data["rows"]) == [f"disagreement:{d.pk}"]


def test_asking_for_the_approval_of_ten_waiting_records_costs_the_queries_of_one(
    stage_1_record_by_the_police_officer,
):
    # Each record waiting is a step of its own, and the same sergeant approves them all:
    # who they are, what they hold and whom they manage is read once for every step.
    demo, d = stage_1_record_by_the_police_officer
    officer = demo.ladder["police"][0]

    def queries_to_record_one_more() -> int:
        with CaptureQueriesContext(connection) as captured, time_machine.travel(MONDAY):
            discuss(officer, d, outcome="ongoing", approve=False)
        return len(captured)

    with_two = queries_to_record_one_more()
    for _ in range(8):
        queries_to_record_one_more()
    assert fresh(d).records.filter(approved_at__isnull=True).count() == 10
    assert queries_to_record_one_more() == with_two


@pytest.fixture
def the_sergeant_and_the_case(stage_1_record_by_the_police_officer):
    """The officer's sergeant, whom the officer's record waits for, and the case."""
    demo, d = stage_1_record_by_the_police_officer
    return demo.ladder["police"][1], d


def test_a_page_asking_what_someone_may_do_reads_each_rules_evidence_once(
    the_sergeant_and_the_case,
):
    # The case page asks `allowed`, then `held_back`, then `allowed_on` for each kind of
    # target: each rule's guard and evidence read the case once for all of them.
    sergeant, d = the_sergeant_and_the_case
    with time_machine.travel(MONDAY):
        known = transitions.standing(sergeant, d)
        with CaptureQueriesContext(connection) as first:
            offered = transitions.allowed(sergeant, d, known)
        with CaptureQueriesContext(connection) as again:
            assert transitions.allowed(sergeant, d, known) == offered
            transitions.held_back(sergeant, d, known, list(transitions.RULES))
            transitions.allowed_on(sergeant, d, known, "approve", list(d.records.all()))
    assert "approve" in offered and len(first) > 0
    read_again = {q["sql"] for q in first} & {q["sql"] for q in again}
    assert read_again == set()


def test_what_someone_may_do_is_asked_again_once_the_case_or_the_day_changes(
    the_sergeant_and_the_case,
):
    sergeant, d = the_sergeant_and_the_case
    with time_machine.travel(MONDAY):
        known = transitions.standing(sergeant, d)
        # Resolving waits for an approved record of the stage (even one showing it
        # unresolved: the stage's evidence is its approved record).
        assert "resolve" not in transitions.allowed(sergeant, d, known)
        record = d.records.get()
        transitions.perform("approve", sergeant, d.pk, d.version, {"record": record.pk})
        # The same object the page read before, read again: nothing asked of its earlier
        # version is kept for the case as it is now.
        d.refresh_from_db()
        known = transitions.standing(sergeant, d)
        assert "resolve" in transitions.allowed(sergeant, d, known)
    with time_machine.travel(MONDAY + datetime.timedelta(days=1)):
        with CaptureQueriesContext(connection) as next_day:
            transitions.allowed(sergeant, d, known)
    assert len(next_day) > 0


def test_asking_for_a_records_approval_reads_the_authors_ladder_only_up_to_their_manager(
    stage_1_record_by_the_police_officer,
):
    # Their nearest manager approves it: rungs above them are not read, however many.
    demo, d = stage_1_record_by_the_police_officer
    officer = demo.ladder["police"][0]
    top = officer.managers()[-1]

    def queries_to_ask() -> tuple[int, list]:
        case = fresh(d)
        with CaptureQueriesContext(connection) as captured, time_machine.travel(MONDAY):
            steps = transitions.next_steps(case, case.current_episode())
        return len(captured), [s.people for s in steps if s.name == "approve"]

    before, asked = queries_to_ask()
    for n in range(3):
        above = type(officer).objects.create_user(
            username=f"above-{n}", email=f"above-{n}@example.org", agency=officer.agency
        )
        top.line_manager = above
        top.save(update_fields=["line_manager"])
        top = above
    assert queries_to_ask() == (before, asked)
    assert asked == [(officer.line_manager_id,)]


def test_whether_the_approver_manages_the_author_is_read_up_the_authors_ladder_not_down_theirs(
    the_sergeant_and_the_case,
):
    # A sergeant may approve what anyone below them records. Asked by reading the few rungs
    # above the record's author, not everyone below the sergeant (a senior manager's
    # reports may be thousands, deep): the same queries however far down the ladder goes.
    sergeant, d = the_sergeant_and_the_case
    officer = d.records.get().author

    def asked() -> tuple[int, set]:
        case = fresh(d)
        with time_machine.travel(MONDAY), CaptureQueriesContext(connection) as captured:
            known = transitions.standing(sergeant, case)
            may = transitions.allowed_on(sergeant, case, known, "approve", list(case.records.all()))
        return len(captured), may

    asked()  # the sergeant's own roles, read once and kept
    before = asked()
    below = officer
    for n in range(4):
        below = type(officer).objects.create_user(
            username=f"below-{n}", email=f"below-{n}@example.org", agency=officer.agency,
            line_manager=below,
        )  # fmt: skip
    assert before[1] == set(d.records.values_list("pk", flat=True))
    assert asked() == before


def test_a_loop_of_line_managers_in_the_data_ends_the_climb(the_sergeant_and_the_case):
    sergeant, d = the_sergeant_and_the_case
    officer = d.records.get().author
    type(officer).objects.filter(pk=sergeant.pk).update(line_manager=officer)  # bad data
    assert access.manager_ids(officer) == {sergeant.pk}  # in a loop too, not themselves
    assert officer.managers() == [sergeant] == list(officer.walk_managers())
    assert not access.manages(officer, officer)
    with time_machine.travel(MONDAY):
        case = fresh(d)
        known = transitions.standing(sergeant, case)
        assert transitions.allowed_on(sergeant, case, known, "approve", list(case.records.all()))


def test_who_acts_at_the_next_stage_is_found_up_the_ladder_in_the_same_queries_however_tall(
    stage_1_record_by_the_police_officer,
):
    # Escalating names each side's actor at the next stage from their ladder
    # (`actor_for`): the chain is read in one query and its people in one more, not a
    # query for each manager and another for each manager's rung.
    demo, d = stage_1_record_by_the_police_officer
    officer = demo.ladder["police"][0]
    pack = d.pack
    rung = next(r.id for r in pack.rungs if r.id != officer.rung.pathway_rung)

    def asked() -> tuple[int, object]:
        person = type(officer).objects.select_related("rung").get(pk=officer.pk)
        with CaptureQueriesContext(connection) as captured:
            actor = transitions.actor_for(pack, person, officer.agency, rung, 2)
        return len(captured), actor

    before = asked()
    top = officer.managers()[-1]
    for n in range(4):
        top.line_manager = type(officer).objects.create_user(
            username=f"higher-{n}", email=f"higher-{n}@example.org", agency=officer.agency
        )
        top.save(update_fields=["line_manager"])
        top = top.line_manager
    assert asked() == before
    assert before[1] == demo.ladder["police"][1]  # the sergeant: the nearest on that rung


def test_a_persons_managers_are_listed_nearest_first_however_they_were_read(
    stage_1_record_by_the_police_officer,
):
    demo, _ = stage_1_record_by_the_police_officer
    officer = demo.ladder["police"][0]
    walked = list(officer.walk_managers())
    assert len(walked) >= 2
    assert officer.managers() == walked
    assert officer.chain_ids() == [m.pk for m in walked]


def test_a_case_fast_tracked_to_stage_3_with_i_do_not_know_who_names_then_climbs_the_ladder(
    db,
):
    # Hillingdon may start at stage 3 for a risk of immediate harm. Raised with "I do not
    # know who", it goes to the police's safeguarding lead, who is asked to name who holds
    # the case; the person named holds it, and stage 3 is acted for by their senior
    # manager, as for any case that started there: never by the practitioner named.
    demo = build_partnership("hillingdon")
    social_worker, lead = demo.ladder["csc"][0], demo.lead["police"]
    officer = demo.ladder["police"][0]
    data = raise_data(
        demo,
        "police",
        receiving_professional=None,
        receiver_unknown=True,
        start_stage=3,
        risk="immediate",
        fast_track_reason="Risk of immediate harm tonight",
    )
    with time_machine.travel(MONDAY):
        d = transitions.raise_disagreement(social_worker, data)
    [step] = fresh(d).next_steps
    assert step["name"] == "name_receiver" and lead.pk in step["people"]
    assert "name_receiver" in transitions.allowed(lead, fresh(d))

    with time_machine.travel(MONDAY):
        transitions.perform("name_receiver", lead, d.pk, fresh(d).version, {"to_user": officer.pk})
    d = fresh(d)
    episode = d.current_episode()
    senior = transitions.actor_for(
        d.pack, officer, d.receiving_agency, d.pack.stage(3).receiving.rung, 3
    )
    assert senior != officer
    assert d.receiving_professional == officer and episode.receiving_actor == senior
