"""Over every demo case and every person of every seed pathway: a person is told to do a
thing (My work's next step, the case page's "What you need to do next", the notice asking
them to approve a record) if and only if the case page offers it to them as theirs, and it
would succeed (performed in a savepoint, then rolled back); and everyone asked, but whoever
made the change that asked it, has been asked by email in the step's own words."""

import datetime

import pytest
from django.db import transaction
from django.db.models import Q

from rpd.audit.models import Event
from rpd.disagreements import demo as demo_cases
from rpd.disagreements import formsubmissions, presenters, queries, transitions
from rpd.disagreements.models import Status
from rpd.disagreements.views.disagreement import action_url
from rpd.notifications.models import Kind, Notice
from rpd.people.backends import UserBackend
from rpd.people.models import User

from .test_demo import PATHWAYS

pytestmark = pytest.mark.django_db

BANNER = 'class="govuk-notification-banner" id="next-step"'
WHY = "Does not apply to this case: the agencies agreed it in the meeting."


class RolledBack(Exception):
    pass


def sample(step, d) -> dict:
    """Input a person taking the step would give: valid, and synthetic."""
    episode = d.episodes.get(number=d.stage)
    stage = d.pack.stage(d.stage)
    covered = transitions.covers(episode)

    def closing(resolving: bool) -> dict:
        asked = stage.to_record(resolving=resolving)
        left_out = [r for r in asked if r.id not in covered and r.may_not_apply]
        return {"not_applicable": {r.id: WHY for r in left_out}}

    now = transitions.now()
    return {
        "approve": lambda: {"record": step.target},
        "confirm_resolution": lambda: {},
        "decide_contested": lambda: {
            "decision": "uphold",
            "reason": "The plan agreed at the stage protects the child; it stands.",
        },
        "record": lambda: {
            "kind": "meeting",
            "occurred_at": (now - datetime.timedelta(minutes=5)).isoformat(),
            "participants": [episode.raising_actor.pk, episode.receiving_actor.pk],
            "summary": "Both positions set out again; more information requested.",
            "outcome": "ongoing",
        },
        "resume": lambda: {"note": "The reason for the pause has passed."},
        "submit_form": lambda: formsubmissions.sample_answers(
            d, formsubmissions.still_to_send(d)[0], now
        ),
        "escalate": lambda: {
            "reason": "Still unresolved after the discussion.",
            **closing(resolving=False),
        },
        "resolve": lambda: {
            "agreed_outcome": "A joint visit and a plan.",
            "next_steps": "Both agencies attend the review.",
            "written_confirmation": "Confirmed by email to both agencies the same day.",
            "feedback_to_raiser": "Thank you: the challenge changed the plan.",
            **closing(resolving=True),
        },
        "refer": lambda: {
            "referred_to": d.pack.last_stage.referral_names[0],
            "recommendation": "Both agencies meet the partnership within a week.",
        },
    }[step.name]()


def would_succeed(step, person, d) -> bool:
    try:
        with transaction.atomic():
            transitions.perform(step.name, person, d.pk, d.version, sample(step, d))
            raise RolledBack
    except RolledBack:
        return True
    except transitions.TransitionError as refused:
        pytest.fail(f"{d.reference}: {person} was told to {step.what} and was refused: {refused}")


@pytest.mark.parametrize("pathway", PATHWAYS)
def test_everyone_told_to_act_is_offered_it_as_theirs_and_it_would_succeed(pathway, client):
    demo, cases = demo_cases.build(pathway)
    agencies = [a.pk for a in demo.agencies.values()]
    people = [
        UserBackend().get_user(u.pk)
        for u in User.objects.filter(
            Q(agency_id__in=agencies) | Q(pk__in=[demo.unit.pk, demo.chair.pk])
        ).distinct()
    ]
    # Every case someone is asked about: the live ones, and the resolved ones whose
    # resolution the other side is still to confirm.
    live = [d for d in cases if d.status in (Status.OPEN, Status.PAUSED)]
    live += [d for d in cases if d.status == Status.RESOLVED and d.next_steps]
    told_on_my_work = {}
    for person in people:
        rows = queries.work_rows(person, 200) + queries.to_confirm(person)
        names = presenters.people_named(row.next_steps for row in rows)
        for row in rows:
            step = presenters.next_step(row.next_steps, person, names)
            if step.mine:
                told_on_my_work[row.pk, person.pk] = (step.name, step.target)
    checked = 0
    asked_of = set()
    assert any(d.status == Status.RESOLVED for d in live)
    for d in live:
        d = type(d).objects.get(pk=d.pk)
        episode = d.current_episode() if not d.is_closed else None
        steps = transitions.next_steps(d, episode)
        asked_of |= {s.name for s in steps}
        assert [s.as_json() for s in steps] == d.next_steps  # the lists read what holds
        assert steps and all(s.people for s in steps), f"{d.reference}: no one is asked"
        could = frozenset().union(*(transitions.RULES[s.name].who for s in steps))
        for person in people:
            if not transitions.capacities(person, d, episode) & could:
                # In no capacity to take any of the steps: told nothing, asked nothing.
                assert (d.pk, person.pk) not in told_on_my_work
                assert all(person.pk not in s.people for s in steps)
                continue
            mine = next((s for s in steps if person.pk in s.people), None)
            client.force_login(person)
            page = client.get(f"/disagreements/{d.pk}/").text
            banner = (
                page.split('id="next-step"')[1].split("</div>\n</div>")[0] if BANNER in page else ""
            )
            offered = None
            for s in steps:
                target = {"record": s.target} if s.target else {}
                href = action_url(d.pk, s.name, **target)
                if f'href="{href}"' in banner:
                    offered = s
            told = told_on_my_work.get((d.pk, person.pk))
            assert (told is not None) == (offered is not None) == (mine is not None), (
                d.reference,
                str(person),
                told,
                offered,
                mine,
            )
            if mine is not None:
                assert told == (mine.name, mine.target) and offered == mine
                assert would_succeed(mine, person, d)
                checked += 1
        # Who made the change that asked it: the page they acted on told them, no email.
        changed_by = (
            Event.objects.filter(target=d.audit_target, action__startswith="disagreement.")
            .order_by("-seq")
            .values_list("actor_id", flat=True)
            .first()
        )
        for step in steps:
            for person in set(step.people) - {changed_by}:
                # Told by email too, in the step's own words: as the stage started, by the
                # change that asked it of them, or as the change of people that did.
                bodies = Notice.objects.filter(disagreement=d, recipient_id=person)
                assert any(
                    step.what in body for body in bodies.values_list("body_text", flat=True)
                ), (
                    d.reference,
                    step.what,
                    User.objects.get(pk=person).username,
                )
            if step.name == "approve":
                key = f"record-to-approve:{step.target}:"
                asked = set(
                    Notice.objects.filter(
                        kind=Kind.RECORD_TO_APPROVE, dedupe_key__startswith=key
                    ).values_list("recipient_id", flat=True)
                )
                assert asked == set(step.people), d.reference
    assert checked >= len(live)
    # Where the pathway gives a stage's leader the decision on a contested resolution
    # (Hillingdon §4 Stage Four), the demo has one waiting for it, and the leader is asked.
    pack = demo.partnership.pathway_entry().pack
    if any(pack.leader_decides_contest(s.number) for s in pack.stages):
        assert "decide_contested" in asked_of
