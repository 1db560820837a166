"""A pilot partnership's first week in Chromium, once per seed pathway, with people who
came from a CSV import and no shortcut (issue 16).

The administrator, made by the command line's import and invitation (`rpd import`,
`rpd invite`), signs in through their invitation, imports the partnership's CSV on the
import page and invites everyone it created. Each person in the case opens the link
their email carries, sets a password, sets up an authenticator app from the secret the
page shows and lands on My work. A practitioner raises a disagreement with "I do not know
who"; the other agency's safeguarding lead is told and names the person; that person
records the stage 1 discussion; the person told to approve it approves it; it is
escalated; the stage 2 managers agree an extension asked for by one side, record the
discussion that resolved it, have it approved, resolve it; the other side confirms. After
each step every person involved reads My work, which must say exactly what is theirs.

What differs between pathways (the ladder's rungs, the stage names, what each stage must
record, which questions the raise asks) is read from the pack; the journey is one.
Working days pass on the pathway's own calendar (time-machine moves the clock of the
whole process, the live server's thread included); sessions lapse overnight, so each
person signs in again with their password and a fresh code, as they would.
"""

from __future__ import annotations

import datetime
import html
import re
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from rpd.disagreements.models import Disagreement, Record, Status
from rpd.notifications import worker
from rpd.onboarding import csvformat, partnerships
from rpd.onboarding.import_people import import_file
from rpd.onboarding.sample import sample_rows
from rpd.pathways import registry
from rpd.people.models import User
from tests.browser.conftest import SCREENSHOTS, WRITE_SCREENSHOTS, screenshot
from tests.browser.conftest import _close as close_page
from tests.browser.conftest import _page as open_page
from tests.browser.test_journeys import Walk, choose_person, fill_date, totp_now

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PATHWAYS = ["hillingdon", "cambridgeshire", "jersey", "stoke-on-trent", "blackpool"]
LONDON = ZoneInfo("Europe/London")
# A Monday morning with no bank holiday in the week (every pack's calendar agrees).
MONDAY = datetime.datetime(2027, 3, 1, 9, 0, tzinfo=LONDON)
# The first sign-in's pages, alike for each person but their name: looked at once a week.
SAME_FOR_EVERYONE = {"password", "authenticator", "recovery-codes", "second-factor"}
# Pages no pathway changes: axe runs on them in the first week of the run only (each
# later week still screenshots them), to keep the five weeks' time down.
SAME_FOR_EVERY_PATHWAY = SAME_FOR_EVERYONE | {"import", "imported", "invited"}
CHECKED_THIS_RUN: set[str] = set()
PASSWORD = "seven purple kettles singing"
# Agencies in the sample file run csc, police, health: the raiser is in the first, the
# agency disagreed with is the second.
RAISING, RECEIVING = "csc-01", "police-02"


@dataclass
class Person:
    """Someone in the pilot, in their own browser, with their own authenticator app."""

    label: str  # what the journey calls them: "raiser", "their manager"
    user: User
    walk: Walk
    secret: str = ""
    codes_used: set = field(default_factory=set)

    @property
    def page(self):
        return self.walk.page


class FirstWeek:
    """The partnership, its people's browsers, and the step each screenshot belongs to."""

    def __init__(self, pathway_id, server, browser, page_check, traveller):
        for old in _screenshots().glob(f"week-{pathway_id}-*.png"):
            old.unlink()
        self.pathway_id, self.server, self.browser = pathway_id, server, browser
        self.check, self.traveller = page_check, traveller
        self.pack = registry.get(pathway_id).pack
        self.people: dict[str, Person] = {}
        self.contexts = []
        self.number = 0  # each step's screenshots sort in the order the week ran
        self.checked: set[str] = set()

    # -- Each person's browser ---------------------------------------------------------

    def browser_for(self, label: str, user: User) -> Person:
        context, page = open_page(self.browser, javascript=True)
        self.contexts.append((context, page))
        walk = Walk(page, lambda page, name: self._look(page, name, label), self.server, label)
        person = Person(label, user, walk)
        self.people[label] = person
        return person

    def _look(self, page, name: str, label: str) -> None:
        """Every page a person lands on is screenshot at 1280 and 320 px and run through
        axe, except a page already checked in this week, which is only screenshot (the same
        case page at a later step), or not even that where it is the same page for another
        person (signing in)."""
        step = name.removeprefix(f"{label}-")
        if step in self.checked and step in SAME_FOR_EVERYONE:
            return
        self.number += 1
        name = f"week-{self.pathway_id}-{self.number:02d}-{name}"
        if step in self.checked:
            return self._screenshot(page, name)
        self.checked.add(step)
        if step in SAME_FOR_EVERY_PATHWAY and step in CHECKED_THIS_RUN:
            return self._screenshot(page, name)
        CHECKED_THIS_RUN.add(step)
        self.check(page, name)

    def _screenshot(self, page, name: str) -> None:
        if not WRITE_SCREENSHOTS:
            return
        for width in (1280, 320):
            page.set_viewport_size({"width": width, "height": 900})
            screenshot(page, _screenshots() / f"{name}-{width}.png")
        page.set_viewport_size({"width": 1280, "height": 900})

    def close(self) -> None:
        for context, page in self.contexts:
            close_page(context, page)

    # -- Mail --------------------------------------------------------------------------

    def deliver(self) -> None:
        """The worker's run: every Notice queued so far goes out as an email."""
        worker.run(once=True)

    def mail_to(self, user: User) -> list:
        return [m for m in mail.outbox if user.email in m.to]

    def invitation_link(self, user: User) -> str:
        links = [
            found[0]
            for m in self.mail_to(user)
            if (found := re.search(r"https?://\S+/accounts/invitation/\S+/", m.body))
        ]
        assert links, f"no invitation emailed to {user.email}"
        return links[-1]

    # -- Signing in --------------------------------------------------------------------

    def code(self, person: Person) -> str:
        """The authenticator app's code now; never one already used (allauth refuses a
        code twice), so a second sign-in in the same 30 s waits for the next."""
        code = totp_now(person.secret)
        while code in person.codes_used:
            self.traveller.shift(datetime.timedelta(seconds=30))
            code = totp_now(person.secret)
        person.codes_used.add(code)
        return code

    def accept_invitation(self, person: Person) -> None:
        walk, page = person.walk, person.page
        walk.page.goto(self.invitation_link(person.user))
        walk.look("password")
        assert walk.h1() == "Create your password", walk.main()
        page.get_by_label("Create a password").fill(PASSWORD)
        page.get_by_label("Confirm the password").fill(PASSWORD)
        walk.press("Create password and continue", "authenticator")
        assert walk.h1() == "Set up your authenticator app", walk.main()
        person.secret = page.locator("#authenticator_secret").input_value()
        page.get_by_label("Authenticator code").fill(self.code(person))
        walk.press("Turn on", "recovery-codes")
        walk.follow("Continue", "my-work")
        assert walk.h1() == "My work", walk.main()

    def sign_in_again(self, person: Person) -> None:
        """A new day: the session lapsed while idle; the sign-in page, then the app."""
        walk, page = person.walk, person.page
        page.get_by_label("Email").fill(person.user.email)
        page.get_by_label("Password").fill(PASSWORD)
        walk.press("Sign in", "second-factor")
        # On a busy machine the code may be a window old by the time it is sent: a person
        # types the next one the app shows.
        for _ in range(2):
            page.get_by_label(re.compile("code", re.I)).first.fill(self.code(person))
            with page.expect_navigation():
                page.get_by_role("button").filter(
                    has_text=re.compile("Sign in|Continue")
                ).first.click()
            if walk.h1() != "Enter your security code":
                return
        raise AssertionError(f"{person.label}'s code was refused twice: {walk.main()}")

    def open(self, person: Person, path: str, name: str = "") -> None:
        """`person` opens `path`, signing in again first if their session lapsed; the page
        is looked at unless it has no `name`."""
        person.page.goto(self.server.url + path)
        if "/accounts/login/" in person.page.url:
            self.sign_in_again(person)
            if not person.page.url.endswith(path):
                person.page.goto(self.server.url + path)
        if name:
            person.walk.look(name)

    # -- Reading My work ---------------------------------------------------------------

    def my_work(self, label: str, d: Disagreement, look: str = "") -> str:
        """What `label`'s My work says of `d` ("" for no row); the page looked at as
        `look` where named. Otherwise read as the page's HTML through their own browser's
        session (its cookies, no second sign-in of ours): what the server says is the
        same, and drawing it would cost a fifth of the week. A lapsed session signs in
        again in the browser, as the person would."""
        person = self.people[label]
        if not look:
            answer = person.page.request.get(self.server.url + "/", max_redirects=0)
            if answer.status == 200:
                return _row_text(answer.text(), d.reference)
        self.open(person, "/", look)
        assert person.walk.h1() == "My work"
        row = person.page.locator("main tr").filter(has_text=d.reference)
        return " ".join(" ".join(row.all_inner_texts()).split())

    def assert_my_work(self, d: Disagreement, told: dict[str, str], waiting: str) -> None:
        """Each person involved: those in `told` read "You must <what>" on their row of
        the case; everyone else with a row reads whom it waits for, never "You must". The
        My work of those told is this step's screenshot."""
        d.refresh_from_db()
        for label in self.people:
            if label == "administrator":
                continue
            # Named by what it asks, so that each state of the page is run through axe.
            asked = "-".join(told[label].split()[:2]) if label in told else ""
            row = self.my_work(label, d, look=f"my-work-{asked}" if asked else "")
            if label in told:
                assert f"You must {told[label]}" in row, (label, row)
            elif row:
                assert "You must" not in row, (label, row)
                assert waiting in row, (label, row)

    # -- Time --------------------------------------------------------------------------

    def working_days_pass(self, days: int) -> None:
        calendar_day = self.pack_calendar().add_working_days(_today(), days)
        at = datetime.datetime.combine(calendar_day, datetime.time(9, 30), LONDON)
        self.traveller.move_to(at)

    def pack_calendar(self):
        return Disagreement.objects.get().partnership.working_calendar()


def _row_text(page: str, reference: str) -> str:
    """The text of the table row naming `reference` in a page's HTML, as a person reads it
    ("" for none): tags dropped, entities read, spaces as one."""
    main = page.split("<main", 1)[-1]
    for row in re.findall(r"<tr\b.*?</tr>", main, re.S):
        text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", row)).split())
        if reference in text:
            return text
    return ""


def _today() -> datetime.date:
    return datetime.datetime.now(LONDON).date()


def _screenshots():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


# -- The partnership's set-up ---------------------------------------------------------------


def set_up_partnership(week: FirstWeek, tmp_path) -> list[dict]:
    """The lead's command line makes the partnership and its business unit and invites
    the administrator; the administrator does the rest on the pages."""
    partnership = partnerships.create(
        slug=f"pilot-{week.pathway_id}",
        name=f"Pilot {week.pathway_id.title()} Safeguarding Partnership",
        pathway_id=week.pathway_id,
    )
    rows = sample_rows(week.pathway_id, agencies=3, people=3 + 3 * (len(week.pack.rungs) + 3))
    import_file(partnership, csvformat.write(rows[:3]).encode(), by=None)
    from rpd.administration import operations

    admin = User.objects.get(email=rows[0]["email"])
    operations.invite(partnership, None, User.objects.filter(pk=admin.pk))
    week.deliver()

    administrator = week.browser_for("administrator", admin)
    week.accept_invitation(administrator)
    walk, page = administrator.walk, administrator.page
    path = tmp_path / "people.csv"
    path.write_text(csvformat.write(rows), encoding="utf-8")
    week.open(administrator, f"/partnerships/{partnership.slug}/import/", "import")
    page.set_input_files("#id_file", str(path))
    page.get_by_label("Import it").check()
    walk.press("Continue", "imported")
    assert "People imported" in walk.main(), walk.main()
    created = len(rows) - 3
    walk.press(f"Invite the {created} people this import created", "invited")
    assert f"Invitations sent to {created} people" in walk.main(), walk.main()
    week.deliver()
    return rows


def person_at(rows, agency: str, rung_id: str, lead: bool = False) -> User:
    """The sample file's person of `agency` on `rung_id` (its safeguarding lead with
    `lead`): the first of the agency's chain, which the file writes top down."""
    for row in rows:
        if row["agency_code"] != agency or row["pathway_rung"] != rung_id:
            continue
        if ("safeguarding-lead" in row.get("roles", "")) == lead:
            return User.objects.get(email=row["email"])
    raise AssertionError(f"no one on {rung_id} in {agency}")


# -- The raise -------------------------------------------------------------------------------


def raise_with_i_do_not_know_who(week: FirstWeek, raiser: Person, receiving_agency) -> None:
    """Every question the pathway asks, answered as a practitioner would, naming the agency
    but not the person. Which questions there are is the pathway's business: each page is
    answered from what it shows."""
    walk, page = raiser.walk, raiser.page
    walk.follow("Raise a disagreement", "raise-immediate-risk")
    page.get_by_label("No", exact=True).check()
    walk.press("Continue", "raise-practice")
    page.get_by_label("Another agency's decision", exact=False).check()
    walk.press("Continue", "raise-first-question")
    for _ in range(15):
        if walk.h1().startswith("Check your answers"):
            break
        slug = page.url.rstrip("/").rsplit("/", 1)[-1]
        answer_what_is_asked(page, week.pack, receiving_agency)
        walk.press("Continue", f"raise-after-{slug}")
        assert not page.title().startswith("Error: "), walk.main()
    else:
        raise AssertionError("the raise never reached Check your answers")
    main = walk.main()
    assert "I do not know who" in main or "do not know" in main, main
    walk.press("Raise the disagreement", "raised")
    assert "Disagreement raised" in walk.main()


def answer_what_is_asked(page, pack, receiving_agency) -> None:
    main = page.locator("main")
    if main.locator("input[name=subject_kind]").count():
        main.locator("input[name=subject_kind]").first.check()
    for name, text in [
        ("subject_given_name", "Robin"),
        ("subject_family_name", "Testchild"),
        ("summary", "Three bruises seen in four weeks; the referral was closed."),
        ("outcome_sought", "A strategy discussion and a home visit"),
        ("challenged_description", "Referral closed at the front door"),
    ]:
        if main.locator(f"[name={name}]").count():
            main.locator(f"[name={name}]").fill(text)
    if main.locator("select[name=receiving_agency]").count():
        main.locator("select[name=receiving_agency]").select_option(str(receiving_agency.pk))
    if main.locator("input[name=receiver_unknown]").count():
        main.locator("input[name=receiver_unknown]").check()
    if main.locator("input[name=challenged][value=decision]").count():
        main.locator("input[name=challenged][value=decision]").check()
        # The decision was taken this morning: raising it now is on time.
        fill_date(page, "challenged_on", _today())
    if main.locator("input[name=categories]").count():
        main.get_by_label(pack.categories[0].name, exact=True).check()
    if main.locator("input[name=risk][value=high]").count():
        main.locator("input[name=risk][value=high]").check()


# -- The stage's steps ----------------------------------------------------------------------


def record_discussion(week: FirstWeek, person: Person, d, others: list[User], outcome: str):
    walk, page = person.walk, person.page
    week.open(person, f"/disagreements/{d.pk}/", "case")
    walk.follow("Record a discussion", "record")
    page.locator("input[name=kind][value=meeting]").check()
    # The date's boxes and the time's (hour, minute), as GOV.UK draws a date.
    when = datetime.datetime.now(LONDON) - datetime.timedelta(hours=1)
    for part in ("day", "month", "year", "hour", "minute"):
        page.locator(f"#id_occurred_at_{part}").fill(str(getattr(when, part)))
    for someone in [person.user, *others]:
        page.get_by_label(f"{someone.display_name}, {someone.job_title}, ").check()
    page.get_by_label("Summary").fill("Both positions and the evidence were set out.")
    page.locator(f"input[name=outcome][value={outcome}]").check()
    # Everything the stage must record, by the pathway's own words for it.
    stage = week.pack.stage(d.stage)
    for item in stage.must_record:
        box = page.locator(f"input[name=covers][value='{item.id}']")
        if box.count():
            box.check()
    walk.press("Record a discussion", "recorded")
    assert "Discussion recorded." in walk.main(), walk.main()


def approve_from_my_work(week: FirstWeek, person: Person, d) -> None:
    """The person told follows My work's link to the case; the case page leads with their
    step, and the Approve button there succeeds."""
    walk, page = person.walk, person.page
    walk.follow(d.reference, "case-to-approve")
    banner = page.locator("#next-step").inner_text()
    assert "You must approve the record" in banner, banner
    walk.follow("Read and approve the record", "approve")
    walk.press("Approve a record", "approved")
    assert "Record approved." in walk.main(), walk.main()


def test_a_pilots_first_week(pathway_id, live_server, browser, page_check, settings, tmp_path):
    settings.RPD_REQUIRE_MFA = True
    settings.RPD_BASE_URL = live_server.url
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # Production's slow hasher costs seconds a sign-in on a busy machine and is not what
    # this week tries (tests/people/conftest.py does the same).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with time_machine.travel(MONDAY, tick=True) as traveller:
        week = FirstWeek(pathway_id, live_server, browser, page_check, traveller)
        try:
            first_week(week, tmp_path)
        finally:
            week.close()


@pytest.fixture(params=PATHWAYS)
def pathway_id(request):
    return request.param


def first_week(week: FirstWeek, tmp_path) -> None:
    pack = week.pack
    rows = set_up_partnership(week, tmp_path)
    rung = [r.id for r in pack.rungs]
    stage1, stage2 = pack.stage(1), pack.stage(2)  # their names, as the pages show them
    cast = {
        "raiser": person_at(rows, RAISING, rung[0]),
        "raisers-manager": person_at(rows, RAISING, rung[1]),
        "their-lead": person_at(rows, RECEIVING, rung[min(1, len(rung) - 1)], lead=True),
        "named": person_at(rows, RECEIVING, rung[0]),
        "named-manager": person_at(rows, RECEIVING, rung[1]),
    }
    assert cast["named"].line_manager == cast["named-manager"]
    receiving_agency = cast["named"].agency
    for label, user in cast.items():
        week.accept_invitation(week.browser_for(label, user))
    p = week.people

    # Monday: the practitioner raises it, not knowing who at the other agency decided.
    raise_with_i_do_not_know_who(week, p["raiser"], receiving_agency)
    d = Disagreement.objects.get()
    assert d.receiver_to_name and d.receiving_agency == receiving_agency
    assert d.reference in p["raiser"].walk.main()
    week.deliver()
    assert week.mail_to(cast["their-lead"]), "the other agency's lead is not told"
    week.assert_my_work(d, {"their-lead": "name who holds the case"}, "name who holds")

    # The lead names the person, from My work.
    lead = p["their-lead"]
    lead.walk.follow(d.reference, "case-to-name")
    assert stage1.name in lead.walk.main()
    assert "You must name who holds the case" in lead.page.locator("#next-step").inner_text()
    lead.walk.follow("Name who holds the case", "name")
    choose_person(lead.page, "to_user", cast["named"])
    lead.walk.press("Name who holds the case", "named")
    d.refresh_from_db()
    assert not d.receiver_to_name and d.receiving_professional == cast["named"]
    week.deliver()
    assert week.mail_to(cast["named"]), "the person named is not told"
    week.assert_my_work(
        d, {"raiser": "record the stage 1", "named": "record the stage 1"}, "record"
    )

    # Tuesday: the person named opens the case from the link in their email, and records
    # the stage 1 discussion; their manager is told to approve it, and is the one who can.
    week.working_days_pass(1)
    links = {
        found[0]
        for m in week.mail_to(cast["named"])
        if (found := re.search(r"https?://\S+/disagreements/\d+/", m.body))
    }
    assert links == {f"{week.server.url}/disagreements/{d.pk}/"}, links
    week.open(p["named"], f"/disagreements/{d.pk}/", "from-email")
    assert d.reference in p["named"].walk.main()
    record_discussion(week, p["named"], d, [cast["raiser"]], "unresolved")
    record = Record.objects.get()
    week.deliver()
    assert week.mail_to(cast["named-manager"]), "the approver is not told"
    week.assert_my_work(d, {"named-manager": "approve the record"}, "approve the record")
    approve_from_my_work(week, p["named-manager"], d)
    record.refresh_from_db()
    assert record.approved_by == cast["named-manager"]

    # The raiser escalates it to stage 2 (the line managers).
    week.assert_my_work(
        d, {"raiser": "escalate it to stage 2", "named": "escalate it to stage 2"}, "escalate"
    )
    raiser = p["raiser"]
    week.open(raiser, f"/disagreements/{d.pk}/", "case-to-escalate")
    raiser.walk.follow("Escalate to stage 2", "escalate")
    raiser.page.get_by_label("Why is it being escalated?").fill(
        "Still unresolved between the practitioners"
    )
    raiser.walk.press("Escalate to stage 2", "escalated")
    assert "Escalated." in raiser.walk.main()
    d.refresh_from_db()
    assert d.stage == 2
    episode = d.current_episode()
    assert (episode.raising_actor, episode.receiving_actor) == (
        cast["raisers-manager"],
        cast["named-manager"],
    )
    week.deliver()
    week.assert_my_work(
        d,
        {"raisers-manager": "record the stage 2", "named-manager": "record the stage 2"},
        "record the stage 2",
    )

    # Wednesday: the police manager asks for more time; the other side agrees it.
    week.working_days_pass(1)
    manager = p["raisers-manager"]
    old_due = d.current_episode().due
    new_due = week.pack_calendar().add_working_days(old_due, 5)
    week.open(manager, f"/disagreements/{d.pk}/", "case-to-extend")
    assert stage2.name in manager.walk.main()
    manager.walk.follow("Extend the deadline", "extend")
    choose_person(manager.page, "asked_by", cast["named-manager"])
    manager.page.get_by_label("Reason").fill("The other agency needs a week to read the file")
    fill_date(manager.page, "new_due", new_due)
    manager.walk.press("Extend the deadline", "extended")
    assert "Deadline extended." in manager.walk.main(), manager.walk.main()
    d.refresh_from_db()
    assert d.current_episode().due == new_due

    # Thursday: the managers meet and settle it; the record is approved on the author's
    # side by whoever the rules say, and it is resolved; the other side confirms.
    week.working_days_pass(1)
    record_discussion(week, manager, d, [cast["named-manager"]], "resolved")
    week.deliver()
    d.refresh_from_db()
    [step] = [s for s in d.next_steps if s["name"] == "approve"]
    assert step["people"], f"no one is told to approve: {step}"
    # Whoever the rules tell (the manager's own manager, on most ladders) may not have
    # signed in yet: their invitation's link is in their email.
    for user in User.objects.filter(pk__in=step["people"]).order_by("pk"):
        if not any(person.user == user for person in p.values()):
            week.accept_invitation(week.browser_for(f"approver-{user.pk}", user))
    told = [label for label, person in p.items() if person.user.pk in step["people"]]
    week.assert_my_work(d, dict.fromkeys(told, "approve the record"), "approve the record")
    approve_from_my_work(week, p[told[0]], d)
    week.assert_my_work(
        d,
        {"raisers-manager": "resolve it", "named-manager": "resolve it"},
        "resolve it",
    )
    week.open(manager, f"/disagreements/{d.pk}/", "case-to-resolve")
    manager.walk.follow("Resolve the disagreement", "resolve")
    for box in manager.page.locator("main textarea").all():
        box.fill("A home visit this week; the social worker visits on Thursday.")
    manager.walk.press("Resolve the disagreement", "resolved")
    d.refresh_from_db()
    assert d.status == Status.RESOLVED, manager.walk.main()
    week.deliver()
    week.assert_my_work(d, {"named-manager": "confirm the resolution"}, "confirm the resolution")

    # Friday: the other side confirms it in writing.
    week.working_days_pass(1)
    other = p["named-manager"]
    week.open(other, f"/disagreements/{d.pk}/", "case-to-confirm")
    other.walk.follow("Confirm or contest the resolution", "confirm")
    assert "A home visit this week" in other.walk.main()  # what they confirm, read there
    other.walk.press("Confirm the resolution", "confirmed")
    assert "Resolution confirmed." in other.walk.main()
    d.refresh_from_db()
    assert d.resolution.confirmed_by == cast["named-manager"]
    for label in week.people:
        if label != "administrator":
            assert "You must" not in week.my_work(label, d), label
