"""Need to know: who sees a disagreement, who may act on it, and who is told it does not exist.

One partnership (Stoke-on-Trent) with a disagreement raised by a children's social
worker against a police officer, a few more between other agencies, and a second
partnership built from the same pack (same agency names, same references) so that a
leak across partnerships could not hide behind different data. Built once for the
module; every test's changes roll back.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

import pytest
import time_machine
from django.db import transaction

from rpd.audit.models import Event
from rpd.disagreements import formsubmissions, transitions
from rpd.disagreements.access import (
    Capacity,
    Grade,
    capacities,
    may_see,
    sight,
    tell_partnership,
    visible_to,
)
from rpd.disagreements.models import AgreedAction, Disagreement, Status
from rpd.disagreements.queries import open_disagreements, open_rows
from rpd.people.demo import DemoPartnership, build_partnership
from rpd.people.models import User

from .helpers import agree_action, discuss, escalate, fresh, raise_data

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 1, 7, 10, 0, tzinfo=datetime.UTC)  # a Wednesday


@dataclass
class World:
    demo: DemoPartnership
    other: DemoPartnership
    people: dict[str, User] = field(default_factory=dict)
    rows: dict[str, Disagreement] = field(default_factory=dict)

    @property
    def d(self) -> Disagreement:
        """The disagreement the matrix is about: children's social care against the police."""
        return fresh(self.rows["csc-police"])

    def person(self, label: str) -> User:
        """A fresh copy, so nothing cached on the shared object carries between tests."""
        return self.person_by_pk(self.people[label].pk)

    def person_by_pk(self, pk: int) -> User:
        return User.objects.get(pk=pk)


def _people(demo: DemoPartnership, other: DemoPartnership) -> dict[str, User]:
    return {
        "raiser": demo.ladder["csc"][0],
        "receiver": demo.ladder["police"][0],
        "raiser-manager": demo.ladder["csc"][1],
        "raiser-senior-manager": demo.ladder["csc"][2],
        "receiver-manager": demo.ladder["police"][1],
        "raiser-colleague": demo.colleague["csc"],
        "receiver-colleague": demo.colleague["police"],
        "receiver-senior-manager": demo.ladder["police"][2],
        "raising-lead": demo.lead["csc"],
        "receiving-lead": demo.lead["police"],
        "school-lead": demo.lead["school"],
        "unit": demo.unit,
        "chair": demo.chair,
        "administrator": demo.admin,
        "outsider": demo.outsider,
        "other-partnership-unit": other.unit,
        "other-partnership-lead": other.lead["csc"],
    }


def _raise(demo, raiser, receiving_key) -> Disagreement:
    return transitions.raise_disagreement(raiser, raise_data(demo, receiving_key))


def _climbed(demo) -> Disagreement:
    """At stage 2: the police officer handed stage 1 to a colleague, then it escalated."""
    raiser, officer = demo.ladder["csc"][0], demo.ladder["police"][0]
    d = _raise(demo, raiser, "police")
    transitions.perform(
        "hand_over",
        officer,
        d.pk,
        d.version,
        {"side": "receiving", "to_user": demo.colleague["police"].pk, "reason": "On leave"},
    )
    discuss(raiser, d)
    return escalate(raiser, d)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    # One outer transaction for the module: each test runs in a savepoint inside it
    # (pytest-django's own), and the whole world is rolled back at the end, so the
    # append-only audit log never needs deleting from.
    with django_db_blocker.unblock(), transaction.atomic():
        with time_machine.travel(NOW, tick=False):
            demo = build_partnership("stoke-on-trent")
            other = build_partnership("stoke-on-trent", slug="second")
            w = World(demo, other, _people(demo, other))
            raiser = demo.ladder["csc"][0]
            main = _raise(demo, raiser, "police")
            # An unresolved discussion covering what stage 1 must record, so escalating
            # is possible and the matrix tests only who may do it.
            discuss(raiser, main)
            w.rows["csc-police"] = main
            w.rows["health-school"] = _raise(demo, demo.ladder["health"][0], "school")
            w.rows["school-charity"] = _raise(demo, demo.ladder["school"][0], "charity")
            w.rows["colleague-health"] = _raise(demo, demo.colleague["csc"], "health")
            withdrawn = _raise(demo, raiser, "police")
            transitions.perform(
                "withdraw", raiser, withdrawn.pk, withdrawn.version, {"reason": "Resolved"}
            )
            w.rows["withdrawn"] = withdrawn
            w.rows["other-partnership"] = _raise(other, other.ladder["csc"][0], "police")
            w.rows["climbed"] = _climbed(demo)
        yield w
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


# -- The matrix ---------------------------------------------------------------------------

OK, NF, NA = "ok", "not found", "not allowed"
ACTIONS = ("record", "escalate", "pause", "withdraw", "hand_over")

# Who may see the csc-police disagreement at stage 1, and what comes of each action.
# Anyone without need to know is told "not found" whatever they try: "not allowed"
# would confirm that the disagreement exists.
# Hand over: the raising side is handed over, which only the raising agency may do.
MATRIX = {
    #                          see    record  escalate  pause  withdraw  hand over
    "raiser":                 (True,  OK,     OK,       OK,    OK,       OK),
    "receiver":               (True,  OK,     OK,       OK,    NA,       NA),
    "raiser-manager":         (True,  OK,     OK,       OK,    NA,       OK),
    "raiser-senior-manager":  (True,  OK,     OK,       OK,    NA,       OK),
    "receiver-manager":       (True,  OK,     OK,       OK,    NA,       NA),
    "raiser-colleague":       (False, NF,     NF,       NF,    NF,       NF),
    "raising-lead":           (True,  OK,     NA,       NA,    NA,       OK),
    "receiving-lead":         (True,  OK,     NA,       NA,    NA,       NA),
    "school-lead":            (False, NF,     NF,       NF,    NF,       NF),
    "unit":                   (True,  NA,     NA,       NA,    NA,       NA),
    "chair":                  (True,  NA,     NA,       NA,    NA,       NA),
    "administrator":          (False, NF,     NF,       NF,    NF,       OK),
    "outsider":               (False, NF,     NF,       NF,    NF,       NF),
    "other-partnership-unit": (False, NF,     NF,       NF,    NF,       NF),
    "other-partnership-lead": (False, NF,     NF,       NF,    NF,       NF),
}  # fmt: skip


def _input(w: World, action: str) -> dict:
    if action == "record":
        return {
            "kind": "phone",
            "occurred_at": (NOW - datetime.timedelta(hours=1)).isoformat(),
            "participants": [w.people["raiser"].pk, w.people["receiver"].pk],
            "summary": "Spoke about the bruising and the closed referral.",
            "outcome": "ongoing",
            "covers": [],
            "meets": [],
        }
    if action == "pause":
        return {"reason": "Awaiting the strategy meeting", "expected_resume": "2026-01-14"}
    if action == "hand_over":
        # The raising side passes to the raiser's colleague in the same team.
        return {
            "side": "raising",
            "to_user": w.people["raiser-colleague"].pk,
            "reason": "The raiser is on leave",
        }
    return {"reason": "Still unresolved after discussion"}


def _done(w: World, action: str, d: Disagreement) -> bool:
    """Whether the action's effect is visible on the disagreement afterwards."""
    if action == "record":
        return d.records.count() == 2
    if action == "escalate":
        return d.stage == 2 and d.episodes.count() == 2
    if action == "pause":
        return d.status == Status.PAUSED
    if action == "withdraw":
        return d.status == Status.WITHDRAWN
    return d.current_episode().raising_actor_id == w.people["raiser-colleague"].pk


def _outcome(actor: User, d: Disagreement, action: str, data: dict, version=None) -> str:
    try:
        transitions.perform(action, actor, d.pk, d.version if version is None else version, data)
    except transitions.NotFound:
        return NF
    except transitions.NotAllowed:
        return NA
    return OK


@pytest.mark.parametrize(
    ("who", "expected"), [(who, row[0]) for who, row in MATRIX.items()], ids=list(MATRIX)
)
def test_only_people_with_need_to_know_see_the_disagreement(world, who, expected):
    person, d = world.person(who), world.d

    assert (d in visible_to(person)) is expected
    assert may_see(person, d) is expected
    # The list and the per-disagreement check agree: no capacity, no sight.
    assert bool(capacities(person, d, d.current_episode())) is expected


@pytest.mark.parametrize(
    ("who", "action", "expected"),
    [(who, action, row[1 + i]) for who, row in MATRIX.items() for i, action in enumerate(ACTIONS)],
    ids=[f"{who}-{action}" for who in MATRIX for action in ACTIONS],
)
def test_each_person_may_do_exactly_what_the_matrix_says(world, who, action, expected):
    person, d = world.person(who), world.d
    events = Event.objects.count()

    assert _outcome(person, d, action, _input(world, action)) == expected

    after = fresh(d)
    if expected == OK:
        assert _done(world, action, after)
        assert after.version == d.version + 1
        assert Event.objects.count() == events + 1
    else:
        # A refusal changes nothing and leaves no trace in the audit log.
        assert not _done(world, action, after)
        assert (after.version, after.status, after.stage) == (d.version, d.status, d.stage)
        assert Event.objects.count() == events
    if expected == NF:
        # Not even a stale version gives it away: "not found" comes before "changed since".
        assert _outcome(person, d, action, _input(world, action), version=d.version - 1) == NF


def test_a_hidden_disagreement_reads_exactly_like_one_that_does_not_exist(world):
    outsider, d = world.person("outsider"), world.d
    missing = Disagreement.objects.order_by("-pk").first().pk + 1000

    with pytest.raises(transitions.NotFound) as hidden:
        transitions.perform("escalate", outsider, d.pk, d.version, {"reason": "x"})
    with pytest.raises(transitions.NotFound) as absent:
        transitions.perform("escalate", outsider, missing, 1, {"reason": "x"})

    assert str(hidden.value) == str(absent.value) == "disagreement not found"


def test_refusals_of_people_who_may_see_say_why(world):
    d = world.d

    with pytest.raises(transitions.NotAllowed, match=rf"you cannot escalate on {d.reference}"):
        transitions.perform("escalate", world.person("unit"), d.pk, d.version, {"reason": "x"})
    with pytest.raises(transitions.NotAllowed, match=rf"you cannot withdraw on {d.reference}"):
        transitions.perform("withdraw", world.person("receiver"), d.pk, d.version, {"reason": "x"})


# -- Every transition, at stage 2 ---------------------------------------------------------
#
# The "climbed" disagreement: raised by the children's social worker against the police
# officer, who handed stage 1 to a colleague; now at stage 2 between the two line managers.
# Each transition is tried on it by every kind of person, from the state it needs (a
# record by the raising actor to approve or correct, an action the receiving actor owns,
# a pause to resume). Who may touch a record or an action is decided by its author or
# owner and their side: approving on the author's side, correcting in the author's line.

IV = "invalid"
TRANSITIONS = (
    "record",
    "approve",
    "correct",
    "escalate",
    "resolve",
    "refer",
    "pause",
    "resume",
    "extend",
    "hand_over",
    "complete_action",
    "withdraw",
    "add_party",
    "add_case_reference",
    "shorten",
    "submit_form",
    "fast_track",
    "raise_risk",
    "record_panel",
)
# Columns: record, approve, correct, escalate, resolve, refer, pause, resume, extend,
# hand_over, complete_action, withdraw, add_party, add_case_reference, shorten, submit_form,
# fast_track, raise_risk, record_panel. Y: done; n: not allowed; -: not found; i: invalid
# input (the receiving actor agreeing the extension they asked for). Stoke-on-Trent sets
# stage 2's timescale itself and names no form or panel at it, so nobody may shorten, submit
# a form or record a panel here; who may is tried where the pathway names one
# (FORM_AT_STAGE_3, the Hillingdon panel matrix below).
CODES = {"Y": OK, "n": NA, "-": NF, "i": IV}
# fmt: off
EVERY = {
    "raiser":                   "n Y n n n n n n n n n Y n Y n n n n n",  # an earlier stage's actor
    "raiser-manager":           "Y n Y Y Y n Y Y Y Y n Y Y Y n n Y Y n",  # the raising actor
    "receiver-manager":         "Y n n Y Y n Y Y i n Y n Y Y n n Y Y n",  # the receiving actor
    "raiser-senior-manager":    "Y Y Y Y Y n Y Y Y Y n n Y Y n n Y Y n",
    "receiver-senior-manager":  "Y n n Y Y n Y Y n n Y n Y Y n n Y Y n",
    "raising-lead":             "Y Y n n n n n n n Y n n Y Y n n n Y n",
    "receiving-lead":           "Y n n n n n n n n n Y n Y Y n n n Y n",
    "receiver-colleague":       "n n n n n n n n n n n n n Y n n n n n",  # acted at stage 1
    "receiver":                 "n n n n n n n n n n n n n Y n n n n n",  # handed over
    "unit":                     "n n n n n n n n n n n n n n n n n n n",
    "chair":                    "n n n n n n n n n n n n n n n n n n n",
    "raiser-colleague":         "- - - - - - - - - - - - - - - - - - -",
    "outsider":                 "- - - - - - - - - - - - - - - - - - -",
    "other-partnership-unit":   "- - - - - - - - - - - - - - - - - - -",
    "other-partnership-lead":   "- - - - - - - - - - - - - - - - - - -",
}
# fmt: on


def _raising_record(w: World, d: Disagreement, **extra) -> Disagreement:
    """A record of the stage 2 discussion by the raising actor, not yet approved."""
    episode = d.current_episode()
    data = {
        "kind": "meeting",
        "occurred_at": (NOW - datetime.timedelta(hours=1)).isoformat(),
        "participants": [episode.raising_actor.pk, episode.receiving_actor.pk],
        "summary": "The line managers met and set out both positions.",
        "outcome": "unresolved",
        "covers": [r.id for r in d.pack.stage(d.stage).must_record],
        **extra,
    }
    return transitions.perform("record", episode.raising_actor, d.pk, d.version, data)


def _prepare(w: World, action: str) -> tuple[Disagreement, dict]:
    """The climbed disagreement in the state `action` needs, and valid input for it."""
    d = fresh(w.rows["climbed"])
    raising = w.person("raiser-manager")
    if action in ("approve", "correct"):
        d = _raising_record(w, d)
        record = d.records.latest("pk").pk
        if action == "approve":
            return d, {"record": record}
        return d, {"record": record, "summary": "With the dates", "reason": "Dates missing"}
    if action in ("escalate", "resolve"):
        outcome = "unresolved" if action == "escalate" else "resolved"
        d = _raising_record(w, d, outcome=outcome)
        approver = w.person("raiser-senior-manager")
        d = transitions.perform(
            "approve", approver, d.pk, d.version, {"record": d.records.latest("pk").pk}
        )
        if action == "escalate":
            return d, {"reason": "The line managers could not agree"}
        return d, {
            "agreed_outcome": "A strategy discussion is held this week.",
            "next_steps": "Both agencies attend the strategy discussion.",
            "written_confirmation": "Emailed to both agencies the same day.",
            "feedback_to_raiser": "Told the social worker what was agreed.",
        }
    if action == "complete_action":
        owner = w.person("receiver-manager")
        action_ = {"text": "Share the previous reports", "owner": owner.pk, "due": "2026-01-12"}
        d = _raising_record(w, d, actions=[action_], covers=[])
        return d, {"action": AgreedAction.objects.get(record__disagreement=d).pk}
    if action == "resume":
        pause = {"reason": "Awaiting the strategy meeting", "expected_resume": "2026-01-14"}
        return transitions.perform("pause", raising, d.pk, d.version, pause), {}
    if action == "extend":
        asked_by = w.person("receiver-manager").pk
        return d, {
            "asked_by": asked_by,
            "reason": "The meeting needs a week",
            "new_due": "2026-01-21",
        }
    if action == "refer":
        return d, {"referred_to": "The Partnership Executive", "recommendation": "Review"}
    if action == "fast_track":
        return d, {"to_stage": 3, "reason": "A new injury: it cannot wait for stage 2"}
    if action == "raise_risk":
        return d, {"risk": "immediate", "reason": "A new injury was seen today"}
    if action == "record_panel":
        members = [w.person(p).pk for p in ("raiser-senior-manager", "receiver-senior-manager")]
        return d, {"held_on": "2026-01-07", "members": members, "outcome": "Agreed a visit"}
    if action == "hand_over":
        to_user = w.person("raising-lead").pk
        return d, {"side": "raising", "to_user": to_user, "reason": "The manager is on leave"}
    if action == "add_party":
        health = w.demo.agencies["health"]
        return d, {"agency": health.pk, "person": w.demo.ladder["health"][0].pk}
    if action == "add_case_reference":
        return d, {"reference": "CSC-2026-00417"}
    if action == "shorten":
        return d, {"new_due": "2026-01-09", "reason": "The child is seen again on Friday"}
    if action == "submit_form":
        return d, {"form": "concerns-resolution-form"}
    return d, _input(w, action)


@pytest.mark.parametrize(
    ("who", "action", "expected"),
    [
        (who, action, CODES[row.split()[i]])
        for who, row in EVERY.items()
        for i, action in enumerate(TRANSITIONS)
    ],
    ids=[f"{who}-{action}" for who in EVERY for action in TRANSITIONS],
)
def test_every_transition_at_stage_2_is_open_to_exactly_whom_the_matrix_says(
    world, who, action, expected
):
    d, data = _prepare(world, action)
    person = world.person(who)
    assert d.stage == 2
    events = Event.objects.count()

    try:
        transitions.perform(action, person, d.pk, d.version, data)
        outcome = OK
    except transitions.NotFound:
        outcome = NF
    except transitions.NotAllowed:
        outcome = NA
    except transitions.Invalid:
        outcome = IV

    assert outcome == expected
    after = fresh(d)
    assert (after.version == d.version + 1) is (expected == OK)
    assert Event.objects.count() == events + (expected == OK)


# Transitions the stage 2 matrix cannot try, each with its own matrix below or elsewhere.
# `submit_form` and `shorten` are tried at stage 2 too, where Stoke-on-Trent refuses them.
# `hand_over_action` needs an open agreed action: tried in tests/administration/, and
# `move_action` in test_agreed_actions.
# Tried in their own tests: an account and a resolution's confirmation are decided by the
# record's author's and the resolver's side (test_both_sides_stand_behind); `name_receiver`
# needs a case raised with "I do not know who" (tests/disagreements/test_pages_raise.py);
# `decide_contested` a resolution contested at a stage its leader decides
# (test_contested_resolutions: Hillingdon stage 4).
EXEMPT: frozenset[str] = frozenset(
    {"hand_over_action", "move_action", "add_account", "confirm_resolution", "contest_resolution",
     "name_receiver", "decide_contested"}
)  # fmt: skip


def test_the_matrix_covers_every_transition_the_rules_declare():
    assert set(TRANSITIONS) | EXEMPT == set(transitions.RULES)
    assert len(TRANSITIONS) == len(set(TRANSITIONS))
    assert all(len(row.split()) == len(TRANSITIONS) for row in EVERY.values())


# Stage 3 names Stoke-on-Trent's Concerns Resolution Form (Appendix 2: "send a copy to the
# Partnership at stages 3 to 5"). The senior managers act now; who may submit it is who may
# act on the stage (the actors and the managers above them), not the leads, the line
# managers who acted at stage 2, nor the partnership it is sent to, which now sees the case.
FORM_AT_STAGE_3 = {
    "raiser-senior-manager": OK,  # the raising actor
    "receiver-senior-manager": OK,  # the receiving actor
    "raiser-manager": NA,
    "receiver-manager": NA,
    "raiser": NA,
    "receiver": NA,
    "receiver-colleague": NA,
    "raising-lead": NA,
    "receiving-lead": NA,
    "unit": NA,
    "chair": NA,
    "raiser-colleague": NF,
    "outsider": NF,
    "other-partnership-unit": NF,
    "other-partnership-lead": NF,
}


@pytest.mark.parametrize(("who", "expected"), FORM_AT_STAGE_3.items(), ids=list(FORM_AT_STAGE_3))
def test_the_stage_3_form_is_submitted_by_exactly_whom_the_matrix_says(world, who, expected):
    d = fresh(world.rows["climbed"])
    raising = d.current_episode().raising_actor
    discuss(raising, d)
    d = fresh(escalate(raising, d))
    assert d.stage == 3
    form = "concerns-resolution-form"
    data = formsubmissions.sample_answers(d, form, transitions.now())
    events = Event.objects.count()

    assert _outcome(world.person(who), d, "submit_form", data) == expected
    assert fresh(d).version == d.version + (expected == OK)
    assert Event.objects.count() == events + (expected == OK)
    sent = formsubmissions.submitted_at_stage(fresh(d), form, 3)
    assert bool(sent) is (expected == OK)


# -- A closed disagreement: its records and actions ----------------------------------------
#
# After withdrawal nothing moves but agreed actions and corrections, which become addenda.

CLOSED_CASE = {
    #                          correct  approve addendum  complete action
    "raiser":                 (OK,      NA,               NA),  # the record's author
    "raiser-manager":         (OK,      OK,               NA),
    "receiver":               (NA,      NA,               OK),  # the action's owner
    "receiver-manager":       (NA,      NA,               OK),
    "raising-lead":           (NA,      OK,               NA),
    "receiving-lead":         (NA,      NA,               OK),
    "unit":                   (NA,      NA,               NA),
    "raiser-colleague":       (NF,      NF,               NF),
    "outsider":               (NF,      NF,               NF),
    "other-partnership-unit": (NF,      NF,               NF),
}  # fmt: skip


def _withdrawn_with_evidence(w: World) -> tuple[Disagreement, int, int]:
    """The main disagreement with an agreed action the receiver owns, then withdrawn."""
    d, raiser = w.d, w.person("raiser")
    owner = w.person("receiver")
    data = {
        **_input(w, "record"),
        "actions": [{"text": "Share the reports", "owner": owner.pk, "due": "2026-01-12"}],
    }
    d = transitions.perform("record", raiser, d.pk, d.version, data)
    action = AgreedAction.objects.get(record__disagreement=d).pk
    d = transitions.perform("withdraw", raiser, d.pk, d.version, {"reason": "Agreed informally"})
    record = d.records.filter(approved_at__isnull=False).latest("pk").pk
    return d, record, action


@pytest.mark.parametrize(
    ("who", "column", "expected"),
    [(who, i, row[i]) for who, row in CLOSED_CASE.items() for i in range(3)],
    ids=[f"{who}-{name}" for who in CLOSED_CASE for name in ("correct", "approve", "complete")],
)
def test_a_closed_disagreement_takes_addenda_and_done_actions_from_exactly_whom_the_matrix_says(
    world, who, column, expected
):
    d, record, action = _withdrawn_with_evidence(world)
    if column == 0:
        name, data = "correct", {"record": record, "summary": "With the dates", "reason": "Dates"}
    elif column == 1:
        raiser = world.person("raiser")
        addendum = {"record": record, "summary": "With the dates", "reason": "Dates"}
        d = transitions.perform("correct", raiser, d.pk, d.version, addendum)
        name, data = "approve", {"record": d.records.latest("pk").pk}
    else:
        name, data = "complete_action", {"action": action}

    assert _outcome(world.person(who), d, name, data) == expected
    after = fresh(d)
    assert after.status == Status.WITHDRAWN
    # The approved evidence is never superseded after closure.
    assert not d.records.filter(supersedes_id=record).exists()


# -- Need to know changes as the disagreement moves ---------------------------------------


def test_the_line_manager_who_acts_at_stage_2_sees_it_and_may_act(world):
    d = world.d
    manager = world.person("raiser-manager")

    escalate(world.person("raiser"), d)

    d = fresh(d)
    episode = d.current_episode()
    assert (d.stage, episode.raising_actor_id) == (2, manager.pk)
    assert {Capacity.RAISING_ACTOR, Capacity.PARTICIPANT} <= capacities(manager, d, episode)
    assert may_see(manager, d)
    # The practitioners who started it still take part; the colleague still has no need.
    assert may_see(world.person("raiser"), d) and may_see(world.person("receiver"), d)
    assert not may_see(world.person("raiser-colleague"), d)


def test_a_manager_drawn_in_by_escalation_sees_it_from_then_on_and_not_before(world):
    # The raiser has lost their line manager (a restructure): stage 2 falls to the first
    # person on the agency's line-manager rung, who has no tie to the case until then.
    raiser = User.objects.get(pk=world.people["raiser"].pk)
    raiser.line_manager = None
    raiser.save()  # as an administrator would: who may see it follows at once
    d, stand_in = world.d, world.person("raiser-manager")
    assert not may_see(stand_in, d)
    with pytest.raises(transitions.NotFound):
        transitions.perform("pause", stand_in, d.pk, d.version, _input(world, "pause"))

    escalate(world.person("raiser"), d)

    d = fresh(d)
    assert d.current_episode().raising_actor_id == stand_in.pk
    assert may_see(stand_in, d)
    assert transitions.perform("pause", stand_in, d.pk, d.version, _input(world, "pause"))


def test_the_partnership_unit_sees_every_disagreement_in_its_own_partnership_and_no_other(
    world,
):
    ours = set(Disagreement.objects.filter(partnership=world.demo.partnership))
    theirs = set(Disagreement.objects.filter(partnership=world.other.partnership))
    assert len(ours) == 6 and len(theirs) == 1

    assert set(visible_to(world.person("unit"))) == ours
    assert set(visible_to(world.person("other-partnership-unit"))) == theirs
    # Same pack, same agency names, same reference numbers: still nothing crosses over.
    (their_row,) = theirs
    assert their_row.reference == world.rows["csc-police"].reference
    assert not may_see(world.person("unit"), their_row)
    with pytest.raises(transitions.NotFound):
        transitions.perform("record", world.person("unit"), their_row.pk, their_row.version, {})


# -- Lists ----------------------------------------------------------------------------------

# Who finds which open disagreements in their list. The withdrawn one is closed, so it is
# in nobody's open list, though its raiser may still see it.
OPEN = {
    "raiser": {"csc-police", "climbed"},
    "receiver": {"csc-police", "climbed"},
    "raiser-manager": {"csc-police", "colleague-health", "climbed"},  # manages the colleague
    "raiser-senior-manager": {"csc-police", "colleague-health", "climbed"},
    "receiver-manager": {"csc-police", "climbed"},
    "raiser-colleague": {"colleague-health"},
    "raising-lead": {"csc-police", "colleague-health", "climbed"},
    "receiving-lead": {"csc-police", "climbed"},
    "school-lead": {"health-school", "school-charity"},
    "unit": {"csc-police", "health-school", "school-charity", "colleague-health", "climbed"},
    "chair": {"csc-police", "health-school", "school-charity", "colleague-health", "climbed"},
    "administrator": set(),
    "outsider": set(),
    "other-partnership-unit": {"other-partnership"},
    "other-partnership-lead": {"other-partnership"},
}


@pytest.mark.parametrize(("who", "expected"), OPEN.items(), ids=list(OPEN))
def test_open_disagreements_lists_exactly_the_open_rows_a_person_may_see(world, who, expected):
    person = world.person(who)
    label = {row.pk: name for name, row in world.rows.items()}

    listed = [label[row.pk] for row in open_disagreements(person)]

    assert len(listed) == len(set(listed))  # no row twice (the joins do not multiply rows)
    assert set(listed) == expected
    for name, row in world.rows.items():
        if name != "withdrawn":
            assert may_see(person, row) is (name in expected)


def test_a_closed_disagreement_stays_visible_to_its_raiser_but_leaves_the_open_list(world):
    raiser, withdrawn = world.person("raiser"), world.rows["withdrawn"]

    assert may_see(raiser, withdrawn)
    assert withdrawn not in open_disagreements(raiser)


@pytest.mark.parametrize("who", ["raiser", "unit", "raising-lead", "raiser-manager"])
def test_an_inactive_user_sees_nothing_and_may_do_nothing(world, who):
    User.objects.filter(pk=world.people[who].pk).update(is_active=False)
    person, d = world.person(who), world.d

    assert not visible_to(person).exists()
    assert not open_disagreements(person).exists()
    assert not may_see(person, d)
    assert capacities(person, d, d.current_episode()) == set()
    with pytest.raises(transitions.NotFound):
        transitions.perform("record", person, d.pk, d.version, _input(world, "record"))


# -- Graded sight -------------------------------------------------------------------------

# What each person may see of the csc-police disagreement at stage 1 (Stoke tells the
# partnership at stage 3): the whole case, the register line only, or nothing.
SIGHT = {
    "raiser": Grade.CASE,
    "receiver": Grade.CASE,
    "raiser-manager": Grade.CASE,
    "raiser-senior-manager": Grade.CASE,
    "receiver-manager": Grade.CASE,
    "raiser-colleague": Grade.NONE,
    "raising-lead": Grade.CASE,
    "receiving-lead": Grade.CASE,
    "school-lead": Grade.NONE,
    "unit": Grade.REGISTER,
    "chair": Grade.REGISTER,
    "administrator": Grade.NONE,
    "outsider": Grade.NONE,
    "other-partnership-unit": Grade.NONE,
    "other-partnership-lead": Grade.NONE,
}


@pytest.mark.parametrize(("who", "expected"), SIGHT.items(), ids=list(SIGHT))
def test_oversight_sees_the_register_line_and_the_people_on_the_case_see_all_of_it(
    world, who, expected
):
    person, d = world.person(who), world.d

    seen = sight(person, d)

    assert seen.grade == expected
    assert seen.subject is seen.records is (expected == Grade.CASE)
    # The list, the single check and standing agree on whether it exists at all.
    assert bool(seen) is (d in visible_to(person)) is bool(capacities(person, d, None))


def _move(person: User, agency, line_manager) -> User:
    person.agency, person.line_manager = agency, line_manager
    person.save()  # as an administrator would
    return User.objects.get(pk=person.pk)


def test_a_raiser_who_handed_over_and_moved_to_another_agency_can_no_longer_withdraw(world):
    d, demo = world.d, world.demo
    raiser = world.person("raiser")
    transitions.perform("hand_over", raiser, d.pk, d.version, _input(world, "hand_over"))

    raiser = _move(raiser, demo.agencies["health"], demo.ladder["health"][1])
    d = fresh(d)

    assert _outcome(raiser, d, "withdraw", {"reason": "I have moved on"}) == NF
    assert fresh(d).status == Status.OPEN
    assert not sight(raiser, d)
    # Whoever acts for the raising side now may still withdraw it.
    colleague = world.person("raiser-colleague")
    assert _outcome(colleague, d, "withdraw", {"reason": "Agreed locally"}) == OK


def test_a_raisers_new_manager_in_an_uninvolved_agency_does_not_see_the_case(world):
    d, demo = world.d, world.demo
    transitions.perform(
        "hand_over", world.person("raiser"), d.pk, d.version, _input(world, "hand_over")
    )
    new_manager = demo.ladder["health"][1]

    _move(world.person("raiser"), demo.agencies["health"], new_manager)
    new_manager = world.person_by_pk(new_manager.pk)
    d = fresh(d)

    assert not may_see(new_manager, d)
    assert d not in visible_to(new_manager)
    assert _outcome(new_manager, d, "pause", _input(world, "pause")) == NF
    # The raiser's old team still sees it through the colleague who acts now.
    assert may_see(world.person("raiser-manager"), d)


def test_a_seconded_workers_manager_in_another_agency_neither_sees_nor_acts_on_the_case(world):
    # The police officer who receives it is seconded to a team run by a health manager.
    d, demo = world.d, world.demo
    receiver = world.person("receiver")
    receiver.line_manager = demo.ladder["health"][1]
    receiver.save()
    health_manager = world.person_by_pk(demo.ladder["health"][1].pk)

    assert not may_see(health_manager, d)
    assert _outcome(health_manager, d, "pause", _input(world, "pause")) == NF
    # The receiver still acts for the police, and the police's lead still sees it.
    assert _outcome(receiver, d, "pause", _input(world, "pause")) == OK
    assert may_see(world.person("receiving-lead"), d)


def _agree_action(world, owner: User) -> Disagreement:
    return agree_action(world.person("raiser"), world.d, owner, world.person("receiver"))


def test_an_action_owner_in_an_uninvolved_agency_is_refused_before_the_partnership_is_told(
    world,
):
    demo, d = world.demo, world.d
    assert d.partnership_told_at is None
    before = (fresh(d).version, AgreedAction.objects.count())
    with pytest.raises(transitions.Invalid) as refused:
        _agree_action(world, demo.ladder["health"][0])
    assert "until the partnership is told about this disagreement" in str(refused.value)
    assert (fresh(d).version, AgreedAction.objects.count()) == before
    # The two agencies' people, and the partnership's oversight, may own one.
    for owner in (world.person("receiver"), demo.colleague["csc"], demo.unit):
        _agree_action(world, owner)
    # And nobody outside them may be handed one either.
    action = AgreedAction.objects.filter(record__disagreement=d).latest("pk")
    with pytest.raises(transitions.Invalid) as refused:
        d = fresh(d)
        transitions.perform(
            "hand_over_action",
            world.person("raiser"),
            d.pk,
            d.version,
            {"action": action.pk, "to_user": demo.ladder["health"][0].pk, "reason": "Away"},
        )
    assert "to_user" in refused.value.errors


def test_an_action_owner_in_an_uninvolved_agency_sees_their_action_not_the_subject(world):
    demo = world.demo
    owner = demo.ladder["health"][0]
    # Once the partnership is told (Stoke-on-Trent: at stage 3), anyone in it may own one.
    tell_partnership(world.d, transitions.now())
    d = _agree_action(world, owner)
    owner = world.person_by_pk(owner.pk)

    seen = sight(owner, d)
    (row,) = [r for r in open_rows(owner) if r.pk == d.pk]

    assert seen.grade == Grade.ACTIONS
    assert seen.actions == {AgreedAction.objects.get(owner=owner).pk}
    assert not seen.subject and not seen.records
    assert row.subject_name is None and row.sight == Grade.ACTIONS
    # Naming them gives nobody above them any sight of it.
    for manager in demo.ladder["health"][1:]:
        assert not may_see(world.person_by_pk(manager.pk), d)
    # They may mark their action done, and nothing else.
    assert _outcome(owner, d, "record", _input(world, "record")) == NA
    action = AgreedAction.objects.get(owner=owner)
    assert _outcome(owner, fresh(d), "complete_action", {"action": action.pk}) == OK


def test_an_action_owner_in_an_involved_agency_sees_the_whole_case(world):
    owner = world.person("raiser-colleague")
    d = _agree_action(world, owner)

    assert sight(owner, d).grade == Grade.CASE
    assert may_see(world.person("raiser-manager"), d)


def test_a_participant_who_moves_to_an_uninvolved_agency_stops_seeing_the_case(world):
    d, demo = world.d, world.demo

    receiver = _move(world.person("receiver"), demo.agencies["school"], demo.ladder["school"][1])

    assert not sight(receiver, d)
    assert not may_see(world.person_by_pk(demo.ladder["school"][1].pk), d)
    # The police's lead hands the receiving side to someone still in the police.
    lead, colleague = world.person("receiving-lead"), demo.colleague["police"]
    data = {"side": "receiving", "to_user": colleague.pk, "reason": "The officer moved"}
    assert _outcome(lead, d, "hand_over", data) == OK
    assert sight(world.person_by_pk(colleague.pk), fresh(d)).grade == Grade.CASE


# -- When the pathway tells the partnership -------------------------------------------------

# The stage at which each pathway first tells the partnership about a case, by a stage
# notice to one of its roles or by a partnership role leading the stage.
TOLD_AT = {
    "stoke-on-trent": 3,  # the Partnership is notified at stages 3 to 5
    "jersey": 4,  # the board chair leads stage 4
    "hillingdon": 4,  # the Implementation Unit leads stage 4
    "blackpool": 4,  # the MASA team is told when senior officers are involved
    "cambridgeshire": 4,  # the Head of Service PQA leads stage 4
}


@pytest.mark.parametrize(("pathway", "told_at"), TOLD_AT.items(), ids=list(TOLD_AT))
def test_oversight_sees_the_subject_and_records_once_the_pathway_tells_the_partnership(
    pathway, told_at
):
    with time_machine.travel(NOW, tick=False):
        demo = build_partnership(pathway, slug=f"told-{pathway}")
        adult = pathway == "hillingdon"
        data = raise_data(demo, "asc", subject_kind="adult") if adult else raise_data(demo, "csc")
        d = transitions.raise_disagreement(demo.ladder["health"][0], data)
        unit, chair = User.objects.get(pk=demo.unit.pk), User.objects.get(pk=demo.chair.pk)
        seen = {}
        while True:
            d = fresh(d)
            seen[d.stage] = (sight(unit, d).grade, sight(chair, d).grade)
            if d.stage == d.pack.last_stage.number:
                break
            discuss(d.current_episode().raising_actor, d)
            escalate(d.current_episode().raising_actor, d)

    assert seen == {
        stage: (Grade.CASE, Grade.CASE) if stage >= told_at else (Grade.REGISTER,) * 2
        for stage in seen
    }
    assert fresh(d).partnership_told_at is not None


def test_blackpool_tells_its_masa_team_at_stage_1_when_non_involvement_is_reported():
    with time_machine.travel(NOW, tick=False):
        demo = build_partnership("blackpool", slug="told-immediately")
        data = raise_data(demo, "csc", risk="immediate", urgent=True)
        d = transitions.raise_disagreement(demo.ladder["health"][0], data)
        # The risk chosen at raise reports no agency's position: the unit is not told yet.
        assert sight(User.objects.get(pk=demo.unit.pk), d).grade == Grade.REGISTER
        report = {
            "risk": "immediate",
            "non_involvement": True,
            "reason": "Social care will not attend the strategy meeting.",
        }
        transitions.perform("raise_risk", demo.ladder["health"][0], d.pk, d.version, report)

    assert fresh(d).stage == 1
    assert sight(User.objects.get(pk=demo.unit.pk), fresh(d)).grade == Grade.CASE


# -- Hillingdon's Resolution Panel: recorded by the Implementation Unit leading stage 4 -------

PANEL = {
    "unit": OK,  # leads stage 4
    "chair": NA,
    "raising-actor": NA,
    "receiving-actor": NA,
    "raiser": NA,
    "outsider": NF,
}


@pytest.mark.parametrize(("who", "expected"), PANEL.items(), ids=list(PANEL))
def test_the_resolution_panel_is_recorded_by_exactly_whom_the_matrix_says(who, expected):
    with time_machine.travel(NOW, tick=False):
        demo = build_partnership("hillingdon", slug="panel")
        raiser = demo.ladder["csc"][0]
        d = transitions.raise_disagreement(raiser, raise_data(demo, "police"))
        jump = {"to_stage": 4, "reason": "A risk of immediate harm: it cannot wait."}
        d = transitions.perform("fast_track", raiser, d.pk, d.version, jump)
        episode = d.current_episode()
        person = {
            "unit": demo.unit,
            "chair": demo.chair,
            "raising-actor": episode.raising_actor,
            "receiving-actor": episode.receiving_actor,
            "raiser": raiser,
            "outsider": demo.outsider,
        }[who]
        sitting = {
            "held_on": "2026-01-07",
            "members": [demo.ladder[k][2].pk for k in ("csc", "police", "health")],
            "chronology_reviewed": True,
            "outcome": "The panel agreed a joint visit.",
        }
        assert _outcome(person, d, "record_panel", sitting) == expected
        assert fresh(d).current_episode().panels.exists() is (expected == OK)


# -- Another involved agency, copied in ------------------------------------------------------
#
# Hillingdon §4 Stage Four: "A written response ... will be sent to the referrer, with copies
# provided to other involved agencies"; Jersey §4.6: the chair's recommendation "will be
# communicated to all involved". An agency copied in (add_party) is told the outcome: its
# named person, or without one its safeguarding leads, read the register line and the
# outcome on the page the notice links to, and act on nothing.


def _copy_in(world, d: Disagreement, agency_key: str, person: User | None = None):
    data = {"agency": world.demo.agencies[agency_key].pk, "person": person.pk if person else ""}
    return transitions.perform("add_party", world.person("raiser"), d.pk, d.version, data)


def test_a_copied_agencys_named_person_reads_the_register_line_and_the_outcome_and_acts_on_nothing(
    world,
):
    named = world.demo.ladder["school"][0]
    d = _copy_in(world, world.d, "school", named)
    named = world.person_by_pk(named.pk)

    seen = sight(named, d)

    assert seen.grade == Grade.OUTCOME
    assert seen.outcome and seen.subject and not seen.records
    assert d in visible_to(named)
    assert capacities(named, d, d.current_episode()) == {Capacity.COPIED}
    (row,) = [r for r in open_rows(named) if r.pk == d.pk]
    assert (row.sight, row.subject_name) == (Grade.OUTCOME, "Robin Testchild")
    for action in ACTIONS:
        assert _outcome(named, fresh(d), action, _input(world, action)) == NA
    # The named person is who is told: the school's lead is not, and has no need to know.
    assert not may_see(world.person("school-lead"), d)


def test_without_a_named_person_the_copied_agencys_safeguarding_leads_read_the_outcome(world):
    d = _copy_in(world, world.d, "school")

    assert sight(world.person("school-lead"), d).grade == Grade.OUTCOME
    assert not may_see(world.person_by_pk(world.demo.ladder["school"][0].pk), d)


def test_a_named_person_who_leaves_the_copied_agency_stops_seeing_the_case(world):
    named = world.demo.ladder["school"][0]
    d = _copy_in(world, world.d, "school", named)

    moved = _move(world.person_by_pk(named.pk), world.demo.agencies["charity"], None)

    assert not may_see(moved, d)
    assert d not in visible_to(moved)
