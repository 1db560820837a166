"""An agreed action's due date moves when it can no longer be kept: by whoever may mark it
done, with the reason, on the timeline. A correction rewrites a record's text, never the
actions agreed at the discussion, so the date had no way to change (found by a try-out)."""

import html
import re

import pytest

from rpd.disagreements import transitions
from rpd.disagreements.models import AgreedAction
from rpd.people import roles

from .helpers import fresh
from .pages import partnership_with_case
from .test_pages_actions import post_record, url

pytestmark = pytest.mark.django_db
ERRORS = r'govuk-error-summary__list">(.*?)</ul>'


@pytest.fixture
def agreed():
    """A stage 1 meeting on 2 January 2026 in Stoke-on-Trent that agreed the police
    officer would share the chronology by 9 January."""
    demo, raiser, d = partnership_with_case()
    officer = fresh(d).current_episode().receiving_actor
    return demo, raiser, officer, d


def agree(client, raiser, officer, d) -> AgreedAction:
    client.force_login(raiser)
    sent = post_record(
        client, fresh(d), [raiser, officer], "Both sides set out their positions.",
        **{"action-1-text": "Share the chronology", "action-1-owner": officer.pk,
           "action-1-due": "9/1/2026"},
    )  # fmt: skip
    assert sent.status_code == 302, re.findall(ERRORS, sent.text, re.S)
    return AgreedAction.objects.get(record__disagreement=d)


def move(client, d, action, **data):
    return client.post(
        url(d, "move-action"), {"version": fresh(d).version, "action": action.pk, **data}
    )


def test_its_owner_moves_an_agreed_actions_date_with_the_reason_on_the_timeline(client, agreed):
    demo, raiser, officer, d = agreed
    action = agree(client, raiser, officer, d)
    client.force_login(officer)
    case = client.get(f"/disagreements/{d.pk}/").text
    table = case.split('id="actions"')[1].split("</table>")[0]
    link = f'href="/disagreements/{d.pk}/move-action/?action={action.pk}"'
    assert link in table and "Change date" in table
    page = client.get(f"{url(d, 'move-action')}?action={action.pk}").text
    assert "Share the chronology" in page and "New due date" in page
    sent = move(client, d, action, due_day="16", due_month="1", due_year="2026",
                reason="The notes are with the archive team")  # fmt: skip
    assert sent.status_code == 302, re.findall(ERRORS, sent.text, re.S)
    action.refresh_from_db()
    assert action.due.isoformat() == "2026-01-16"
    case = client.get(f"/disagreements/{d.pk}/").text
    said = html.unescape(re.sub(r"<[^>]+>", " ", case))
    assert f"{officer.display_name} changed an agreed action's due date." in said
    assert "Reason: The notes are with the archive team." in said
    assert re.search(r"The action's due date moved from 9 January( 2026)? to 16 January", said)


def test_whoever_may_mark_it_done_may_move_its_date_and_no_one_else(client, agreed):
    demo, raiser, officer, d = agreed
    action = agree(client, raiser, officer, d)
    may = {
        "its owner": officer,
        "their line manager": officer.line_manager,
        "their agency's safeguarding lead": roles.safeguarding_leads([officer.agency_id])[0],
    }
    for who, person in may.items():
        known = transitions.standing(person, fresh(d))
        assert transitions.allowed_on(person, fresh(d), known, "move_action", [action]), who
    # The other side took part, and may not move the police's action; nor is it offered.
    known = transitions.standing(raiser, fresh(d))
    assert not transitions.allowed_on(raiser, fresh(d), known, "move_action", [action])
    client.force_login(raiser)
    assert "move-action" not in client.get(f"/disagreements/{d.pk}/").text
    with pytest.raises(transitions.NotAllowed, match="changed by its owner"):
        moved = {"action": action.pk, "due": "2026-01-16", "reason": "Late"}
        transitions.perform("move_action", raiser, d.pk, fresh(d).version, moved)


def test_a_date_that_is_no_change_or_before_the_discussion_is_named_and_nothing_moves(
    client, agreed
):
    demo, raiser, officer, d = agreed
    action = agree(client, raiser, officer, d)
    client.force_login(officer)
    for boxes, said in [
        ({"due_day": "", "due_month": "", "due_year": ""}, "Enter the new due date"),
        ({"due_day": "31", "due_month": "2", "due_year": "2026"}, "must be a real date"),
        ({"due_day": "9", "due_month": "1", "due_year": "2026"},
         "Enter a date other than the one it has, Friday 9 January 2026"),
        ({"due_day": "1", "due_month": "1", "due_year": "2026"},
         "must be on or after the day it was agreed, Friday 2 January 2026"),
    ]:  # fmt: skip
        sent = move(client, d, action, reason="The notes are late", **boxes)
        assert sent.status_code == 400, said
        errors = " ".join(re.findall(ERRORS, sent.text, re.S))
        assert said in errors, (said, errors)
        assert 'href="#id_due' in errors
    sent = move(client, d, action, due_day="16", due_month="1", due_year="2026", reason="")
    assert sent.status_code == 400 and "Enter the reason" in sent.text
    action.refresh_from_db()
    assert action.due.isoformat() == "2026-01-09"


def test_a_done_action_keeps_its_date(client, agreed):
    demo, raiser, officer, d = agreed
    action = agree(client, raiser, officer, d)
    transitions.perform("complete_action", officer, d.pk, fresh(d).version, {"action": action.pk})
    with pytest.raises(transitions.NotAllowed, match="already marked done"):
        moved = {"action": action.pk, "due": "2026-01-16", "reason": "Late"}
        transitions.perform("move_action", officer, d.pk, fresh(d).version, moved)
