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
    "fast_track",
    "raise_risk",
    "record_panel",
    "refer",
    "resolve",
    "pause",
    "resume",
    "extend",
    "shorten",
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
    "pause": "Pause the disagreement",
    "resume": "Resume the disagreement",
    "extend": "Extend the deadline",
    "shorten": "Set a shorter deadline",
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
        # Only what the page shows of each record: its participants and actions are not
        # (the actions are listed once, from presenters.open_actions).
        records = {
            r.pk: r
            for r in d.records.select_related("author", "approved_by", "supersedes").order_by(
                "occurred_at", "pk"
            )
        }
    # The standing case_or_404 read: asking again would repeat its queries.
    allowed = set(transitions.allowed(user, d, (episode, held)))
    buttons = [
        {"name": name, "text": button_text(name, d), "url": action_url(d.pk, name)}
        for name in CASE_ACTIONS
        if name in allowed
    ]
    # A correction is a record of the same disagreement: which ones are superseded is read
    # from the records already loaded, not asked of each record.
    superseded = {r.supersedes_id for r in records.values() if r.supersedes_id}
    record_rows = []
    for r in records.values():
        latest = r.pk not in superseded
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
            "hand_over_url": action_url(d.pk, "hand_over_action", action=a.pk)
            if "hand_over_action" in allowed and a.done_at is None
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
            # How it ended, where it was referred on and the recommendation made
            # ("communicated to all involved"): free text about the case, so only with sight
            # of its outcome (the whole case, or an agency copied in).
            "resolution": resolution if sight.outcome else None,
            "referrals": [r for e in episodes for r in e.referrals.all()] if sight.outcome else [],
            "copied": d.copied_agencies.select_related("agency", "person") if sight.outcome else [],
            "led_by": d.pack.role(episode.led_by_role).name
            if episode is not None and episode.led_by_role
            else "",
        },
    )
