"""Bad input to every transition: a clear error naming the field, and nothing changed.

"Nothing changed" is checked against the whole of the disagreement's rows (its version
and updated_at among them), the count of every table a transition writes to, and the
audit log. Dates were counted by hand: Stoke-on-Trent raised Wed 14 Jan 2026 is reviewed
after 5 working days, Thu 15=1, 16, 19, 20, Wed 21 Jan=5.
"""

import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest
import time_machine

from rpd.audit.models import Event
from rpd.disagreements import nhs_number, transitions
from rpd.disagreements.models import (
    AgreedAction,
    Disagreement,
    Extension,
    Handover,
    Milestone,
    Participant,
    PathwayVersion,
    Pause,
    Record,
    ReferenceCounter,
    Referral,
    Resolution,
    StageEpisode,
    Subject,
)
from rpd.disagreements.transitions import Conflict, Invalid, NotAllowed
from rpd.people.demo import build_partnership

from .helpers import fresh, raise_data, send_forms

D = datetime.date
LONDON = ZoneInfo("Europe/London")
NOW = datetime.datetime(2026, 1, 14, 10, 0, tzinfo=LONDON)  # Wed 14 Jan 2026


def asks_for(messages) -> bool:
    """The Design System's message for a missing answer: one, saying what to give."""
    return len(messages) == 1 and messages[0].startswith(("Enter ", "Select "))


TABLES = [
    Subject,
    PathwayVersion,
    ReferenceCounter,
    Disagreement,
    StageEpisode,
    Milestone,
    Participant,
    Record,
    AgreedAction,
    Pause,
    Extension,
    Handover,
    Referral,
    Resolution,
    Event,
]


def state():
    """Every row a transition could write, and how many of each there are."""
    return {
        "counts": {model.__name__: model.objects.count() for model in TABLES},
        "disagreements": list(Disagreement.objects.order_by("pk").values()),
        "episodes": list(StageEpisode.objects.order_by("pk").values()),
        "milestones": list(Milestone.objects.order_by("pk").values()),
        "records": list(Record.objects.order_by("pk").values()),
        "participants": list(Participant.objects.order_by("pk").values()),
    }


def refused(error, action, *args):
    """`action` is refused with `error` and every row is as it was."""
    before = state()
    with pytest.raises(error) as caught:
        action(*args)
    assert state() == before
    return caught.value


def perform(name, actor, d, data=None, version=None):
    d = fresh(d)
    return transitions.perform(name, actor, d.pk, d.version if version is None else version, data)


def invalid(name, actor, d, data):
    """Refused as Invalid: the errors by field."""
    return refused(Invalid, perform, name, actor, d, data).errors


def not_allowed(name, actor, d, data=None):
    return str(refused(NotAllowed, perform, name, actor, d, data))


def invalid_raise(actor, data):
    return refused(Invalid, transitions.raise_disagreement, actor, data).errors


def record_data(d, **overrides):
    episode = StageEpisode.objects.filter(disagreement=d).last()  # open, or the last one
    data = {
        "kind": "conversation",
        "occurred_at": "2026-01-14T09:00:00+00:00",
        "participants": [episode.raising_actor.pk, episode.receiving_actor.pk],
        "summary": "Both positions set out with the evidence.",
        "outcome": "unresolved",
        "covers": [],
    }
    data.update(overrides)
    return data


def add_record(actor, d, **overrides):
    perform("record", actor, d, record_data(d, **overrides))
    return Record.objects.filter(disagreement=d).latest("pk")


def approved_record(actor, approver, d, **overrides):
    """A record by `actor`, approved by `approver`: only then does it count as evidence."""
    record = add_record(actor, d, **overrides)
    perform("approve", approver, d, {"record": record.pk})
    record.refresh_from_db()
    assert record.approved_by == approver
    return record


RESOLUTION = {
    "agreed_outcome": "A home visit this week",
    "next_steps": "Visit, then a review meeting",
    "written_confirmation": "Emailed to both agencies",
    "feedback_to_raiser": "Told the practitioner what was agreed",
}


@dataclass
class Case:
    demo: object
    d: Disagreement

    def __getattr__(self, name):  # ladder, colleague, unit... come from the demo partnership
        if name.startswith("__") or name == "demo":
            raise AttributeError(name)
        return getattr(self.demo, name)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def stoke(db, clock):
    """Stoke-on-Trent: children's social care disagrees with the police, at stage 1."""
    demo = build_partnership("stoke-on-trent")
    return Case(demo, transitions.raise_disagreement(demo.ladder["csc"][0], raise_data(demo)))


@pytest.fixture
def hillingdon_top(db, clock):
    """Hillingdon, fast-tracked for a risk of immediate harm to its top stage, 4."""
    demo = build_partnership("hillingdon")
    data = raise_data(demo, start_stage=4, risk="immediate", fast_track_reason="Risk tonight")
    d = transitions.raise_disagreement(demo.ladder["csc"][0], data)
    assert (d.stage, d.current_episode().raising_actor) == (4, demo.ladder["csc"][2])
    return Case(demo, d)


def everything(d):
    return [r.id for r in fresh(d).pack.stage(fresh(d).stage).must_record]


# -- Raising -------------------------------------------------------------------------------


def test_raising_with_nothing_names_every_required_field(stoke):
    errors = invalid_raise(stoke.ladder["csc"][1], {})
    # Not whom it is about (Stoke-on-Trent's pathway is for children), nor a description of
    # the decision besides the summary.
    assert set(errors) == {
        "subject_given_name",
        "subject_family_name",
        "receiving_agency",
        "receiving_professional",
        "challenged",
        "challenged_on",
        "categories",
        "summary",
        "outcome_sought",
        "risk",
    }
    assert all(asks_for(messages) for messages in errors.values()), errors


@pytest.mark.parametrize(
    "number, message",
    [
        ("9990000019", "the check digit does not match"),  # 9990000018 is valid
        ("999000001", "an NHS number is 10 digits"),
        ("99900000AB", "an NHS number is 10 digits"),
        ("999 000 001 8X", "an NHS number is 10 digits"),
        ("9991234560", "the check digit does not match"),  # no 999123456x is valid
    ],
)
def test_an_invalid_nhs_number_is_refused(stoke, number, message):
    errors = invalid_raise(stoke.ladder["csc"][1], raise_data(stoke, subject_nhs_number=number))
    assert list(errors) == ["subject_nhs_number"]
    assert message in errors["subject_nhs_number"][0]


def test_an_nhs_number_written_in_groups_is_kept_as_ten_digits(stoke):
    d = transitions.raise_disagreement(
        stoke.ladder["school"][0], raise_data(stoke, subject_nhs_number="999-000 0018")
    )
    assert d.subject.nhs_number == "9990000018"


@pytest.mark.parametrize("field", ["challenged_on", "subject_date_of_birth"])
def test_a_past_date_cannot_be_tomorrow(stoke, field):
    errors = invalid_raise(stoke.ladder["csc"][1], raise_data(stoke, **{field: "2026-01-15"}))
    assert errors == {field: ["must be today or in the past"]}


def test_a_childrens_pathway_refuses_an_adult_at_risk(stoke):
    errors = invalid_raise(stoke.ladder["csc"][1], raise_data(stoke, subject_kind="adult"))
    assert errors == {"subject_kind": ["this partnership's pathway covers children only"]}


def test_the_receiving_professional_must_be_in_the_receiving_agency(stoke):
    data = raise_data(stoke, receiving_professional=stoke.ladder["health"][0].pk)
    errors = invalid_raise(stoke.ladder["csc"][1], data)
    assert errors == {"receiving_professional": ["is not in Police Public Protection Unit"]}


def test_a_disagreement_is_between_agencies_not_within_one(stoke):
    # Within one agency both sides would climb to the same line manager at stage 2.
    data = raise_data(stoke, "csc", receiving_professional=stoke.colleague["csc"].pk)
    errors = invalid_raise(stoke.ladder["csc"][1], data)
    assert errors == {
        "receiving_agency": [
            "is your own agency: this pathway resolves disagreements between agencies"
        ]
    }


def test_stoke_on_trent_fast_tracks_only_to_head_of_service_level(stoke):
    raiser = stoke.ladder["csc"][1]
    data = raise_data(stoke, start_stage=2, fast_track_reason="Serious")
    assert invalid_raise(raiser, data) == {
        "start_stage": ["this policy lets a disagreement start above stage 1 only at stage 3"]
    }
    data = raise_data(stoke, start_stage=6, fast_track_reason="Serious")
    assert invalid_raise(raiser, data) == {"start_stage": ["the policy has stages 1 to 5"]}


def test_a_fast_track_start_needs_a_reason(stoke):
    errors = invalid_raise(stoke.ladder["csc"][1], raise_data(stoke, start_stage=3))
    assert errors == {"fast_track_reason": ["say why this must start above stage 1"]}
    errors = invalid_raise(
        stoke.ladder["csc"][1], raise_data(stoke, start_stage=3, fast_track_reason="   ")
    )
    assert errors == {"fast_track_reason": ["say why this must start above stage 1"]}


def test_a_fast_track_reason_is_refused_for_a_start_at_stage_1_rather_than_kept(stoke):
    errors = invalid_raise(stoke.ladder["csc"][0], raise_data(stoke, fast_track_reason="Urgent"))
    assert errors == {
        "fast_track_reason": [
            "is only for a disagreement that starts above stage 1: choose the stage, or leave "
            "the reason out"
        ]
    }


def test_a_fast_track_start_with_a_reason_goes_straight_to_head_of_service(stoke):
    d = transitions.raise_disagreement(
        stoke.ladder["school"][0],
        raise_data(stoke, start_stage=3, fast_track_reason="Disclosure of abuse today"),
    )
    episode = d.current_episode()
    assert (episode.number, episode.raising_actor, episode.receiving_actor) == (
        3,
        stoke.ladder["school"][2],
        stoke.ladder["police"][2],
    )
    # Decision in writing within 2 working days of Wed 14 Jan: Fri 16 Jan.
    assert episode.due == D(2026, 1, 16)


@pytest.mark.parametrize("pathway", ["blackpool", "cambridgeshire"])
def test_a_pathway_without_a_fast_track_rule_starts_every_disagreement_at_stage_1(
    db, clock, pathway
):
    demo = build_partnership(pathway)
    data = raise_data(demo, start_stage=2, fast_track_reason="Serious")
    assert invalid_raise(demo.ladder["csc"][0], data) == {
        "start_stage": [
            "this policy lets a disagreement start above stage 1 at no stage: every "
            "disagreement starts at stage 1"
        ]
    }


# -- Required input of each transition -----------------------------------------------------


@pytest.mark.parametrize(
    "name, fields",
    [
        ("record", {"kind", "occurred_at", "participants", "summary", "outcome"}),
        ("approve", {"record"}),
        ("correct", {"record", "summary", "reason"}),
        ("pause", {"reason", "expected_resume"}),
        # Which deadline it moves is checked once these are given (test_routes).
        ("extend", {"asked_by", "reason"}),
        ("hand_over", {"side", "to_user", "reason"}),
        ("withdraw", {"reason"}),
    ],
)
def test_each_transition_names_its_missing_fields(stoke, name, fields):
    errors = invalid(name, stoke.ladder["csc"][0], stoke.d, {})
    assert set(errors) == fields
    assert all(asks_for(errors[field]) for field in fields), errors


STOKE_REASON = "A clear, evidence-based reason for the disagreement, shared with everyone involved"
STOKE_RESOLUTION = (
    "Where resolved, the agreed points of resolution and next steps, shared with everyone involved"
)


@pytest.mark.parametrize(
    "name, fields, must_record",
    [
        ("escalate", {"reason"}, [STOKE_REASON]),
        (
            "resolve",
            {"agreed_outcome", "next_steps", "written_confirmation", "feedback_to_raiser"},
            [STOKE_REASON, STOKE_RESOLUTION],  # where resolved, its points too
        ),
    ],
)
def test_closing_a_stage_names_its_missing_fields_and_what_it_must_still_record(
    stoke, name, fields, must_record
):
    errors = invalid(name, stoke.ladder["csc"][0], stoke.d, {})
    assert set(errors) == fields | {"not_applicable"}
    assert all(asks_for(errors[field]) for field in fields), errors
    assert errors["not_applicable"] == [
        f"Stage 1 must still record: {'; '.join(must_record)}. Record a discussion covering "
        f"{'it' if len(must_record) == 1 else 'them'}, and have the record approved"
    ]


def test_referring_on_at_the_top_stage_names_its_missing_fields(hillingdon_top):
    errors = invalid("refer", hillingdon_top.ladder["csc"][2], hillingdon_top.d, {})
    assert errors == {
        "referred_to": ["Select who to refer it to"],
        "recommendation": ["Enter the recommendation"],
    }
    errors = invalid(
        "refer",
        hillingdon_top.unit,
        hillingdon_top.d,
        {"referred_to": "The board", "recommendation": "Panel"},
    )
    assert errors == {"referred_to": ["Select who to refer it to from the list"]}


def test_resuming_needs_no_input_but_only_a_paused_disagreement_resumes(stoke):
    message = not_allowed("resume", stoke.ladder["csc"][0], stoke.d, {})
    assert message == "RPD-2026-0001 is open: you cannot resume"


# -- Stage records -------------------------------------------------------------------------


# What escalating cannot leave out, saying the way on (the points of resolution are not
# asked: it did not resolve).
STOKE_STAGE_1_MUST_RECORD = [
    f"Stage 1 must still record: {STOKE_REASON}. Record a discussion covering it, and have "
    "the record approved",
]


@pytest.fixture
def jersey(db, clock):
    """Jersey at stage 1, whose minutes are kept only where the challenge is in a meeting."""
    demo = build_partnership("jersey")
    return Case(demo, transitions.raise_disagreement(demo.ladder["csc"][0], raise_data(demo)))


JERSEY_COVERED = ["outcome-and-plan", "discussions-documented"]


def test_a_stage_item_declared_not_applicable_needs_a_reason(jersey):
    raiser = jersey.ladder["csc"][0]
    approved_record(raiser, jersey.ladder["csc"][1], jersey.d, covers=JERSEY_COVERED)
    errors = invalid(
        "escalate", raiser, jersey.d, {"reason": "x", "not_applicable": {"dissent-minuted": ""}}
    )
    # Named by what the stage records, never by the pack's id for it.
    [message] = errors["not_applicable"]
    assert message.startswith("Say why “If the challenge is made in a meeting")
    assert message.endswith("” does not apply") and "dissent-minuted" not in message
    errors = invalid(
        "escalate", raiser, jersey.d, {"reason": "x", "not_applicable": {"partnership-form": "n/a"}}
    )
    assert errors == {"not_applicable": ["Stage 1 records nothing called 'partnership-form'"]}


def test_escalating_in_stoke_on_trent_does_not_ask_for_the_points_of_resolution(stoke):
    # Seed 003 §5 Stage 1: "Where a resolution is reached this should be clearly recorded
    # ... including the agreed points of resolution": an unresolved stage has none.
    raiser, manager = stoke.ladder["csc"][0], stoke.ladder["csc"][1]
    approved_record(raiser, manager, stoke.d, covers=["evidence-based-reason"])
    errors = invalid(
        "escalate",
        raiser,
        stoke.d,
        {"reason": "x", "not_applicable": {"resolution-and-next-steps": "Not resolved"}},
    )
    assert errors == {
        "not_applicable": [
            f"“{STOKE_RESOLUTION}” is asked only when the stage resolves: leave it out when "
            "escalating"
        ]
    }
    assert perform("escalate", raiser, stoke.d, {"reason": "Still unsafe"}).stage == 2


def test_resolving_in_stoke_on_trent_needs_the_points_of_resolution_recorded(stoke):
    # Where it resolves, the points of resolution are recorded: no reason leaves them out.
    raiser, manager = stoke.ladder["csc"][0], stoke.ladder["csc"][1]
    approved_record(raiser, manager, stoke.d, covers=["evidence-based-reason"], outcome="resolved")
    assert "resolve" not in transitions.allowed(raiser, fresh(stoke.d))
    errors = invalid("resolve", raiser, stoke.d, RESOLUTION)
    assert errors == {
        "not_applicable": [
            f"Stage 1 must still record: {STOKE_RESOLUTION}. Record a discussion covering it, "
            "and have the record approved"
        ]
    }


def test_escalating_is_refused_until_the_record_covering_what_the_stage_must_record_is_approved(
    stoke,
):
    raiser, manager = stoke.ladder["csc"][0], stoke.ladder["csc"][1]
    record = add_record(raiser, stoke.d, covers=everything(stoke.d))
    errors = invalid("escalate", raiser, stoke.d, {"reason": "Still unsafe"})
    # The unapproved record counts for nothing.
    assert errors == {"not_applicable": STOKE_STAGE_1_MUST_RECORD}

    perform("approve", manager, stoke.d, {"record": record.pk})
    d = perform("escalate", raiser, stoke.d, {"reason": "Still unsafe"})
    assert d.stage == 2


def test_a_superseded_record_no_longer_counts_its_approved_correction_does(stoke):
    raiser, manager = stoke.ladder["csc"][0], stoke.ladder["csc"][1]
    first = approved_record(raiser, manager, stoke.d, covers=everything(stoke.d))
    perform(
        "correct",
        raiser,
        stoke.d,
        {"record": first.pk, "summary": "Both positions, with the dates", "reason": "Dates"},
    )
    correction = Record.objects.get(supersedes=first)
    first.refresh_from_db()
    assert first.approved_by == manager  # the old version stays as it was, approved
    assert correction.covers == first.covers and correction.approved_at is None

    errors = invalid("escalate", raiser, stoke.d, {"reason": "Still unsafe"})
    assert errors == {"not_applicable": STOKE_STAGE_1_MUST_RECORD}

    perform("approve", manager, stoke.d, {"record": correction.pk})
    d = perform("escalate", raiser, stoke.d, {"reason": "Still unsafe"})
    assert d.stage == 2


def test_a_record_cannot_cover_what_the_stage_does_not_record(stoke):
    errors = invalid(
        "record", stoke.ladder["csc"][0], stoke.d, record_data(stoke.d, covers=["partnership-form"])
    )
    assert list(errors) == ["covers"]


def test_a_discussion_cannot_have_occurred_tomorrow(stoke):
    data = record_data(stoke.d, occurred_at="2026-01-15T09:00:00+00:00")
    errors = invalid("record", stoke.ladder["csc"][0], stoke.d, data)
    assert errors == {"occurred_at": ["must be now or in the past"]}


def test_a_discussion_cannot_be_later_than_now_whatever_its_offset(db):
    # Now: 23:15 BST on Mon 13 Jul 2026 (22:15 UTC). 23:45 UTC is half an hour ahead;
    # 01:00 at +05:00 on 14 Jul is 20:00 UTC, earlier this evening.
    with time_machine.travel(datetime.datetime(2026, 7, 13, 23, 15, tzinfo=LONDON), tick=False):
        demo = build_partnership("stoke-on-trent")
        d = transitions.raise_disagreement(demo.ladder["csc"][0], raise_data(demo))
        raiser = demo.ladder["csc"][0]
        for later in ("2026-07-13T23:45:00+00:00", "2026-07-13T23:30:00+01:00"):
            assert invalid("record", raiser, d, record_data(d, occurred_at=later)) == {
                "occurred_at": ["must be now or in the past"]
            }
        earlier = add_record(raiser, d, occurred_at="2026-07-14T01:00:00+05:00")
        assert earlier.occurred_at == datetime.datetime(2026, 7, 13, 20, 0, tzinfo=datetime.UTC)


def test_a_record_is_approved_by_someone_other_than_its_author(stoke):
    raiser = stoke.ladder["csc"][0]
    record = add_record(raiser, stoke.d)
    message = not_allowed("approve", raiser, stoke.d, {"record": record.pk})
    assert message == "a record is approved by someone other than its author"


def test_an_approved_record_is_not_approved_again(stoke):
    record = add_record(stoke.ladder["csc"][0], stoke.d)
    perform("approve", stoke.ladder["csc"][1], stoke.d, {"record": record.pk})
    message = not_allowed("approve", stoke.ladder["csc"][2], stoke.d, {"record": record.pk})
    assert "already approved" in message


@pytest.mark.parametrize("name", ["approve", "correct"])
def test_an_unknown_record_is_refused(stoke, name):
    raiser = stoke.ladder["csc"][0]
    data = {"record": 999999, "summary": "Corrected", "reason": "Typo"}
    assert invalid(name, raiser, stoke.d, data) == {
        "record": ["no such record in this disagreement"]
    }


def test_a_record_of_another_disagreement_is_unknown_here(stoke):
    other = transitions.raise_disagreement(stoke.ladder["school"][0], raise_data(stoke))
    elsewhere = add_record(stoke.ladder["school"][0], other)
    errors = invalid("approve", stoke.ladder["police"][0], stoke.d, {"record": elsewhere.pk})
    assert errors == {"record": ["no such record in this disagreement"]}


# -- Deadlines -----------------------------------------------------------------------------


def test_an_extension_must_fall_on_a_working_day(stoke):
    data = {"asked_by": stoke.ladder["police"][0].pk, "reason": "Meeting", "new_due": "2026-01-24"}
    errors = invalid("extend", stoke.ladder["csc"][0], stoke.d, data)
    assert errors == {"new_due": ["Saturday 24 January 2026 is not a working day"]}
    errors = invalid("extend", stoke.ladder["csc"][0], stoke.d, {**data, "new_due": "2026-04-03"})
    assert list(errors) == ["new_due"] and "April 2026 is not a working day" in str(errors)


@pytest.mark.parametrize("new_due", ["2026-01-21", "2026-01-20"])
def test_an_extension_must_be_after_the_current_due_date(stoke, new_due):
    assert fresh(stoke.d).current_episode().due == D(2026, 1, 21)
    data = {"asked_by": stoke.ladder["police"][0].pk, "reason": "Meeting", "new_due": new_due}
    errors = invalid("extend", stoke.ladder["csc"][0], stoke.d, data)
    assert errors == {"new_due": ["must be after the current due date, Wednesday 21 January 2026"]}


def test_an_extension_is_agreed_by_someone_other_than_who_asked(stoke):
    data = {"asked_by": stoke.ladder["csc"][0].pk, "reason": "Meeting", "new_due": "2026-01-23"}
    errors = invalid("extend", stoke.ladder["csc"][0], stoke.d, data)
    assert errors == {
        "asked_by": [
            "you cannot agree more time you asked for yourself: choose who asked you, or ask "
            "someone else taking part to agree it"
        ]
    }
    # Nor is the one agreeing it offered as who asked: chosen, they could only be refused
    # (found by a try-out).
    actor = stoke.ladder["csc"][0]
    form = transitions.form_for("extend", actor, fresh(stoke.d))
    offered = {pk for pk, _ in form.fields["asked_by"].widget.listed() if pk}
    assert actor.pk not in offered and stoke.ladder["police"][0].pk in offered


@pytest.mark.parametrize("expected_resume", ["2026-01-14", "2026-01-13"])
def test_a_pause_must_expect_to_resume_after_today(stoke, expected_resume):
    data = {"reason": "Off sick", "expected_resume": expected_resume}
    errors = invalid("pause", stoke.ladder["csc"][0], stoke.d, data)
    assert errors == {"expected_resume": ["must be after today"]}


# -- Hand-over -----------------------------------------------------------------------------


def test_a_side_is_handed_over_only_to_someone_in_its_own_agency(stoke):
    data = {"side": "raising", "to_user": stoke.ladder["police"][1].pk, "reason": "Leave"}
    errors = invalid("hand_over", stoke.ladder["csc"][0], stoke.d, data)
    assert errors == {
        "to_user": ["must be someone in Children's Social Care, or named to act for it"]
    }
    data = {"side": "receiving", "to_user": stoke.colleague["csc"].pk, "reason": "Leave"}
    errors = invalid("hand_over", stoke.ladder["csc"][0], stoke.d, data)
    assert errors == {
        "to_user": ["must be someone in Police Public Protection Unit, or named to act for it"]
    }


def test_a_side_is_not_handed_over_to_whoever_already_acts_for_it(stoke):
    data = {"side": "raising", "to_user": stoke.ladder["csc"][0].pk, "reason": "Leave"}
    errors = invalid("hand_over", stoke.ladder["csc"][0], stoke.d, data)
    assert errors == {"to_user": ["already acts for that side"]}


# -- The pathway and the disagreement's status ---------------------------------------------


def test_escalating_past_the_last_stage_says_to_refer_on(hillingdon_top):
    top = hillingdon_top.ladder["csc"][2]
    add_record(top, hillingdon_top.d, covers=everything(hillingdon_top.d))
    expected = "stage 4 is the last stage of this pathway; refer it on instead"
    assert not_allowed("escalate", top, hillingdon_top.d, {"reason": "Still unsafe"}) == expected
    # Said before any field error, so it is not hidden behind them.
    assert not_allowed("escalate", top, hillingdon_top.d, {}) == expected


def test_referring_on_is_for_the_last_stage(stoke):
    message = not_allowed(
        "refer", stoke.ladder["csc"][0], stoke.d, {"referred_to": "x", "recommendation": "y"}
    )
    assert message == "referring on is for the last stage; escalate stage 1"


@pytest.fixture
def resolved(hillingdon_top):
    top = hillingdon_top.ladder["csc"][2]
    manager = hillingdon_top.lead["csc"]  # approves on the author's side, the top rung
    approved_record(
        top, manager, hillingdon_top.d, covers=everything(hillingdon_top.d), outcome="resolved"
    )
    send_forms(top, hillingdon_top.d)
    perform("resolve", top, hillingdon_top.d, RESOLUTION)
    return hillingdon_top


@pytest.fixture
def withdrawn(stoke):
    perform("withdraw", stoke.ladder["csc"][0], stoke.d, {"reason": "Resolved informally"})
    return stoke


VALID_INPUT = {
    "record": lambda case: record_data(case.d),
    "approve": lambda case: {"record": add_record(case.ladder["csc"][0], case.d).pk},
    "escalate": lambda case: {"reason": "Still unsafe"},
    "resolve": lambda case: RESOLUTION,
    "refer": lambda case: {"referred_to": "x", "recommendation": "y"},
    "pause": lambda case: {"reason": "Off sick", "expected_resume": "2026-01-20"},
    "resume": lambda case: {},
    "extend": lambda case: {
        "asked_by": case.ladder["police"][0].pk,
        "reason": "Meeting",
        "new_due": "2026-02-02",
    },
    "hand_over": lambda case: {
        "side": "raising",
        "to_user": case.colleague["csc"].pk,
        "reason": "Leave",
    },
    "withdraw": lambda case: {"reason": "No longer needed"},
}


@pytest.mark.parametrize("name", [n for n in VALID_INPUT if n != "approve"])
def test_a_resolved_disagreement_refuses_every_further_step(resolved, name):
    message = not_allowed(name, resolved.ladder["csc"][0], resolved.d, VALID_INPUT[name](resolved))
    assert message.startswith("RPD-2026-0001 is resolved: you cannot ")


@pytest.mark.parametrize("name", [n for n in VALID_INPUT if n != "approve"])
def test_a_withdrawn_disagreement_refuses_every_further_step(withdrawn, name):
    message = not_allowed(
        name, withdrawn.ladder["csc"][0], withdrawn.d, VALID_INPUT[name](withdrawn)
    )
    assert message.startswith("RPD-2026-0001 is withdrawn: you cannot ")


def test_a_record_on_a_closed_disagreement_cannot_be_approved(stoke):
    record = add_record(stoke.ladder["csc"][0], stoke.d)
    perform("withdraw", stoke.ladder["csc"][0], stoke.d, {"reason": "Resolved informally"})
    message = not_allowed("approve", stoke.ladder["police"][0], stoke.d, {"record": record.pk})
    assert message == "RPD-2026-0001 is withdrawn: you cannot approve a record"


@pytest.mark.parametrize("name", list(VALID_INPUT))
def test_a_stale_version_is_refused_as_a_conflict(stoke, name):
    data = VALID_INPUT[name](stoke)
    seen = fresh(stoke.d).version
    # Someone else records a discussion after the actor opened the disagreement.
    add_record(stoke.ladder["police"][0], stoke.d)
    error = refused(Conflict, perform, name, stoke.ladder["csc"][0], stoke.d, data, seen)
    assert "was changed by someone else since you opened it" in str(error)


# -- NHS numbers ---------------------------------------------------------------------------
#
# The check digit is 11 minus the sum of the first nine digits weighted 10 down to 2,
# modulo 11; 11 becomes 0 and 10 means no valid number ends those nine digits.
# 999000001: 9x10 + 9x9 + 9x8 + 1x2 = 245 = 22x11 + 3, so 11 - 3 = 8: 9990000018.
# 999000002: 247 = 22x11 + 5, so 6: 9990000026.
# 999000005: 253 = 23x11 + 0, so 11, written 0: 9990000050.
# 999000000: 243 = 22x11 + 1, so 10: never valid.
# 999123456: 90 + 81 + 72 + 7 + 12 + 15 + 16 + 15 + 12 = 320 = 29x11 + 1, so 10: never valid.


@pytest.mark.parametrize("number", ["9990000018", "9990000026", "9990000050"])
def test_an_nhs_number_in_the_test_range_with_its_check_digit_is_valid(number):
    assert nhs_number.is_valid(number)
    assert nhs_number.normalise_nhs_number(f"{number[:3]} {number[3:6]} {number[6:]}") == number


@pytest.mark.parametrize("first_nine", ["999000000", "999123456"])
def test_a_check_digit_of_10_is_never_valid(first_nine):
    assert nhs_number.check_digit(first_nine) is None
    assert not any(nhs_number.is_valid(f"{first_nine}{digit}") for digit in range(10))


@pytest.mark.parametrize("number", ["9990000017", "999000001", "99900000180", "999000001X"])
def test_a_wrong_check_digit_or_length_is_invalid(number):
    assert not nhs_number.is_valid(number)


def test_synthetic_nhs_numbers_differ_for_every_seed_below_100000():
    numbers = {nhs_number.synthetic(seed) for seed in range(100_000)}
    assert len(numbers) == 100_000
    assert all(nhs_number.is_valid(n) and n.startswith("999") for n in numbers)


@pytest.mark.parametrize("seeds", [range(0, 3000), range(998_500, 1_001_500), [10**12 + 7]])
def test_a_synthetic_nhs_number_is_always_valid_and_in_the_reserved_999_range(seeds):
    low, high = nhs_number.TEST_RANGE
    for seed in seeds:
        number = nhs_number.synthetic(seed)
        assert nhs_number.is_valid(number), seed
        assert number.startswith("999") and low <= int(number) <= high, seed


# -- Input hygiene: sizes, characters, nesting and dates a database or calendar cannot take -


def test_a_lone_surrogate_in_a_summary_is_refused_naming_the_field(stoke):
    data = raise_data(stoke, summary="Three bruises \ud800 seen in four weeks")
    errors = invalid_raise(stoke.ladder["csc"][1], data)
    assert list(errors) == ["summary"] and "lone surrogate" in errors["summary"][0]


def test_a_summary_over_ten_thousand_characters_is_refused_not_stored(stoke):
    errors = invalid_raise(stoke.ladder["csc"][1], raise_data(stoke, summary="x" * 10_001))
    assert errors == {
        "summary": ["What happened, and why you disagree must be 10000 characters or fewer"]
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('"Home visit\\u0000"', "must not contain a NUL character"),
        ('"Home visit \\ud800"', "lone surrogate"),
    ],
)
def test_a_nul_or_lone_surrogate_in_an_agreed_action_is_refused_naming_actions(
    stoke, text, message
):
    owner = stoke.ladder["police"][0].pk
    actions = f'[{{"text": {text}, "owner": {owner}, "due": "2026-01-20"}}]'
    errors = invalid(
        "record", stoke.ladder["csc"][0], stoke.d, record_data(stoke.d, actions=actions)
    )
    assert list(errors) == ["actions"] and message in errors["actions"][0]


def test_agreed_actions_nested_thousands_deep_are_refused_naming_actions(stoke):
    actions = "[" * 10_000 + "]" * 10_000
    errors = invalid(
        "record", stoke.ladder["csc"][0], stoke.d, record_data(stoke.d, actions=actions)
    )
    assert errors == {"actions": ["is nested too deeply: at most 3 levels"]}


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity"])
def test_nan_in_a_not_applicable_item_is_refused_naming_the_field(jersey, number):
    raiser = jersey.ladder["csc"][0]
    approved_record(raiser, jersey.ladder["csc"][1], jersey.d, covers=JERSEY_COVERED)
    data = {"reason": "x", "not_applicable": f'{{"dissent-minuted": {number}}}'}
    errors = invalid("escalate", raiser, jersey.d, data)
    assert list(errors) == ["not_applicable"]
    assert f"{number.lstrip('-')} is not a number" in errors["not_applicable"][0]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("challenged_on", "0001-01-01", "must be 1 January 2000 or later"),
        ("subject_date_of_birth", "0001-01-01", "must be 14 January 1901 or later"),
        ("subject_date_of_birth", "1900-06-01", "must be 14 January 1901 or later"),
    ],
)
def test_a_date_from_year_one_is_refused_naming_the_field(stoke, field, value, message):
    errors = invalid_raise(stoke.ladder["csc"][1], raise_data(stoke, **{field: value}))
    assert errors == {field: [message]}


def test_a_discussion_in_year_one_is_refused(stoke):
    data = record_data(stoke.d, occurred_at="0001-01-01T09:00:00+00:00")
    errors = invalid("record", stoke.ladder["csc"][0], stoke.d, data)
    assert errors == {"occurred_at": ["must be 1 January 2000 or later"]}


def test_a_pause_cannot_expect_to_resume_in_9999(stoke):
    data = {"reason": "Off sick", "expected_resume": "9999-12-31"}
    errors = invalid("pause", stoke.ladder["csc"][0], stoke.d, data)
    assert errors == {"expected_resume": ["must be 15 January 2027 or earlier"]}


def test_an_extension_to_a_weekday_in_9999_is_refused_and_every_deadline_still_counts(stoke):
    raiser = stoke.ladder["csc"][0]
    data = {"asked_by": stoke.ladder["police"][0].pk, "reason": "Meeting", "new_due": "9999-12-30"}
    errors = invalid("extend", raiser, stoke.d, data)
    assert errors == {"new_due": ["must be 15 January 2027 or earlier"]}
    # The same shared calendar then counts the next disagreement's deadlines as before:
    # Wed 14 Jan 2026 + 5 working days is Wed 21 Jan.
    other = transitions.raise_disagreement(stoke.ladder["school"][0], raise_data(stoke))
    assert other.current_episode().due == D(2026, 1, 21)
    approved_record(raiser, stoke.ladder["csc"][1], stoke.d, covers=everything(stoke.d))
    assert perform("escalate", raiser, stoke.d, {"reason": "Still unsafe"}).stage == 2
