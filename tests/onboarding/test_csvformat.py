"""Reading the people CSV: the file's hazards refused in one clear message, cells kept as
typed, and the template written so no cell is run as a formula."""

import pytest

from rpd.onboarding import csvformat
from rpd.onboarding.csvformat import FileProblem, read

HEADER = "email,given_name,family_name,agency_code,rung_title\r\n"
ROW = "amara@police.example.org,Amara,Ashcombe,sample-police,Detective Constable\r\n"


def test_a_byte_order_mark_from_excel_is_taken_off():
    table = read(("\ufeff" + HEADER + ROW).encode())
    assert table.rows[0].values["email"] == "amara@police.example.org"


def test_windows_1252_is_refused_naming_the_line_and_how_to_save_it():
    data = (HEADER + ROW + "bea@x.example.org,Béa,Ashcombe,sample-police,DC\r\n").encode("cp1252")
    with pytest.raises(FileProblem, match=r"not UTF-8 \(byte 0xe9 on line 3.*CSV UTF-8"):
        read(data)


def test_utf16_from_excels_unicode_text_is_refused():
    with pytest.raises(FileProblem, match="UTF-16"):
        read((HEADER + ROW).encode("utf-16"))


def test_a_spreadsheet_saved_as_xlsx_is_refused_as_not_text():
    with pytest.raises(FileProblem, match="not text"):
        read(b"PK\x03\x04\x00\x00" + b"\x00" * 100)


def test_an_oversized_file_is_refused_before_it_is_parsed():
    with pytest.raises(FileProblem, match="the most is 5,242,880"):
        read(b"x" * (csvformat.MAX_BYTES + 1))


def test_too_many_rows_are_refused(monkeypatch):
    monkeypatch.setattr(csvformat, "MAX_ROWS", 2)
    with pytest.raises(FileProblem, match="more than 2 rows"):
        read((HEADER + ROW * 3).encode())


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "the file is empty"),
        (b"\r\n", "the file is empty"),
        (HEADER.encode(), "a header but no rows"),
        (b"email,given_name,family_name,agency_code\r\n" + ROW.encode(), "'rung_title' is missing"),
        ((HEADER.strip() + ",rung\r\n" + ROW).encode(), "unknown column 'rung'"),
        ((HEADER.strip() + ",email\r\n" + ROW).encode(), "'email' appears twice"),
        ((HEADER + ROW.strip() + ",extra\r\n").encode(), "line 2: 6 cells but the header has 5"),
        ((HEADER + 'a@x.org,"Amara,Ashcombe,x,y\r\n').encode(), "line 2: the row cannot be read"),
    ],
)
def test_a_file_that_cannot_be_read_says_why(data, message):
    with pytest.raises(FileProblem, match=message):
        read(data)


def test_rows_keep_their_line_numbers_past_blank_lines_and_quoted_newlines():
    data = HEADER + "\r\n" + 'a@x.org,"Amara\nJane",Ashcombe,p,DC\r\n' + ROW
    rows = read(data.encode()).rows
    assert [r.line for r in rows] == [3, 5]
    assert rows[0].values["given_name"] == "Amara\nJane"


def test_columns_may_come_in_any_order_and_in_any_case():
    table = read(b"Rung_Title, EMAIL ,given_name,family_name,agency_code\nDC,a@x.org,A,B,p\n")
    assert table.rows[0].values["email"] == "a@x.org"
    assert table.rows[0].values["rung_title"] == "DC"
    assert table.rows[0].values["phone"] == ""


def test_cells_that_a_spreadsheet_would_run_are_written_with_an_apostrophe():
    text = csvformat.write(
        [
            {
                "email": "a@x.org",
                "given_name": '=HYPERLINK("http://evil")',
                "phone": "+44 1632 960001",
                "family_name": "@SUM(A1)",
                "team": "-2+3",
                "job_title": "Plain",
            }
        ]
    )
    row = text.splitlines()[1]
    assert "'=HYPERLINK" in row and "'+44 1632 960001" in row and "'@SUM(A1)" in row
    assert "'-2+3" in row and ",Plain," in row


def test_the_apostrophe_comes_off_again_so_a_template_imports_unchanged():
    values = {
        "email": "a@x.org",
        "given_name": "=1+2",
        "family_name": "'quoted",
        "phone": "+44 1632 960001",
        "agency_code": "p",
        "rung_title": "DC",
    }
    row = read(csvformat.write([values]).encode()).rows[0].values
    assert row["given_name"] == "=1+2"
    assert row["family_name"] == "'quoted"  # an apostrophe the person typed stays
    assert row["phone"] == "+44 1632 960001"


def test_column_letters_are_the_spreadsheets():
    assert csvformat.column_letter("email") == "A"
    assert csvformat.column_letter("rung_title") == "G"
    assert csvformat.column_letter("pack_roles") == "N"
