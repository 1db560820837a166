"""Each action is its own form page carrying the version the person saw: bad input names
each field and keeps what was typed; a stale submit says what changed; hostile values
never cause a 500."""

import datetime
import html
import re

import pytest
from django.utils import timezone

from rpd.disagreements import forms, transitions
from rpd.disagreements.models import Status
from rpd.disagreements.views import actions
from rpd.people.demo import build_partnership

from .helpers import HOSTILE, discuss, escalate, fresh, raise_data, soon
from .pages import partnership_with_case

# A resume date within the pathway's bound, whatever day the suite runs.
SOON = soon()

pytestmark = pytest.mark.django_db

TYPED = "Typed-by-the-person-7731"
STOKE = "stoke-on-trent"


def url(d, action, **target):
    query = "".join(f"?{k}={v}" for k, v in target.items())
    return f"/disagreements/{d.pk}/{action}/{query}"


# Each action page, who may use it at stage 1 of a fresh case, and a post missing
# something required while carrying typed text.
BAD_POSTS = {
    "record": ("raiser", {"summary": TYPED, "kind": "meeting", "occurred_at": "not a date"}),
    "escalate": ("raiser", {"reason": TYPED}),
    "resolve": ("raiser", {"agreed_outcome": TYPED}),
    "pause": ("raiser", {"reason": TYPED, "expected_resume": "yesterday"}),
    "extend": ("raiser", {"reason": TYPED, "new_due": "31/02/2026"}),
    "hand-over": ("raiser", {"reason": TYPED, "side": "sideways"}),
    "withdraw": ("raiser", {"reason": "", "note": TYPED}),
}


# Escalating and resolving are offered once a discussion approved shows why: before, the
# page is not offered at all (test_pages_disagreement).
RECORDED_FIRST = {"escalate": "unresolved", "resolve": "resolved"}


@pytest.mark.parametrize("action", sorted(BAD_POSTS))
def test_a_bad_post_shows_the_error_summary_and_keeps_what_was_typed(client, action):
    # Closing a stage in Jersey, whose stage 1 keeps minutes only "if this is in a meeting".
    demo, raiser, d = partnership_with_case("jersey" if action in RECORDED_FIRST else STOKE)
    if action in RECORDED_FIRST:
        # Covering only what cannot be left out: the rest still wants a reason it does not
        # apply, so closing the stage is offered and this post refused.
        needed = [r.id for r in d.pack.stage(d.stage).must_record if not r.may_not_apply]
        d = fresh(discuss(raiser, d, outcome=RECORDED_FIRST[action], covers=needed))
    _, data = BAD_POSTS[action]
    client.force_login(raiser)
    assert client.get(url(d, action)).status_code == 200
    response = client.post(url(d, action), {"version": d.version, **data})
    assert response.status_code == 400
    assert "There is a problem" in response.text
    assert "govuk-error-summary__list" in response.text
    if action != "withdraw":
        assert TYPED in response.text
    assert fresh(d).version == d.version  # nothing changed


def test_each_bad_field_is_named_in_the_summary_and_linked_to_its_input(client):
    demo, raiser, d = partnership_with_case()
    client.force_login(raiser)
    boxes = {
        "expected_resume_day": "1",
        "expected_resume_month": "1",
        "expected_resume_year": "2020",
    }
    response = client.post(url(d, "pause"), {"version": d.version, **boxes})
    assert 'href="#id_reason">Enter why it is being paused</a>' in response.text
    assert 'href="#id_expected_resume_day">When you expect to resume must be after today' in (
        response.text
    )


def test_error_messages_are_whole_sentences_in_the_summary_and_beside_the_field(client):
    # GOV.UK: "Date of birth must be in the past", never a label's words glued to a part
    # of a sentence ("When did it take place?: must be now or in the past").
    demo, raiser, d = partnership_with_case()
    client.force_login(raiser)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = client.post(
        url(d, "record"),
        {"version": d.version, "occurred_at": f"{tomorrow:%d/%m/%Y} 10:00", "summary": TYPED},
    )
    page = response.text
    said = "The date the discussion took place must be now or in the past"
    assert page.count(said) == 2  # in the summary, and beside the field
    response = client.post(url(d, "record"), {"version": d.version})
    assert response.text.count("Enter the date the discussion took place") == 2
    assert response.text.count("Enter a summary of the discussion") == 2
    for shown in (page, response.text):
        assert ": must" not in shown and "?: " not in shown
        assert "This field is required" not in shown
        assert "Enter what happened, and why you disagree" not in shown  # the raise's words


def test_a_date_is_asked_for_in_the_gov_uk_three_boxes_and_a_wrong_one_is_kept(client):
    demo, raiser, d = partnership_with_case()
    client.force_login(raiser)
    page = client.get(url(d, "pause")).text
    for part in ("day", "month", "year"):
        assert f'name="expected_resume_{part}"' in page
    boxes = {
        "expected_resume_day": "31",
        "expected_resume_month": "2",
        "expected_resume_year": "2026",
    }
    response = client.post(url(d, "pause"), {"version": d.version, "reason": TYPED, **boxes})
    assert response.status_code == 400
    assert "When you expect to resume must be a real date" in response.text
    assert 'name="expected_resume_day" type="text" inputmode="numeric" value="31"' in response.text


def test_a_stale_submit_says_someone_changed_it_and_keeps_the_text(client):
    demo, raiser, d = partnership_with_case()
    seen = d.version
    transitions.perform(
        "pause",
        raiser,
        d.pk,
        seen,
        {"reason": "Waiting for a strategy meeting", "expected_resume": SOON.isoformat()},
    )
    transitions.perform("resume", raiser, d.pk, seen + 1, {})
    client.force_login(raiser)
    response = client.post(url(d, "withdraw"), {"version": seen, "reason": TYPED})
    assert response.status_code == 409
    assert "Someone changed this since you opened it" in response.text
    for change in ("paused the disagreement", "resumed the disagreement"):
        assert f"{raiser.display_name} {change}" in response.text, change
    assert TYPED in response.text
    assert f'name="version" value="{seen + 2}"' in response.text
    assert fresh(d).status == Status.OPEN
    # Sent again from the refreshed page, it goes through.
    response = client.post(url(d, "withdraw"), {"version": seen + 2, "reason": TYPED})
    assert response.status_code == 302
    assert fresh(d).status == Status.WITHDRAWN


def test_a_good_post_performs_the_transition_and_returns_to_the_case(client):
    demo, raiser, d = partnership_with_case()
    client.force_login(raiser)
    response = client.post(
        url(d, "pause"),
        {
            "version": d.version,
            "reason": "Awaiting a strategy meeting",
            "expected_resume": f"{SOON.day}/{SOON.month}/{SOON.year}",
        },
    )
    assert response.status_code == 302
    assert fresh(d).status == Status.PAUSED
    assert "Paused." in client.get(response["Location"]).text


def due(n: int, day_month_year: str) -> dict:
    """Action n's due date as its three boxes send it ("9  2026": no month typed)."""
    parts = day_month_year.split(" ")
    return {f"action-{n}-due_{p}": v for p, v in zip(("day", "month", "year"), parts, strict=True)}


def post_record(client, d, participants, summary, **more):
    """A meeting on 2 January 2026 recorded from the page, as its form sends it."""
    return client.post(
        url(d, "record"),
        {
            "version": d.version,
            "kind": "meeting",
            "occurred_at": "2/1/2026 10:00",
            "participants": [p.pk for p in participants],
            "summary": summary,
            "outcome": "ongoing",
            **more,
        },
    )


def test_recording_a_discussion_with_agreed_actions_from_the_page(client):
    demo, raiser, d = partnership_with_case()
    receiver = demo.ladder["police"][0]
    client.force_login(raiser)
    response = post_record(
        client,
        d,
        [raiser, receiver],
        "Both sides set out their positions.",
        **{
            "action-1-text": "Share the chronology",
            "action-1-owner": receiver.pk,
            **due(1, "9 1 2026"),
        },
    )
    assert response.status_code == 302, response.text
    action = fresh(d).records.get().actions.get()
    assert action.owner == receiver
    assert action.due == datetime.date(2026, 1, 9)
    client.force_login(receiver)
    assert f"complete-action/?action={action.pk}" in client.get(f"/disagreements/{d.pk}/").text


def test_the_record_page_refuses_an_owner_outside_the_two_agencies_before_the_partnership_is_told(
    client,
):
    demo, raiser, d = partnership_with_case()
    health_visitor = demo.ladder["health"][0]  # in the partnership, in neither agency
    client.force_login(raiser)
    response = post_record(
        client,
        d,
        [raiser, demo.ladder["police"][0]],
        "Both sides set out their positions.",
        **{
            "action-1-text": "Check the bruising at the next visit",
            "action-1-owner": health_visitor.pk,
            "action-1-due": "9/1/2026",
        },
    )
    assert response.status_code == 400
    assert "until the partnership is told about this disagreement" in response.text
    assert fresh(d).version == d.version and not fresh(d).records.exists()


def test_the_approval_page_shows_everything_the_approver_vouches_for(client):
    # The outcome decides what happens next, so the approver reads it, with who took part,
    # what the record covers and the actions agreed, where they approve.
    demo, raiser, d = partnership_with_case()
    receiver = demo.ladder["police"][0]
    client.force_login(raiser)
    response = post_record(
        client, d, [raiser, receiver], "Both sides set out their positions.",
        covers=["evidence-based-reason"], **{
            "action-1-text": "Share the chronology", "action-1-owner": receiver.pk,
            "action-1-due": "9/1/2026",
        },
    )  # fmt: skip
    assert response.status_code == 302, response.text
    record = fresh(d).records.get()
    client.force_login(raiser.line_manager)
    page = client.get(url(d, "approve", record=record.pk)).text
    stage = d.pack.stage(1)
    covered = next(r.text for r in stage.must_record if r.id == "evidence-based-reason")
    for shown in (
        "Still being discussed",
        receiver.display_name,
        covered,
        "Share the chronology",
        "9 January 2026",
        "Both sides set out their positions.",
    ):
        assert shown in page, shown


def test_a_corrected_record_keeps_its_agreed_actions_and_the_replaced_one_awaits_nothing(client):
    # A try-out: the correction's approval page said "Agreed actions: None", and the record
    # it replaced said "Awaiting approval" for ever (it can never be approved now).
    demo, raiser, d = partnership_with_case()
    receiver = demo.ladder["police"][0]
    client.force_login(raiser)
    response = post_record(
        client, d, [raiser, receiver], "Both sides set out their positions.",
        **{"action-1-text": "Share the chronology", "action-1-owner": receiver.pk},
        **due(1, "9 1 2026"),
    )  # fmt: skip
    assert response.status_code == 302, response.text
    original = fresh(d).records.get()
    d = transitions.perform(
        "correct",
        raiser,
        d.pk,
        fresh(d).version,
        {"record": original.pk, "summary": "Both sides set out their positions again.",
         "reason": "Typo"},
    )  # fmt: skip
    correction = d.records.exclude(pk=original.pk).get()
    client.force_login(raiser.line_manager)
    page = client.get(url(d, "approve", record=correction.pk)).text
    assert "Share the chronology" in page and "9 January 2026" in page
    case = client.get(f"/disagreements/{d.pk}/").text
    # Not done by 9 January 2026, long past: the table says so.
    actions = case.split('id="actions"')[1].split("</table>")[0]
    assert "9 January 2026" in actions and "Overdue" in actions
    card = re.split(r'id="record-|<h2', case.split(f'id="record-{original.pk}"')[1])[0]
    assert "Replaced by a correction" in card and "Awaiting approval" not in card


def test_an_agreed_actions_owner_and_due_date_are_asked_for_in_plain_words(client):
    # Written as a row of three boxes: the owner and due date are needed once the action
    # is written, so neither is labelled optional, and each mistake is named in words.
    demo, raiser, d = partnership_with_case()
    client.force_login(raiser)
    page = client.get(url(d, "record")).text
    assert "Action 1: owner (optional)" not in page and "Action 1: owner" in page
    assert "Action 1: due date (optional)" not in page
    people = [raiser, demo.ladder["police"][0]]
    # The due date is asked as GOV.UK asks a date: a day, a month and a year.
    for part in ("day", "month", "year"):
        assert f'name="action-1-due_{part}"' in page, part
    assert "3/12/2026" not in page
    # Each mistake is linked from the error summary to the box it is about, and shown there.
    for typed, said, box in [
        (due(1, "9 1 2026"), "Choose who owns action 1", "action-1-owner"),
        ({"action-1-owner": raiser.pk}, "Enter the due date of action 1", "action-1-due"),
        (
            {"action-1-owner": raiser.pk, **due(1, "31 2 2026")},
            "The due date of action 1 must be a real date",
            "action-1-due",
        ),
        (
            {"action-1-owner": raiser.pk, **due(1, "9  2026")},
            "The due date of action 1 must include a month",
            "action-1-due",
        ),
        (
            # Agreed at a meeting on 2 January 2026: not due before it.
            {"action-1-owner": raiser.pk, **due(1, "1 1 2026")},
            "The due date of action 1 must be on or after the day of the discussion, "
            "Friday 2 January 2026",
            "action-1-due",
        ),
        (
            {
                "action-2-text": "Visit",
                **due(2, "9 1 2026"),
                "action-1-owner": raiser.pk,
                **due(1, "9 1 2026"),
            },
            "Choose who owns action 2",
            "action-2-owner",
        ),  # fmt: skip
    ]:
        data = {"action-1-text": "Share the chronology", **typed}
        response = post_record(client, d, people, "Both sides set out their positions.", **data)
        assert response.status_code == 400
        assert said in response.text, said
        assert "YYYY-MM-DD" not in response.text
        summary = response.text.split('govuk-error-summary__list">')[1].split("</ul>")[0]
        assert f'href="#id_{box}"' in summary, (said, summary)
        shown = response.text.split(f'id="id_{box}_error"')
        assert len(shown) == 2 and said in shown[1].split("</p>")[0], said
    # Every row's mistake at once, each in its own box: only the first was shown, and the
    # next after sending again (found by a try-out).
    data = {"action-1-text": "Share the chronology", **due(1, "9 1 2026"),
            "action-2-text": "Visit", "action-2-owner": raiser.pk}  # fmt: skip
    response = post_record(client, d, people, "Both sides set out their positions.", **data)
    summary = response.text.split('govuk-error-summary__list">')[1].split("</ul>")[0]
    for said, box in [
        ("Choose who owns action 1", "action-1-owner"),
        ("Enter the due date of action 2", "action-2-due"),
    ]:
        assert f'href="#id_{box}">{said}</a>' in summary, (said, summary)
        shown = response.text.split(f'id="id_{box}_error"')
        assert len(shown) == 2 and said in shown[1].split("</p>")[0], said
    assert not fresh(d).records.exists()


def test_an_action_page_not_allowed_now_is_not_found(client):
    demo, raiser, d = partnership_with_case()
    client.force_login(demo.ladder["police"][0])
    assert client.get(url(d, "withdraw")).status_code == 404
    assert client.get(url(d, "resume")).status_code == 404
    assert client.get(url(d, "no-such-action")).status_code == 404


# Values that are fair text: a free-text form may take them (shown escaped).
FAIR_TEXT = {"script", "huge-number", "negative"}


def another_case(demo):
    other = transitions.raise_disagreement(demo.ladder["health"][0], raise_data(demo, "school"))
    return discuss(demo.ladder["health"][0], other, outcome="ongoing", approve=False)


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_values_in_every_form_get_the_error_summary_never_a_500(client, kind):
    value = HOSTILE[kind]
    # Jersey: its stage 1 may leave out the minutes (if not in a meeting), so closing the
    # stage is offered below with that item still to account for.
    demo, raiser, d = partnership_with_case("jersey")
    theirs = another_case(demo).records.get().pk
    # An approved record showing it unresolved, so escalating and resolving are offered (a
    # stage with nothing to show for it offers neither), and one waiting to be corrected.
    # It covers only what the stage cannot leave out: the rest wants a reason it does not
    # apply, so each is offered and the posts below still close nothing.
    needed = [r.id for r in d.pack.stage(d.stage).must_record if not r.may_not_apply]
    d = discuss(raiser, d, outcome="unresolved", covers=needed)
    d = discuss(raiser, d, outcome="unresolved", approve=False)
    ours = d.records.latest("pk").pk
    receiver = demo.ladder["police"][0]
    pages = [(a, {}, raiser) for a in BAD_POSTS if a != "withdraw"] + [
        ("approve", {"record": value}, receiver),
        ("approve", {"record": theirs}, receiver),  # another case's record
        ("correct", {"record": ours}, raiser),
        ("withdraw", {}, raiser),
    ]
    for action, target, user in pages:
        client.force_login(user)
        form = transitions.form_for(action.replace("-", "_"), user, fresh(d))
        # A megabyte in one field; the whole request stays under Django's upload limit.
        big = next((n for n in form.fields if n not in target), None)
        data = {n: value if kind != "1mb" or n == big else "x" for n in form.fields}
        data.update(target)
        data["version"] = fresh(d).version
        response = client.post(url(d, action), data)
        assert response.status_code != 500
        if response.status_code != 302 or kind not in FAIR_TEXT:
            assert response.status_code in (400, 409), (action, response.status_code)
            assert "There is a problem" in response.text, action
        assert "<script>alert(1)</script>" not in response.text
    assert not fresh(d).records.filter(pk=theirs).exists()


@pytest.mark.parametrize("version", ["", "abc", "\x00", "-5", "99999999999999999999999"])
def test_a_wrong_version_is_a_conflict_not_an_error(client, version):
    demo, raiser, d = partnership_with_case()
    client.force_login(raiser)
    response = client.post(url(d, "withdraw"), {"version": version, "reason": TYPED})
    assert response.status_code == 409
    assert "Someone changed this since you opened it" in response.text
    assert TYPED in response.text


def test_lone_surrogates_arrive_replaced_and_are_refused_by_field(client):
    demo, raiser, d = partnership_with_case()
    client.force_login(raiser)
    body = f"version={d.version}&reason=%ED%A0%80&expected_resume=%ED%A0%80".encode()
    response = client.post(url(d, "pause"), body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert "There is a problem" in response.text


def test_another_cases_record_cannot_be_approved_through_this_one(client):
    demo, raiser, d = partnership_with_case()
    other = another_case(demo)
    d = discuss(raiser, d, outcome="ongoing", approve=False)
    client.force_login(demo.ladder["police"][0])
    theirs = other.records.get().pk
    assert client.get(url(d, "approve", record=theirs)).status_code == 404
    response = client.post(url(d, "approve"), {"version": d.version, "record": theirs})
    assert response.status_code == 400
    assert "no such record in this disagreement" in response.text
    assert not fresh(other).records.get().is_approved


def test_the_fast_track_page_offers_the_stages_the_pathway_allows_and_jumps(client):
    demo, raiser, d = partnership_with_case()
    client.force_login(raiser)
    page = client.get(url(d, "fast-track"))
    assert page.status_code == 200
    assert 'name="to_stage"' in page.text and 'value="3"' in page.text
    response = client.post(
        url(d, "fast-track"),
        {"version": d.version, "to_stage": "3", "reason": "A new injury was seen today."},
    )
    assert response.status_code == 302
    assert fresh(d).stage == 3


def test_the_extension_page_names_each_open_milestone_it_may_move(client):
    demo, raiser, d = partnership_with_case()
    jump = {"to_stage": 3, "reason": "A new injury was seen today."}
    d = transitions.perform("fast_track", raiser, d.pk, d.version, jump)
    head = d.current_episode().raising_actor
    client.force_login(head)
    page = client.get(url(d, "extend"))
    assert page.status_code == 200
    # The three GOV.UK date boxes of the milestone's new date.
    assert 'name="milestone_meeting_day"' in page.text
    assert "New date for: Meeting, if necessary" in page.text
    # A date before the stage's own, meant for the milestone, is refused saying where it
    # goes (found by a try-out: "must be after the current due date" said nothing of it).
    episode = fresh(d).current_episode()
    earlier = episode.due - datetime.timedelta(days=1)
    response = client.post(
        url(d, "extend"),
        {
            "version": fresh(d).version,
            "asked_by": fresh(d).current_episode().receiving_actor.pk,
            "reason": "Waiting for the school's notes",
            "new_due_day": earlier.day,
            "new_due_month": earlier.month,
            "new_due_year": earlier.year,
        },
    )
    assert response.status_code == 400
    assert "to move only a milestone, leave this empty" in response.text


def test_the_risk_and_panel_pages_render_their_forms(client):
    demo, raiser, d = partnership_with_case()
    client.force_login(raiser)
    page = client.get(url(d, "raise-risk"))
    assert page.status_code == 200 and 'name="non_involvement"' in page.text
    demo, raiser, d = partnership_with_case("hillingdon")
    jump = {"to_stage": 4, "reason": "A risk of immediate harm: it cannot wait."}
    d = transitions.perform("fast_track", raiser, d.pk, d.version, jump)
    client.force_login(demo.unit)
    page = client.get(url(d, "record-panel"))
    assert page.status_code == 200
    assert 'name="members"' in page.text and 'name="chronology_reviewed"' in page.text


def test_who_took_part_lists_the_people_of_the_case_not_the_whole_partnership(client):
    # A partnership has thousands of people: the record page lists those on the case and
    # above them in their agency, the two agencies' safeguarding leads and stand-ins; any
    # one else who took part is named in words.
    demo, raiser, d = partnership_with_case()
    client.force_login(raiser)
    page = client.get(url(d, "record")).text
    who = page[page.index("Who took part?") : page.index("Anyone else who took part")]
    receiver = fresh(d).current_episode().receiving_actor
    for on_the_case in (raiser, receiver, demo.ladder["csc"][1], demo.ladder["police"][1]):
        assert on_the_case.display_name in who
    assert demo.lead["csc"].display_name in who and demo.lead["police"].display_name in who
    for elsewhere in (demo.ladder["school"][0], demo.lead["health"], demo.unit):
        assert elsewhere.display_name not in who


def test_someone_in_the_partnership_not_listed_may_still_be_named_as_taking_part(client):
    demo, raiser, d = partnership_with_case()
    teacher = demo.ladder["school"][0]
    client.force_login(raiser)
    response = post_record(
        client, d, [raiser, teacher], "The school joined to set out what it has seen."
    )
    assert response.status_code == 302, response.text
    assert teacher in fresh(d).records.get().participants.all()


def test_every_transition_the_case_offers_opens_its_page_and_is_done_from_it(client):
    demo, raiser, d = partnership_with_case()
    client.force_login(raiser)
    # Less those done on a record's or an action's own page, and the partnership's form's.
    offered = set(transitions.allowed(raiser, d)) - set(actions.TARGETS) - {"submit_form"}
    assert {"add_party", "add_case_reference"} <= offered
    for name in sorted(offered):
        page = client.get(url(d, name.replace("_", "-")))
        assert page.status_code == 200, name
    response = client.post(
        url(d, "add-case-reference"), {"version": d.version, "reference": "CSC-0042"}
    )
    assert response.status_code == 302
    assert "Case reference added." in client.get(response["Location"]).text
    # The partnership's form is sent from the form's own page, not an action page.
    assert client.get(url(d, "submit-form")).status_code == 404


def test_escalating_reads_what_the_stages_records_cover_once_for_the_pages_two_lists(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    demo, raiser, d = partnership_with_case()
    d = fresh(discuss(raiser, d, outcome="unresolved"))
    client.force_login(raiser)
    with CaptureQueriesContext(connection) as captured:
        response = client.post(url(d, "escalate"), {"version": d.version, "reason": TYPED})
    assert response.status_code == 302
    assert fresh(d).stage == 2
    covers = [
        q for q in captured.captured_queries if 'SELECT "disagreements_record"."covers"' in q["sql"]
    ]
    # Once for the page's two lists (what may be left out, what is still to record); once
    # each for the rule asked whether the page may open, for the rule as it acts (its
    # evidence and its form alike), and for the next stage's steps. The page builds no form
    # of its own for what was sent: the transition's reads it (forms.Sent).
    assert len(covers) == 4


def test_the_record_form_asks_which_milestones_it_meets_only_while_some_are_unmet(client):
    # Stoke-on-Trent's stage 1 milestone (raise the matter with the other practitioner) is
    # met by raising: nothing is left to ask. Stage 2's contact between agencies is.
    demo = build_partnership("stoke-on-trent")
    raiser = demo.ladder["csc"][0]
    d = transitions.raise_disagreement(raiser, raise_data(demo))
    client.force_login(raiser)
    assert "Milestones this discussion meets" not in client.get(url(d, "record")).text
    d = escalate(raiser, discuss(raiser, d))
    client.force_login(raiser.line_manager)
    page = client.get(url(d, "record")).text
    assert "Milestones this discussion meets" in page
    assert "Contact between the agencies" in page


def test_a_discussion_recorded_from_the_page_builds_its_form_once(client, monkeypatch):
    # The form's fields depend on the case (the people offered, the milestones left): the
    # transition builds it under the case's lock and reads what was sent into it; the page
    # builds it again only to show it once more, when the change is refused.
    demo, raiser, d = partnership_with_case()
    receiver = demo.ladder["police"][0]
    built = []
    original = forms.RecordForm.__init__

    def counted(self, *args, **kwargs):
        built.append(args[0])
        original(self, *args, **kwargs)

    monkeypatch.setattr(forms.RecordForm, "__init__", counted)
    client.force_login(raiser)
    response = post_record(client, d, [raiser, receiver], "Both sides set out their positions.")
    assert response.status_code == 302, response.text
    assert len(built) == 1
    assert fresh(d).records.get().participants.count() == 2
    built.clear()
    response = post_record(client, fresh(d), [raiser, receiver], "")
    assert response.status_code == 400
    assert "Enter a summary of the discussion" in response.text
    assert len(built) == 3  # the transition's, then the page's: unbound, and as typed


def test_an_escalation_without_its_reason_is_told_what_reason_is_missing(client):
    demo, raiser, d = partnership_with_case()
    d = discuss(raiser, d)
    client.force_login(raiser)
    response = client.post(url(d, "escalate"), {"version": d.version})
    assert response.status_code == 400
    assert 'href="#id_reason">Enter why it is being escalated</a>' in response.text
    assert "Why is it being escalated?" in response.text


def test_an_agencys_case_reference_once_added_is_on_the_case_page_with_the_subject(client):
    """Hillingdon: "place a copy on the child's record held by their agency": the
    reference an agency adds is read where the subject's identifiers are, not lost."""
    demo, raiser, d = partnership_with_case()
    client.force_login(raiser)
    page = client.get(f"/disagreements/{d.pk}/").text
    assert "CSC-2026-0042" not in page
    sent = client.post(
        url(d, "add-case-reference"), {"version": d.version, "reference": "CSC-2026-0042"}
    )
    assert sent.status_code == 302
    page = client.get(f"/disagreements/{d.pk}/").text
    subject = page[page.index('id="subject"') : page.index("</dl>", page.index('id="subject"'))]
    assert "Case references" in subject
    assert f"{raiser.agency.name}: CSC-2026-0042" in html.unescape(subject)
