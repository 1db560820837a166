"""A private calendar feed of the deadlines a person owns, for their own calendar app.

The address carries a random token (`CalendarFeed`): calendar apps cannot sign
in, so whoever holds the address sees that person's deadlines, and nothing
else. Each deadline is an all-day event whose UID stays the same while its
date moves (pause, resume, extension), so a subscribed calendar moves the
event rather than adding another. Events name the reference, the stage and
the deadline, and link to the disagreement: never the subject's name, and no
free text (an action's wording may carry it). Which deadlines there are is
`rpd.disagreements.deadlines`' answer, the same the sweep gives.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from urllib.parse import urlparse

from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch, Q
from django.utils import timezone
from icalendar import Calendar, Event

from rpd.audit import log as audit
from rpd.disagreements import deadlines as due_dates
from rpd.disagreements.deadlines import Deadline
from rpd.disagreements.models import LIVE, Milestone, Pause, StageEpisode
from rpd.people.models import User

from . import outbox
from .models import CalendarFeed


def feed_url(user: User) -> str:
    """The person's private feed address, made on first use."""
    feed, _ = CalendarFeed.objects.get_or_create(user=user)
    return outbox.link(f"/calendar/{feed.token}.ics")


def new_feed_url(user: User) -> str:
    """A fresh address, for when the old one may have been shared: the old one stops working."""
    with transaction.atomic():
        CalendarFeed.objects.filter(user=user).delete()
        url = feed_url(user)
        # The address itself is a secret and stays out of the log.
        audit.append(
            action="calendar_feed.renewed",
            target=audit.user_target(user),
            actor=user,
            # A person's own setting, in no one partnership (their agency may serve several).
            partnership_id=None,
        )
    return url


def user_for_token(token: str) -> User | None:
    """The active person whose feed this is, or None."""
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(token=token, user__is_active=True)
        .first()
    )
    return feed.user if feed is not None else None


@dataclass(frozen=True)
class Entry:
    uid: str
    summary: str
    due: datetime.date
    description: str
    url: str
    modified: datetime.datetime


def deadlines(user: User) -> list[Entry]:
    """What `user` owns: the deadlines of each disagreement's current stage where they act
    (`rpd.disagreements.deadlines`: the stage's due date, unmet milestones and the overall
    cap, or the expected resume date while paused), and the agreed actions they own that
    are not done, whatever their disagreement's status."""
    host = urlparse(settings.RPD_BASE_URL).hostname or "rpd"
    entries: list[Entry] = []

    def entry(deadline: Deadline, d, summary: str, first_line: str) -> Entry:
        link = outbox.disagreement_link(d)
        return Entry(
            f"rpd-{deadline.kind}-{deadline.row.pk}@{host}",
            summary,
            deadline.due,
            f"{first_line}\n"
            f"Raising agency: {d.raising_agency.name}\n"
            f"Receiving agency: {d.receiving_agency.name}\n"
            f"Open it: {link}",
            link,
            d.updated_at,
        )

    episodes = (
        StageEpisode.objects.filter(
            Q(raising_actor=user) | Q(receiving_actor=user),
            ended_at__isnull=True,
            disagreement__status__in=LIVE,
        )
        .select_related(
            "disagreement__pathway",
            "disagreement__raising_agency",
            "disagreement__receiving_agency",
        )
        .prefetch_related(
            Prefetch("milestones", Milestone.objects.filter(met_at__isnull=True), "unmet"),
            Prefetch("pauses", Pause.objects.filter(resumed_on__isnull=True), "open_pauses"),
        )
        .order_by("due", "pk")
    )
    for episode in episodes:
        d = episode.disagreement
        stage = d.pack.stage(episode.number)
        found = due_dates.deadlines(
            d,
            episode,
            milestones=episode.unmet,
            pause=episode.open_pauses[0] if episode.open_pauses else None,
        )
        for deadline in found:
            if not deadline.owned_by(episode, user.pk):
                continue  # the other side's step (a milestone's `by`)
            what = due_dates.what(d, episode, deadline)
            summary = f"{d.reference}, stage {stage.number} ({stage.name}): {what}"
            first_line = f"{what[:1].upper()}{what[1:]}, {d.reference}, stage {stage.number}."
            entries.append(entry(deadline, d, summary, first_line))
    actions = (
        due_dates.open_actions()
        .filter(owner=user)
        .select_related(
            "record__episode",
            "record__disagreement__pathway",
            "record__disagreement__raising_agency",
            "record__disagreement__receiving_agency",
        )
        .order_by("due", "pk")
    )
    for action in actions:
        d = action.record.disagreement
        deadline = due_dates.action_deadline(action)
        entries.append(
            entry(
                deadline,
                d,
                f"{d.reference}, stage {d.stage}: agreed action due",
                f"An action you own, agreed at stage {deadline.stage} of {d.reference}.",
            )
        )
    return sorted(entries, key=lambda e: (e.due, e.uid))


def feed_for(user: User) -> bytes:
    """The iCalendar text of `user`'s deadlines."""
    calendar = Calendar()
    calendar.add("prodid", "-//Resolving Professional Differences//Deadlines//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "Disagreement deadlines")
    calendar.add("x-wr-timezone", "Europe/London")
    # Calendar apps poll the address; an hour keeps them close without hammering it.
    calendar.add("refresh-interval", datetime.timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    stamp = timezone.now()
    for item in deadlines(user):
        event = Event()
        event.add("uid", item.uid)
        event.add("dtstamp", stamp)
        event.add("last-modified", item.modified)
        # All-day: a deadline is a day (the end of it), not a time.
        event.add("dtstart", item.due)
        event.add("dtend", item.due + datetime.timedelta(days=1))
        event.add("summary", item.summary)
        event.add("description", item.description)
        event.add("url", item.url)
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    return calendar.to_ical()
