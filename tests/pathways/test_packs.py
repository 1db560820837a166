"""The five seed policies as built-in pathways: what each policy says, and its dates.

Every expected date below was counted by hand from the bank-holiday list, as a
partnership manager with a diary would; the count is in the comment.
"""

import datetime
import hashlib

import pytest

from rpd.pathways import registry
from rpd.pathways.describe import describe
from rpd.pathways.registry import BUILT_IN_DIR
from rpd.pathways.schema import NotFixed, WorkingDays
from rpd.pathways.simulate import simulate

D = datetime.date


def pack(pathway_id):
    return registry.get(pathway_id).pack


def dates(pathway_id, start, **kwargs):
    result = simulate(pack(pathway_id), start, **kwargs)
    return {s.number: s for s in result.stages}, result


def test_every_built_in_pack_file_is_named_after_its_id():
    for path in BUILT_IN_DIR.glob("*.yaml"):
        assert registry.resolve(str(path)).pack.id == path.stem


def test_every_stage_milestone_and_notice_cites_the_seed():
    for entry in registry.all_entries():
        for stage in entry.pack.stages:
            assert stage.source
            assert all(m.source for m in stage.milestones), (entry.pack.id, stage.number)
            assert all(n.source for n in stage.notify), (entry.pack.id, stage.number)


def test_a_stage_without_a_limit_in_the_policy_says_so_in_open_values():
    for entry in registry.all_entries():
        if any(isinstance(s.timescale, NotFixed) for s in entry.pack.stages):
            assert entry.pack.open_values, entry.pack.id


# What each built-in pack says (its parsed content, not its comments or layout) at the version
# it carries. A disagreement pins the pack it started under; two different policies both
# called "v2" would read as one in every export and `pathway list`. Changing what a pack
# says fails here until its `version` goes up and this table is updated with it.
# A field the schema gains with a default (which a pack that leaves it out takes) is not
# something the pack says: only the values a pack sets count.
CONTENT_AT_VERSION = {
    "blackpool": (2, "111d05c3164d30c2"),
    "cambridgeshire": (2, "a6796c7ab46da22b"),
    "hillingdon": (3, "e0f84effcb1666dc"),
    "jersey": (4, "f6b8091d45c13d9b"),
    "stoke-on-trent": (4, "82d0ef88a6b7c109"),
}


def content_digest(p) -> str:
    return hashlib.sha256(p.model_dump_json(exclude_defaults=True).encode()).hexdigest()[:16]


def test_a_built_in_pack_says_something_new_only_under_a_new_version():
    found = {
        e.pack.id: (e.pack.version, content_digest(e.pack))
        for e in registry.all_entries()
        if e.built_in
    }
    assert found == CONTENT_AT_VERSION


# -- Hillingdon -------------------------------------------------------------------------


def test_hillingdon_covers_children_and_adults_with_four_stages_and_no_fixed_timescales():
    p = pack("hillingdon")
    assert p.scope == "both" and len(p.stages) == 4
    assert all(isinstance(s.timescale, NotFixed) for s in p.stages)


def test_stage_4_in_hillingdon_goes_to_the_implementation_unit_with_the_request_form():
    p = pack("hillingdon")
    stage4 = p.stage(4)
    assert "implementation unit" in p.role(stage4.led_by).name.lower()
    notice = next(n for n in stage4.notify if n.when == "stage_started")
    assert notice.to == stage4.led_by
    form = p.form(notice.form)
    assert "Request for Dispute Resolution" in form.name
    special = {f.id for f in form.fields if f.special_category}
    assert {"ethnicity", "disability", "religion"} <= special
    assert any("resolution panel" in option.lower() for option in stage4.referral_names)
    assert any("executive leadership group" in option.lower() for option in stage4.referral_names)


def test_hillingdon_lets_risk_of_immediate_harm_start_at_a_higher_stage_with_the_reason_recorded():
    [rule] = pack("hillingdon").fast_track
    assert set(rule.start_at) >= {3, 4} and rule.must_record


def test_hillingdon_over_christmas_2026_reviews_each_open_stage_after_5_working_days():
    # Raised Wed 23 Dec 2026. Holidays: Fri 25 Dec, Mon 28 Dec (Boxing Day substitute),
    # Fri 1 Jan 2027. 24 Dec=1, 29=2, 30=3, 31=4, Mon 4 Jan=5.
    stages, _ = dates("hillingdon", D(2026, 12, 23))
    assert stages[1].due == D(2027, 1, 4) and stages[1].due_basis == "review"
    # 5, 6, 7, 8, Mon 11 Jan; then Mon 18, Mon 25 Jan.
    assert [stages[n].due for n in (2, 3, 4)] == [D(2027, 1, 11), D(2027, 1, 18), D(2027, 1, 25)]


# -- Cambridgeshire -----------------------------------------------------------------------


def test_suspected_non_accidental_injury_of_an_infant_in_cambridgeshire_is_resolved_immediately():
    # Cambridgeshire §2.6 "must be resolved immediately": raised on Easter Saturday, 4 Apr
    # 2026, every stage is due that Saturday, whatever the working-day calendar says.
    [rule] = pack("cambridgeshire").immediate_rules
    stages, _ = dates("cambridgeshire", D(2026, 4, 4), immediate_rule=rule.id)
    assert {s.due for s in stages.values()} == {D(2026, 4, 4)}
    assert all(s.due_basis == "immediately" for s in stages.values())


def test_cambridgeshire_a_suspected_nai_of_an_infant_raised_on_good_friday_is_due_the_same_day():
    # Cambridgeshire §2.6; Good Friday 18 Apr 2025, not Tuesday 22 Apr after Easter Monday.
    stages, _ = dates(
        "cambridgeshire", D(2025, 4, 18), immediate_rule="non-accidental-injury-infant"
    )
    assert stages[1].due == D(2025, 4, 18)
    assert stages[3].milestones[0].due == D(2025, 4, 18)
    assert "whatever the working-day calendar" in stages[1].timescale


def test_cambridgeshire_designated_leads_liaise_on_the_day_stage_3_starts_even_on_a_holiday():
    # Cambridgeshire §3 "immediately on becoming aware": stage 3 fast-tracked on Easter
    # Monday 21 Apr 2025; the liaison is due that day, the stage's review 5 working days on.
    stages, _ = dates("cambridgeshire", D(2025, 4, 21), first_stage=3)
    assert stages[3].milestones[0].due == D(2025, 4, 21)
    # Tue 22=1, 23, 24, 25, Mon 28 Apr=5.
    assert stages[3].due == D(2025, 4, 28)


def test_cambridgeshire_designated_leads_liaise_immediately_at_stage_3():
    stage3 = pack("cambridgeshire").stage(3)
    assert any(m.timescale.kind == "immediately" for m in stage3.milestones)


def test_cambridgeshire_informs_the_independent_chair_when_unresolved_at_the_top():
    p = pack("cambridgeshire")
    notices = [n for n in p.last_stage.notify if n.when == "stage_unresolved"]
    assert any("independent chair" in p.role(n.to).name.lower() for n in notices)


def test_cambridgeshire_over_easter_2026_counts_from_the_next_working_day():
    # Raised Sat 4 Apr 2026 (Good Friday 3 Apr, Easter Monday 6 Apr): Tue 7=1, 8=2, 9=3,
    # 10=4, Mon 13 Apr=5.
    stages, _ = dates("cambridgeshire", D(2026, 4, 4))
    assert stages[1].due == D(2026, 4, 13)


# -- Jersey -------------------------------------------------------------------------------


def test_each_stage_in_jersey_takes_no_longer_than_5_working_days():
    p = pack("jersey")
    assert p.calendar == "jersey" and p.scope == "both"
    assert all(isinstance(s.timescale, WorkingDays) for s in p.stages)
    assert [s.timescale.days for s in p.stages] == [5, 5, 5, 5]


def test_jersey_counts_liberation_day_2025_as_a_holiday():
    # Raised Thu 1 May 2025. Jersey: Mon 5 May (early May bank holiday), Fri 9 May
    # (Liberation Day), Mon 26 May (spring bank holiday).
    # Stage 1: Fri 2=1, Tue 6=2, 7=3, 8=4, Mon 12 May=5.
    # Stage 2: 13, 14, 15, 16, Mon 19 May. Stage 3: 20, 21, 22, 23, Tue 27 May.
    # Stage 4: 28, 29, 30, 2 Jun, Tue 3 Jun.
    stages, result = dates("jersey", D(2025, 5, 1))
    assert result.calendar == "jersey"
    assert [stages[n].due for n in (1, 2, 3, 4)] == [
        D(2025, 5, 12),
        D(2025, 5, 19),
        D(2025, 5, 27),
        D(2025, 6, 3),
    ]


def test_stage_4_in_jersey_goes_to_the_board_chair_with_the_appendix_3_information():
    p = pack("jersey")
    stage4 = p.stage(4)
    assert "chair" in p.role(stage4.led_by).name.lower()
    notice = next(n for n in stage4.notify if n.when == "stage_started")
    assert notice.to == stage4.led_by and notice.form
    labels = " ".join(f.label.lower() for f in p.form(notice.form).fields)
    for item in ["consent", "outcome sought", "date of submission", "next steps"]:
        assert item in labels


def test_jersey_may_go_quickly_from_stage_1_to_3():
    assert [rule.start_at for rule in pack("jersey").fast_track] == [[3]]


# -- Stoke-on-Trent -----------------------------------------------------------------------


def test_stage_1_in_stoke_on_trent_informs_the_lead_professional_iro_or_chair_in_writing():
    p = pack("stoke-on-trent")
    [notice] = p.stage(1).notify
    assert notice.to == "lead-professional" and notice.when == "stage_started"


@pytest.mark.parametrize("number", [3, 4, 5])
def test_stages_3_to_5_in_stoke_on_trent_notify_the_partnership_with_its_form(number):
    p = pack("stoke-on-trent")
    notice = next(n for n in p.stage(number).notify if n.to == "partnership-unit")
    assert notice.when == "stage_started"
    assert p.form(notice.form).name == (
        "Professionals Concerns Resolutions Notifications and Outcomes Form"
    )


def test_stoke_on_trent_stage_3_has_three_milestones_inside_the_stage():
    # Fast-tracked straight to Head of Service on Thu 2 Apr 2026 (Good Friday 3 Apr,
    # Easter Monday 6 Apr): contact within 1 working day = Tue 7 Apr; meeting and
    # written decision within 2 = Wed 8 Apr.
    stages, _ = dates("stoke-on-trent", D(2026, 4, 2), first_stage=3)
    assert [m.due for m in stages[3].milestones] == [D(2026, 4, 7), D(2026, 4, 8), D(2026, 4, 8)]
    assert stages[3].due == D(2026, 4, 8) and stages[3].due_basis == "limit"


def test_stoke_on_trent_stage_1_raises_it_within_one_working_day_of_the_disputed_decision():
    # Stoke-on-Trent §5 Stage 1: "within a maximum of one working day of the disagreement or
    # on receipt of the disputed decision". Decision received Thu 17 Apr 2025, the case
    # entered on Tue 22 Apr (after Good Friday and Easter Monday): due Tue 22 Apr, the first
    # working day after the decision, not Wed 23 Apr counted from the day it was entered.
    stages, result = dates("stoke-on-trent", D(2025, 4, 22), decided_on=D(2025, 4, 17))
    [raise_it] = stages[1].milestones
    assert (raise_it.counts_from, raise_it.anchor, raise_it.due) == (
        "disputed_decision",
        D(2025, 4, 17),
        D(2025, 4, 22),
    )
    # The stage's own review still counts from the day it starts: 23, 24, 25, 28, Tue 29 Apr.
    assert stages[1].due == D(2025, 4, 29)
    assert result.decided_on == D(2025, 4, 17)


def test_stoke_on_trent_over_christmas_2025():
    # Raised Fri 19 Dec 2025. Raise with the other practitioner within 1: Mon 22 Dec.
    # Stage 1 review (5): 22, 23, 24, 29, Tue 30 Dec. Stage 2 contact within 1: Wed 31 Dec.
    stages, _ = dates("stoke-on-trent", D(2025, 12, 19))
    assert stages[1].milestones[0].due == D(2025, 12, 22)
    assert stages[1].due == D(2025, 12, 30)
    assert stages[2].milestones[0].due == D(2025, 12, 31)
    # Stage 2 review: 31, 2 Jan, 5, 6, Wed 7 Jan 2026; stage 3's decision within 2: Fri 9 Jan.
    assert stages[2].due == D(2026, 1, 7) and stages[3].due == D(2026, 1, 9)


# -- Blackpool ---------------------------------------------------------------------------


def test_blackpool_caps_stages_1_to_3_at_15_working_days_over_easter_2025():
    # Raised Wed 16 Apr 2025 (Good Friday 18 Apr, Easter Monday 21 Apr, early May bank
    # holiday 5 May). Stage 1: Thu 17=1, Tue 22=2, 23, 24, Fri 25 Apr=5.
    # Stage 2: 28, 29, 30, 1 May, Fri 2 May. Stage 3: 6, 7, 8, 9, Mon 12 May.
    # 15 working days from 16 Apr: the same Mon 12 May.
    stages, result = dates("blackpool", D(2025, 4, 16))
    assert [stages[n].due for n in (1, 2, 3)] == [D(2025, 4, 25), D(2025, 5, 2), D(2025, 5, 12)]
    assert result.overall_cap.due == D(2025, 5, 12)
    assert result.overall_cap.stages == [1, 2, 3]


def test_blackpool_tells_the_masa_team_when_senior_officers_become_involved():
    p = pack("blackpool")
    notices = [n for s in p.stages for n in s.notify if n.when == "senior_officers_involved"]
    assert notices and all("masa" in p.role(n.to).name.lower() for n in notices)
    assert any(
        n.when == "non_involvement_in_life_threatening_risk" for s in p.stages for n in s.notify
    )


# -- Review dates ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "pathway, review_date",
    [
        # The form's footer: "Review Date: January 2026" (by the end of that month).
        ("stoke-on-trent", datetime.date(2026, 1, 31)),
        # The document profile: "Review Date April 2021".
        ("jersey", datetime.date(2021, 4, 30)),
    ],
)
def test_a_built_in_pack_holds_the_review_date_its_policy_gives(pathway, review_date):
    entry = registry.get(pathway)
    assert entry.pack.source.review_date == review_date
    assert entry.pack.version >= 3  # a new text, so a new version (ADR 008)
    assert f"Policy review date: {review_date:%-d %B %Y}\n" in describe(entry.pack)
