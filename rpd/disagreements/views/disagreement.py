"""The disagreement page: the address every email links to."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.db.models import prefetch_related_objects
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from rpd.pathways.calendar import today as london_today

from .. import deadlines, presenters, transitions
from ..models import Status
from .common import seen_or_404

# The buttons for the case as a whole, in the order a page shows them. Approving,
# correcting and completing are offered beside each record and action instead.
CASE_ACTIONS = [
    "record",
    "escalate",
    "fast_track",
    "raise_risk",
    "record_panel",
    "refer",
    "resolve",
    "decide_contested",
    "pause",
    "resume",
    "extend",
    "shorten",
    "name_receiver",
    "hand_over",
    "add_party",
    "add_case_reference",
    "withdraw",
]
BUTTON_TEXT = {
    "record": "Record a discussion",
    "fast_track": "Fast-track to a higher stage",
    "raise_risk": "Record a change of risk",
    "record_panel": "Record the panel's sitting",
    "refer": "Refer it on",
    "resolve": "Resolve the disagreement",
    "decide_contested": "Decide the contested resolution",
    "pause": "Pause the disagreement",
    "resume": "Resume the disagreement",
    "extend": "Extend the deadline",
    "shorten": "Set a shorter deadline",
    "name_receiver": "Name who holds the case",
    "hand_over": "Hand over",
    "add_party": "Copy in another agency",
    "add_case_reference": "Add your agency's case reference",
    "withdraw": "Withdraw the disagreement",
}


def action_url(pk: int, name: str, **target) -> str:
    url = reverse("disagreements:act", args=[pk, name.replace("_", "-")])
    return f"{url}?{urlencode(target)}" if target else url


def button_text(name: str, d) -> str:
    if name == "escalate":
        return f"Escalate to stage {d.stage + 1}"
    return BUTTON_TEXT[name]


def _links(d, name: str, target: str, pks) -> dict[int, str]:
    """Each target's address for transition `name`: the page's address is worked out once
    (reverse is slow enough to matter fifty times over)."""
    base = action_url(d.pk, name)
    return {pk: f"{base}?{urlencode({target: pk})}" for pk in pks}


# The other things a person may do on the case, grouped below it, in the order shown.
GROUPS = [
    (
        "Move it on",
        [
            "decide_contested",
            "record",
            "escalate",
            "fast_track",
            "record_panel",
            "refer",
            "resolve",
        ],
    ),
    ("Deadlines", ["pause", "resume", "extend", "shorten"]),
    ("Risk, people and agencies", ["raise_risk", "hand_over", "add_party", "add_case_reference"]),
    ("Withdraw it", ["withdraw"]),
]
# A step held back by what the stage lacks says why, where that tells the reader what to do.
SAY_WHY = ("record", "resolve", "escalate")


def case_buttons(d, allowed) -> list[dict]:
    """The buttons for the case as a whole, as the button group takes them: withdrawing
    is a warning, the rest secondary (the one step that is the reader's is the banner's)."""
    buttons = []
    for name in CASE_ACTIONS:
        if name not in allowed:
            continue
        buttons.append(
            {
                "text": button_text(name, d),
                "href": action_url(d.pk, name),
                "variant": "warning" if name == "withdraw" else "secondary",
            }
        )
    return buttons


def action_groups(d, allowed, held_back: dict[str, str]) -> list[dict]:
    """`case_buttons` in their groups, with why a step the stage is not ready for is not
    offered (`held_back`: transition to the rule's refusal)."""
    groups = []
    for heading, names in GROUPS:
        buttons = case_buttons(d, [n for n in names if n in allowed])
        why = [f"{button_text(n, d)}: {held_back[n]}." for n in names if n in held_back]
        if buttons or why:
            groups.append({"heading": heading, "buttons": buttons, "why": why})
    return groups


def next_step_banner(d, step, due: str) -> dict | None:
    """The reader's own next step, with its date and a link to take it; None when the
    case waits for someone else (the page then says for whom)."""
    if not step.mine:
        return None
    target = {"record": step.target} if step.target else {}
    return {
        "heading": f"{step.what}.",
        "text": _date_sentence(due),
        "href": action_url(d.pk, step.name, **target),
        # The step's own words, else its button's ("Do it now" said nothing, a try-out).
        "link": NEXT_LINK.get(step.name) or button_text(step.name, d),
    }


def _date_sentence(due: str) -> str:
    """The case's date (`presenters.due_in_words`) as a sentence of the banner."""
    if due.startswith("due"):
        return f"It is {due}."
    if due.startswith("review"):
        return f"{due[0].upper()}{due[1:]}."  # "Review overdue since ..."
    return f"The case is {due}."


VERBS = {
    "confirm_resolution": "Confirm the resolution",
    "contest_resolution": "Contest the resolution",
}
NEXT_LINK = {
    "confirm_resolution": "Confirm or contest the resolution",
    "decide_contested": "Decide the contested resolution",
    "record": "Record the discussion",
    "approve": "Read and approve the record",
    "escalate": "Escalate it",
    "resolve": "Resolve it",
    "refer": "Refer it on",
    "resume": "Resume it",
    "submit_form": "Submit the form",
}


@login_required
@require_GET
def detail(request, pk: int):
    user = request.user
    # How much of the case this person may see is decided in access, nowhere else.
    d, episode, held, sight, episodes = seen_or_404(request, pk)
    today = london_today()
    prefetch_related_objects(episodes, "milestones")
    top = transitions.referred_from(d, episodes)
    prefetch_related_objects(top, "referrals__by")
    # The standing case_or_404 read: asking again would repeat its queries.
    known = (episode, held)
    allowed = set(transitions.allowed(user, d, known))
    held_back = transitions.held_back(user, d, known, SAY_WHY)
    steps = d.next_steps
    step = presenters.next_step(steps, user, presenters.people_named([steps]))
    # Only what the page shows of each record: its participants and actions are not (the
    # actions are listed once, from presenters.open_actions).
    # The history names the people who acted: read with the records' authors, at once.
    events = presenters.history(d) if sight.records else []
    records, people = (
        transitions.records_of(d, {e.actor_id for e in events}) if sight.records else ([], {})
    )
    # Which records and actions to offer each step on is the transitions' own rules,
    # asked about all of them at once.
    approve, correct, account = (
        _links(d, name, "record", transitions.allowed_on(user, d, known, name, records))
        for name in ("approve", "correct", "add_account")
    )
    actions = [a for a in presenters.open_actions(d) if sight.may_see_action(a)]
    done = _links(
        d,
        "complete_action",
        "action",
        transitions.allowed_on(user, d, known, "complete_action", actions),
    )
    hand_over, move = (
        _links(d, name, "action", transitions.allowed_on(user, d, known, name, actions))
        for name in ("hand_over_action", "move_action")
    )
    resolution = getattr(d, "resolution", None) if d.status == Status.RESOLVED else None
    confirming = [
        {"text": VERBS[name], "href": action_url(d.pk, name), "variant": variant}
        for name, variant in (("confirm_resolution", ""), ("contest_resolution", "secondary"))
        if resolution and transitions.allowed_on(user, d, known, name, [resolution])
    ]
    calendar = d.partnership.working_calendar()
    led_by = (
        d.pack.role(episode.led_by_role).name if episode is not None and episode.led_by_role else ""
    )
    copied = d.copied_agencies.select_related("agency", "person") if sight.outcome else []
    timeline = presenters.timeline(events, {r.pk: r for r in records}, people, today)
    due = presenters.due_in_words(d.status, d.next_due, today, calendar, d.next_due_is_review)
    first = deadlines.first(d, episode)
    # The one due date the lists, the stage and the feed show, named for what it is (a
    # review date says so in its own words: "to be reviewed by").
    named = first and d.status == Status.OPEN and not d.next_due_is_review
    due_what = deadlines.what(d, episode, first) if named else ""
    return render(
        request,
        "disagreements/detail.html",
        {
            "d": d,
            "stage": d.pack.stage(d.stage),
            "sight": sight,
            "due": due,
            "due_what": due_what,
            "next_step": step,
            "banner": next_step_banner(d, step, due),
            "overdue": presenters.is_overdue(d.status, d.next_due, today),
            "capacities": presenters.capacity_words(held),
            "tracker": presenters.stage_tracker(d, episodes, today),
            "timeline": [entry.as_item() for entry in timeline],
            "records": records,
            "cards": presenters.record_cards(
                records, approve, correct, account, presenters.accounts_of(d) if records else {}
            ),
            "steps_waiting": bool(steps) and not step.mine,
            "confirming": confirming,
            "actions": presenters.action_table(actions, done, hand_over, today, move),
            "groups": action_groups(d, allowed, held_back),
            # The texts of the case are its records: only for those who see it whole.
            "summary": presenters.summary_rows(d, sight.records),
            "subject": presenters.subject_rows(d, sight.subject),
            "parties": presenters.party_rows(d, episode, led_by, copied),
            # How it ended, where it was referred on and the recommendation made
            # ("communicated to all involved"): free text about the case, so only with sight
            # of its outcome (the whole case, or an agency copied in).
            "referrals": [presenters.referral_rows(r) for e in top for r in e.referrals.all()]
            if sight.outcome
            else [],
            "resolution": presenters.resolution_rows(resolution, d)
            if resolution and sight.outcome
            else [],
            "contested": presenters.contested_rows(d) if sight.outcome else [],
        },
    )
