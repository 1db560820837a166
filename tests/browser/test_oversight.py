"""Oversight's pages in the browser: the register, the figures, the annual report, the
learning list and its forms, and a case's documents; every page axe-clean at 1280 and
320 px, with JavaScript on and off, and each form's error shown."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rpd.disagreements import demo as case_demo
from rpd.disagreements.models import FormSubmission
from rpd.oversight.models import LearningItem
from tests.browser.test_journeys import Walk, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("no_second_factor"),
]


def test_every_oversight_page_passes_axe_and_works_without_javascript(
    live_server, any_page, page_check
):
    demo, cases = case_demo.build("stoke-on-trent", "stoke")
    slug = demo.partnership.slug
    walk = Walk(any_page, page_check, live_server, "oversight")
    sign_in(any_page, live_server, demo.unit)
    walk.go("/oversight/", "list")
    walk.follow("Register of every case", "register")
    assert walk.h1() == "Register"
    any_page.locator("#id_raised_from_day").fill("31")
    any_page.locator("#id_raised_from_month").fill("2")
    any_page.locator("#id_raised_from_year").fill("2026")
    walk.press("Apply filters", "register-error")
    assert (
        "Raised from must be a real date" in any_page.locator(".govuk-error-summary").inner_text()
    )
    walk.go("/oversight/register/", "region-register")
    walk.go(f"/partnerships/{slug}/figures/?year=2026&quarter=", "figures")
    assert any_page.locator("svg[role=img]").count() >= 2
    # Drift over the year, by month: a chart, and its table of numbers.
    assert any_page.locator("svg#chart-drift-over-time").count() == 1
    assert "Drift over the period" in walk.main() and "Dec 2026" in walk.main()
    walk.go(f"/partnerships/{slug}/figures/?start=2026-05-01&end=2026-04-01", "figures-error")
    assert "Date to must be the same as or after date from" in walk.main()
    walk.go("/oversight/figures/", "region-figures")
    walk.go(f"/partnerships/{slug}/report/?year=2026", "report")
    assert any_page.locator("svg#chart-drift-over-time").count() == 1
    walk.go(f"/partnerships/{slug}/learning/", "learning")
    walk.follow("Add a learning item", "learning-add")
    walk.press("Save", "learning-add-error")
    assert any_page.title().startswith("Error: ")
    item = LearningItem.objects.filter(partnership=demo.partnership).first()
    walk.go(f"/partnerships/{slug}/learning/{item.pk}/", "learning-item")
    submission = FormSubmission.objects.filter(disagreement__partnership=demo.partnership).first()
    d = submission.disagreement
    sign_in(any_page, live_server, submission.submitted_by)
    args = [slug, d.pk, submission.form_id, submission.version]
    walk.go(reverse("oversight:form-version", args=args), "form-version")
    walk.go(reverse("oversight:case-copy", args=[slug, d.pk, d.raising_agency_id]), "case-copy")
    record = d.records.filter(approved_at__isnull=False).first()
    args = [slug, d.pk, record.pk, d.receiving_agency_id]
    walk.go(reverse("oversight:record-copy", args=args), "record-copy")
