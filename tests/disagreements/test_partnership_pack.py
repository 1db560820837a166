"""A partnership-written pack using every feature of issue 18 built so far (Northfield, in
tests/pathways/northfield.py) validates, simulates with hand-counted dates, installs,
switches (with the warning shown when rungs are missing) and runs a case end to end.

Hand count, England and Wales: raised Mon 2 March 2026, stage 1's 5 working days are
Tue 3 to Mon 9 March; escalated Wed 4 March, stage 2's are Thu 5 to Wed 11 March. In the
simulation, stage 2 starts when stage 1 is due (Mon 9 March) and is due Mon 16 March.
"""

from __future__ import annotations

import datetime
import json
from zoneinfo import ZoneInfo

import pytest
import time_machine

from rpd.cli import main
from rpd.disagreements import pathway_versions as versions
from rpd.disagreements import transitions
from rpd.notifications.models import Notice
from rpd.onboarding import golive
from rpd.people.demo import build_partnership
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
    ]
    # An event has no date, nor does what counts from it, until it is met.
    assert [(m["id"], m["due"]) for m in stages[0]["milestones"]] == [
        ("initial-discussion", None),
        ("action-plan", None),
    ]


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
    told = set(
        Notice.objects.filter(dedupe_key__startswith=f"pathway:{d.pk}:1:").values_list(
            "to_address", flat=True
        )
    )
    assert told == {demo.lead["school"].email}
    assert fresh(d).stage not in d.pack.upper_stages

    with time_machine.travel(at(4), tick=False):
        # Held on Wed 4 March: the action plan is due 2 working days later, Fri 6 March.
        discuss(school[0], d, "unresolved", meets=["initial-discussion"])
        plan = fresh(d).current_episode().milestones.get(key="action-plan")
        assert plan.due == datetime.date(2026, 3, 6)
        d = escalate(school[0], d)
    d = fresh(d)
    assert (d.stage, d.current_episode().due) == (2, datetime.date(2026, 3, 11))
    assert d.stage in d.pack.upper_stages
    assert Notice.objects.filter(
        dedupe_key__startswith=f"pathway:{d.pk}:2:", recipient=demo.unit
    ).exists()

    with time_machine.travel(at(6), tick=False):
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
    assert len(problems) == 5  # every agency of the demo lacks the new rung
    charity = demo.agencies["charity"].name
    assert (
        f"no one in {charity} stands on the Senior manager rung that stage 2 needs, and no one "
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


# "Where there is immediate harm, inform the agency's designated safeguarding lead
# immediately" (issue 18): a notice triggered by the risk, to the raising agency's lead.
IMMEDIATE_HARM = NORTHFIELD.replace(
    "advise and support them\n",
    "advise and support them\n"
    "      - to: raiser-lead\n"
    "        when: immediate_harm\n"
    "        what: There is immediate harm; as designated safeguarding lead act immediately\n",
)


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
    installed.write_text(IMMEDIATE_HARM.replace("version: 1", "version: 2"))
    assert main(["pathway", "install", str(installed)]) == 0
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
