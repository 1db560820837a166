"""The figures page: a quarter, a year or any dates, with charts and their tables."""

import datetime

import pytest

from rpd.oversight.figures import Period, figures
from rpd.oversight.forms import quarter_of
from rpd.pathways.calendar import LONDON
from tests.disagreements.helpers import HOSTILE
from tests.disagreements.pages import partnership_with_case

pytestmark = pytest.mark.django_db


def test_the_figures_page_shows_a_quarters_figures_with_each_chart_beside_its_table(client):
    demo, raiser, d = partnership_with_case()
    client.force_login(demo.unit)
    url = f"/partnerships/{demo.partnership.slug}/figures/"
    page = client.get(url).text
    assert "Raised" in page and 'role="img"' in page
    year = d.raised_at.year
    page = client.get(url, {"year": year, "quarter": ""}).text
    assert f"Figures for {year}" in page
    assert '<title id="chart-stage-reached-title">' in page and "Stage 1: 1" in page
    page = client.get(url, {"start": f"{year}-01-01", "end": f"{year}-12-31"}).text
    assert f"1 January {year} to 31 December {year}" in page
    for user in (raiser, demo.admin, demo.outsider):
        client.force_login(user)
        assert client.get(url).status_code == 404


def test_the_region_figures_count_every_partnership_overseen_each_on_its_calendar(client):
    from rpd.disagreements import transitions
    from rpd.people.demo import build_partnership
    from rpd.people.models import Role, RoleGrant
    from tests.disagreements.helpers import raise_data

    demo, _, d = partnership_with_case()
    jersey = build_partnership("jersey")
    transitions.raise_disagreement(jersey.ladder["csc"][0], raise_data(jersey))
    local = d.raised_at.astimezone(LONDON).date()
    period = Period(*quarter_of(local.year, (local.month - 1) // 3 + 1))
    both = figures([demo.partnership, jersey.partnership], period, local)
    assert both.raised == 2 and both.open_at_end == 2
    # Drift and every single number of the region read each partnership's cases once: the
    # partnerships' figures added up. From the morning after, when both cases are open.
    tomorrow = local + datetime.timedelta(days=1)
    around = Period(local - datetime.timedelta(days=40), tomorrow, "around the raising")
    one, other = (figures([p], around, tomorrow) for p in (demo.partnership, jersey.partnership))
    both = figures([demo.partnership, jersey.partnership], around, tomorrow)
    assert both.headline() == [
        (name, a + b) for (name, a), (_, b) in zip(one.headline(), other.headline(), strict=True)
    ]
    assert [(p.open, p.overdue, p.drifting) for p in both.drift] == [
        (a.open + b.open, a.overdue + b.overdue, a.drifting + b.drifting)
        for a, b in zip(one.drift, other.drift, strict=True)
    ]
    assert both.drift[-1].day == tomorrow and both.drift[-1].open == 2
    RoleGrant.objects.create(
        user=demo.unit, role=Role.PARTNERSHIP_UNIT, partnership=jersey.partnership
    )
    client.force_login(demo.unit)
    page = client.get("/oversight/figures/").text
    assert (
        '<dt class="govuk-summary-list__key">Raised</dt><dd class="govuk-summary-list__value">2<'
        in page
    )


FIELDS = ["year", "quarter", "start", "start_day", "end_year", "partnership"]


def test_every_period_filter_takes_hostile_input_with_a_named_error_never_a_500(client):
    demo, *_ = partnership_with_case()
    client.force_login(demo.unit)
    url = f"/partnerships/{demo.partnership.slug}/figures/"
    for field in FIELDS:
        for name, value in HOSTILE.items():
            assert client.get(url, {field: value}).status_code == 200, (field, name)
    page = client.get(url, {"year": "abc"}).text
    assert "There is a problem" in page and "must be a number" in page
    page = client.get(url, {"start": "2026-05-01", "end": "2026-04-01"}).text
    assert "Date to must be the same as or after date from" in page
    page = client.get(url, {"start": "2026-05-01"}).text
    assert "Enter date to, or remove date from" in page
    page = client.get(url, {"end": "2026-05-01"}).text
    assert "Enter date from, or remove date to" in page
    page = client.get(url, {"start": "1990-01-01", "end": "2026-01-01"}).text
    assert "at most ten years" in page


def test_the_page_draws_drift_over_the_period_and_quotes_a_pause_reason_only_once_told(client):
    """Stoke-on-Trent: "every effort should be made ... to ensure that the process does
    not drift"; a reason is free text about the case, quoted once the partnership sees it."""

    from rpd.disagreements import transitions
    from rpd.disagreements.models import Disagreement
    from tests.disagreements.helpers import soon

    demo, raiser, d = partnership_with_case()
    resume = soon(7).isoformat()
    reason = {"reason": "Awaiting the strategy meeting", "expected_resume": resume}
    transitions.perform("pause", raiser, d.pk, d.version, reason)
    client.force_login(demo.unit)
    url = f"/partnerships/{demo.partnership.slug}/figures/"
    page = client.get(url).text
    assert '<title id="chart-drift-over-time-title">' in page
    # The period runs on: its last point is this morning's, beside the cases as they stand.
    assert ", this morning" in page and "Drift now: the open cases as they stand" in page
    assert "Pause" in page and "At stage 1" in page
    assert "Not shared with the partnership yet" in page
    assert "Awaiting the strategy meeting" not in page
    Disagreement.objects.filter(pk=d.pk).update(partnership_told_at=d.raised_at)
    page = client.get(url).text
    assert "Awaiting the strategy meeting" in page
    exported = client.get(url + "export.csv").content.decode()
    assert "Drift over the period" in exported and "Awaiting the strategy meeting" in exported
    report = client.get(f"/partnerships/{demo.partnership.slug}/report/").text
    assert '<title id="chart-drift-over-time-title">' in report


def test_the_page_lists_the_newest_reasons_and_the_export_every_one(client, monkeypatch):
    """A region's year holds thousands of reasons: the page lists the newest and says how
    many there are; the exports list them all."""
    from rpd.disagreements import transitions
    from rpd.disagreements.models import Disagreement
    from rpd.oversight import views
    from tests.disagreements.helpers import raise_data, soon

    demo, raiser, first = partnership_with_case()
    second = transitions.raise_disagreement(raiser, raise_data(demo))
    for d, why in ((first, "Awaiting the strategy meeting"), (second, "Awaiting a report")):
        reason = {"reason": why, "expected_resume": soon(7).isoformat()}
        transitions.perform("pause", raiser, d.pk, d.version, reason)
    Disagreement.objects.filter(partnership=demo.partnership).update(
        partnership_told_at=first.raised_at
    )
    monkeypatch.setattr(views, "REASONS_ON_PAGE", 1)
    client.force_login(demo.unit)
    url = f"/partnerships/{demo.partnership.slug}/figures/"
    page = client.get(url).text
    assert "in the period: the newest 1 of 2 (the exports list every one)" in page
    assert page.count("Awaiting a") + page.count("Awaiting the") == 1
    exported = client.get(url + "export.csv").content.decode()
    assert "Awaiting the strategy meeting" in exported and "Awaiting a report" in exported
