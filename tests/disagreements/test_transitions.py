"""The transitions' rules: who may change whose evidence, who acts for each side, what a
stage needs before it closes, how deadlines move, and what a closed case still allows.

Stoke-on-Trent, raised Wed 14 Jan 2026 by a children's social worker against a police
officer: stage 1 is reviewed after 5 working days, Thu 15=1, 16, 19, 20, Wed 21 Jan=5.
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from rpd.disagreements import transitions
from rpd.disagreements.models import Extension, Pause, Record, Status
from rpd.disagreements.transitions import Invalid, NotAllowed
from rpd.pathways import registry
from rpd.pathways.loader import digest
from rpd.people.demo import build_partnership

from .helpers import fresh, raise_data

pytestmark = pytest.mark.django_db

D = datetime.date
LONDON = ZoneInfo("Europe/London")
NOW = datetime.datetime(2026, 1, 14, 10, 0, tzinfo=LONDON)  # Wed 14 Jan 2026


def london(month, day, hour=10, minute=0):
    return datetime.datetime(2026, month, day, hour, minute, tzinfo=LONDON)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def demo(db, clock):
    return build_partnership("stoke-on-trent")


@pytest.fixture
def d(demo):
    """Children's social care (csc) disagrees with the police, at stage 1."""
    return transitions.raise_disagreement(demo.ladder["csc"][0], raise_data(demo))


def do(name, actor, d, **data):
    d = fresh(d)
    return transitions.perform(name, actor, d.pk, d.version, data)


def refused(error, name, actor, d, **data):
    """Refused with `error`, and the disagreement left as it was."""
    before, records = fresh(d), Record.objects.count()
    with pytest.raises(error) as caught:
        do(name, actor, d, **data)
    after = fresh(d)
    assert (after.version, after.status, after.stage) == (
        before.version,
        before.status,
        before.stage,
    )
    assert Record.objects.count() == records
    return caught.value


def record(actor, d, covers=(), outcome="unresolved", **extra) -> Record:
    episode = fresh(d).current_episode()
    do(
        "record",
        actor,
        d,
        kind="meeting",
        occurred_at=(transitions.now() - datetime.timedelta(minutes=30)).isoformat(),
        participants=[episode.raising_actor.pk, episode.receiving_actor.pk],
        summary="Both positions and the evidence set out.",
        outcome=outcome,
        covers=list(covers),
        **extra,
    )
    return Record.objects.filter(disagreement=d).latest("pk")


def everything(d):
    d = fresh(d)
    return [r.id for r in d.pack.stage(d.stage).must_record]


def resolution(**extra):
    return {
        "agreed_outcome": "A strategy discussion is held this week.",
        "next_steps": "Social worker visits; police share the previous reports.",
        "written_confirmation": "Emailed to both agencies and placed on each agency's record.",
        "feedback_to_raiser": "Told the practitioner who raised it what was agreed.",
        **extra,
    }


# -- Item 3: one side does not rewrite the other side's evidence --------------------------


def test_a_manager_of_one_side_cannot_correct_the_other_sides_record(demo, d):
    police_record = record(demo.ladder["police"][0], d)

    error = refused(
        NotAllowed,
        "correct",
        demo.ladder["csc"][1],  # the raiser's manager
        d,
        record=police_record.pk,
        summary="The police agreed to visit.",
        reason="Our reading of it",
    )

    assert str(error) == "a record is corrected by its author or someone in their line management"
    assert not Record.objects.filter(supersedes=police_record).exists()


def test_the_authors_own_manager_may_correct_their_record(demo, d):
    police_record = record(demo.ladder["police"][0], d)

    do(
        "correct",
        demo.ladder["police"][1],
        d,
        record=police_record.pk,
        summary="Both positions, with the dates of the three reports.",
        reason="The dates were missing",
    )

    assert Record.objects.get(supersedes=police_record).author == demo.ladder["police"][1]


def test_a_record_is_approved_on_its_authors_side_not_by_the_other_side(demo, d):
    raisers_record = record(demo.ladder["csc"][0], d)

    error = refused(NotAllowed, "approve", demo.ladder["police"][0], d, record=raisers_record.pk)
    assert str(error) == (
        "a record is approved by someone on its author's side, or by whoever leads the stage"
    )

    do("approve", demo.ladder["csc"][1], d, record=raisers_record.pk)
    raisers_record.refresh_from_db()
    assert raisers_record.approved_by == demo.ladder["csc"][1]


def test_the_other_sides_correction_can_never_become_the_stages_evidence(demo, d):
    # The attack: the raising manager rewrites the police record, the raiser approves it.
    police_record = record(demo.ladder["police"][0], d, covers=everything(d))
    do("approve", demo.ladder["police"][1], d, record=police_record.pk)

    refused(
        NotAllowed,
        "correct",
        demo.ladder["csc"][1],
        d,
        record=police_record.pk,
        summary="The police accept that the referral was wrongly closed.",
        reason="Clarity",
    )

    police_record.refresh_from_db()
    assert police_record.is_approved and not hasattr(police_record, "superseded_by")


# -- Item 4: two different people from the two agencies ------------------------------------


@pytest.fixture
def seconded(demo):
    """The police officer is seconded into a MASH, line-managed by the raiser's manager."""
    officer = demo.ladder["police"][0]
    officer.line_manager = demo.ladder["csc"][1]
    officer.save()
    return officer


def _to_stage_2(demo, d):
    first = record(demo.ladder["csc"][0], d, covers=everything(d))
    do("approve", demo.ladder["csc"][1], d, record=first.pk)
    return do("escalate", demo.ladder["csc"][0], d, reason="Still unresolved after discussion")


def test_a_manager_across_agencies_never_acts_for_both_sides(demo, seconded):
    d = transitions.raise_disagreement(demo.ladder["csc"][0], raise_data(demo))

    d = _to_stage_2(demo, d)

    episode = d.current_episode()
    assert episode.raising_actor == demo.ladder["csc"][1]
    # The seconded officer's own agency's line manager, not the MASH manager.
    assert episode.receiving_actor == demo.ladder["police"][1]
    assert episode.receiving_actor.agency == d.receiving_agency


def test_an_agency_with_no_one_on_the_rung_is_refused_with_what_an_administrator_must_do(
    demo, seconded
):
    d = transitions.raise_disagreement(demo.ladder["csc"][0], raise_data(demo))
    for person in (demo.ladder["police"][1], demo.lead["police"]):  # both on the rung
        person.is_active = False
        person.save()

    with pytest.raises(NotAllowed) as caught:
        _to_stage_2(demo, d)

    assert str(caught.value) == (
        "no one in Police Public Protection Unit stands on the Line manager rung that stage 2 "
        "needs (a line manager in another agency cannot act for it); an administrator must "
        "complete the agency's ladder"
    )
    assert fresh(d).stage == 1


# -- Item 6: a stage closes with its evidence ----------------------------------------------


def test_the_partnership_form_cannot_be_declared_not_applicable(demo):
    school = demo.ladder["school"]
    d = transitions.raise_disagreement(
        school[0], raise_data(demo, start_stage=3, fast_track_reason="Disclosure of abuse today")
    )
    decision = record(school[2], d, covers=["decision-in-writing"])
    do("approve", school[3], d, record=decision.pk)

    error = refused(
        Invalid,
        "escalate",
        school[2],
        d,
        reason="Heads of service disagree",
        not_applicable={"partnership-form": "The form was not needed this time round"},
    )

    [message] = error.errors["not_applicable"]
    assert message.startswith("Stage 3 must record “") and "partnership-form" not in message
    assert message.endswith("”: it cannot be left out as not applying")


@pytest.mark.parametrize("reason", [".", "n/a", "-- ... --", "none"])
def test_a_not_applicable_reason_is_real_text(reason, db, clock):
    # Jersey §4.3: minutes are kept "if this is in a meeting".
    jersey = build_partnership("jersey")
    d = transitions.raise_disagreement(jersey.ladder["csc"][0], raise_data(jersey))
    first = record(
        jersey.ladder["csc"][0], d, covers=["outcome-and-plan", "discussions-documented"]
    )
    do("approve", jersey.ladder["csc"][1], d, record=first.pk)

    error = refused(
        Invalid,
        "escalate",
        jersey.ladder["csc"][0],
        d,
        reason="Still unresolved",
        not_applicable={"dissent-minuted": reason},
    )

    [message] = error.errors["not_applicable"]
    assert message.startswith("Say in words why “If the challenge is made in a meeting")
    assert message.endswith("” does not apply (at least 10 letters)")


def test_the_receiving_side_cannot_resolve_alone_without_a_record(demo, d):
    error = refused(
        Invalid,
        "resolve",
        demo.ladder["police"][0],
        d,
        **resolution(
            written_confirmation=".",
            not_applicable={"evidence-based-reason": ".", "resolution-and-next-steps": "."},
        ),
    )

    assert set(error.errors) == {"not_applicable", "written_confirmation"}
    assert fresh(d).status == Status.OPEN


def test_resolving_needs_a_written_confirmation_in_words(demo, d):
    first = record(demo.ladder["police"][0], d, covers=everything(d), outcome="resolved")
    do("approve", demo.ladder["police"][1], d, record=first.pk)

    error = refused(
        Invalid,
        "resolve",
        demo.ladder["police"][0],
        d,
        **resolution(written_confirmation=".", agreed_outcome="x"),
    )

    # Asked as the page asks it ("Written confirmation to all parties"), and the agreed
    # outcome in words too ("x" was taken, found by a try-out).
    assert error.errors == {
        "written_confirmation": ["say in words what all parties read (at least 10 letters)"],
        "agreed_outcome": ["say in words what was agreed (at least 10 letters)"],
    }


def test_resolving_needs_an_approved_record_of_the_stage_even_with_nothing_left_to_cover(
    demo, d, monkeypatch
):
    # A stage whose every item the pack lets go: still no resolution without a record.
    pack = fresh(d).pack
    stage = pack.stage(1)
    lenient = stage.model_copy(
        update={
            "must_record": [r.model_copy(update={"may_not_apply": True}) for r in stage.must_record]
        }
    )
    monkeypatch.setattr(
        type(pack), "stage", lambda self, n: lenient if n == 1 else pack.stages[n - 1]
    )
    unapproved = record(demo.ladder["police"][0], d, outcome="resolved")
    reasons = {item: "Agreed on the telephone, nothing written" for item in everything(d)}

    error = refused(
        NotAllowed,
        "resolve",
        demo.ladder["police"][0],
        d,
        **resolution(not_applicable=reasons),
    )

    assert str(error) == (
        "first record the discussion that resolved it, approved by someone other than its author"
    )
    do("approve", demo.ladder["police"][1], d, record=unapproved.pk)
    assert do("resolve", demo.ladder["police"][0], d, **resolution(not_applicable=reasons))


# -- Item 7: deadlines move only by whole days lost or an agreed extension -----------------


def test_pauses_across_midnight_move_no_deadline(demo, d, clock):
    raiser = demo.ladder["csc"][0]
    # Five two-minute pauses, each from 23:59 to 00:01 the next working day.
    for day in (14, 15, 16, 19, 20):
        clock.move_to(london(1, day, 23, 59))
        do("pause", raiser, d, reason="Waiting for the duty manager", expected_resume="2026-01-26")
        clock.move_to(london(1, day + (3 if day == 16 else 1), 0, 1))
        do("resume", raiser, d)

    assert fresh(d).current_episode().due == D(2026, 1, 21)
    assert list(Pause.objects.values_list("working_days_paused", flat=True)) == [0] * 5


def test_a_pause_counts_only_the_working_days_paused_whole(demo, d, clock):
    raiser = demo.ladder["csc"][0]
    # Paused Wed 14 at 10:00, resumed Mon 19 at 09:00: Thu 15 and Fri 16 were paused whole.
    do("pause", raiser, d, reason="Waiting for the strategy meeting", expected_resume="2026-01-19")
    clock.move_to(london(1, 19, 9))
    do("resume", raiser, d)

    # Wed 21 Jan moved on by 2 working days: Thu 22, Fri 23 Jan.
    assert fresh(d).current_episode().due == D(2026, 1, 23)
    assert Pause.objects.get().working_days_paused == 2


def test_a_pause_cannot_expect_to_resume_beyond_the_pathways_bound(demo, d):
    error = refused(
        Invalid,
        "pause",
        demo.ladder["csc"][0],
        d,
        reason="Waiting indefinitely",
        expected_resume="2026-09-01",  # within the product's window, beyond the pack's bound
    )

    # 65 working days from Wed 14 Jan 2026: 12 to Fri 30 Jan, 20 in February (32), 22 in March
    # (54), Wed 1 and Thu 2 Apr (56), Good Friday 3 and Easter Monday 6 Apr, Tue 7 to Fri 10
    # (60), Mon 13 to Fri 17 Apr (65).
    assert error.errors == {
        "expected_resume": [
            "must be within 65 working days, by Friday 17 April 2026: resume and pause again if "
            "it takes longer"
        ]
    }


def test_a_pause_expects_to_resume_on_a_working_day_as_an_extension_must_end_on_one(demo, d):
    # The clock restarts on the day it resumes: Saturday 17 January 2026 is no such day.
    error = refused(
        Invalid,
        "pause",
        demo.ladder["csc"][0],
        d,
        reason="Waiting for the strategy meeting",
        expected_resume="2026-01-17",
    )
    assert error.errors == {"expected_resume": ["Saturday 17 January 2026 is not a working day"]}


def test_an_extension_is_agreed_by_the_other_side_not_the_side_that_asked(demo, d):
    csc = demo.ladder["csc"]

    error = refused(
        NotAllowed,
        "extend",
        csc[1],
        d,
        asked_by=csc[0].pk,
        reason="We need more time",
        new_due="2026-01-28",
    )

    assert str(error) == (
        "an extension asked for by one side is agreed by the other side or by whoever leads "
        "the stage"
    )
    do(
        "extend",
        demo.ladder["police"][0],
        d,
        asked_by=csc[0].pk,
        reason="Meeting",
        new_due="2026-01-28",
    )
    assert Extension.objects.get().agreed_by == demo.ladder["police"][0]


def test_an_extension_has_an_upper_bound(demo, d):
    error = refused(
        Invalid,
        "extend",
        demo.ladder["police"][0],
        d,
        asked_by=demo.ladder["csc"][0].pk,
        reason="A long time",
        new_due="2026-06-01",  # within the product's window, beyond the pack's bound
    )

    # 20 working days after Wed 21 Jan 2026: Thu 22, Fri 23 (2), 26-30 Jan (7), 2-6 Feb (12),
    # 9-13 Feb (17), Mon 16, Tue 17, Wed 18 Feb (20).
    assert error.errors == {
        "new_due": [
            "may be at most 20 working days after the current due date: by Wednesday 18 "
            "February 2026"
        ]
    }


# -- Item 10: a closed case's evidence is frozen -------------------------------------------


@pytest.fixture
def resolved(demo, d):
    police = demo.ladder["police"]
    evidence = record(police[0], d, covers=everything(d), outcome="resolved")
    do("approve", police[1], d, record=evidence.pk)
    do("resolve", police[0], d, **resolution())
    return evidence


# All a closed case still accepts: its records' approval and correction (as addenda), the
# other side's own account of a record, its agreed actions, which outlive the resolution,
# and each agency's own case reference; a resolved one, the other side's confirmation or
# contest of the resolution.
CLOSED_CASE_ACCEPTS = {
    "approve",
    "correct",
    "add_account",
    "hand_over_action",
    "move_action",
    "complete_action",
    "add_case_reference",
}
ACCEPTS = {
    Status.RESOLVED: CLOSED_CASE_ACCEPTS | {"confirm_resolution", "contest_resolution"},
    Status.WITHDRAWN: CLOSED_CASE_ACCEPTS,
}


def test_a_resolved_or_withdrawn_case_accepts_exactly_these_transitions():
    for status in (Status.RESOLVED, Status.WITHDRAWN):
        accepts = {name for name, rule in transitions.RULES.items() if status in rule.statuses}
        assert accepts == ACCEPTS[status], status


@pytest.mark.parametrize("close", ["resolve", "withdraw"])
def test_every_other_transition_on_a_closed_case_is_refused_and_changes_nothing(
    request, demo, d, close
):
    if close == "resolve":
        request.getfixturevalue("resolved")
    else:
        do("withdraw", demo.ladder["csc"][0], d, reason="Agreed between the two agencies")
    status = fresh(d).get_status_display().lower()
    for name in sorted(set(transitions.RULES) - ACCEPTS[fresh(d).status]):
        for actor in (demo.ladder["csc"][0], demo.ladder["police"][0]):
            error = refused(NotAllowed, name, actor, d)
            assert f"is {status}: you cannot" in str(error), (name, actor)


def test_a_correction_after_closure_is_an_addendum_that_is_itself_approved(demo, d, resolved):
    police = demo.ladder["police"]

    do(
        "correct",
        police[0],
        d,
        record=resolved.pk,
        summary="The visit happened on the Thursday, not the Wednesday.",
        reason="Wrong day",
    )

    resolved.refresh_from_db()
    addendum = Record.objects.get(amends=resolved)
    # The evidence stands as it was approved: nothing supersedes it.
    assert resolved.is_approved and not hasattr(resolved, "superseded_by")
    assert addendum.supersedes is None and addendum.covers == []
    do("approve", police[1], d, record=addendum.pk)
    addendum.refresh_from_db()
    assert addendum.approved_by == police[1]


def test_an_ordinary_record_of_a_closed_case_is_not_approved(demo, d, resolved):
    police = demo.ladder["police"]
    draft = Record.objects.create(
        disagreement=d,
        episode=resolved.episode,
        kind="email",
        occurred_at=transitions.now(),
        summary="A stray draft",
        outcome="ongoing",
        author=police[0],
        created_at=transitions.now(),
    )

    error = refused(NotAllowed, "approve", police[1], d, record=draft.pk)

    assert str(error) == f"{d.reference} is resolved: you cannot approve a record"


# -- Item 14: the pinned pack is the text its digest was taken of ---------------------------


def test_a_raise_pins_the_digest_of_the_very_text_it_stores(demo, monkeypatch, tmp_path):
    entry = demo.partnership.pathway_entry()
    # Another version is installed between reading the entry and pinning it.
    replaced = tmp_path / "stoke-on-trent.yaml"
    replaced.write_text(
        entry.path.read_text("utf-8").replace(
            f"version: {entry.pack.version}\n", f"version: {entry.pack.version + 1}\n", 1
        ),
        "utf-8",
    )
    stale = registry.Entry(entry.pack, replaced, entry.built_in, entry.digest)
    monkeypatch.setattr(type(demo.partnership), "pathway_entry", lambda self: stale)

    d = transitions.raise_disagreement(demo.ladder["csc"][0], raise_data(demo))

    assert d.pathway.digest == digest(d.pathway.text)
    assert d.pathway.version == d.pack.version == entry.pack.version + 1


# -- Item 16: who may act on a record, an action or a person is declared with the rule ------


@pytest.mark.parametrize(
    "name, target_field",
    [
        ("approve", "record"),
        ("correct", "record"),
        ("complete_action", "action"),
        ("extend", "asked_by"),
        ("hand_over", "side"),
    ],
)
def test_a_transition_on_a_named_target_declares_who_may_act_on_it(name, target_field):
    rule = transitions.RULES[name]

    assert target_field in rule.form.base_fields
    assert rule.target is not None and rule.who_on_target is not None


# -- Deadlines the case sets ---------------------------------------------------------------


def test_jersey_a_raiser_sets_a_shorter_deadline_with_a_reason_case_and_risk_dependent(clock):
    # Jersey §4.2 "Timescales ... will be case and risk dependent"; each stage "up to 5
    # working days". Raised Wed 14 Jan 2026: the pack's limit is Wed 21 Jan; the raiser
    # asks for Fri 16 Jan, as the child goes home that weekend.
    jersey = build_partnership("jersey")
    d = transitions.raise_disagreement(
        jersey.ladder["csc"][0],
        raise_data(
            jersey,
            challenged_on="2026-01-13",
            due_by="2026-01-16",
            due_by_reason="The child returns home on Saturday",
        ),
    )
    episode = d.current_episode()
    assert (episode.due, episode.due_basis, d.next_due) == (D(2026, 1, 16), "case", D(2026, 1, 16))
    [shorter] = episode.case_deadlines.all()
    assert (shorter.old_due, shorter.new_due) == (D(2026, 1, 21), D(2026, 1, 16))
    assert shorter.reason == "The child returns home on Saturday"
    assert shorter.set_by == jersey.ladder["csc"][0]


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        ({"due_by": "2026-01-22"}, "due_by", "no later than Wednesday 21 January 2026"),
        ({"due_by": "2026-01-13", "due_by_reason": "x"}, "due_by", "today or later"),
        ({"due_by": "2026-01-16"}, "due_by_reason", "say why the case needs a shorter"),
        # Its hint says "a working day", as an extension's does.
        ({"due_by": "2026-01-17", "due_by_reason": "x" * 12}, "due_by", "not a working day"),
    ],
)
def test_jersey_a_raiser_never_sets_a_longer_deadline(clock, extra, field, message):
    jersey = build_partnership("jersey")
    data = raise_data(jersey, challenged_on="2026-01-13", **extra)
    with pytest.raises(Invalid) as caught:
        transitions.raise_disagreement(jersey.ladder["csc"][0], data)
    assert any(message in m for m in caught.value.errors[field]), caught.value.errors


def test_stoke_on_trent_fixes_its_timescales_so_the_raiser_cannot_set_one(demo, clock):
    # Stoke-on-Trent §6: "Appropriate timescales ... have been agreed for each stage".
    data = raise_data(demo, due_by="2026-01-15", due_by_reason="Urgent")
    with pytest.raises(Invalid) as caught:
        transitions.raise_disagreement(demo.ladder["csc"][0], data)
    assert "sets stage 1's timescale itself" in " ".join(caught.value.errors["due_by"])


def test_hillingdon_the_stages_actor_sets_a_timescale_that_protects_the_child(clock):
    # Hillingdon §2: "within a timescale that protects the child/adult from harm". Stage 1
    # is reviewed after 5 working days (Wed 21 Jan); the receiving practitioner brings it
    # forward to Mon 19 Jan, never later than the review date.
    hillingdon = build_partnership("hillingdon")
    d = transitions.raise_disagreement(
        hillingdon.ladder["csc"][0], raise_data(hillingdon, challenged_on="2026-01-13")
    )
    receiving = d.current_episode().receiving_actor
    with pytest.raises(Invalid) as caught:
        transitions.perform(
            "shorten", receiving, d.pk, d.version, {"new_due": "2026-01-22", "reason": "Late"}
        )
    assert "new_due" in caught.value.errors
    with pytest.raises(Invalid) as caught:  # Saturday 17 January: no one works to it
        transitions.perform(
            "shorten", receiving, d.pk, d.version, {"new_due": "2026-01-17", "reason": "Soon"}
        )
    assert "Saturday 17 January 2026 is not a working day" in caught.value.errors["new_due"][0]
    manager = hillingdon.ladder["csc"][1]
    with pytest.raises(NotAllowed):
        transitions.perform(
            "shorten", manager, d.pk, d.version, {"new_due": "2026-01-19", "reason": "Soon"}
        )
    d = transitions.perform(
        "shorten",
        receiving,
        d.pk,
        d.version,
        {"new_due": "2026-01-19", "reason": "A discharge planning meeting on Tuesday"},
    )
    episode = d.current_episode()
    assert (episode.due, episode.due_basis, d.next_due) == (D(2026, 1, 19), "case", D(2026, 1, 19))
    from rpd.audit.log import verify

    assert verify().ok  # the shorter deadline is evidence the audit log vouches for


# -- Other involved agencies, copied in ---------------------------------------------------


def test_other_involved_agencies_can_be_copied_in_when_raising(demo):
    school, health = demo.agencies["school"], demo.agencies["health"]
    data = raise_data(demo, copied_agencies=[school.pk, health.pk])
    d = transitions.raise_disagreement(demo.ladder["csc"][0], data)
    assert {c.agency for c in d.copied_agencies.all()} == {school, health}


def test_a_side_of_the_disagreement_is_not_another_agency_to_copy_in(demo):
    data = raise_data(demo, copied_agencies=[demo.agencies["police"].pk])
    with pytest.raises(Invalid) as caught:
        transitions.raise_disagreement(demo.ladder["csc"][0], data)
    assert "copied_agencies" in caught.value.errors


def test_the_stages_actors_their_managers_and_leads_may_copy_in_another_agency(demo, d):
    school = demo.agencies["school"]
    d = do("add_party", demo.ladder["police"][1], d, agency=school.pk)  # a manager
    d = do("add_party", demo.lead["csc"], d, agency=demo.agencies["health"].pk)
    assert d.copied_agencies.count() == 2
    refused(NotAllowed, "add_party", demo.unit, d, agency=demo.agencies["charity"].pk)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"agency": "police"}, "agency"),  # a side already
        ({"agency": "school", "person": ("health", 0)}, "person"),  # not in that agency
        ({}, "agency"),
    ],
)
def test_copying_in_an_agency_names_the_field_at_fault(demo, d, data, field):
    posted = {}
    if "agency" in data:
        posted["agency"] = demo.agencies[data["agency"]].pk
    if "person" in data:
        key, rung = data["person"]
        posted["person"] = demo.ladder[key][rung].pk
    error = refused(Invalid, "add_party", demo.ladder["csc"][0], d, **posted)
    assert field in error.errors


def test_an_agency_is_copied_in_once(demo, d):
    d = do("add_party", demo.ladder["csc"][0], d, agency=demo.agencies["school"].pk)
    error = refused(
        Invalid, "add_party", demo.ladder["csc"][0], d, agency=demo.agencies["school"].pk
    )
    assert error.errors["agency"] == ["Brookside Primary School is copied in already"]


# -- Integrity item 14: an agency's case reference is a transition with its audit event ------


def test_an_involved_agencys_case_reference_is_recorded_with_its_audit_event(demo, d):
    from rpd.audit import log

    receiver = d.current_episode().receiving_actor
    d = transitions.perform(
        "add_case_reference", receiver, d.pk, d.version, {"reference": "CR-000123"}
    )
    (reference,) = d.subject.case_references.all()
    assert (reference.agency, reference.reference) == (receiver.agency, "CR-000123")
    event = log.events_for(d.audit_target).last()
    assert event.action == "disagreement.add_case_reference"
    assert any(key.startswith("casereference:") for key in event.data["rows"])
    assert log.verify().ok


def test_a_case_reference_is_refused_to_an_agency_not_involved(demo, d):
    from rpd.people.models import User

    outsider_manager = User.objects.filter(agency=demo.ladder["school"][0].agency).first()
    with pytest.raises(transitions.TransitionError):
        transitions.perform(
            "add_case_reference", outsider_manager, d.pk, d.version, {"reference": "X-1"}
        )
    assert not d.subject.case_references.exists()
