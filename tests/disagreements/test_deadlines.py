"""Which deadlines a disagreement has: one answer, read alike by the stored next date, the
deadline sweep and the calendar feed.

Blackpool, raised Tue 5 May 2026 (England and Wales; bank holidays Mon 4 and Mon 25 May):
stage 1 has 5 working days, Wed 6 to Tue 12 May; the overall cap of 15 working days for
stages 1 to 3 is Wed 27 May (6, 7, 8, 11 ... 22, then Tue 26 and Wed 27 after the bank
holiday).
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from rpd.disagreements import transitions
from rpd.disagreements.deadlines import deadlines
from rpd.notifications import feeds, sweep
from rpd.notifications.models import Notice
from rpd.people.demo import build_partnership

from .helpers import discuss, fresh, raise_data

pytestmark = pytest.mark.django_db

D = datetime.date
LONDON = ZoneInfo("Europe/London")


def london(month, day, hour=10):
    return datetime.datetime(2026, month, day, hour, tzinfo=LONDON)


@pytest.fixture
def blackpool():
    return build_partnership("blackpool")


@pytest.fixture
def raised(blackpool):
    with time_machine.travel(london(5, 5), tick=False):
        return transitions.raise_disagreement(
            blackpool.ladder["school"][0], raise_data(blackpool, challenged_on="2026-05-04")
        )


def listed(d):
    return sorted((x.kind, x.due) for x in deadlines(d, d.current_episode()))


def test_an_open_disagreement_has_its_stage_deadline_and_the_overall_cap(raised):
    assert listed(raised) == [("cap", D(2026, 5, 27)), ("stage", D(2026, 5, 12))]
    assert raised.next_due == D(2026, 5, 12)


def test_the_stored_date_the_feed_and_the_sweep_read_the_same_deadlines(blackpool, raised):
    school = blackpool.ladder["school"][0]
    found = deadlines(raised, raised.current_episode())
    assert raised.next_due == min(x.due for x in found)
    uids = {e.uid.split("@")[0] for e in feeds.deadlines(school)}
    assert uids == {f"rpd-{x.kind}-{x.row.pk}" for x in found}
    sweep.run(london(5, 28, 9))  # both overdue
    overdue = Notice.objects.filter(recipient=school, dedupe_key__startswith="sweep:overdue:")
    assert {":".join(n.dedupe_key.split(":")[2:4]) for n in overdue} == {x.ref for x in found}


def test_while_paused_the_one_deadline_is_the_expected_resume_date(blackpool, raised):
    with time_machine.travel(london(5, 6), tick=False):
        transitions.perform("pause", blackpool.ladder["school"][0], raised.pk, raised.version,
                            {"reason": "Off sick", "expected_resume": "2026-05-20"})  # fmt: skip
    d = fresh(raised)
    assert listed(d) == [("pause", D(2026, 5, 20))]
    assert d.next_due == D(2026, 5, 20)


def test_a_withdrawn_disagreement_has_no_deadlines(blackpool, raised):
    with time_machine.travel(london(5, 6), tick=False):
        transitions.perform("withdraw", blackpool.ladder["school"][0], raised.pk,
                            raised.version, {"reason": "No longer needed"})  # fmt: skip
    d = fresh(raised)
    assert deadlines(d, d.episodes.get()) == []
    assert d.next_due is None


# -- Milestones counted from another milestone -------------------------------------------


@pytest.fixture
def lakeside(settings, tmp_path):
    from tests.pathways.small_pack import ACTION_PLAN, small_pack

    settings.RPD_PACK_DIRS = [tmp_path]
    (tmp_path / "lakeside.yaml").write_text(small_pack(stage_extra=ACTION_PLAN))
    return build_partnership("lakeside")


def test_an_action_plan_within_2_working_days_of_the_initial_discussion_waits_for_it(lakeside):
    school = lakeside.ladder["school"]
    with time_machine.travel(london(5, 5), tick=False):
        d = transitions.raise_disagreement(
            school[0], raise_data(lakeside, challenged_on="2026-05-05")
        )
    # Raised Tue 5 May 2026: the initial discussion within 1 working day, Wed 6 May; the
    # action plan has no date until the discussion is held, and is no deadline meanwhile.
    plan = d.current_episode().milestones.get(key="action-plan")
    assert (plan.due, plan.after) == (None, "initial-discussion")
    assert listed(d) == [("milestone", D(2026, 5, 6)), ("stage", D(2026, 5, 12))]
    sweep.run(london(5, 11, 9))  # the stage is due soon; the pending plan is nothing yet
    assert not Notice.objects.filter(dedupe_key__contains=f"milestone:{plan.pk}").exists()

    # Held late, on Mon 11 May: the plan is due 2 working days after it, Wed 13 May.
    with time_machine.travel(london(5, 11, 11), tick=False):
        discuss(school[0], d, "ongoing", covers=[], meets=["initial-discussion"], approve=False)
    d = fresh(d)
    plan.refresh_from_db()
    assert plan.due == D(2026, 5, 13)
    assert listed(d) == [("milestone", D(2026, 5, 13)), ("stage", D(2026, 5, 12))]
    assert d.next_due == D(2026, 5, 12)
