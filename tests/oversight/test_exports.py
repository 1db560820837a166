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
