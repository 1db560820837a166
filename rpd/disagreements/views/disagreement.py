"""The disagreement page: the address every email links to."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from rpd.pathways.calendar import today as london_today

from .. import access, presenters, transitions
from ..models import Status
from .common import case_or_404

# The buttons for the case as a whole, in the order a page shows them. Approving,
# correcting and completing are offered beside each record and action instead.
CASE_ACTIONS = [
    "record",
    "escalate",
    "refer",
    "resolve",
    "pause",
    "resume",
    "extend",
    "shorten",
    "hand_over",
    "withdraw",
]
BUTTON_TEXT = {
    "record": "Record a discussion",
    "refer": "Refer it on",
    "resolve": "Resolve the disagreement",
    "pause": "Pause the disagreement",
    "resume": "Resume the disagreement",
    "extend": "Extend the deadline",
    "shorten": "Set a shorter deadline",
    "hand_over": "Hand over",
    "withdraw": "Withdraw the disagreement",
}


def action_url(pk: int, name: str, **target) -> str:
    url = reverse("disagreements:act", args=[pk, name.replace("_", "-")])
    return f"{url}?{urlencode(target)}" if target else url


def button_text(name: str, d) -> str:
    if name == "escalate":
        return f"Escalate to stage {d.stage + 1}"
    return BUTTON_TEXT[name]


@login_required
@require_GET
def detail(request, pk: int):
    user = request.user
    d, episode, held = case_or_404(request, pk)
    # How much of the case this person may see is decided in access, nowhere else.
    sight = access.sight(user, d)
    today = london_today()
    episodes = list(
        d.episodes.select_related("raising_actor__agency", "receiving_actor__agency")
        .prefetch_related("milestones", "pauses", "extensions", "referrals")
        .order_by("number")
    )
    records = {}
    if sight.records:
        records = {
            r.pk: r
            for r in d.records.select_related("author", "approved_by", "supersedes")
            .prefetch_related("participants", "actions__owner")
            .order_by("occurred_at", "pk")
        }
    allowed = set(transitions.allowed(user, d))
    buttons = [
        {"name": name, "text": button_text(name, d), "url": action_url(d.pk, name)}
        for name in CASE_ACTIONS
        if name in allowed
    ]
    record_rows = []
    for r in records.values():
        latest = not hasattr(r, "superseded_by")
        record_rows.append(
            {
                "record": r,
                "latest": latest,
                "approve_url": action_url(d.pk, "approve", record=r.pk)
                if "approve" in allowed and latest and not r.is_approved
                else None,
                "correct_url": action_url(d.pk, "correct", record=r.pk)
                if "correct" in allowed and latest
                else None,
            }
        )
    actions = [a for a in presenters.open_actions(d) if sight.may_see_action(a)]
    action_rows = [
        {
            "action": a,
            "done_url": action_url(d.pk, "complete_action", action=a.pk)
            if "complete_action" in allowed and a.done_at is None
            else None,
        }
        for a in actions
    ]
    resolution = getattr(d, "resolution", None) if d.status == Status.RESOLVED else None
    calendar = d.partnership.working_calendar()
    return render(
        request,
        "disagreements/detail.html",
        {
            "d": d,
            "stage": d.pack.stage(d.stage),
            "episode": episode,
            "sight": sight,
            "due": presenters.due_in_words(d.status, d.next_due, today, calendar),
            "overdue": presenters.is_overdue(d.status, d.next_due, today),
            "capacities": presenters.capacity_words(held),
            "tracker": presenters.stage_tracker(d, episodes, today),
            "timeline": presenters.timeline(d, records, today) if sight.records else [],
            "records": record_rows,
            "actions": action_rows,
            "buttons": buttons,
            "resolution": resolution if sight.records else None,
            "led_by": d.pack.role(episode.led_by_role).name
            if episode is not None and episode.led_by_role
            else "",
        },
    )
