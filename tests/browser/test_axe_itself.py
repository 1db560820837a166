"""The accessibility check can fail: axe, as the journeys run it, reports a planted fault."""

import pytest

from tests.browser.conftest import axe_violations

pytestmark = pytest.mark.browser


def test_axe_reports_an_image_with_no_alternative_text(page):
    page.set_content(
        '<!DOCTYPE html><html lang="en"><head><title>Planted</title></head><body><main>'
        '<h1>Planted</h1><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
        "</main></body></html>"
    )
    violations = axe_violations(page)
    assert [v["id"] for v in violations] == ["image-alt"]
    assert violations[0]["nodes"]  # with where it is, for the failure message


PLANTED = {
    "/clean": "<h1>Clean</h1><p>Nothing wrong here.</p>",
    "/faulty": '<h1>Faulty</h1><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">',
}


def planted(route):
    body = PLANTED[route.request.url.removeprefix("http://planted.test")]
    route.fulfill(
        body=f'<!DOCTYPE html><html lang="en"><head><title>Planted</title></head>'
        f"<body><main>{body}</main></body></html>",
        content_type="text/html",
    )


def test_without_javascript_each_page_checked_is_the_one_audited(page_no_js, page_check):
    # The no-JavaScript check audits a scripted copy of the page, reused from one check to
    # the next: a fault on the second page must be found there, and gone from the third.
    page_no_js.route("http://planted.test/**", planted)
    page_no_js.goto("http://planted.test/clean")
    page_check(page_no_js, "axe-planted-clean")
    page_no_js.goto("http://planted.test/faulty")
    with pytest.raises(AssertionError, match="image-alt"):
        page_check(page_no_js, "axe-planted-faulty")
    page_no_js.goto("http://planted.test/clean")
    page_check(page_no_js, "axe-planted-clean-again")
