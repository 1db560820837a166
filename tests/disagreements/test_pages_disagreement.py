"""The disagreement page: what it shows, to whom, and only the buttons allowed now."""

import html
import re

import pytest

from rpd.disagreements import transitions
from rpd.disagreements.nhs_number import spaced
from rpd.people.demo import build_partnership

from .helpers import discuss, escalate, fresh, raise_data
from .pages import partnership_with_case

pytestmark = pytest.mark.django_db


def page(response) -> str:
    """A page as its reader sees it: the script nonce and the sign-out form's (masked)
    CSRF token are new on every response."""
    text = re.sub(r'nonce="[^"]*"', 'nonce=""', response.text)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", text)


def test_an_outsider_gets_the_same_not_found_as_a_case_that_does_not_exist(client):
    demo, _, d = partnership_with_case()
    client.force_login(demo.outsider)
    hidden = client.get(f"/disagreements/{d.pk}/")
    missing = client.get(f"/disagreements/{d.pk + 1000}/")
    assert hidden.status_code == missing.status_code == 404
    assert page(hidden) == page(missing)
    assert "Page not found" in hidden.text
    for action in ("record", "withdraw", "escalate"):
        assert page(client.get(f"/disagreements/{d.pk}/{action}/")) == page(missing)


def test_the_page_shows_summary_subject_parties_stages_and_timeline(client):
    demo, raiser, d = partnership_with_case()
    client.force_login(raiser)
    page = client.get(f"/disagreements/{d.pk}/").text
    assert d.reference in page
    assert "Robin Testchild" in page  # identity shown to those who may see it
    assert demo.ladder["police"][0].display_name in page
    assert "Stage 1" in page and "Stage 2" in page
    assert "Raised by" in page
    assert "Timeline" in page


def test_the_page_shows_what_the_raiser_said_it_is_about_what_they_tried_and_consent(client):
    # The raise asks for the categories, what was already tried and consent to share;
    # the case page showed none of them (found by a try-out).
    demo = build_partnership("stoke-on-trent")
    raiser = demo.ladder["csc"][0]
    pack = demo.partnership.pathway_entry().pack
    data = raise_data(
        demo,
        categories=[c.id for c in pack.categories[:2]],
        pre_escalation=[pack.pre_escalation[0].id],
        subject_consent_given=False,
    )
    d = transitions.raise_disagreement(raiser, data)
    client.force_login(raiser)
    rows = summary_rows(client.get(f"/disagreements/{d.pk}/").text)
    assert rows["What it is about"] == "\n".join(c.name for c in pack.categories[:2])
    assert rows["Already tried"] == pack.pre_escalation[0].name
    assert rows["Consent to share their details"] == "No"
    # As the raiser typed it and Check your answers showed it: in groups of 3, 3 and 4.
    assert rows["NHS number"] == spaced(d.subject.nhs_number) != d.subject.nhs_number
    # The register line names the categories (no text written about the case) and no more.
    client.force_login(demo.unit)
    rows = summary_rows(client.get(f"/disagreements/{d.pk}/").text)
    assert rows["What it is about"] == "\n".join(c.name for c in pack.categories[:2])
    assert "Already tried" not in rows and "Consent to share their details" not in rows


def test_the_timeline_says_who_did_what_in_sentences(client):
    # "Recorded a discussion by Wren Kestrelmoor" read as if the discussion were hers, and
    # "(... the concerns continue.; to be reviewed by ...)" ran a reason into a date.
    demo, raiser, d = partnership_with_case()
    d = discuss(raiser, d, outcome="unresolved")
    d = escalate(raiser, d, reason="Both sides met; the concerns continue.")
    client.force_login(raiser)
    items = [
        html.unescape(re.sub(r"<[^>]+>", "", item)).split()
        for item in re.findall(r"<li>(.*?)</li>", timeline_of(client, d), re.S)
    ]
    said = [" ".join(words) for words in items]
    name = raiser.display_name
    assert any(f"{name} recorded a discussion." in line for line in said), said
    escalated = next(line for line in said if "escalated" in line)
    assert f"{name} escalated the disagreement from stage 1 to stage 2. " in escalated
    assert "Reason: Both sides met; the concerns continue. To be reviewed by" in escalated
    assert ".;" not in " ".join(said) and " by " + name not in " ".join(said)
    # A record's entry ends its sentence once before the link to the record.
    recorded = next(line for line in said if "recorded a discussion" in line)
    assert recorded.endswith("recorded a discussion. Read the record"), recorded


def timeline_of(client, d) -> str:
    page = client.get(f"/disagreements/{d.pk}/").text
    return page.split('id="timeline"')[1].split("</ol>")[0]


def summary_rows(text: str) -> dict[str, str]:
    pairs = re.findall(
        r'<dt class="govuk-summary-list__key">(.*?)</dt>'
        r'<dd class="govuk-summary-list__value">(.*?)</dd>',
        text,
        re.S,
    )
    return {html.unescape(k): html.unescape(v.replace("<br>", "\n")) for k, v in pairs}


def test_special_category_data_is_never_on_the_page(client):
    from rpd.disagreements.models import SubjectSensitive

    demo, raiser, d = partnership_with_case()
    SubjectSensitive.objects.create(subject=d.subject, ethnicity="Ethnicity-Marker-Zz")
    client.force_login(raiser)
    assert "Ethnicity-Marker-Zz" not in client.get(f"/disagreements/{d.pk}/").text


def buttons(client, user, d):
    client.force_login(user)
    page = client.get(f"/disagreements/{d.pk}/").text
    names = [
        "Record a discussion",
        "Escalate to stage 2",
        "Resolve the disagreement",
        "Pause the disagreement",
        "Resume the disagreement",
        "Withdraw the disagreement",
        "Extend the deadline",
        "Hand over",
        "Refer it on",
    ]
    return {n for n in names if re.search(rf">\s*{re.escape(n)}\s*</a>", page)}


def test_each_button_appears_only_for_those_the_transitions_allow(client):
    demo, raiser, d = partnership_with_case()
    receiver = demo.ladder["police"][0]
    assert "Withdraw the disagreement" in buttons(client, raiser, d)
    assert "Withdraw the disagreement" not in buttons(client, receiver, d)
    assert "Record a discussion" in buttons(client, receiver, d)
    # Oversight may look, but acts on nothing at stage 1.
    assert buttons(client, demo.unit, d) == set()
    assert "Resume the disagreement" not in buttons(client, raiser, d)
    # Escalating and resolving are offered once the stage holds what they need (a record
    # of the discussion, approved), and the page says so until then.
    assert "Escalate to stage 2" not in buttons(client, raiser, d)
    assert "Resolve the disagreement" not in buttons(client, raiser, d)
    page = client.get(f"/disagreements/{d.pk}/").text
    assert "Resolve the disagreement: first record the discussion that resolved it" in page
    d = discuss(raiser, d, outcome="unresolved")
    assert "Escalate to stage 2" in buttons(client, raiser, d)
    # Never at the last stage.
    assert "Refer it on" not in buttons(client, raiser, d)


def test_the_buttons_follow_the_transitions_own_rules(client):
    demo, raiser, d = partnership_with_case()
    for user in (raiser, demo.ladder["police"][0], demo.ladder["csc"][1], demo.unit, demo.chair):
        client.force_login(user)
        page = client.get(f"/disagreements/{d.pk}/").text
        for name in transitions.allowed(user, fresh(d)):
            if transitions.RULES[name].target is not None:
                continue  # offered on each record or action it is allowed on (below)
            assert f"/disagreements/{d.pk}/{name.replace('_', '-')}/" in page


def test_records_offer_approval_and_correction_only_where_the_rules_allow(client):
    # Approving is offered on the author's side (not to the author, not to the other
    # agency); correcting to the author and their line management: Rule.who_on_target.
    demo, raiser, d = partnership_with_case()
    d = discuss(raiser, d, approve=False)
    record = d.records.get()
    approve, correct = f"approve/?record={record.pk}", f"correct/?record={record.pk}"
    seen = {}
    for who, user in (
        ("author", raiser),
        ("manager", demo.ladder["csc"][1]),
        ("other side", demo.ladder["police"][0]),
    ):
        client.force_login(user)
        page = client.get(f"/disagreements/{d.pk}/").text
        seen[who] = (approve in page, correct in page)
    assert seen == {
        "author": (False, True),
        "manager": (True, True),
        "other side": (False, False),
    }
    assert "recorded a discussion" in page
    assert "Awaiting approval" in page


def test_a_records_card_says_who_took_part(client):
    # Only the approval page said (found by a try-out): the card names them, by name.
    demo, raiser, d = partnership_with_case()
    d = discuss(raiser, d, approve=False)
    record = d.records.get()
    record.other_participants = "Robin Lark, school nurse"
    record.save(update_fields=["other_participants"])
    names = sorted(record.participants.all(), key=lambda u: (u.last_name, u.first_name))
    assert len(names) == 2
    client.force_login(raiser)
    page = client.get(f"/disagreements/{d.pk}/").text
    card = page.split(f'id="record-{record.pk}"')[1].split('class="govuk-summary-card" ')[0]
    took_part = "; ".join([*(u.display_name for u in names), "Robin Lark, school nurse"])
    assert f"Took part: {html.escape(took_part)}." in card


def test_an_approver_who_finds_the_record_wrong_may_correct_it_from_the_approval_page(
    client, monkeypatch
):
    # The approval page offered Approve or Cancel (found by a try-out): the author's line
    # manager may also correct it, as the record's rules say (Rule.who_on_target).
    demo, raiser, d = partnership_with_case()
    d = discuss(raiser, d, approve=False)
    record = d.records.get()
    client.force_login(demo.ladder["csc"][1])
    page = client.get(f"/disagreements/{d.pk}/approve/?record={record.pk}").text
    link = f'href="/disagreements/{d.pk}/correct/?record={record.pk}"'
    assert link in page and "Correct it instead" in page
    # The correction starts from the record as written, asked as a record's summary (it
    # was an empty box asking "What happened, and why do you disagree?").
    correcting = client.get(f"/disagreements/{d.pk}/correct/?record={record.pk}").text
    assert html.escape(record.summary, quote=False) in correcting.split('name="summary"')[1]
    assert "why do you disagree" not in correcting and "Why does it need correcting?" in correcting
    # The correction is the manager's, so their own manager approves it, not them: the page
    # says so before it is sent (it moved silently, found by a try-out).
    above = demo.ladder["csc"][2]
    said = f"It is sent to {above.display_name} to approve."
    assert said in correcting.split('id="approval"')[1].split("</p>")[0]
    # Offered only as the rules allow: where they did not, it is not.
    allowed_on = transitions.allowed_on
    monkeypatch.setattr(
        transitions,
        "allowed_on",
        lambda *a: set() if a[3] == "correct" else allowed_on(*a),
    )
    page = client.get(f"/disagreements/{d.pk}/approve/?record={record.pk}").text
    assert link not in page and "Correct it instead" not in page


def test_an_approved_or_corrected_record_is_not_offered_for_approval_again(client):
    demo, raiser, d = partnership_with_case()
    d = discuss(raiser, d, approve=True)
    record = d.records.get()
    client.force_login(demo.ladder["csc"][1])
    page = client.get(f"/disagreements/{d.pk}/").text
    assert f"approve/?record={record.pk}" not in page
    assert f"correct/?record={record.pk}" in page


def test_the_page_reads_as_many_queries_for_six_records_as_for_one(client, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from rpd.people import middleware

    demo, raiser, d = partnership_with_case()
    client.force_login(raiser)
    # The session's renewal, at most once a minute, is the session's cost, not the page's:
    # done once here, then not again during the test however long it takes.
    monkeypatch.setattr(middleware, "TOUCH_EVERY_SECONDS", 24 * 60 * 60)
    client.get("/")

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/disagreements/{fresh(d).pk}/").status_code == 200
        return len(captured)

    # One approved record first: what the stage's records cover is read once there is one.
    discuss(raiser, d, outcome="ongoing", approve=True)
    one = queries()
    for approve in (False, True, False, True, False):
        discuss(raiser, d, outcome="ongoing", approve=approve)
    assert queries() == one


def case_page_queries(client, outcome: str) -> list[str]:
    """The SQL of the case page as its raiser reads it, a record of the stage showing
    `outcome` waiting for approval."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    demo, raiser, d = partnership_with_case()
    discuss(raiser, d, outcome=outcome, approve=False)
    client.force_login(raiser)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(f"/disagreements/{d.pk}/").status_code == 200
    return [q["sql"] for q in captured]


def test_the_page_reads_the_readers_own_part_in_the_case_once(client):
    # Sight and standing both ask whether the reader is a viewer, a participant, copied
    # in or an action's owner: one look at their own rows answers all of them.
    sql = case_page_queries(client, "ongoing")
    own_rows = ("disagreements_viewer", "disagreements_participant", "disagreements_copiedagency")
    asked = [q for q in sql if any(table in q for table in own_rows)]
    assert len(asked) == 2  # the reader's rows, and the agencies copied in to list
    assert "disagreements_copiedagency" in asked[1] and "viewer" not in asked[1]
    episodes = [q for q in sql if 'FROM "disagreements_stageepisode"' in q]
    assert len(episodes) == 1


def test_the_page_reads_the_contested_resolutions_and_each_stage_check_once(client):
    # Whether a contested resolution awaits the stage's leader (asked by several rules)
    # and the contested resolutions the page lists are one read; so is each piece of
    # evidence a rule asks for (an unresolved record, an approved one), however many
    # questions the page asks of the rules (`allowed`, `held_back`, `allowed_on`).
    sql = case_page_queries(client, "unresolved")
    assert len([q for q in sql if 'FROM "disagreements_contestedresolution"' in q]) == 1
    assert len(sql) == len(set(sql)), "a query asked twice"


def test_the_register_line_shows_no_text_written_about_the_case(client):
    # Stoke-on-Trent tells the partnership at stage 3: at stage 1 its unit sees the
    # register line, not the summary, the outcome sought or what is disagreed with.
    demo, _, d = partnership_with_case()
    client.force_login(demo.unit)
    page = client.get(f"/disagreements/{d.pk}/").text
    assert d.reference in page
    for written in (d.summary, d.outcome_sought, d.challenged_description):
        assert written not in page
    assert "Robin Testchild" not in page


def test_every_transition_reads_as_words_on_the_timeline_never_as_its_action_id():
    # A transition added to the rules without words showed "disagreement.name_receiver".
    from rpd.disagreements import presenters, transitions

    unworded = [n for n in transitions.RULES if f"disagreement.{n}" not in presenters.EVENT_WORDS]
    assert unworded == []


def test_copying_in_says_what_the_agency_reads_and_warns_where_consent_was_not_given(client):
    # An agency copied in reads whom it is about (to place the outcome on its own record):
    # with consent to share not given, the page said nothing of it (found by a try-out).
    demo, raiser, d = partnership_with_case()
    client.force_login(raiser)
    address = f"/disagreements/{d.pk}/add-party/"
    page = client.get(address).text
    said = (
        "reads the case&#x27;s reference, stage and dates, whom it is about and its outcome, "
        "never its records."
    )
    assert said in page.split('id="copying"')[1].split("</p>")[0]
    assert "Consent to share their details was not given" not in page
    d.subject.consent_given = False
    d.subject.save(update_fields=["consent_given"])
    page = client.get(address).text
    warning = page.split('id="consent-not-given"')[1].split("</div>")[0]
    assert "govuk-warning-text" in page.split('id="consent-not-given"')[0][-200:]
    assert "Consent to share their details was not given" in warning
    assert "only where sharing them is necessary to keep them safe" in warning
