"""Exports of the register and the figures: CSV and XLSX, guarded, audited, and never a
special-category field."""

import csv
import io
import zipfile

import pytest

from rpd.audit.models import Event
from rpd.disagreements.models import SubjectSensitive
from tests.disagreements.pages import partnership_with_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def case():
    demo, raiser, d = partnership_with_case()
    police = demo.agencies["police"]
    police.name = '=HYPERLINK("http://evil.example")'
    police.save()
    SubjectSensitive.objects.create(subject=d.subject, ethnicity="Ethnicity-marker-7")
    d.partnership_told_at = d.raised_at  # the register then shows whom it is about
    d.save()
    return demo, d


def test_the_register_exports_as_csv_guarded_and_audited_with_its_filters(client, case):
    demo, d = case
    client.force_login(demo.unit)
    url = f"/partnerships/{demo.partnership.slug}/register/export.csv"
    response = client.get(url, {"status": "open", "reference": d.reference})
    assert response["Content-Disposition"] == 'attachment; filename="register.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][0] == "Reference" and rows[1][0] == d.reference
    assert '\'=HYPERLINK("http://evil.example")' in rows[1]
    assert "Robin Testchild" in rows[1]
    assert b"Ethnicity-marker-7" not in response.content
    event = Event.objects.get(action="oversight.export.register")
    assert event.actor_id == demo.unit.pk and event.partnership_id == demo.partnership.pk
    assert event.data["format"] == "csv" and event.data["rows"] == 1
    assert event.data["filters"] == {
        "partnerships": [demo.partnership.pk],
        "statuses": ["open"],
        "reference": d.reference,
    }


def test_the_register_and_figures_export_as_xlsx_with_text_never_a_formula(client, case):
    demo, d = case
    client.force_login(demo.unit)
    for what in ("register", "figures"):
        response = client.get(f"/partnerships/{demo.partnership.slug}/{what}/export.xlsx")
        book = zipfile.ZipFile(io.BytesIO(response.content))
        sheets = [n for n in book.namelist() if n.startswith("xl/worksheets/sheet")]
        assert sheets and not any(b"<f>" in book.read(n) for n in sheets)
        strings = book.read("xl/sharedStrings.xml")
        assert b"Ethnicity-marker-7" not in strings
        if what == "register":
            assert b"=HYPERLINK" in strings and d.reference.encode() in strings
        else:
            assert b"Raised" in strings
    assert Event.objects.filter(action__startswith="oversight.export.").count() == 2


def test_the_figures_export_as_csv_one_row_per_figure_then_the_tables(client, case):
    demo, d = case
    client.force_login(demo.unit)
    year = d.raised_at.year
    response = client.get(
        f"/partnerships/{demo.partnership.slug}/figures/export.csv", {"year": year}
    )
    text = response.content.decode()
    assert text.startswith("Raised,1\r\nResolved,0\r\n")
    rows = list(csv.reader(io.StringIO(text)))
    at = rows.index(["Cases raised in the period, by the highest stage reached"])
    assert rows[at + 1 : at + 3] == [["Stage", "Cases"], ["Stage 1", "1"]]
    event = Event.objects.get(action="oversight.export.figures")
    assert event.data["filters"] == {"start": f"{year}-01-01", "end": f"{year}-12-31"}


def test_exports_are_for_the_oversight_roles_only(client, case):
    demo, d = case
    for user in (demo.ladder["csc"][0], demo.admin):
        client.force_login(user)
        for what in ("register", "figures"):
            url = f"/partnerships/{demo.partnership.slug}/{what}/export.csv"
            assert client.get(url).status_code == 404
    client.force_login(demo.unit)
    assert (
        client.get(f"/partnerships/{demo.partnership.slug}/register/export.pdf").status_code == 404
    )
    assert not Event.objects.filter(action__startswith="oversight.export.").exists()


@pytest.mark.parametrize(
    ("what", "query", "message"),
    [
        ("register/export.csv", {"agency": "-3"}, "Select agency from the list"),
        (
            "register/export.csv",
            {"raised_from_day": "45", "raised_from_month": "13", "raised_from_year": "2026"},
            "must be a real date",
        ),
        ("register/export.xlsx", {"status": "bogus"}, "from the list"),
        ("figures/export.csv", {"year": "-1"}, "Year must"),
        ("figures/export.xlsx", {"year": "abc"}, "Year must"),
    ],
)
def test_an_export_asked_with_filters_it_cannot_read_says_what_is_wrong_and_exports_nothing(
    client, case, what, query, message
):
    """Not the whole register (or the default period) under a file the person believes is
    filtered: the page again, with what is wrong named."""
    demo, d = case
    client.force_login(demo.unit)
    response = client.get(f"/partnerships/{demo.partnership.slug}/{what}", query)
    assert response.status_code == 400
    assert "Content-Disposition" not in response
    page = response.content.decode()
    assert "There is a problem" in page and message in page
    assert "/export." not in page  # no download offered while the filters are wrong
    assert not Event.objects.filter(action__startswith="oversight.export.").exists()


def test_a_page_whose_filters_are_wrong_offers_no_download(client, case):
    demo, d = case
    client.force_login(demo.unit)
    for what, query in (("register", {"agency": "-3"}), ("figures", {"year": "-1"})):
        page = client.get(f"/partnerships/{demo.partnership.slug}/{what}/", query)
        assert page.status_code == 200 and "There is a problem" in page.content.decode()
        assert "/export." not in page.content.decode()
        page = client.get(f"/partnerships/{demo.partnership.slug}/{what}/")
        assert f"/{what}/export.csv" in page.content.decode()


def test_the_figures_export_is_named_for_its_partnership_and_period(client, case):
    demo, d = case
    client.force_login(demo.unit)
    slug = demo.partnership.slug
    response = client.get(f"/partnerships/{slug}/figures/export.csv", {"year": 2025})
    assert response["Content-Disposition"] == (
        f'attachment; filename="figures-{slug}-2025-01-01-to-2025-12-31.csv"'
    )
    response = client.get("/oversight/figures/export.csv", {"year": 2025})
    assert response["Content-Disposition"] == (
        'attachment; filename="figures-region-2025-01-01-to-2025-12-31.csv"'
    )
