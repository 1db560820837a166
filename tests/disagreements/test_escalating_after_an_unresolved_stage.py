"""After an unresolved discussion that left out what the stage must record, the way on is
said: the next step names what is still to record, the escalate page offers "does not
apply" only for what the pathway lets be left out, keeps what was typed, and links to
recording it (Stoke-on-Trent §5 Stage 1: "a clear, evidence-based reason")."""

import re

import pytest

from rpd.disagreements import transitions

from .helpers import discuss, fresh
from .pages import partnership_with_case

pytestmark = pytest.mark.django_db
REASON = "A clear, evidence-based reason for the disagreement"
RESOLUTION = "Where resolved, the agreed points of resolution"


@pytest.fixture
def unresolved():
    """Stoke-on-Trent stage 1: the receiving side recorded it unresolved, approved,
    covering nothing the stage must record."""
    demo, raiser, d = partnership_with_case()
    d = discuss(demo.ladder["police"][0], d, outcome="unresolved", covers=[])
    return demo, raiser, fresh(d)


def test_the_next_step_names_what_the_stage_must_still_record(unresolved, client):
    demo, raiser, d = unresolved
    [step] = transitions.steps_for(d)
    assert step.name == "record"
    assert REASON in step.what and RESOLUTION not in step.what  # the latter may not apply
    client.force_login(raiser)
    page = client.get(f"/disagreements/{d.pk}/").text
    assert REASON in page


def test_the_escalate_page_offers_not_applicable_only_where_the_pathway_allows_it(
    unresolved, client
):
    demo, raiser, d = unresolved
    client.force_login(raiser)
    page = client.get(f"/disagreements/{d.pk}/escalate/").text
    assert 'name="na-resolution-and-next-steps"' in page
    assert 'name="na-evidence-based-reason"' not in page  # it cannot be left out
    assert "(optional)" not in page
    # What is missing is said before anything is typed, with the way to record it.
    assert REASON in page and f'href="/disagreements/{d.pk}/record/"' in page


def test_escalating_too_soon_keeps_what_was_typed_and_says_what_is_missing(unresolved, client):
    demo, raiser, d = unresolved
    client.force_login(raiser)
    typed = "Nothing was resolved at the discussion"
    response = client.post(
        f"/disagreements/{d.pk}/escalate/",
        {"version": d.version, "reason": "Still unsafe", "na-resolution-and-next-steps": typed},
    )
    assert response.status_code == 400
    assert typed in response.text
    summary = re.search(r'govuk-error-summary__list">(.*?)</ul>', response.text, re.S).group(1)
    assert REASON in summary and "cannot be left out as not applying" not in summary
    assert f'href="/disagreements/{d.pk}/record/"' in response.text
    assert fresh(d).stage == 1


def test_the_record_form_says_which_items_the_stage_still_lacks(unresolved, client):
    demo, raiser, d = unresolved
    client.force_login(raiser)
    page = client.get(f"/disagreements/{d.pk}/record/").text
    hint = re.search(r'id="id_covers_helptext"[^>]*>(.*?)</div>', page, re.S).group(1)
    assert REASON in hint and RESOLUTION not in hint
