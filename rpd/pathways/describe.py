"""A pathway as a person would read it, in plain text."""

from __future__ import annotations

import textwrap

from .calendar import CALENDARS
from .schema import Pack


def _wrap(text: str, indent: str) -> list[str]:
    return textwrap.wrap(
        " ".join(text.split()), width=88, initial_indent=indent, subsequent_indent=indent
    ) or [indent]


def describe(pack: Pack) -> str:
    out: list[str] = []
    add = out.append
    add(f"{pack.name}  [{pack.id} v{pack.version}]")
    add(f"Partnership: {pack.partnership}")
    add(f"Covers: {pack.scope.covers}")
    add(f"Working days: {CALENDARS.get(pack.calendar, pack.calendar)}")
    add(f"Source: {pack.source.title} ({pack.source.year})")
    if pack.pre_escalation:
        add("")
        add("Before stage 1, try:")
        out += [f"  - {o.name}" for o in pack.pre_escalation]
    for stage in pack.stages:
        add("")
        add(f"Stage {stage.number}: {stage.name}")
        out += _wrap(stage.summary, "  ")
        add(f"  Raising side:   {pack.rung(stage.raising.rung).name}: {stage.raising.description}")
        add(
            f"  Receiving side: {pack.rung(stage.receiving.rung).name}: "
            f"{stage.receiving.description}"
        )
        if stage.led_by:
            add(f"  Led by: {pack.role(stage.led_by).name}")
        add(f"  Timescale: {stage.timescale.describe()}")
        for m in stage.milestones:
            add(f"  - {m.name}: {m.timescale.describe()}")
        if stage.must_record:
            add("  Must be recorded:")
            out += [
                f"  - {r.text}" + (" (may be declared not applicable)" if r.may_not_apply else "")
                for r in stage.must_record
            ]
        for notice in stage.notify:
            form = f" (with the {pack.form(notice.form).name})" if notice.form else ""
            condition = f" [{notice.condition}]" if notice.condition else ""
            add(
                f"  Notify {pack.role(notice.to).name} on {notice.when.replace('_', ' ')}: "
                f"{notice.what}{form}{condition}"
            )
        if stage.referral_options:
            add("  Can go on to:")
            out += [f"  - {o}" for o in stage.referral_options]
        add(f"  ({stage.source})")
    if pack.overall_cap:
        cap = pack.overall_cap
        add("")
        add(
            f"Overall limit: {cap.working_days} working days for stages "
            f"{', '.join(map(str, cap.stages))}"
        )
    for rule in pack.fast_track:
        add("")
        add(f"May start at stage {' or '.join(map(str, rule.start_at))} when:")
        out += _wrap(rule.when, "  ")
        out += [f"  Record: {r.text}" for r in rule.must_record]
    for rule in pack.immediate_rules:
        add("")
        add(f"Must be resolved {rule.timescale.describe()}:")
        out += _wrap(rule.when, "  ")
    if pack.not_this_process:
        add("")
        add("Not this process:")
        for pointer in pack.not_this_process:
            out += _wrap(pointer.text, "  - ")
            if pointer.contact:
                add(f"    Contact: {pointer.contact}")
    if pack.open_values:
        add("")
        add("Left open by the policy (partnership defaults):")
        for value in pack.open_values:
            out += _wrap(value, "  - ")
    return "\n".join(out) + "\n"
