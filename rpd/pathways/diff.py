"""What changes between two versions of a pathway, as a person reviewing a switch reads it.

Not a text diff: the two packs are compared as data, item by item, matched by what
identifies each (a stage by its number, a milestone, requirement, form, field, role or
rung by its id, a notice by whom it tells and when), so a moved comment or re-ordered
key is no change and a changed timescale is named with both values. Every field of the
pack is compared: what no section below describes is listed under "Other changes", so
nothing that differs goes unshown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .calendar import CALENDARS
from .describe import by_subject
from .schema import (
    DISPUTED_DECISION,
    STAGE_START,
    EarlierStage,
    Form,
    Notice,
    Pack,
    ReferralOption,
    Requirement,
    Stage,
)

ADDED, REMOVED, CHANGED = "added", "removed", "changed"


@dataclass(frozen=True)
class Change:
    where: str  # "Stage 2: Line manager discussion"
    what: str  # "Timescale"
    before: str  # "" when added
    after: str  # "" when removed

    @property
    def kind(self) -> str:
        if not self.before:
            return ADDED
        if not self.after:
            return REMOVED
        return CHANGED


@dataclass(frozen=True)
class Section:
    title: str
    changes: list[Change]


# The sections, in the order a reviewer reads them, and the pack fields each covers.
SECTIONS = ("Pathway", "Stages", "Timescales", "Records", "Notices", "Forms", "Roles", "Rungs")
COVERED = {
    "id", "version", "name", "partnership", "scope", "calendar", "closure_days", "source",
    "stages", "immediate_rules", "overall_cap", "max_pause_working_days",
    "max_extension_working_days", "fast_track", "forms", "roles", "rungs",
}  # fmt: skip


def diff(old: Pack, new: Pack) -> list[Section]:
    """Each section with what changes from `old` to `new` (sections without any left out)."""
    found: dict[str, list[Change]] = {title: [] for title in SECTIONS}
    _pathway(old, new, found["Pathway"])
    _stages(old, new, found)
    _pack_timescales(old, new, found["Timescales"])
    _fast_track(old, new, found["Records"])
    _forms(old, new, found["Forms"])
    _by_id(old.roles, new.roles, "Role", _role_text, found["Roles"])
    _by_id(old.rungs, new.rungs, "Rung", _rung_text, found["Rungs"])
    other: list[Change] = []
    for name in Pack.model_fields:
        if name not in COVERED and getattr(old, name) != getattr(new, name):
            other += _list_changes(name, getattr(old, name), getattr(new, name))
    sections = [Section(title, changes) for title, changes in found.items() if changes]
    if other:
        sections.append(Section("Other changes", other))
    return sections


def _same(where: str, what: str, before: str, after: str, out: list[Change]) -> None:
    if before != after:
        out.append(Change(where, what, before or "(none)", after or "(none)"))


def _pathway(old: Pack, new: Pack, out: list[Change]) -> None:
    where = "Pathway"
    _same(where, "Id", old.id, new.id, out)
    _same(where, "Version", str(old.version), str(new.version), out)
    _same(where, "Name", old.name, new.name, out)
    _same(where, "Partnership", old.partnership, new.partnership, out)
    _same(where, "Covers", old.scope.covers, new.scope.covers, out)
    _same(
        where,
        "Working days of",
        CALENDARS.get(old.calendar, old.calendar),
        CALENDARS.get(new.calendar, new.calendar),
        out,
    )
    _same(
        where,
        "Closure days",
        ", ".join(d.isoformat() for d in old.closure_days),
        ", ".join(d.isoformat() for d in new.closure_days),
        out,
    )
    _same(where, "Source", old.source.cited, new.source.cited, out)
    _same(where, "Policy review date", _review(old), _review(new), out)
    _same(where, "Upper stages for oversight", _upper(old), _upper(new), out)


def _review(pack) -> str:
    return pack.source.review_date.isoformat() if pack.source.review_date else ""


def _upper(pack) -> str:
    return ", ".join(map(str, pack.upper_stages)) or "none"


def _stage_name(stage: Stage) -> str:
    return f"Stage {stage.number}: {stage.name}"


def _stages(old: Pack, new: Pack, found: dict[str, list[Change]]) -> None:
    before = {s.number: s for s in old.stages}
    after = {s.number: s for s in new.stages}
    for number in sorted(before.keys() | after.keys()):
        a, b = before.get(number), after.get(number)
        if a is None or b is None:
            stage = a or b
            text = f"{stage.name} ({stage.timescale.describe()})"
            found["Stages"].append(
                Change(_stage_name(stage), "Stage", text if a else "", text if b else "")
            )
            continue
        where = _stage_name(b)
        out = found["Stages"]
        _same(where, "Name", a.name, b.name, out)
        _same(where, "Summary", a.summary, b.summary, out)
        _same(where, "Raising side", _side(old, a.raising), _side(new, b.raising), out)
        _same(where, "Receiving side", _side(old, a.receiving), _side(new, b.receiving), out)
        _same(where, "Led by", _lead(old, a), _lead(new, b), out)
        _same(where, "Panel", _panel(a), _panel(b), out)
        _same(where, "Can go on to", _referrals(a), _referrals(b), out)
        _same(where, "Source", a.source, b.source, out)
        times = found["Timescales"]
        _same(where, "Timescale", a.timescale.describe(), b.timescale.describe(), times)
        _same(where, "Shorter deadline set by", _case(a), _case(b), times)
        _by_id(a.milestones, b.milestones, "Milestone", _milestone_text, times, where)
        _by_id(
            a.must_record, b.must_record, "Must record", _requirement_text, found["Records"], where
        )
        _same(where, "Forms", ", ".join(a.forms), ", ".join(b.forms), found["Forms"])
        _notices(old, new, a, b, where, found["Notices"])


def _side(pack: Pack, side) -> str:
    rung = next((r.name for r in pack.rungs if r.id == side.rung), side.rung)
    return f"{rung}: {side.description}"


def _lead(pack: Pack, stage: Stage) -> str:
    return by_subject(pack, stage.led_by, stage.led_by_for, "")


def _sent_to(pack: Pack, form: Form) -> str:
    return by_subject(pack, form.sent_to, form.sent_to_for, "")


def _role_name(pack: Pack, role_id: str | None) -> str:
    if role_id is None:
        return ""
    return next((r.name for r in pack.roles if r.id == role_id), role_id)


def _panel(stage: Stage) -> str:
    panel = stage.panel
    if panel is None:
        return ""
    seats = "; ".join(
        f"{s.name} ({f'role {s.role}' if s.role else ', '.join(s.agency_types)})"
        for s in panel.seats
    )
    return f"{panel.name}: {seats}"


def _referrals(stage: Stage) -> str:
    return "; ".join(stage.referral_names)


def _case(stage: Stage) -> str:
    return ", ".join(stage.case_timescale.set_by) if stage.case_timescale else ""


def _milestone_text(m) -> str:
    anchor = m.anchor_key
    if anchor == STAGE_START:
        counts = ""
    elif anchor == DISPUTED_DECISION:
        counts = " of the disputed decision"
    elif isinstance(m.counts_from, EarlierStage):
        earlier = m.counts_from
        point = f"milestone {earlier.milestone!r} being met" if earlier.milestone else earlier.event
        counts = f" of stage {earlier.stage}'s {point}"
    else:
        counts = f" of {anchor!r} being met"
    return f"{m.name}: {m.timescale.describe()}{counts}"


def _requirement_text(r: Requirement) -> str:
    form = f" (the form {r.form})" if r.form else ""
    return f"{r.text}{r.conditions}{form}"


def _role_text(role) -> str:
    contact = f", {role.contact}" if role.contact else ""
    return f"{role.name} ({role.kind}{contact})"


def _rung_text(rung) -> str:
    return rung.name


_WHEN = {
    "stage_started": "when the stage starts",
    "stage_unresolved": "when the stage ends unresolved",
    "resolved": "when it is resolved",
    "senior_officers_involved": "when senior officers become involved",
    "non_involvement_in_life_threatening_risk": "on non-involvement in a life-threatening risk",
    "immediate_harm": "when a risk of immediate or significant harm is recorded",
}


def _notice_key(notice: Notice) -> tuple:
    return (notice.to, notice.when, notice.for_subject)


def _notice_text(pack: Pack, notice: Notice) -> str:
    subject = f" (about {'a child' if notice.for_subject == 'child' else 'an adult'})"
    form = f", with the form {notice.form}" if notice.form else ""
    condition = f" [{notice.condition}]" if notice.condition else ""
    return (
        f"{_role_name(pack, notice.to)} {_WHEN[notice.when]}"
        f"{subject if notice.for_subject else ''}: {notice.what}{form}{condition}"
    )


def _notices(old: Pack, new: Pack, a: Stage, b: Stage, where: str, out: list[Change]) -> None:
    before = _grouped(a.notify, _notice_key)
    after = _grouped(b.notify, _notice_key)
    for key in list(dict.fromkeys([*before, *after])):
        olds, news = before.get(key, []), after.get(key, [])
        for i in range(max(len(olds), len(news))):
            x = _notice_text(old, olds[i]) if i < len(olds) else ""
            y = _notice_text(new, news[i]) if i < len(news) else ""
            if x != y:
                out.append(Change(where, "Notice", x, y))
    referrals_old = {o.name: o for o in a.referral_options if isinstance(o, ReferralOption)}
    referrals_new = {o.name: o for o in b.referral_options if isinstance(o, ReferralOption)}
    for name in list(dict.fromkeys([*referrals_old, *referrals_new])):
        x = _referral_notices(old, referrals_old.get(name))
        y = _referral_notices(new, referrals_new.get(name))
        if x != y:
            out.append(
                Change(where, f"Referred to {name}: who is told", x or "(nobody)", y or "(nobody)")
            )


def _referral_notices(pack: Pack, option: ReferralOption | None) -> str:
    if option is None:
        return ""
    told = [f"{_role_name(pack, n.to)}: {n.what}" for n in option.notify]
    if option.tell_everyone_involved:
        told.append("everyone involved")
    return "; ".join(told)


def _grouped(items, key) -> dict:
    groups: dict = {}
    for item in items:
        groups.setdefault(key(item), []).append(item)
    return groups


def _pack_timescales(old: Pack, new: Pack, out: list[Change]) -> None:
    _by_id(
        old.immediate_rules,
        new.immediate_rules,
        "Immediate rule",
        lambda r: f"{r.when}: {r.timescale.describe()}",
        out,
    )

    def cap(pack: Pack) -> str:
        c = pack.overall_cap
        if c is None:
            return ""
        return f"{c.working_days} working days for stages {', '.join(map(str, c.stages))}"

    _same("Pathway", "Overall limit", cap(old), cap(new), out)
    for name, label in (
        ("max_pause_working_days", "Longest pause"),
        ("max_extension_working_days", "Longest extension"),
    ):
        _same(
            "Pathway",
            label,
            f"{getattr(old, name)} working days",
            f"{getattr(new, name)} working days",
            out,
        )


def _fast_track(old: Pack, new: Pack, out: list[Change]) -> None:
    def text(rule) -> str:
        records = "; ".join(r.text for r in rule.must_record)
        stages = " or ".join(map(str, rule.start_at))
        return f"May start at stage {stages} when {rule.when}. Record: {records}"

    for i in range(max(len(old.fast_track), len(new.fast_track))):
        x = text(old.fast_track[i]) if i < len(old.fast_track) else ""
        y = text(new.fast_track[i]) if i < len(new.fast_track) else ""
        if x != y:
            out.append(Change("Fast track", f"Rule {i + 1}", x, y))


def _form_text(form: Form) -> str:
    return f"{form.name}, sent to {form.sent_to} ({len(form.fields)} fields)"


def _forms(old: Pack, new: Pack, out: list[Change]) -> None:
    before = {f.id: f for f in old.forms}
    after = {f.id: f for f in new.forms}
    for form_id in list(dict.fromkeys([*before, *after])):
        a, b = before.get(form_id), after.get(form_id)
        if a is None or b is None:
            out.append(
                Change(
                    f"Form {form_id}",
                    "Form",
                    _form_text(a) if a else "",
                    _form_text(b) if b else "",
                )
            )
            continue
        where = f"Form {b.name}"
        _same(where, "Name", a.name, b.name, out)
        _same(where, "Sent to", _sent_to(old, a), _sent_to(new, b), out)
        _by_id(a.fields, b.fields, "Field", _field_text, out, where)


def _field_text(f) -> str:
    required = "" if f.required else ", optional"
    special = ", special category" if f.special_category else ""
    return f"{f.label} ({f.type}{required}{special}; from {' + '.join(f.sources)})"


def _by_id(
    olds: Iterable,
    news: Iterable,
    what: str,
    text: Callable,
    out: list[Change],
    where: str | None = None,
) -> None:
    """Items matched by id: each added, removed or changed, in the new version's order."""
    before = {item.id: item for item in olds}
    after = {item.id: item for item in news}
    for item_id in list(dict.fromkeys([*after, *before])):
        a, b = before.get(item_id), after.get(item_id)
        x = text(a) if a is not None else ""
        y = text(b) if b is not None else ""
        if a != b and (x != y or a is None or b is None):
            out.append(Change(where or f"{what} {item_id}", what, x, y))
        elif a != b:  # differs only where the text does not show (a source, a note)
            out.append(
                Change(
                    where or f"{what} {item_id}", f"{what} {item_id}", x, f"{y} (details changed)"
                )
            )


def _list_changes(name: str, old, new) -> list[Change]:
    label = name.replace("_", " ").capitalize()
    if isinstance(old, list) and isinstance(new, list):
        key = _item_key
        before = {key(i): i for i in old}
        after = {key(i): i for i in new}
        return [
            Change(
                label,
                label,
                _plain(before[k]) if k in before else "",
                _plain(after[k]) if k in after else "",
            )
            for k in list(dict.fromkeys([*after, *before]))
            if before.get(k) != after.get(k)
        ]
    return [Change(label, label, _plain(old), _plain(new))]


def _item_key(item) -> str:
    return getattr(item, "id", None) or _plain(item)


def _plain(value) -> str:
    if hasattr(value, "model_dump"):
        dumped = value.model_dump(mode="json", exclude_defaults=True)
        return "; ".join(f"{k}: {v}" for k, v in dumped.items())
    return str(value)
