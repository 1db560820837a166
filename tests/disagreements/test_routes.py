"""Routes the seeds allow besides climbing one rung at a time: a recorded jump to a higher
stage mid-case, a change of risk reported during a case, extensions that move the
deadlines that matter, Hillingdon's Resolution Panel, Stoke's director-to-director
meeting, and who acts for an agency with no one on a rung."""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine

from rpd.audit.models import Event
from rpd.disagreements import transitions
from rpd.disagreements.models import EpisodeOutcome
from rpd.people.demo import build_partnership

from .helpers import discuss, escalate, fresh, raise_data, send_forms

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 1, 7, 10, 0, tzinfo=datetime.UTC)  # a Wednesday


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _raise(pathway, **overrides):
    demo = build_partnership(pathway)
    d = transitions.raise_disagreement(demo.ladder["csc"][0], raise_data(demo, **overrides))
    return demo, d


def do(name, actor, d, **data):
    d = fresh(d)
    return transitions.perform(name, actor, d.pk, d.version, data)


# -- Fast track at any time -----------------------------------------------------------------


def test_jersey_a_case_may_quickly_escalate_from_stage_1_to_3():
    """Jersey §4.2: "may quickly escalate from Stage 1 to 3". Raised Wed 7 January 2026, a
    discussion held at stage 1 the next day, then straight to stage 3 on Thu 8 January:
    stage 3's 5 working days (Jersey calendar) are Fri 9 to Thu 15 January."""
    demo, d = _raise("jersey")
    raiser = demo.ladder["csc"][0]
    with time_machine.travel(NOW + datetime.timedelta(days=1), tick=False):
        discuss(raiser, d, "unresolved")
        assert "fast_track" in transitions.allowed(raiser, fresh(d))
        d = do("fast_track", raiser, d, to_stage=3, reason="The child needs immediate action.")

    assert d.stage == 3
    first, third = d.episodes.order_by("number")
    assert (first.number, first.outcome) == (1, EpisodeOutcome.ESCALATED)
    assert first.records.count() == 1  # what was done at stage 1 stays with it
    assert third.started_at.date() == datetime.date(2026, 1, 8)
    assert third.due == datetime.date(2026, 1, 15)
    assert d.next_due == datetime.date(2026, 1, 15)
    assert third.raising_actor == demo.ladder["csc"][2]
    assert third.receiving_actor == demo.ladder["police"][2]
    assert d.fast_track_reason == "The child needs immediate action."
    event = Event.objects.filter(action="disagreement.fast_track").get()
    assert (event.data["from_stage"], event.data["to_stage"]) == (1, 3)


def test_stoke_on_trent_straight_to_head_of_service_when_risk_rises_mid_case():
    demo, d = _raise("stoke-on-trent")
    raiser = demo.ladder["csc"][0]

    d = do("fast_track", raiser, d, to_stage=3, reason="Risk rose: a new injury was seen today.")

    assert d.stage == 3
    assert d.current_episode().raising_actor.job_title == "Head of Service"


def test_a_fast_track_goes_only_where_the_pathways_rule_allows():
    demo, d = _raise("jersey")
    raiser = demo.ladder["csc"][0]

    with pytest.raises(transitions.Invalid) as refused:
        do("fast_track", raiser, d, to_stage=4, reason="The child needs immediate action.")
    assert "to_stage" in refused.value.errors
    with pytest.raises(transitions.Invalid) as no_reason:
        do("fast_track", raiser, d, to_stage=3, reason="")
    assert "reason" in no_reason.value.errors
    assert fresh(d).stage == 1


def test_blackpool_names_no_fast_track_so_none_is_offered():
    demo, d = _raise("blackpool")
    raiser = demo.ladder["csc"][0]

    assert "fast_track" not in transitions.allowed(raiser, d)
    with pytest.raises(transitions.NotAllowed, match="no stage"):
        do("fast_track", raiser, d, to_stage=3, reason="The child needs immediate action.")


# -- A change of risk during a case -----------------------------------------------------------


def _masa_notices(d):
    """The notices that reached the MASA Team's holder, whatever their subject says."""
    from rpd.notifications.models import Kind, Notice
    from rpd.people import roles

    [masa] = roles.holders(d.partnership, "masa-team")
    to = masa.user.email if masa.user else masa.mailbox
    return Notice.objects.filter(disagreement=d, kind=Kind.PATHWAY, to_address=to)


def test_blackpool_masa_team_informed_at_the_earliest_opportunity_of_non_involvement_reported():
    demo, d = _raise("blackpool", risk="immediate")
    # Choosing a high risk at raise reports no one's position: nothing is inferred from it.
    assert not _masa_notices(d).exists()
    raiser = demo.ladder["csc"][0]

    d = do(
        "raise_risk",
        raiser,
        d,
        risk="immediate",
        non_involvement=True,
        reason="The police say they will not attend the strategy meeting.",
    )

    notice = _masa_notices(d).get()
    assert "was reported" in notice.body_text
    assert "maintains" not in notice.body_text
    assert "will not attend" not in notice.body_text  # the reason stays on the page
    change = d.risk_changes.get()
    assert (change.old_risk, change.new_risk, change.non_involvement) == (
        "immediate",
        "immediate",
        True,
    )


def test_blackpool_masa_team_is_told_of_non_involvement_reported_at_stage_3_too():
    demo, d = _raise("blackpool", risk="immediate")
    raiser = demo.ladder["csc"][0]
    for actor in (raiser, demo.ladder["csc"][1]):
        discuss(actor, d, "unresolved")
        d = escalate(actor, d)
    assert fresh(d).stage == 3
    before = _masa_notices(d).count()
    do(
        "raise_risk",
        demo.ladder["police"][2],
        d,
        risk="immediate",
        non_involvement=True,
        reason="The police say they will not attend the strategy meeting.",
    )
    [notice] = _masa_notices(d)[before:]
    assert "was reported" in notice.body_text
    assert notice.dedupe_key.startswith(f"pathway:{d.pk}:3:")


def test_risk_rises_during_a_case_and_is_recorded_with_its_reason():
    demo, d = _raise("stoke-on-trent", risk="medium")
    receiver = demo.ladder["police"][0]

    d = do("raise_risk", receiver, d, risk="immediate", reason="A new injury was seen today.")

    assert d.risk == "immediate"
    assert d.risk_changes.get().old_risk == "medium"
    event = Event.objects.filter(action="disagreement.raise_risk").get()
    assert (event.data["old_risk"], event.data["risk"]) == ("medium", "immediate")


def test_non_involvement_is_reported_only_with_a_risk_of_immediate_harm():
    demo, d = _raise("blackpool", risk="medium")
    with pytest.raises(transitions.Invalid) as refused:
        do(
            "raise_risk",
            demo.ladder["csc"][0],
            d,
            risk="high",
            non_involvement=True,
            reason="The police say they will not attend.",
        )
    assert "non_involvement" in refused.value.errors
    assert not _masa_notices(d).exists()


# -- Extensions move the deadlines that matter -----------------------------------------------


def test_stoke_on_trent_an_agreed_extension_moves_the_milestones_it_names():
    from rpd.disagreements import deadlines

    demo, d = _raise("stoke-on-trent")
    raiser = demo.ladder["csc"][0]
    d = do("fast_track", raiser, d, to_stage=3, reason="Risk rose: a new injury was seen today.")
    episode = d.current_episode()
    meeting = episode.milestones.get(key="meeting")
    contact = episode.milestones.get(key="contact-counterpart")
    head = episode.raising_actor
    asker = episode.receiving_actor
    assert (meeting.due, episode.due) == (datetime.date(2026, 1, 9), datetime.date(2026, 1, 9))

    # The meeting, and the decision in writing due with the stage, move to the 14th; the
    # contact with the counterpart is named and kept to the 12th.
    d = do(
        "extend",
        head,
        d,
        asked_by=asker.pk,
        reason="The director is away until Monday.",
        new_due="2026-01-14",
        milestone_meeting="2026-01-14",
        milestone_contact_counterpart="2026-01-12",
    )

    meeting.refresh_from_db()
    contact.refresh_from_db()
    assert meeting.due == datetime.date(2026, 1, 14)
    assert contact.due == datetime.date(2026, 1, 12)
    episode.refresh_from_db()
    assert episode.due == datetime.date(2026, 1, 14)
    extension = episode.extensions.get()
    named = {move["deadline"]: (move["old"], move["new"]) for move in extension.moves}
    assert named["stage"] == ("2026-01-09", "2026-01-14")
    assert named["milestone:meeting"] == ("2026-01-09", "2026-01-14")
    assert named["milestone:contact-counterpart"][1] == "2026-01-12"
    listed = {dl.ref: dl.due for dl in deadlines.deadlines(d, episode)}
    assert listed[f"milestone:{meeting.pk}"] == datetime.date(2026, 1, 14)
    assert d.next_due == min(listed.values())


def test_an_extension_names_at_least_one_deadline_and_keeps_within_the_bound():
    demo, d = _raise("stoke-on-trent")
    raiser = demo.ladder["csc"][0]
    d = do("fast_track", raiser, d, to_stage=3, reason="Risk rose: a new injury was seen today.")
    episode = d.current_episode()
    data = {"asked_by": episode.receiving_actor.pk, "reason": "The director is away."}

    with pytest.raises(transitions.Invalid) as none_named:
        do("extend", episode.raising_actor, d, **data)
    assert "new_due" in none_named.value.errors
    with pytest.raises(transitions.Invalid) as too_far:
        do("extend", episode.raising_actor, d, **data, milestone_meeting="2026-06-01")
    assert "milestone_meeting" in too_far.value.errors


def test_an_extension_never_dates_a_step_of_the_stage_after_the_stage_itself_is_due():
    demo, d = _raise("stoke-on-trent")
    raiser = demo.ladder["csc"][0]
    d = do("fast_track", raiser, d, to_stage=3, reason="Risk rose: a new injury was seen today.")
    episode = d.current_episode()
    calendar = d.partnership.working_calendar()
    data = {"asked_by": episode.receiving_actor.pk, "reason": "The director is away."}
    meeting = episode.milestones.get(key="meeting")
    late = calendar.add_working_days(episode.due, 1)
    assert late <= calendar.add_working_days(meeting.due, d.pack.max_extension_working_days)

    with pytest.raises(transitions.Invalid) as alone:
        do("extend", episode.raising_actor, d, **data, milestone_meeting=late.isoformat())
    [message] = alone.value.errors["milestone_meeting"]
    assert f"{episode.due:%-d %B %Y}" in message and "stage" in message
    with pytest.raises(transitions.Invalid) as past_the_new_date:
        do(
            "extend", episode.raising_actor, d, **data, new_due=late.isoformat(),
            milestone_meeting=calendar.add_working_days(late, 1).isoformat(),
        )  # fmt: skip
    assert "milestone_meeting" in past_the_new_date.value.errors
    # Up to the stage's own new date is agreed.
    d = do(
        "extend", episode.raising_actor, d, **data, new_due=late.isoformat(),
        milestone_meeting=late.isoformat(),
    )  # fmt: skip
    meeting.refresh_from_db()
    assert meeting.due == late


def test_a_review_date_bounds_no_step_of_the_stage():
    # Stoke-on-Trent's stage 2 has no limit in the policy, only a date to review it by:
    # contact between the line managers may be agreed for after that date.
    demo, d = _raise("stoke-on-trent")
    raiser = demo.ladder["csc"][0]
    discuss(raiser, d, outcome="unresolved")
    escalate(raiser, d)
    d = fresh(d)
    episode = d.current_episode()
    assert episode.due_is_review
    contact = episode.milestones.get(key="contact-between-agencies")
    calendar = d.partnership.working_calendar()
    later = calendar.add_working_days(episode.due, 1)
    assert later <= calendar.add_working_days(contact.due, d.pack.max_extension_working_days)
    do(
        "extend", episode.raising_actor, d, asked_by=episode.receiving_actor.pk,
        reason="The manager is on leave.", milestone_contact_between_agencies=later.isoformat(),
    )  # fmt: skip
    contact.refresh_from_db()
    assert contact.due == later


# -- Who acts for an agency with no one on a rung --------------------------------------------


def _gp_practice(demo):
    """A GP practice: a GP and a practice manager, no senior manager or senior leader; the
    partnership names the ICB's designated nurse (the demo's health agency) to act for it."""
    from rpd.people.models import Agency, AgencyType, Rung, StandIn, User

    gp = Agency.objects.create_in(
        demo.partnership, name="Testbrook GP Practice", type=AgencyType.HEALTH
    )
    practitioner = Rung.objects.create(
        agency=gp, position=1, title="GP", pathway_rung="practitioner"
    )
    manager_rung = Rung.objects.create(
        agency=gp, position=2, title="Practice Manager", pathway_rung="line-manager"
    )
    manager = User.objects.create(
        username="gp-manager", email="gp-manager@example.org", agency=gp, rung=manager_rung
    )
    doctor = User.objects.create(
        username="gp-1",
        email="gp-1@example.org",
        agency=gp,
        rung=practitioner,
        line_manager=manager,
    )
    designated = demo.ladder["health"][2]
    StandIn.objects.create(agency=gp, pathway_rung="senior-manager", person=designated)
    return gp, doctor, designated


def test_stoke_on_trent_the_designated_nurse_acts_for_a_gp_practice_with_no_senior_manager():
    demo = build_partnership("stoke-on-trent")
    gp, doctor, designated = _gp_practice(demo)
    raiser = demo.ladder["csc"][0]
    d = transitions.raise_disagreement(
        raiser,
        raise_data(demo, receiving_agency=gp.pk, receiving_professional=doctor.pk),
    )

    d = do("fast_track", raiser, d, to_stage=3, reason="Risk rose: a new injury was seen today.")

    assert d.current_episode().receiving_actor == designated
    assert "record" in transitions.allowed(designated, fresh(d))
    d = do(
        "raise_risk",
        designated,
        d,
        risk="immediate",
        reason="The practice has new information on the injury.",
    )
    assert d.risk == "immediate"


def test_a_named_stand_in_can_be_handed_over_to_and_no_one_else_outside_the_agency():
    demo = build_partnership("stoke-on-trent")
    gp, doctor, designated = _gp_practice(demo)
    raiser = demo.ladder["csc"][0]
    d = transitions.raise_disagreement(
        raiser,
        raise_data(demo, receiving_agency=gp.pk, receiving_professional=doctor.pk),
    )

    with pytest.raises(transitions.Invalid):
        do("hand_over", doctor, d, side="receiving", to_user=demo.ladder["police"][0].pk,
           reason="The GP is on leave this week.")  # fmt: skip
    d = do("hand_over", doctor, d, side="receiving", to_user=designated.pk,
           reason="The GP is on leave this week.")  # fmt: skip

    assert d.current_episode().receiving_actor == designated
    assert "record" in transitions.allowed(designated, fresh(d))


# -- Stoke-on-Trent: the directors' meeting and families' attendance ---------------------------


def test_stoke_on_trent_stage_4_records_the_director_to_director_meeting():
    demo, d = _raise("stoke-on-trent")
    raiser = demo.ladder["csc"][0]
    d = do("fast_track", raiser, d, to_stage=3, reason="Risk rose: a new injury was seen today.")
    head = d.current_episode().raising_actor
    d = discuss(head, d, covers=["decision-in-writing", "partnership-form"])
    no_meeting = {"families-attendance-considered": "No meeting was convened."}
    d = send_forms(head, d)
    d = do("escalate", head, d, reason="Still unresolved", not_applicable=no_meeting)
    assert d.stage == 4
    leader = d.current_episode().raising_actor
    covers = ["letter-between-directors", "partnership-form"]
    d = discuss(leader, d, outcome="resolved", covers=covers)
    d = send_forms(leader, d)

    with pytest.raises(transitions.Invalid, match="meeting of the two directors"):
        do("resolve", leader, d, agreed_outcome="A plan was agreed.", next_steps="Review.",
           written_confirmation="Emailed to both directors today.",
           feedback_to_raiser="Told the social worker.",
           not_applicable=no_meeting)  # fmt: skip


# -- Hillingdon's Resolution Panel -----------------------------------------------------------


def _at_hillingdon_stage_4(receiving="police"):
    demo = build_partnership("hillingdon")
    raiser = demo.ladder["csc"][0]
    d = transitions.raise_disagreement(raiser, raise_data(demo, receiving))
    reason = "A risk of immediate harm: the Implementation Unit must look at it now."
    d = do("fast_track", raiser, d, to_stage=4, reason=reason)
    return demo, d


def _sitting(demo, *keys, reviewed=True):
    return {
        "held_on": "2026-01-07",
        "members": [demo.ladder[key][2].pk for key in keys],
        "chronology_reviewed": reviewed,
        "outcome": "The panel agreed a joint visit within two days.",
    }


def test_hillingdon_the_resolution_panel_sits_with_local_authority_police_and_icb():
    demo, d = _at_hillingdon_stage_4()
    assert "record_panel" in transitions.allowed(demo.unit, fresh(d))

    d = do("record_panel", demo.unit, d, **_sitting(demo, "csc", "police", "health"))

    sitting = d.current_episode().panels.get()
    assert sitting.name == "Resolution Panel"
    assert set(sitting.members.all()) == {demo.ladder[k][2] for k in ("csc", "police", "health")}
    assert sitting.chronology_reviewed
    assert len(sitting.agencies) == 3


def test_hillingdon_the_panel_page_lists_who_could_sit_not_the_whole_partnership(client, settings):
    # "Representatives from three agencies (Local Authority, Police and CCG), including
    # those agencies directly concerned": those agencies' people as senior as the stage's
    # actors, the case's people and the unit; not a school's teacher, nor a practitioner.
    settings.RPD_REQUIRE_MFA = False
    demo, d = _at_hillingdon_stage_4(receiving="school")
    client.force_login(demo.unit)
    page = client.get(f"/disagreements/{d.pk}/record-panel/").text
    listed = {int(pk) for pk in re.findall(r'name="members" type="checkbox" value="(\d+)"', page)}
    assert {demo.ladder[key][2].pk for key in ("csc", "police", "health", "school")} <= listed
    assert demo.unit.pk in listed
    assert demo.ladder["police"][0].pk not in listed  # a police constable
    assert not {p.pk for p in demo.ladder["charity"]} & listed  # no seat, not concerned
    # Offered is not allowed: someone the page does not list may still be named.
    constable = demo.ladder["police"][0]
    sitting = _sitting(demo, "csc", "police", "health", "school")
    sitting["members"] = [*sitting["members"], constable.pk]
    d = do("record_panel", demo.unit, d, **sitting)
    assert constable in d.current_episode().panels.get().members.all()


def test_hillingdon_the_resolution_panel_must_have_all_three_agencies():
    demo, d = _at_hillingdon_stage_4()

    with pytest.raises(transitions.Invalid, match=r"CCG \(now the ICB\)") as refused:
        do("record_panel", demo.unit, d, **_sitting(demo, "csc", "police"))
    assert list(refused.value.errors) == ["members"]


def test_hillingdon_the_resolution_panel_includes_the_agencies_directly_concerned():
    demo, d = _at_hillingdon_stage_4(receiving="school")

    with pytest.raises(transitions.Invalid, match=demo.agencies["school"].name):
        do("record_panel", demo.unit, d, **_sitting(demo, "csc", "police", "health"))
    d = do("record_panel", demo.unit, d, **_sitting(demo, "csc", "police", "health", "school"))
    assert d.current_episode().panels.count() == 1


def test_hillingdon_the_resolution_panel_records_its_review_of_the_chronology():
    demo, d = _at_hillingdon_stage_4()

    with pytest.raises(transitions.Invalid, match="chronology") as refused:
        do(
            "record_panel",
            demo.unit,
            d,
            **_sitting(demo, "csc", "police", "health", reviewed=False),
        )
    assert list(refused.value.errors) == ["chronology_reviewed"]


def test_a_panel_seat_naming_a_pack_role_is_filled_only_by_its_holder(settings, tmp_path):
    """Hillingdon §4 Stage Four's panel seat is the CCG (now the ICB): a Community Health
    Trust nurse, of the same agency type, does not fill it; the ICB's named holder does."""
    from rpd.pathways.registry import BUILT_IN_DIR
    from rpd.people.models import Agency, RoleHolder, User

    text = (BUILT_IN_DIR / "hillingdon.yaml").read_text("utf-8")
    text = text.replace("id: hillingdon\n", "id: hillingdon-icb\n", 1).replace(
        "{name: CCG (now the ICB), agency_types: [health]}",
        "{name: CCG (now the ICB), role: icb-safeguarding}",
    )
    text = text.replace(
        "roles:\n",
        "roles:\n  - {id: icb-safeguarding, name: ICB Designated Nurse, kind: partnership}\n",
        1,
    )
    settings.RPD_PACK_DIRS = [tmp_path]
    (tmp_path / "hillingdon-icb.yaml").write_text(text)
    demo = build_partnership("hillingdon-icb")
    raiser = demo.ladder["csc"][0]
    d = transitions.raise_disagreement(raiser, raise_data(demo, "police"))
    d = do("fast_track", raiser, d, to_stage=4, reason="A risk of immediate harm: look now.")

    with pytest.raises(transitions.Invalid, match=r"CCG \(now the ICB\)"):
        do("record_panel", demo.unit, d, **_sitting(demo, "csc", "police", "health"))
    icb = Agency.objects.create_in(demo.partnership, name="North West London ICB", type="health")
    nurse = User.objects.create(username="icb-nurse", agency=icb, email="icb@example.org")
    RoleHolder.objects.filter(partnership=demo.partnership, role_id="icb-safeguarding").delete()
    RoleHolder.objects.create(partnership=demo.partnership, role_id="icb-safeguarding", user=nurse)
    sitting = _sitting(demo, "csc", "police")
    sitting["members"].append(nurse.pk)
    d = do("record_panel", demo.unit, d, **sitting)
    assert "North West London ICB" in d.current_episode().panels.get().agencies


def test_a_pathway_without_a_panel_offers_none():
    demo, d = _raise("jersey")
    assert "record_panel" not in transitions.allowed(demo.chair, fresh(d))
    assert "record_panel" not in transitions.allowed(demo.ladder["csc"][0], fresh(d))
