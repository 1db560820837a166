"""A pathway as a person would read it, in plain text."""

from __future__ import annotations

import textwrap

from .calendar import CALENDARS
from .schema import (
    STAGE_START,
    SUBJECT_WORDS,
    Event,
    Pack,
    WorkingDays,
    counted_from,
    is_milestone_key,
    joined,
)

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


def listed(numbers, conjunction: str) -> str:
    """2, 3 or 4; 1, 2 and 3: as a sentence lists them."""
    words = [str(n) for n in numbers]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} {conjunction} {words[-1]}"


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def describe(pack: Pack) -> str:
    out: list[str] = []
    add = out.append
    out += _wrap(f"{pack.name}  [{pack.id} v{pack.version}]", "", "  ")
    out += _field("Partnership:", pack.partnership, "")
    add(f"Covers: {pack.scope.covers}")
    add(f"Working days: {CALENDARS.get(pack.calendar, pack.calendar)}")
    out += _field("Source:", pack.source.cited, "")
    if pack.source.review_date:
        add(f"Policy review date: {pack.source.review_date:%-d %B %Y}")
    add(f"Stages: {len(pack.stages)}")
    upper = pack.upper_stages
    add(
        f"Upper stages (oversight lists and reports): {listed(upper, 'and')}"
        if upper
        else "Upper stages (oversight lists and reports): none"
    )
    # By id, as an import file's pathway_rung and pack_roles columns give them.
    add("")
    add("Rungs (pathway_rung):")
    for rung in pack.rungs:
        out += _bullet(f"{rung.id}: {rung.name}")
    if pack.roles:
        add("")
        add("Roles (pack_roles):")
        for role in pack.roles:
            out += _bullet(f"{role.id}: {role.name}")
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
        # Who acts, in the policy's words; the rung is what an administrator maps each
        # agency's own job titles onto.
        out += _field("Raising agency:", f"{stage.raising.description} (rung: {raising.name})")
        out += _field(
            "Receiving agency:", f"{stage.receiving.description} (rung: {receiving.name})"
        )
        if stage.lead_roles:
            out += _field(
                "Led by:",
                by_subject(pack, stage.led_by, stage.led_by_for, "the two agencies"),
            )
        out += _field("Timescale:", stage.timescale.describe())
        if stage.case_timescale:
            who = " or ".join(_SET_BY[w] for w in stage.case_timescale.set_by)
            out += _wrap(
                f"{who} may set a shorter deadline the case needs, with a reason, never a "
                f"longer one ({stage.case_timescale.source})",
                "  ",
                "    ",
            )
        for m in stage.milestones:
            out += _bullet(f"{m.name}: {m.timescale.describe()}{_counts_from(pack, stage, m)}")
        if stage.must_record:
            add("  Must be recorded:")
            for r in stage.must_record:
                form = f" (by sending the {pack.form(r.form).name})" if r.form else ""
                out += _bullet(r.text + form + r.conditions)
        for notice in stage.notify:
            # Who and when first, then the pack's own words as a sentence of their own.
            form = f" (form: {pack.form(notice.form).name})" if notice.form else ""
            condition = _only(notice.condition)
            subject = f" (for a {notice.for_subject} only)" if notice.for_subject else ""
            out += _field(
                f"When {_WHEN[notice.when]}, tell {_the(pack.role(notice.to).name)}{subject}.",
                f"{notice.what}{form}.{condition}",
            )
        if stage.forms:
            names = ", ".join(pack.form(f).name for f in stage.forms)
            out += _field("Forms:", names)
        if stage.referral_options:
            add("  Can go on to:")
            for option in stage.referral_options:
                out += _bullet(_referral(pack, option))
        if stage.panel:
            out += _panel(pack, stage.panel)
        out += _field("If a resolution is contested:", _contested(pack, stage))
        out += _wrap(f"({stage.source})", "  ", "   ")
    if pack.roles:
        add("")
        add("Roles:")
        for role in pack.roles:
            out += _bullet(f"{role.name}: {_ROLE_KINDS[role.kind](role)}")
    for rule in pack.stand_ins:
        add("")
        out += _wrap(
            f"Where {_AGENCY_TYPES[rule.agency_type]} has no one on the "
            f"{pack.rung(rule.rung).name} rung, {rule.acted_by} acts ({rule.source}).",
            "",
            "  ",
        )
    for form in pack.forms:
        add("")
        sent_to = by_subject(pack, form.sent_to, form.sent_to_for, "", the=True)
        out += _wrap(f"Form: {form.name}, sent to {sent_to}", "", "  ")
        for form_field in form.fields:
            out += _bullet(f"{form_field.label}: {_sourced(form_field)}")
    if pack.overall_cap:
        cap = pack.overall_cap
        add("")
        add(
            f"Overall limit: {cap.working_days} working days for stages {listed(cap.stages, 'and')}"
        )
    for rule in pack.fast_track:
        add("")
        add(f"May start at stage {listed(rule.start_at, 'or')} when:")
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


def by_subject(pack: Pack, default, by, otherwise: str, *, the: bool = False) -> str:
    """A role that depends on the subject, as a sentence names it: "the LSCP chair", or
    "the LSCP chair for a child; the LSAB chair for an adult at risk", or "the LSAB chair
    for an adult at risk; otherwise the two agencies" (`otherwise`: no role by default)."""

    def name(role_id: str) -> str:
        role = pack.role(role_id).name
        return _the(role) if the else role

    named = by.named() if by else []
    if not named:
        return name(default) if default else otherwise
    parts = [f"{name(role)} for {SUBJECT_WORDS[kind]}" for kind, role in named]
    if len(named) < len(SUBJECT_WORDS):
        parts.append(f"otherwise {name(default) if default else otherwise}")
    return "; ".join(parts)


_SET_BY = {"raiser": "The raiser (when raising at this stage)", "actor": "the stage's actors"}


def _counts_from(pack: Pack, stage, m) -> str:
    """ " of ..." after the timescale; nothing for an event, or for the stage's own start,
    which "within N working days" already means."""
    if isinstance(m.timescale, Event) or m.counts_from == STAGE_START:
        return ""
    words = counted_from(pack, stage.number, m)
    words = f"{words} being met" if is_milestone_key(m.anchor_key) else words
    return joined(isinstance(m.timescale, WorkingDays), words)


def _contested(pack: Pack, stage) -> str:
    """What contesting a resolution reached at `stage` does, as `Pack.contest_at` says."""
    contest = pack.contest_at(stage.number)
    then = (
        f"it escalates to stage {stage.number + 1}"
        if pack.contest_escalates(stage.number)
        else "the stage reopens"
    )
    if pack.leader_decides_contest(stage.number):
        leader = _the(pack.role(stage.led_by).name)
        text = (
            f"the stage reopens for {leader} to decide: uphold the resolution (the case "
            f"closes) or not ({then.replace('the stage reopens', 'the stage stays open')})"
        )
    else:
        text = then
    return f"{text} ({contest.source})" if contest.source else text


def _lower_first(text: str) -> str:
    """A pack's sentence continued mid-line: "Informed in writing" reads "informed in
    writing"; a name or an acronym ("IRO", "MASA") keeps its capital."""
    first = text.split(" ", 1)[0]
    if len(first) > 1 and first[1:].islower():
        return text[0].lower() + text[1:]
    return text


def _the(name: str) -> str:
    """A role's name inside a sentence: "the MASA Team", "own agency designated lead", "the
    safeguarding lead of..." (never "the The safeguarding lead")."""
    if name.split(" ", 1)[0] in ("Own", "Other", "The", "Each", "Every", "A", "An"):
        return name[0].lower() + name[1:]
    return f"the {name}"


def _only(condition: str) -> str:
    """A notice's condition as its own sentence, saying "Only" once."""
    if not condition:
        return ""
    words = condition.split(" ", 1)
    if words[0].lower() == "only" and len(words) > 1:
        condition = words[1]
    return f" Only {_lower_first(condition)}."


def _referral(pack, option) -> str:
    if isinstance(option, str):
        return f"{option} (tells whoever the stage's unresolved notices tell)"
    told = [
        _the(pack.role(n.to).name) + (f" (for a {n.for_subject})" if n.for_subject else "")
        for n in option.notify
    ]
    if option.tell_everyone_involved:
        told.append("everyone involved")
    return f"{option.name} (tells {', '.join(told) if told else 'no one beyond the parties'})"


def _panel(pack, panel) -> list[str]:
    seats = "; ".join(
        f"{seat.name} ("
        + (
            f"held by {_the(pack.role(seat.role).name)}"
            if seat.role
            else " or ".join(_AGENCY_TYPES[t] for t in seat.agency_types)
        )
        + ")"
        for seat in panel.seats
    )
    lines = _field("Panel:", f"{panel.name}, with seats for {seats}")
    if panel.includes_agencies_concerned:
        lines += _wrap("The agencies in the disagreement sit on it too.", "    ")
    return lines


def _sourced(form_field) -> str:
    from .schema import ASKED, FORM_SOURCES

    if form_field.sources == [ASKED]:
        return "asked of the person filling it in"
    return "; ".join(FORM_SOURCES[s] for s in form_field.sources)


_ROLE_KINDS = {
    "partnership": lambda r: "a partnership role",
    "independent": lambda r: "independent of the agencies",
    "party": lambda r: "a party the case names",
    "agency": lambda r: {
        "both": "an agency role, held in each of the two agencies",
        "raising": "an agency role, held in the raising agency only",
        "receiving": "an agency role, held in the receiving agency only",
    }[r.agency],
}
_AGENCY_TYPES = {
    "childrens-social-care": "a children's social care agency",
    "adult-social-care": "an adult social care agency",
    "police": "a police force",
    "health": "a health agency",
    "education": "a school or college",
    "probation": "a probation service",
    "voluntary": "a voluntary sector agency",
    "partnership": "the partnership",
    "other": "another agency",
}


# "When ..., tell ...": each event as the sentence says it.
_WHEN = {
    "stage_started": "the stage starts",
    "stage_unresolved": "the stage ends unresolved",
    "resolved": "the disagreement is resolved",
    "senior_officers_involved": "senior officers become involved",
    "immediate_harm": "a risk of immediate or significant harm is recorded",
    # Reported during a case (raise_risk): it states what was reported, never a refusal.
    "non_involvement_in_life_threatening_risk": (
        "an agency's position of non-involvement is reported while others see a "
        "life-threatening risk"
    ),
}
