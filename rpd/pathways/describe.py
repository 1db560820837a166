"""A pathway as a person would read it, in plain text."""

from __future__ import annotations

import textwrap

from .calendar import CALENDARS
from .schema import DISPUTED_DECISION, Pack

WIDTH = 88


def _wrap(text: str, indent: str, hang: str | None = None) -> list[str]:
    """`text` as lines of at most WIDTH, the first after `indent`, the rest after `hang`."""
    return textwrap.wrap(
        " ".join(text.split()),
        width=WIDTH,
        initial_indent=indent,
        subsequent_indent=indent if hang is None else hang,
        break_on_hyphens=False,
    ) or [indent]


def _bullet(text: str, indent: str = "  ") -> list[str]:
    """One bullet, its wrapped lines hanging under its text rather than bulleted again."""
    return _wrap(text, f"{indent}- ", f"{indent}  ")


def _field(label: str, text: str, indent: str = "  ") -> list[str]:
    return _wrap(f"{label} {text}", indent, f"{indent}  ")


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def describe(pack: Pack) -> str:
    out: list[str] = []
    add = out.append
    out += _wrap(f"{pack.name}  [{pack.id} v{pack.version}]", "", "  ")
    out += _field("Partnership:", pack.partnership, "")
    add(f"Covers: {pack.scope.covers}")
    add(f"Working days: {CALENDARS.get(pack.calendar, pack.calendar)}")
    out += _field("Source:", f"{pack.source.title} ({pack.source.year})", "")
    add(f"Stages: {plural(len(pack.stages), 'stage')}")
    if pack.pre_escalation:
        add("")
        add("Before stage 1, try:")
        for option in pack.pre_escalation:
            out += _bullet(option.name)
    for stage in pack.stages:
        add("")
        out += _wrap(f"Stage {stage.number}: {stage.name}", "", "  ")
        out += _wrap(stage.summary, "  ")
        raising, receiving = pack.rung(stage.raising.rung), pack.rung(stage.receiving.rung)
        out += _field("Raising side:", f"{raising.name}: {stage.raising.description}")
        out += _field("Receiving side:", f"{receiving.name}: {stage.receiving.description}")
        if stage.led_by:
            out += _field("Led by:", pack.role(stage.led_by).name)
        out += _field("Timescale:", stage.timescale.describe())
        if stage.case_timescale:
            who = " or ".join(_SET_BY[w] for w in stage.case_timescale.set_by)
            out += _wrap(
                f"{who} may set a shorter deadline the case needs, with a reason, never a "
                f"longer one ({stage.case_timescale.source})",
                "  ",
                "    ",
            )
        names = {m.id: m.name for m in stage.milestones}
        for m in stage.milestones:
            out += _bullet(f"{m.name}: {m.timescale.describe()}{_counts_from(m, names)}")
        if stage.must_record:
            add("  Must be recorded:")
            for r in stage.must_record:
                out += _bullet(
                    r.text + (" (may be declared not applicable)" if r.may_not_apply else "")
                )
        for notice in stage.notify:
            form = f" (with the {pack.form(notice.form).name})" if notice.form else ""
            condition = f" [{notice.condition}]" if notice.condition else ""
            out += _field(
                f"Notify {pack.role(notice.to).name} when the {_WHEN[notice.when]}:",
                f"{notice.what}{form}{condition}",
            )
        if stage.referral_options:
            add("  Can go on to:")
            for option in stage.referral_names:
                out += _bullet(option)
        out += _wrap(f"({stage.source})", "  ", "   ")
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
        for requirement in rule.must_record:
            out += _field("Record:", requirement.text)
    for rule in pack.immediate_rules:
        add("")
        out += _wrap(f"Must be resolved {rule.timescale.describe()}:", "", "  ")
        out += _wrap(rule.when, "  ")
    if pack.not_this_process:
        add("")
        add("Not this process:")
        for pointer in pack.not_this_process:
            out += _bullet(pointer.text)
            if pointer.contact:
                out += _field("Contact:", pointer.contact, "    ")
    if pack.open_values:
        add("")
        add("Left open by the policy (partnership defaults):")
        for value in pack.open_values:
            out += _bullet(value)
    return "\n".join(out) + "\n"


_SET_BY = {"raiser": "The raiser (when raising at this stage)", "actor": "the stage's actors"}


def _counts_from(m, names: dict[str, str]) -> str:
    if m.counts_from == DISPUTED_DECISION:
        return " of the disputed decision"
    if m.counts_from in names:
        return f" of {names[m.counts_from]!r} being met"
    return ""


_WHEN = {
    "stage_started": "stage starts",
    "stage_unresolved": "stage ends unresolved",
    "resolved": "disagreement is resolved",
    "senior_officers_involved": "senior officers become involved",
    "non_involvement_in_life_threatening_risk": (
        "an agency keeps out of a life-threatening risk others act on"
    ),
}
