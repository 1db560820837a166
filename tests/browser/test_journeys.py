"""The journeys of issue 9 in Debian's Chromium: each page axe-clean at 1280 and 320 px,
each journey with JavaScript on and again with it off, one by keyboard alone.

People sign in through the real sign-in page once per journey that is about signing in;
elsewhere a session made by Django's test client is handed to the browser, so that the
time goes on the pages the journey is about. Steps a journey is not about are built with
the back-end API (tests/disagreements/helpers.py).
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.test import Client
from django.utils import timezone

from rpd.disagreements import transitions
from rpd.disagreements.models import Disagreement, Record, Status
from rpd.notifications.worker import deliver_batch
from rpd.people.demo import DEMO_PASSWORD, build_partnership
from rpd.people.models import User
from tests.browser.conftest import _close as close_page
from tests.browser.conftest import _page as open_page
from tests.disagreements.helpers import (
    approver_for,
    discuss,
    escalate,
    fresh,
    raise_data,
    send_forms,
    soon,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("no_second_factor"),
]

SOON = soon()


class Walk:
    """One person's way through the pages: every page they land on is checked."""

    def __init__(self, page, page_check, server, journey: str):
        self.page, self.check, self.server, self.journey = page, page_check, server, journey
        self.seen: list[str] = []
        # Playwright's own 30 s: a page that takes ten on a machine busy with other work is
        # slow, not wrong (a busier run timed out waiting on one at 10 s).
        page.set_default_timeout(30_000)

    def look(self, name: str) -> None:
        self.seen.append(name)
        self.check(self.page, f"{self.journey}-{name}")

    def go(self, path: str, name: str):
        response = self.page.goto(self.server.url + path)
        self.look(name)
        return response

    def press(self, text: str, name: str) -> None:
        with self.page.expect_navigation():
            self.page.get_by_role("button", name=text, exact=True).click()
        self.look(name)

    def follow(self, text: str, name: str) -> None:
        with self.page.expect_navigation():
            # A link, or a link drawn as a button (GOV.UK's start and action buttons).
            self.page.locator("main a, header a").filter(has_text=text).first.click()
        self.look(name)

    def main(self) -> str:
        return self.page.locator("main").inner_text()

    def h1(self) -> str:
        return self.page.locator("h1").inner_text()


def sign_in(page, server, user) -> None:
    """Hand the browser a session for `user` (the sign-in page has its own journeys)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    page.context.clear_cookies()
    page.context.add_cookies(
        [{"name": cookie.key, "value": cookie.value, "url": server.url, "httpOnly": True}]
    )


def sign_in_by_page(walk: Walk, user) -> None:
    walk.go("/accounts/login/", "sign-in")
    walk.page.get_by_label("Email").fill(user.email)
    walk.page.get_by_label("Password").fill(DEMO_PASSWORD)
    walk.press("Sign in", "signed-in")


def fill_date(page, field: str, day: datetime.date) -> None:
    """The GOV.UK date input: day, month and year boxes."""
    for part in ("day", "month", "year"):
        page.locator(f"#id_{field}_{part}").fill(str(getattr(day, part)))


def stoke():
    return build_partnership("stoke-on-trent")


def raised(demo, **overrides):
    return transitions.raise_disagreement(demo.ladder["csc"][0], raise_data(demo, **overrides))


# -- Raising --------------------------------------------------------------------------------


def choose_person(page, name: str, person, id: str = "") -> None:
    """A person picker (its select's `id`, else Django's for the field `name`): typed into
    and chosen from where JavaScript narrows it as you type, else its select."""
    id = id or f"id_{name}"
    picker = page.locator(f"#{id}-select")
    if picker.count():
        page.locator(f"#{id}").fill(person.display_name)
        page.locator(".autocomplete__option").first.click()
    else:
        page.locator(f"select[name={name}]").select_option(str(person.pk))


def answer_raise_questions(walk: Walk, demo, fast_track: bool = False) -> None:
    page = walk.page
    pack = demo.partnership.pathway_entry().pack
    walk.follow("Raise a disagreement", "immediate-risk")
    page.get_by_label("No", exact=True).check()
    assert page.get_by_label("No", exact=True).is_checked()
    walk.press("Continue", "practice")
    page.get_by_label("Another agency's decision", exact=False).check()
    # Stoke-on-Trent's pathway is for children: it does not ask whom it is about.
    walk.press("Continue", "subject")
    page.get_by_label("Given name").fill("Robin")
    page.get_by_label("Family name").fill("Testchild")
    walk.press("Continue", "agency")
    page.get_by_label("Which agency do you disagree with?").select_option(
        str(demo.agencies["police"].pk)
    )
    walk.press("Continue", "professional")
    choose_person(page, "receiving_professional", demo.ladder["police"][0])
    walk.press("Continue", "challenged")
    page.get_by_label("A decision").check()
    fill_date(page, "challenged_on", datetime.date(2026, 1, 5))
    walk.press("Continue", "categories")
    page.get_by_label(pack.categories[0].name, exact=True).check()
    walk.press("Continue", "summary")
    page.get_by_label("What happened, and why do you disagree?").fill(
        "Referral closed at the front door; three bruises seen in four weeks."
    )
    page.get_by_label("What outcome are you seeking?").fill("A strategy discussion")
    walk.press("Continue", "risk")
    page.get_by_label("High").check()
    walk.press("Continue", "tried")
    walk.press("Continue", "start")
    if fast_track:
        page.get_by_label("Stage 3:").check()
        page.get_by_label("Why must it start above stage 1?").fill(
            "Three injuries in a month: it needs Head of Service level now."
        )
    walk.press("Continue", "check")
    assert "Check your answers" in walk.h1()
    walk.press("Raise the disagreement", "raised")


def test_a_practitioner_raises_a_disagreement(live_server, any_page, page_check):
    demo = stoke()
    raiser = demo.ladder["csc"][0]
    walk = Walk(any_page, page_check, live_server, "raise")
    sign_in_by_page(walk, raiser)
    answer_raise_questions(walk, demo)
    d = Disagreement.objects.get()
    assert "Disagreement raised" in walk.main() and d.reference in walk.main()
    assert (d.raised_by, d.stage) == (raiser, 1)
    walk.follow("My work", "my-work")
    assert d.reference in walk.main()


def test_a_fast_track_raise_starts_at_stage_3(live_server, any_page, page_check):
    demo = stoke()
    walk = Walk(any_page, page_check, live_server, "fast-track")
    sign_in(any_page, live_server, demo.ladder["csc"][0])
    walk.go("/", "my-work")
    answer_raise_questions(walk, demo, fast_track=True)
    d = Disagreement.objects.get()
    assert d.stage == 3
    episode = d.current_episode()
    assert episode.raising_actor == demo.ladder["csc"][2]


# -- Responding, approving, escalating -------------------------------------------------------


def record_discussion(walk: Walk, d, people, outcome="Unresolved: needs escalating"):
    page = walk.page
    walk.follow("Record a discussion", "record")
    page.get_by_label("Meeting").check()
    # The date's boxes and the time's (hour, minute), as GOV.UK draws a date.
    when = timezone.localtime() - datetime.timedelta(hours=1)
    for part in ("day", "month", "year", "hour", "minute"):
        page.locator(f"#id_occurred_at_{part}").fill(str(getattr(when, part)))
    for person in people:
        # Each reads "name, job title, team, agency", so the same name in two places differs.
        page.get_by_label(f"{person.display_name}, {person.job_title}, ").check()
    page.get_by_label("Summary").fill("Both positions and the evidence were set out.")
    page.get_by_label(outcome).check()
    for box in page.locator("input[name=covers]").all():
        box.check()
    walk.press("Record a discussion", "recorded")
    assert "Discussion recorded." in walk.main()


def test_the_receiver_responds_and_records_a_discussion(live_server, any_page, page_check):
    demo = stoke()
    d = raised(demo)
    receiver = demo.ladder["police"][0]
    walk = Walk(any_page, page_check, live_server, "respond")
    sign_in(any_page, live_server, receiver)
    walk.go("/", "my-work")
    walk.follow(d.reference, "disagreement")
    record_discussion(walk, d, [demo.ladder["csc"][0], receiver], outcome="Still being discussed")
    record = Record.objects.get()
    assert record.author == receiver and not record.is_approved


def test_a_record_is_approved(live_server, any_page, page_check):
    demo = stoke()
    d = raised(demo)
    receiver = demo.ladder["police"][0]
    d = discuss(receiver, d, approve=False)
    record = Record.objects.get()
    walk = Walk(any_page, page_check, live_server, "approve")
    # The officer's sergeant is the one told, and the case page leads with it.
    sign_in(any_page, live_server, approver_for(receiver, d))
    walk.go(f"/disagreements/{d.pk}/", "disagreement")
    banner = any_page.locator("#next-step").inner_text()
    assert "What you need to do next" in banner and "You must approve the record" in banner
    walk.follow("Read and approve the record", "approve")
    walk.press("Approve a record", "approved")
    assert "Record approved." in walk.main()
    record.refresh_from_db()
    assert record.approved_by == approver_for(receiver, d)


def test_both_managers_take_it_to_stage_3(live_server, any_page, page_check):
    demo = stoke()
    raiser = demo.ladder["csc"][0]
    d = discuss(raiser, raised(demo))
    d = escalate(raiser, d)
    raising_manager, receiving_manager = demo.ladder["csc"][1], demo.ladder["police"][1]
    # The raising side's manager records the stage 2 discussion in the browser...
    walk = Walk(any_page, page_check, live_server, "stage-3")
    sign_in(any_page, live_server, raising_manager)
    walk.go(f"/disagreements/{d.pk}/", "stage-2")
    record_discussion(walk, d, [raising_manager, receiving_manager])
    d = fresh(d)
    record = d.records.latest("pk")
    transitions.perform(
        "approve", approver_for(raising_manager, d), d.pk, d.version, {"record": record.pk}
    )
    # ...and the receiving side's manager escalates it.
    sign_in(any_page, live_server, receiving_manager)
    walk.go(f"/disagreements/{d.pk}/", "stage-2-approved")
    walk.follow("Escalate to stage 3", "escalate")
    any_page.get_by_label("Why is it being escalated?").fill(
        "Still unresolved between the line managers"
    )
    walk.press("Escalate to stage 3", "escalated")
    assert "Escalated." in walk.main()
    assert fresh(d).stage == 3


# -- Pausing, extending, resolving -----------------------------------------------------------


def test_a_disagreement_is_paused_and_resumed(live_server, any_page, page_check):
    demo = stoke()
    d = raised(demo)
    walk = Walk(any_page, page_check, live_server, "pause")
    sign_in(any_page, live_server, demo.ladder["csc"][0])
    walk.go(f"/disagreements/{d.pk}/", "open")
    walk.follow("Pause the disagreement", "pause")
    any_page.get_by_label("Why is it being paused?").fill("Waiting for the strategy meeting")
    fill_date(any_page, "expected_resume", SOON)
    walk.press("Pause the disagreement", "paused")
    assert "Paused." in walk.main() and fresh(d).status == Status.PAUSED
    walk.follow("Resume the disagreement", "resume")
    walk.press("Resume the disagreement", "resumed")
    assert "Resumed." in walk.main() and fresh(d).status == Status.OPEN


def test_the_deadline_is_extended(live_server, any_page, page_check):
    demo = stoke()
    d = raised(demo)
    receiver = demo.ladder["police"][0]
    new_due = fresh(d).current_episode().due + datetime.timedelta(days=7)
    while new_due.weekday() >= 5:
        new_due += datetime.timedelta(days=1)
    walk = Walk(any_page, page_check, live_server, "extend")
    sign_in(any_page, live_server, demo.ladder["csc"][0])
    walk.go(f"/disagreements/{d.pk}/", "open")
    walk.follow("Extend the deadline", "extend")
    choose_person(any_page, "asked_by", receiver)
    any_page.get_by_label("Reason").fill("The police need a week to review the file")
    fill_date(any_page, "new_due", new_due)
    walk.press("Extend the deadline", "extended")
    assert "Deadline extended." in walk.main()
    assert fresh(d).current_episode().due == new_due


def test_a_resolution_with_feedback(live_server, any_page, page_check):
    demo = stoke()
    raiser = demo.ladder["csc"][0]
    d = discuss(raiser, raised(demo), outcome="resolved")
    walk = Walk(any_page, page_check, live_server, "resolve")
    sign_in(any_page, live_server, demo.ladder["police"][0])
    walk.go(f"/disagreements/{d.pk}/", "open")
    walk.follow("Resolve the disagreement", "resolve")
    any_page.get_by_label("Agreed outcome").fill("A home visit this week")
    any_page.get_by_label("Next steps").fill("The social worker visits on Thursday")
    any_page.get_by_label("Written confirmation to all parties").fill("Emailed to both")
    any_page.get_by_label("Feedback to the practitioner who raised it").fill(
        "Your challenge was right: the referral is reopened."
    )
    # One question, its answers the kinds of learning (three unlabelled boxes before).
    learning = any_page.get_by_role(
        "group", name="Should the partnership consider learning from it?"
    )
    learning.get_by_label("A case review").check()
    walk.press("Resolve the disagreement", "resolved")
    assert "Resolved" in walk.main()
    d = fresh(d)
    assert d.status == Status.RESOLVED
    assert d.resolution.feedback_to_raiser.startswith("Your challenge was right")
    assert d.resolution.learning_case_review and not d.resolution.learning_multi_agency_audit
    # The raiser reads the feedback on the case, and is asked to confirm the resolution:
    # the police resolved it, so social care confirms it in writing.
    sign_in(any_page, live_server, raiser)
    walk.go(f"/disagreements/{d.pk}/", "raiser-reads")
    assert "Your challenge was right" in walk.main()
    assert "You must confirm the resolution, or contest it" in walk.main()
    walk.follow("Confirm or contest the resolution", "confirm")
    walk.press("Confirm the resolution", "confirmed")
    assert "Resolution confirmed." in walk.main()
    assert fresh(d).resolution.confirmed_by == raiser
    # Closed, it leaves My work for the list of closed disagreements.
    walk.go("/", "raiser-my-work")
    assert d.reference not in walk.main()
    walk.follow("Closed disagreements", "closed")
    assert d.reference in walk.main() and "Resolved" in walk.main()


# -- Notices, sight, conflicts --------------------------------------------------------------


def test_a_notice_emails_link_opens_the_disagreement(live_server, any_page, page_check, settings):
    settings.RPD_BASE_URL = live_server.url
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    demo = stoke()
    d = raised(demo)
    receiver = demo.ladder["police"][0]
    deliver_batch("journeys")
    to_receiver = [m for m in mail.outbox if receiver.email in m.to]
    assert to_receiver, [m.to for m in mail.outbox]
    link = re.search(re.escape(live_server.url) + r"/disagreements/\d+/", to_receiver[0].body)
    assert link, to_receiver[0].body
    walk = Walk(any_page, page_check, live_server, "notice")
    sign_in(any_page, live_server, receiver)
    walk.go(link.group(0).removeprefix(live_server.url), "disagreement")
    assert d.reference in walk.h1() or d.reference in walk.main()


def test_someone_not_party_to_it_gets_page_not_found(live_server, any_page, page_check):
    demo = stoke()
    d = raised(demo)
    walk = Walk(any_page, page_check, live_server, "outsider")
    sign_in(any_page, live_server, demo.outsider)
    response = walk.go(f"/disagreements/{d.pk}/", "not-found")
    assert response.status == 404
    assert walk.h1() == "Page not found"
    assert d.reference not in walk.main()


def test_two_people_send_the_same_step_at_once(live_server, any_page, page_check):
    demo = stoke()
    d = raised(demo)
    raiser, receiver = demo.ladder["csc"][0], demo.ladder["police"][0]
    # A second person's own browser, set up as the fixtures set up theirs.
    other_context, other = open_page(any_page.rpd_browser, any_page.rpd_javascript)
    try:
        first = Walk(any_page, page_check, live_server, "conflict-first")
        second = Walk(other, page_check, live_server, "conflict-second")
        sign_in(any_page, live_server, raiser)
        sign_in(other, live_server, receiver)
        for walk in (first, second):
            walk.go(f"/disagreements/{d.pk}/pause/", "pause")
            walk.page.get_by_label("Why is it being paused?").fill(f"Typed by {walk.journey}")
            fill_date(walk.page, "expected_resume", SOON)
        # Both opened the page on the same version; each presses in turn (the row lock
        # that orders truly simultaneous sends is tested in tests/disagreements/
        # test_concurrency.py on PostgreSQL: the test database here is SQLite in memory,
        # whose shared-cache table locks fail at once instead of waiting).
        for walk in (first, second):
            with walk.page.expect_navigation():
                walk.page.get_by_role("button", name="Pause the disagreement").click()
        texts = {w.journey: w.main() for w in (first, second)}
        winners = [j for j, t in texts.items() if "Paused." in t]
        losers = [j for j, t in texts.items() if "Someone changed this since you opened it" in t]
        assert len(winners) == 1 and len(losers) == 1, texts
        loser = first if losers == ["conflict-first"] else second
        assert (
            loser.page.get_by_label("Why is it being paused?").input_value()
            == f"Typed by {loser.journey}"
        )
        # What changed names the person who did it, as people know them.
        winner_person = raiser if loser is second else receiver
        assert f"{winner_person.display_name} paused the disagreement" in loser.main()
        loser.look("conflict")
        winner = second if loser is first else first
        winner.look("won")
        assert fresh(d).status == Status.PAUSED
    finally:
        close_page(other_context, other)


# -- Signing in -------------------------------------------------------------------------------


def totp_now(secret: str) -> str:
    """The code the authenticator app shows now. Not the first of the counters allauth
    accepts (the previous 30 seconds', under MFA_TOTP_TOLERANCE): typed just as the
    period turned over, that one is refused by the time the page is sent, and the journey
    failed as often as the machine was slow at the turn of a period."""
    import time

    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return format_hotp_value(hotp_value(secret, int(time.time()) // app_settings.TOTP_PERIOD))


def test_signing_in_sets_up_an_authenticator_app(live_server, any_page, page_check, settings):
    settings.RPD_REQUIRE_MFA = True
    demo = stoke()
    person = demo.ladder["csc"][0]
    walk = Walk(any_page, page_check, live_server, "totp")
    sign_in_by_page(walk, person)
    assert walk.h1() == "Set up your authenticator app"
    secret = any_page.locator("#authenticator_secret").input_value()
    any_page.get_by_label("Authenticator code").fill(totp_now(secret))
    walk.press("Turn on", "turned-on")
    # Signed in with a second factor now: the service's pages open.
    walk.go("/", "my-work")
    assert walk.h1() == "My work"
    from allauth.mfa.utils import is_mfa_enabled

    assert is_mfa_enabled(person)


def test_the_demo_sign_in_page_signs_in_as_a_demo_person(
    live_server, any_page, page_check, settings
):
    settings.RPD_DEMO, settings.RPD_DEVELOPMENT = True, True
    demo = build_partnership("jersey")
    person = demo.ladder["police"][0]
    walk = Walk(any_page, page_check, live_server, "demo")
    walk.go("/accounts/login/", "sign-in")
    walk.press(f"Sign in as {person.display_name}", "signed-in")
    assert walk.h1() == "My work"


# -- Keyboard alone -------------------------------------------------------------------------


def _focused(page) -> str:
    return page.evaluate(
        """() => {
          const e = document.activeElement;
          if (!e || e === document.body) return '';
          if (e.labels && e.labels.length) return e.labels[0].innerText.trim();
          return (e.innerText || e.value || '').trim();
        }"""
    )


def tab_to(page, text: str, limit: int = 120) -> None:
    """Tab until the focused control is named `text`, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if _focused(page).startswith(text):
            return
    raise AssertionError(f"{text!r} cannot be reached with the Tab key")


class KeyWalk(Walk):
    def press(self, text: str, name: str) -> None:
        tab_to(self.page, text)
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")
        self.look(name)

    follow = press

    def type(self, label: str, text: str) -> None:
        tab_to(self.page, label)
        self.page.keyboard.type(text)

    def tick(self, label: str) -> None:
        tab_to(self.page, label)
        self.page.keyboard.press("Space")

    def choose(self, first: str, steps: int = 0) -> None:
        """A radio group: Tab lands on its first option; arrows move to the one wanted."""
        tab_to(self.page, first)
        self.page.keyboard.press("Space")
        for _ in range(steps):
            self.page.keyboard.press("ArrowDown")


def test_raising_by_keyboard_alone(live_server, page, page_check):
    demo = stoke()
    pack = demo.partnership.pathway_entry().pack
    police = demo.agencies["police"]
    walk = KeyWalk(page, page_check, live_server, "keyboard")
    sign_in(page, live_server, demo.ladder["csc"][0])
    walk.go("/", "my-work")
    walk.follow("Raise a disagreement", "immediate-risk")
    walk.choose("Yes", steps=1)
    walk.press("Continue", "practice")
    walk.choose("A person's unsafe practice, or whistleblowing", steps=1)
    walk.press("Continue", "subject")
    walk.type("Given name", "Robin")
    walk.type("Family name", "Testchild")
    walk.press("Continue", "agency")
    # Typing into a closed select picks the first option starting so (a space would open it).
    walk.type("Which agency", police.name.split()[0])
    walk.press("Continue", "professional")
    # The list narrows as they type; a keyboard user moves down to the name and chooses it
    # (leaving the box never picks for them).
    walk.type("Who in that agency", demo.ladder["police"][0].first_name)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    walk.press("Continue", "challenged")
    walk.choose("A decision")
    walk.type("Day", "5")
    walk.type("Month", "1")
    walk.type("Year", "2026")
    walk.press("Continue", "categories")
    walk.tick(pack.categories[0].name)
    walk.press("Continue", "summary")
    walk.type("What happened", "Closed at the front door; three bruises in four weeks.")
    walk.type("What outcome", "A strategy discussion")
    walk.press("Continue", "risk")
    walk.choose("Low", steps=2)
    walk.press("Continue", "tried")
    walk.press("Continue", "start")
    walk.press("Continue", "check")
    walk.press("Raise the disagreement", "raised")
    d = Disagreement.objects.get()
    assert d.reference in walk.main()
    assert (d.receiving_agency, d.risk, d.subject.given_name) == (police, "high", "Robin")


# -- The partnership's form ------------------------------------------------------------------


def test_the_partnerships_form_is_completed_after_a_stale_send(live_server, any_page, page_check):
    """Stoke-on-Trent stage 3 sends the partnership its form: the senior manager fills in
    what the record lacks; someone records a discussion meanwhile, so the first send is
    stale and says what changed, keeping what was typed; the second goes."""
    from rpd.disagreements import formsubmissions

    demo = stoke()
    d = raised(demo)
    while fresh(d).stage < 3:
        actor = fresh(d).current_episode().raising_actor
        discuss(actor, d)
        d = escalate(actor, d)
    d = fresh(d)
    form_id = d.pack.stage(3).forms[0]
    head = d.current_episode().raising_actor
    walk = Walk(any_page, page_check, live_server, "form")
    sign_in(any_page, live_server, head)
    walk.go(f"/disagreements/{d.pk}/forms/{form_id}/", "form")
    answers = formsubmissions.sample_answers(d, form_id, transitions.now())
    typed = {}
    for name, value in answers.items():
        box = any_page.locator(f'[name="{name}"]')
        if name == "form" or box.count() != 1:
            continue
        box.fill(str(value))
        typed[name] = str(value)
    assert typed, "the form asks for what the record lacks"
    discuss(d.current_episode().receiving_actor, d, approve=False)  # someone else, meanwhile
    walk.press("Submit the form", "stale")
    assert "Someone changed this since you opened it" in walk.main()
    assert "What changed" in walk.main()
    for name, value in typed.items():
        assert any_page.locator(f'[name="{name}"]').input_value() == value
    walk.press("Submit the form", "submitted")
    assert "Version 1" in walk.main()


def test_hillingdon_4_the_implementation_unit_decides_a_contested_resolution(
    live_server, any_page, page_check
):
    # §4 Stage Four: "The Implementation Unit may seek to resolve the issue directly".
    demo = build_partnership("hillingdon")
    raiser = demo.ladder["csc"][0]
    d = transitions.raise_disagreement(raiser, raise_data(demo, "police"))
    while d.stage < 4:
        actor = fresh(d).current_episode().raising_actor
        d = escalate(actor, discuss(actor, d))
    episode = fresh(d).current_episode()
    d = send_forms(episode.raising_actor, discuss(episode.raising_actor, d, outcome="resolved"))
    data = {
        "agreed_outcome": "A joint visit and a plan.",
        "next_steps": "Both agencies attend the review.",
        "written_confirmation": "Confirmed by email to both agencies the same day.",
        "feedback_to_raiser": "Thank you: the challenge changed the plan.",
    }
    d = transitions.perform("resolve", episode.raising_actor, d.pk, fresh(d).version, data)
    walk = Walk(any_page, page_check, live_server, "decide-contested")
    sign_in(any_page, live_server, episode.receiving_actor)
    walk.go(f"/disagreements/{d.pk}/", "resolved")
    walk.follow("Confirm or contest the resolution", "confirm")
    walk.go(f"/disagreements/{d.pk}/contest-resolution/", "contest")
    any_page.get_by_label("Reason").fill("The plan leaves the child at home with the adult.")
    walk.press("Contest the resolution", "contested")
    sign_in(any_page, live_server, demo.unit)
    walk.go(f"/disagreements/{d.pk}/", "unit-reads")
    assert "You must decide the contested resolution" in walk.main()
    # The Unit may hand over for either agency: which side first, then that agency's people.
    walk.go(f"/disagreements/{d.pk}/hand-over/", "hand-over-side")
    any_page.get_by_label("Receiving").check()
    walk.press("Continue", "hand-over-whom")
    listed = any_page.eval_on_selector_all(
        "select[name=to_user] option", "options => options.map(o => o.value).filter(v => v)"
    )
    assert {User.objects.get(pk=pk).agency_id for pk in listed} == {d.receiving_agency_id}
    walk.go(f"/disagreements/{d.pk}/", "unit-reads-again")
    walk.follow("Decide the contested resolution", "decide")
    walk.press("Decide the contested resolution", "decide-error")
    assert "Select whether you uphold the resolution" in walk.main()
    any_page.get_by_label("Uphold the resolution: the disagreement closes as resolved").check()
    any_page.get_by_label("Your reasons").fill("The plan protects the child; police attend.")
    walk.press("Decide the contested resolution", "decided")
    assert "Decision recorded." in walk.main() and "Upheld by" in walk.main()
    assert fresh(d).status == Status.RESOLVED


def test_copying_in_another_agency_asks_the_agency_then_whom_there(
    live_server, any_page, page_check
):
    demo = stoke()
    d = raised(demo)
    raiser = demo.ladder["csc"][0]
    walk = Walk(any_page, page_check, live_server, "copy-in")
    sign_in(any_page, live_server, raiser)
    # Consent to share their details was not given: the page says what the agency will
    # read, and asks that it be copied in only where that is necessary.
    d.subject.consent_given = False
    d.subject.save(update_fields=["consent_given"])
    walk.go(f"/disagreements/{d.pk}/add-party/", "agency")
    assert "Consent to share their details was not given" in walk.main()
    any_page.get_by_label("Which agency?").select_option(str(demo.agencies["school"].pk))
    walk.press("Continue", "whom")
    walk.press("Copy in another agency", "copied")
    assert fresh(d).copied_agencies.get().agency == demo.agencies["school"]


def test_an_agreed_actions_owner_gives_it_a_new_due_date(live_server, any_page, page_check):
    demo = stoke()
    raiser, officer = demo.ladder["csc"][0], demo.ladder["police"][0]
    d = fresh(raised(demo))
    at = timezone.now() - datetime.timedelta(hours=1)
    transitions.perform(
        "record",
        raiser,
        d.pk,
        d.version,
        {
            "kind": "meeting",
            "occurred_at": at.isoformat(),
            "participants": [raiser.pk, officer.pk],
            "summary": "Both sides set out their positions.",
            "outcome": "ongoing",
            "actions": [{"text": "Share the chronology", "owner": officer.pk,
                         "due": (at + datetime.timedelta(days=7)).date().isoformat()}],
        },
    )  # fmt: skip
    walk = Walk(any_page, page_check, live_server, "action-date")
    sign_in(any_page, live_server, officer)
    walk.go(f"/disagreements/{d.pk}/", "case")
    walk.follow("Change date", "change")
    walk.press("Change an agreed action's due date", "change-error")
    assert "Enter the new due date" in walk.main() and "Enter the reason" in walk.main()
    new = (at + datetime.timedelta(days=14)).date()
    fill_date(any_page, "due", new)
    any_page.get_by_label("Why does the date need to change?").fill("The notes are late")
    walk.press("Change an agreed action's due date", "changed")
    assert "Agreed action's due date changed." in walk.main()
    assert d.records.get().actions.get().due == new
