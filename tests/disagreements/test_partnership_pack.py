"""A partnership-written pack using every feature of issue 18 (Northfield, in
tests/pathways/northfield.py) validates, simulates with hand-counted dates, installs,
switches (with the warning shown when rungs are missing) and runs a case end to end.

Hand count, England and Wales, March 2026 (no bank holiday in it):
- Simulated from Mon 2 March: stage 1's 5 working days are Tue 3 to Mon 9 March; stage 2
  starts when stage 1 is due, Mon 9, and is due Mon 16; stage 3 starts Mon 16 and is
  reviewed 5 working days on, Mon 23. "Chair contacted" is immediately of stage 2's end:
  Mon 16. "Resolved within the overall limit" is 15 working days from stage 1's start
  (Mon 2): 3-6 March is 4, 9-13 is 9, 16-20 is 14, so Mon 23 March.
- The case: raised Mon 2 March; the initial discussion held Tue 3 (the action plan due 2
  working days later, Thu 5); escalated Thu 5 (stage 2 due Thu 12; the line managers'
  discussion 5 working days from Tue 3's initial discussion: Tue 10); escalated Mon 9
  (stage 3 reviewed Mon 16; the chair contacted the same day, Mon 9; the overall limit
  15 working days from Mon 2: Mon 23).
"""

from __future__ import annotations

import datetime
import json
from zoneinfo import ZoneInfo

import pytest
import time_machine

from rpd.cli import main
from rpd.disagreements import formsubmissions, transitions
from rpd.disagreements import pathway_versions as versions
from rpd.notifications.models import Notice
from rpd.onboarding import golive
from rpd.people.demo import build_partnership
from rpd.people.models import RoleHolder
from tests.pathways.northfield import NORTHFIELD

from .helpers import discuss, escalate, fresh, raise_data

LONDON = ZoneInfo("Europe/London")


def at(day: int, hour: int = 10) -> datetime.datetime:
    return datetime.datetime(2026, 3, day, hour, tzinfo=LONDON)


@pytest.fixture
def installed(settings, tmp_path, capsys):
    settings.RPD_PACK_DIRS = [tmp_path / "packs"]
    source = tmp_path / "northfield.yaml"
    source.write_text(NORTHFIELD)
    assert main(["pathway", "validate", str(source)]) == 0
    assert main(["pathway", "install", str(source)]) == 0
    capsys.readouterr()
    return source


def test_northfield_simulates_with_the_hand_counted_dates(installed, capsys):
    assert main(["pathway", "simulate", "northfield", "--start", "2026-03-02", "--json"]) == 0
    stages = json.loads(capsys.readouterr().out)["stages"]
    assert [(s["starts"], s["due"]) for s in stages] == [
        ("2026-03-02", "2026-03-09"),
        ("2026-03-09", "2026-03-16"),
        ("2026-03-16", "2026-03-23"),
    ]
    milestones = [
        [(m["id"], m["counts_from"], m["anchor"], m["due"]) for m in s["milestones"]]
        for s in stages
    ]
    assert milestones == [
        # An event has no date, nor does what counts from it, until it is met.
        [
            ("initial-discussion", "stage_start", "2026-03-02", None),
            ("action-plan", "initial-discussion", None, None),
        ],
        # Counted from stage 1's initial discussion: no date until it is held.
        [("managers-discussion", "stage-1:milestone:initial-discussion", None, None)],
        [
            ("chair-contacted", "stage-2:end", "2026-03-16", "2026-03-16"),
            ("overall-limit", "stage-1:start", "2026-03-02", "2026-03-23"),
        ],
    ]
    assert main(["pathway", "simulate", "northfield", "--start", "2026-03-02"]) == 0
    out = capsys.readouterr().out
    for line in [
        "    Agreed action plan: no date yet (within 2 working days of \u201cInitial "
        "discussion\u201d being met)",
        "    Line managers' discussion: no date yet (within 5 working days of \u201cInitial "
        "discussion\u201d at stage 1 being met)",
        "    Chair contacted: Mon 16 Mar 2026 (immediately: the same day, whatever the "
        "working-day calendar; counted from the end of stage 2 on Mon 16 Mar 2026)",
        "    Resolved within the overall limit: Mon 23 Mar 2026 (within 15 working days of the "
        "start of stage 1 on Mon 02 Mar 2026)",
    ]:
        assert line + "\n" in out
    # Fast-tracked to stage 3 on Wed 4 March ("Urgent resolution required"): stages 1 and 2
    # never happen, so stage 3's start stands in for them, as in a case (below): Wed 25.
    assert main(["pathway", "simulate", "northfield", "--start", "2026-03-04", "--stage", "3"]) == 0
    assert (
        "    Resolved within the overall limit: Wed 25 Mar 2026 (within 15 working days of the "
        "start of stage 3 (in place of the start of stage 1) on Wed 04 Mar 2026)\n"
    ) in capsys.readouterr().out


@pytest.mark.django_db
def test_northfields_simulation_page_says_what_each_deadline_counts_from(installed, client):
    page = client.get("/pathways/northfield/?start=2026-03-02").text
    assert (
        "due Monday 9 March 2026 (within 5 working days, counted from the start of stage 1)" in page
    )
    cells = [
        # Milestone, its timescale, what it counts from, its date
        ("Initial discussion", "Not counted: a record says when it happened", "When it happens"),
        (
            "Agreed action plan",
            "\u201cInitial discussion\u201d being met",
            "No date yet",
        ),
        (
            "Line managers&#x27; discussion",
            "\u201cInitial discussion\u201d at stage 1 being met",
            "No date yet",
        ),
        ("Chair contacted", "The end of stage 2 on Mon 16 Mar 2026", "Mon 16 Mar 2026"),
        (
            "Resolved within the overall limit",
            "The start of stage 1 on Mon 2 Mar 2026",
            "Mon 23 Mar 2026",
        ),
    ]
    for name, counted_from, due in cells:
        row = page[page.index(name) :]
        row = row[: row.index("</tr>")]
        assert counted_from in row and due in row, row


def _milestones(d) -> dict:
    return {m.key: m.due for m in fresh(d).current_episode().milestones.all()}


def _told(d, stage: int) -> set[str]:
    return set(
        Notice.objects.filter(dedupe_key__startswith=f"pathway:{d.pk}:{stage}:").values_list(
            "to_address", flat=True
        )
    )


def _submit_step_4_referral(actor, d) -> set[str]:
    """Send the stage's referral; the addresses the 'submitted' notice went to."""
    d = fresh(d)
    answers = formsubmissions.sample_answers(d, "step-4-referral", transitions.now())
    transitions.perform("submit_form", actor, d.pk, d.version, answers)
    return set(
        Notice.objects.filter(
            disagreement=d, subject__contains="Step 4 referral submitted"
        ).values_list("to_address", flat=True)
    )


@pytest.mark.django_db
def test_a_northfield_case_runs_end_to_end(installed):
    demo = build_partnership("northfield")
    school, police = demo.ladder["school"], demo.ladder["police"]
    with time_machine.travel(at(2), tick=False):
        d = transitions.raise_disagreement(
            school[0], raise_data(demo, challenged_on="2026-03-02", categories=[])
        )
    assert d.current_episode().due == datetime.date(2026, 3, 9)
    # The initial discussion is an event: no date, no deadline; the action plan waits for it.
    milestones = {m.key: (m.due, m.after) for m in d.current_episode().milestones.all()}
    assert milestones == {
        "initial-discussion": (None, ""),
        "action-plan": (None, "initial-discussion"),
    }
    assert d.next_due == datetime.date(2026, 3, 9)
    # "Seek the advice and support of the safeguarding lead in their own agency": the
    # raising agency's lead is told, the receiving agency's is not.
    assert _told(d, 1) == {demo.lead["school"].email}
    assert fresh(d).stage not in d.pack.upper_stages

    with time_machine.travel(at(3), tick=False):
        # Held on Tue 3 March: the action plan is due 2 working days later, Thu 5 March.
        discuss(school[0], d, "unresolved", meets=["initial-discussion"])
        assert _milestones(d)["action-plan"] == datetime.date(2026, 3, 5)
    with time_machine.travel(at(5), tick=False):
        d = escalate(school[0], d)
    d = fresh(d)
    assert (d.stage, d.current_episode().due) == (2, datetime.date(2026, 3, 12))
    # "Within five working days of step 1": of Tue 3 March's initial discussion, Tue 10.
    assert _milestones(d) == {"managers-discussion": datetime.date(2026, 3, 10)}
    assert d.next_due == datetime.date(2026, 3, 10)
    assert d.stage in d.pack.upper_stages
    assert Notice.objects.filter(
        dedupe_key__startswith=f"pathway:{d.pk}:2:", recipient=demo.unit
    ).exists()

    with time_machine.travel(at(9), tick=False):
        discuss(school[1], d, "unresolved", meets=["managers-discussion"])
        d = escalate(school[1], d)
    d = fresh(d)
    episode = d.current_episode()
    assert (d.stage, episode.due, episode.due_basis) == (3, datetime.date(2026, 3, 16), "review")
    # Stage 2 ended Mon 9: the chair is contacted that day; the overall limit counts
    # 15 working days from stage 1's start (Mon 2 March): Mon 23 March.
    assert _milestones(d) == {
        "chair-contacted": datetime.date(2026, 3, 9),
        "overall-limit": datetime.date(2026, 3, 23),
    }
    # A child: the children's partnership's chair leads, and its unit receives the form.
    assert episode.led_by_role == "lscp-chair"
    with time_machine.travel(at(9, 11), tick=False):
        assert _submit_step_4_referral(police[1], d) == {demo.unit.email}
        # The meeting's seat for the business unit is filled only by a holder of that role.
        sitting = {"held_on": "2026-03-09", "chronology_reviewed": False, "outcome": "Agreed"}
        members = [police[1].pk, school[1].pk]
        with pytest.raises(transitions.Invalid) as refused:
            transitions.perform(
                "record_panel", demo.chair, d.pk, fresh(d).version, {**sitting, "members": members}
            )
        assert "must include a representative of: Partnership business unit" in str(
            refused.value.errors
        )
        transitions.perform(
            "record_panel",
            demo.chair,
            d.pk,
            fresh(d).version,
            {**sitting, "members": [*members, demo.unit.pk]},
        )

    with time_machine.travel(at(10), tick=False):
        d = transitions.perform(
            "resolve",
            police[1],
            d.pk,
            fresh(d).version,
            {
                "agreed_outcome": "A joint home visit this week",
                "next_steps": "Visit, then review",
                "written_confirmation": "Sent to both agencies",
                "feedback_to_raiser": "Thank you for raising it",
            },
        )
    assert fresh(d).status == "resolved"

    # The policy's review date (31 January 2026) has passed: the go-live check says so.
    review = [p for p in golive.check(demo.partnership, on=datetime.date(2026, 3, 2))]
    assert [p.message for p in review if p.area == "review"] == [
        "the policy's review date, 31 January 2026, has passed: upload the pack of the "
        "reviewed policy, or a new version with its next review date"
    ]
    assert golive.check(demo.partnership, on=datetime.date(2026, 1, 31), areas=("review",)) == []


@pytest.mark.django_db
def test_for_an_adult_at_risk_the_adults_board_leads_step_4_and_receives_its_referral(installed):
    """Lincolnshire step 4: "LSAB or LSCP independent chaired meeting". Raised straight at
    stage 3 ("Urgent resolution required"), nothing of stages 1 and 2 happened: what counts
    from them counts from stage 3's own start."""
    demo = build_partnership("northfield")
    asc, police = demo.ladder["asc"], demo.ladder["police"]
    adult = {
        "subject_kind": "adult",
        "subject_date_of_birth": "1950-06-01",
        "start_stage": 3,
        "fast_track_reason": "Urgent resolution required: the adult is to be discharged today",
    }
    with time_machine.travel(at(4), tick=False):
        d = transitions.raise_disagreement(
            asc[0], raise_data(demo, challenged_on="2026-03-04", categories=[], **adult)
        )
    episode = fresh(d).current_episode()
    assert (episode.number, episode.led_by_role) == (3, "lsab-chair")
    # Raised Wed 4 March: contacted that day; 15 working days from then, Wed 25 March.
    assert _milestones(d) == {
        "chair-contacted": datetime.date(2026, 3, 4),
        "overall-limit": datetime.date(2026, 3, 25),
    }
    lsab_unit = RoleHolder.objects.get(partnership=demo.partnership, role_id="lsab-unit")
    with time_machine.travel(at(4, 11), tick=False):
        told = _submit_step_4_referral(police[1], d)
    assert told == {lsab_unit.mailbox} and demo.unit.email not in told

    # The go-live check names what a role with no one behind it would leave undone.
    RoleHolder.objects.filter(
        partnership=demo.partnership, role_id__in=["lsab-chair", "lsab-unit"]
    ).delete()
    assert [p.message for p in golive.check(demo.partnership, areas=("roles",))] == [
        'no one stands behind "Independent chair of the adults\' board", who leads stage 3 '
        "for an adult at risk: name a person or a mailbox before go-live, or its notices reach "
        "nobody",
        'no one stands behind "Northfield adults\' board business unit", who receives the '
        "Step 4 referral for an adult at risk: name a person or a mailbox before go-live, or "
        "its notices reach nobody",
    ]


@pytest.mark.django_db
def test_switching_northfield_to_a_version_with_a_rung_no_agency_has_shows_the_stand_in_rule(
    installed,
):
    demo = build_partnership("northfield")
    v2 = (
        NORTHFIELD.replace("version: 1", "version: 2")
        .replace(
            "  - {id: line-manager, name: Line manager}\n",
            "  - {id: line-manager, name: Line manager}\n"
            "  - {id: senior-manager, name: Senior manager}\n",
        )
        .replace("    rung: line-manager\n    acted_by", "    rung: senior-manager\n    acted_by")
        .replace("raising: {rung: line-manager", "raising: {rung: senior-manager")
    )
    row = versions.upload(demo.partnership, v2.encode(), "v2.yaml", by=demo.admin)
    problems = [p.message for p in versions.switch_problems(demo.partnership, row.pathway.pack)]
    assert len(problems) == 6  # every agency of the demo lacks the new rung
    charity = demo.agencies["charity"].name
    assert (
        f"no one in {charity} stands on the Senior manager rung that stages 2 and 3 "
        "need, and no one "
        "stands in for it: the pathway says the professional body, funder, commissioner or "
        "trustees acts for it (Stoke-on-Trent §5 Stage 2: 'For agencies where there is no "
        "line manager'); name them as its stand-in" in problems
    )
    seen = versions.in_use(demo.partnership).digest
    with pytest.raises(versions.PathwayVersionError) as refused:
        versions.switch(demo.partnership, row.pk, by=demo.admin, seen_in_use=seen)
    assert refused.value.field == "anyway"
    versions.switch(
        demo.partnership, row.pk, by=demo.admin, seen_in_use=seen, anyway="Ladders due Monday"
    )
    assert versions.in_use(demo.partnership).pack.version == 2


def _harm_notices(d):
    return list(
        Notice.objects.filter(
            subject__contains="There is immediate harm", disagreement=d
        ).values_list("to_address", flat=True)
    )


@pytest.mark.django_db
def test_immediate_harm_informs_the_raising_agencys_designated_safeguarding_lead_at_once(
    installed,
):
    """Northfield stage 1: "Where there is immediate harm, inform the agency's designated
    safeguarding lead immediately" (issue 18): a notice triggered by the risk, to the
    raising agency's lead."""
    demo = build_partnership("northfield")
    school = demo.ladder["school"]
    with time_machine.travel(at(2), tick=False):
        medium = transitions.raise_disagreement(
            school[0], raise_data(demo, challenged_on="2026-03-02", categories=[], risk="medium")
        )
        assert _harm_notices(medium) == []  # no immediate harm: no notice
        transitions.perform(
            "raise_risk",
            demo.ladder["police"][0],
            medium.pk,
            fresh(medium).version,
            {"risk": "immediate", "reason": "A new injury was seen today."},
        )
        assert _harm_notices(medium) == [demo.lead["school"].email]

        raised_so = transitions.raise_disagreement(
            school[0],
            raise_data(demo, challenged_on="2026-03-02", categories=[], risk="immediate"),
        )
        assert _harm_notices(raised_so) == [demo.lead["school"].email]
