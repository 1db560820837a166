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
