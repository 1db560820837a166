"""A partnership administrator uploads a new pathway version, reads what it changes and
its dates, and switches to it: every page axe-clean at 1280 and 320 px, with and without
JavaScript, and a bad file refused on the way."""

from __future__ import annotations

import datetime

import pytest

from rpd.disagreements import pathway_versions as versions
from rpd.people.demo import build_partnership
from tests.browser.test_journeys import Walk, fill_date, sign_in
from tests.disagreements.test_pathway_versions import stoke_v2

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("no_second_factor"),
]


def test_an_administrator_uploads_compares_simulates_and_switches(
    live_server, any_page, page_check, tmp_path
):
    demo = build_partnership("stoke-on-trent")
    page = any_page
    walk = Walk(page, page_check, live_server, "pathway")
    sign_in(page, live_server, demo.admin)
    walk.go("/partnerships/stoke-on-trent/pathway/", "overview")
    assert "Built in" in walk.main()
    walk.follow("Upload a new version", "upload")

    bad = tmp_path / "broken.yaml"
    bad.write_bytes(
        stoke_v2().replace(b"review_every_working_days: 3", b"review_every_working_days: 0")
    )
    page.get_by_label("Pack file").set_input_files(str(bad))
    walk.press("Upload and check", "upload-refused")
    assert "broken.yaml:73: stages[0].timescale.review_every_working_days" in walk.main()

    good = tmp_path / "stoke-on-trent-v5.yaml"
    good.write_bytes(stoke_v2())
    page.get_by_label("Pack file").set_input_files(str(good))
    walk.press("Upload and check", "review")
    assert "What changes from version 4" in walk.main()
    assert "reviewed every 3 working days" in walk.main()

    fill_date(page, "start", datetime.date(2026, 12, 1))
    walk.press("Show the dates", "simulated")
    assert "Tuesday 1 December 2026" in walk.main()

    walk.press("Switch to version 5", "switched")
    assert "New disagreements now start under stoke-on-trent v5" in walk.main()
    assert versions.in_use(demo.partnership).pack.version == 5
