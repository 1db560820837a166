"""The annual report: the page, and `rpd report annual` as CSV, XLSX and PDF."""

import csv
import io
import subprocess
import sys

import pytest

from rpd.audit.models import Event
from rpd.disagreements import demo as case_demo
from rpd.oversight.report import annual

from .conftest import pdf_tests

pytestmark = pytest.mark.django_db

needs_pdf = pdf_tests()


@pytest.fixture(scope="module")
def jersey(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        demo, cases = case_demo.build("jersey", "jersey-report")
        yield demo, cases
        from django.core.management import call_command

        call_command("flush", "--no-input", verbosity=0)


def test_the_report_lists_every_case_that_reached_the_top_stage_with_its_recommendation(jersey):
    demo, cases = jersey
    year = cases[0].raised_at.year
    report = annual(demo.partnership, year)
    top = [d for d in cases if d.episodes.filter(number=4).exists()]
    assert top and sorted(c.reference for c in report.top_cases) == sorted(d.reference for d in top)
    referred = [c for c in report.top_cases if c.referred_to]
    assert referred and all(
        c.recommendation == "Both agencies meet with the partnership within a week."
        for c in referred
    )
    assert report.learning  # the demo's resolutions suggest learning
    yoy = report.year_on_year()
    assert yoy.rows[0][:3] == ["Raised", report.figures.raised, report.before.raised]


def test_a_top_stage_case_the_partnership_was_not_told_of_keeps_its_texts_out_of_the_report(
    jersey,
):
    # The report quotes what the partnership's oversight roles may see whole: nothing of a
    # case the pathway has not told it about.
    from rpd.disagreements.models import Disagreement

    demo, cases = jersey
    top = [d for d in cases if d.episodes.filter(number=4).exists()]
    Disagreement.objects.filter(pk=top[0].pk).update(partnership_told_at=None)
    report = annual(demo.partnership, cases[0].raised_at.year)
    shown = {c.reference: c.recommendation for c in report.top_cases}
    assert shown[top[0].reference] == "Not shared with the partnership"
    assert all(shown[d.reference] != "Not shared with the partnership" for d in top[1:])


def test_a_figure_of_today_shows_only_in_the_current_years_column(jersey):
    # "Overdue now" of 2025 would be today's figure printed under a year it says nothing of.
    from rpd.pathways.calendar import today

    demo, _ = jersey
    this_year = today().year
    report = annual(demo.partnership, this_year)
    rows = {row[0]: row[1:] for row in report.year_on_year().rows}
    assert rows["Overdue now"] == [report.figures.overdue_now, "—", "—"]
    assert rows["Drifting now"] == [report.figures.drifting_now, "—", "—"]
    assert rows["Raised"][0] == report.figures.raised

    past = annual(demo.partnership, this_year - 1)
    rows = {row[0]: row[1:] for row in past.year_on_year().rows}
    assert rows["Overdue now"] == rows["Drifting now"] == ["—", "—", "—"]
    assert "Overdue now" not in dict(past.headline())
    assert "Overdue now" in dict(report.headline())


def test_the_command_writes_the_report_as_csv_one_row_per_figure_then_tables(jersey, capfd):
    from rpd.cli import main

    demo, cases = jersey
    year = cases[0].raised_at.year
    assert (
        main(["report", "annual", "--partnership", demo.partnership.slug, "--year", str(year)]) == 0
    )
    out, err = capfd.readouterr()
    rows = list(csv.reader(io.StringIO(out)))
    report = annual(demo.partnership, year)
    assert rows[0] == ["Raised", str(report.figures.raised)]
    assert rows[1] == ["Resolved", str(report.figures.resolved)]
    assert ["Cases that reached the top stage, with the recommendation"] in rows
    assert ["Learning items"] in rows
    assert "rpd: Figures for" in err and "rpd: Learning items..." in err
    event = Event.objects.get(action="oversight.export.annual-report")
    assert event.data["filters"] == {"year": year} and event.actor_id is None


def test_every_mistake_on_the_command_line_is_one_line_and_exit_2(jersey, capfd):
    from rpd.cli import main

    demo, _ = jersey
    for argv in (
        ["report", "annual", "--partnership", "nowhere", "--year", "2026"],
        ["report", "annual", "--partnership", demo.partnership.slug, "--year", "26"],
        ["report", "annual", "--partnership", demo.partnership.slug, "--year", "2026",
         "--output", "/nonexistent/dir/report.csv"],
    ):  # fmt: skip
        with pytest.raises(SystemExit) if argv[-1] == "26" else _nothing():
            assert main(argv) == 2
        err = capfd.readouterr().err.strip().splitlines()  # progress lines, then the error
        assert err[-1].startswith(("rpd: error:", "rpd report annual: error:"))
        assert not any(line.startswith("usage:") for line in err)


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@needs_pdf
def test_the_report_as_pdf_is_tagged_titled_in_english_and_arial(jersey, tmp_path):
    from pypdf import PdfReader

    from rpd.cli import main

    demo, cases = jersey
    year = cases[0].raised_at.year
    out = tmp_path / "report.pdf"
    args = ["report", "annual", "--partnership", demo.partnership.slug, "--year", str(year)]
    assert main([*args, "--format", "pdf", "--output", str(out)]) == 0
    reader = PdfReader(out)
    root = reader.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"] and "/StructTreeRoot" in root
    assert str(root["/Lang"]).startswith("en")
    assert reader.metadata.title == annual(demo.partnership, year).title
    text = "".join(page.extract_text() for page in reader.pages)
    assert "Cases that reached the top stage" in text and "Raised" in text


def figures_of(node) -> list[str]:
    """The alternative text of each figure in a tagged PDF's structure tree."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    node = node.get_object()
    found = []
    if isinstance(node, DictionaryObject):
        if node.get("/S") == "/Figure":
            found.append(str(node.get("/Alt", "")))
        kids = node.get("/K")
        for kid in kids if isinstance(kids, ArrayObject) else [kids]:
            if isinstance(kid, IndirectObject | DictionaryObject):
                found += figures_of(kid)
    return found


@needs_pdf
def test_the_report_as_pdf_draws_each_chart_of_the_page_as_a_figure_with_its_numbers(jersey):
    # A board reads the annual report as a document: its charts are there as on the page,
    # each a tagged figure whose alternative text gives its numbers.
    import io

    from pypdf import PdfReader

    from rpd.oversight.report import render_report
    from rpd.oversight.tables import Table

    demo, cases = jersey
    report = annual(demo.partnership, cases[0].raised_at.year)
    charted = [t for t in report.tables() if isinstance(t, Table) and t.chart and t.rows]
    assert charted
    reader = PdfReader(io.BytesIO(render_report(report, "pdf")))
    alts = figures_of(reader.trailer["/Root"]["/StructTreeRoot"])
    assert len(alts) == len(charted)
    for table, alt in zip(charted, alts, strict=True):
        assert alt.startswith(table.charted) and all(
            f"{label}: {value}" in alt for label, value in table.bars()
        )


def test_without_weasyprints_libraries_a_pdf_is_one_clear_line(tmp_path):
    script = (
        "import sys, builtins\n"
        "real = builtins.__import__\n"
        "def fake(name, *a, **k):\n"
        "    if name == 'weasyprint': raise OSError('cannot load library libpango-1.0-0')\n"
        "    return real(name, *a, **k)\n"
        "builtins.__import__ = fake\n"
        "from rpd.oversight import pdf\n"
        "try:\n"
        "    pdf.from_template('oversight/document.html', {})\n"
        "except pdf.PdfUnavailable as e:\n"
        "    print(e)\n"
    )
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os\n"
            "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'rpd.settings')\n"
            "django.setup()\n" + script,
        ],
        capture_output=True,
        text=True,
    )
    assert result.stdout.strip().startswith("PDFs need WeasyPrint's system libraries")
    assert "libpango-1.0-0" in result.stdout and len(result.stdout.strip().splitlines()) == 1


def test_the_report_page_shows_the_year_and_downloads(client, jersey):
    demo, cases = jersey
    client.force_login(demo.unit)
    url = f"/partnerships/{demo.partnership.slug}/report/"
    page = client.get(url, {"year": cases[0].raised_at.year}).text
    assert "Cases that reached the top stage" in page and "Learning items" in page
    response = client.get(url, {"year": cases[0].raised_at.year, "format": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    for value in ("abc", "\x00", "99999999999999999999", "-1"):
        assert client.get(url, {"year": value}).status_code == 200
    assert "There is a problem" in client.get(url, {"year": "abc"}).text
    # An empty year box is this year's report, not an error above it.
    assert "There is a problem" not in client.get(url, {"year": ""}).text
    # A download asked for a year it cannot read is refused, not this year's report.
    for kind in ("csv", "xlsx"):
        refused = client.get(url, {"year": "abc", "format": kind})
        assert refused.status_code == 400, kind
        assert "Content-Disposition" not in refused and "There is a problem" in refused.text
        assert "Download this report" not in refused.text
    client.force_login(cases[0].raised_by)
    assert client.get(url).status_code == 404
