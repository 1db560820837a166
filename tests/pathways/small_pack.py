"""A partnership's own small pack, written as an administrator would, for shapes the five
seeds do not have (one stage, a long management ladder, milestones counting from others)."""

from __future__ import annotations


def small_pack(
    pack_id: str = "lakeside",
    *,
    version: int = 1,
    stages: int = 1,
    rungs: int = 2,
    stage_extra: str = "",
    led_by: str = "",
    roles: str = "",
) -> str:
    rung_ids = [f"rung-{i + 1}" for i in range(rungs)]
    text = f"""\
id: {pack_id}
version: {version}
name: Lakeside resolving professional differences
partnership: Lakeside Safeguarding Partnership
scope: children
calendar: england-and-wales
source: {{title: Lakeside escalation policy, year: 2026}}
rungs:
"""
    text += "".join(f"  - {{id: {r}, name: Rung {i + 1}}}\n" for i, r in enumerate(rung_ids))
    text += "roles:\n  - {id: unit, name: Lakeside partnership unit, kind: partnership}\n" + roles
    text += "stages:\n"
    for n in range(1, stages + 1):
        rung = rung_ids[min(n - 1, rungs - 1)]
        text += f"""\
  - number: {n}
    name: Stage {n} of the Lakeside pathway
    summary: Both sides at rung {rung} talk it through.
    source: Lakeside policy, stage {n}
    raising: {{rung: {rung}, description: The one who disagrees}}
    receiving: {{rung: {rung}, description: The other agency}}
    timescale: {{kind: working_days, days: 5}}
"""
        if led_by and n == stages:
            text += f"    led_by: {led_by}\n"
        if n == 1:
            text += stage_extra
    text += "categories:\n  - {id: referrals, name: Handling of referrals}\n"
    return text


# "An action plan within 2 working days of the initial discussion": a stage 1 whose second
# milestone has no date until the first is met.
ACTION_PLAN = """\
    milestones:
      - id: initial-discussion
        name: Initial discussion
        timescale: {kind: working_days, days: 1}
      - id: action-plan
        name: Action plan
        timescale: {kind: working_days, days: 2}
        counts_from: initial-discussion
"""
