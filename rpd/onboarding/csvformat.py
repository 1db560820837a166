"""The people CSV (docs/import.md): its columns, reading it safely, and writing it back.

Reading is strict about the file itself (UTF-8 only, a known header, a size limit) and
says exactly what is wrong with it in one message, before any row is looked at. Writing
guards every cell against formula injection: a spreadsheet runs a cell that starts with
`=`, `+`, `-` or `@`, so such a cell is written with a leading apostrophe, which reading
takes off again (a phone number `+44...` goes out and comes back unchanged).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass

# The most a file may hold: far more than any partnership's staff, small enough that a
# mistaken upload (a database dump, a video) is refused before it is read.
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    hint: str
    example: str = ""
    max_length: int = 200


COLUMNS: tuple[Column, ...] = (
    Column(
        "email",
        True,
        "the person's work email address: who they are, and how they sign in",
        max_length=254,
    ),
    Column("given_name", True, "their first name", max_length=150),
    Column("family_name", True, "their last name", max_length=150),
    Column(
        "agency_code",
        True,
        "the agency's code: lower-case letters, digits and hyphens, the same in every "
        "partnership (e.g. lancashire-constabulary)",
        max_length=64,
    ),
    Column(
        "agency_name",
        False,
        "the agency's name: needed on the agency's first row when it is new; any other "
        "row that gives it must give the same",
    ),
    Column(
        "agency_type",
        False,
        "the kind of agency (see the list below): needed with a new agency's name",
        max_length=32,
    ),
    Column(
        "rung_title",
        True,
        "the person's title on their agency's own management ladder (e.g. Detective Sergeant)",
    ),
    Column(
        "pathway_rung",
        False,
        "which of the pathway's rungs that title stands on (e.g. line-manager): needed "
        "the first time a title appears for an agency",
        max_length=64,
    ),
    Column(
        "line_manager_email",
        False,
        "their line manager's email address: someone in this file or already registered",
        max_length=254,
    ),
    Column("job_title", False, "their job title, if not the rung's title"),
    Column("team", False, "their team or service"),
    Column("phone", False, "a work phone number", max_length=40),
    Column(
        "roles",
        False,
        "what they may do, separated by semicolons (see the list below); blank: "
        "practitioner on the first rung, manager above it",
    ),
    Column(
        "pack_roles",
        False,
        "the pathway's own roles this person stands behind, by id, separated by semicolons "
        "(e.g. implementation-unit)",
    ),
)
NAMES = tuple(c.name for c in COLUMNS)
REQUIRED = tuple(c.name for c in COLUMNS if c.required)
BY_NAME = {c.name: c for c in COLUMNS}

# What a spreadsheet treats as the start of a formula (OWASP's list), tab and CR included.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class FileProblem(ValueError):
    """The file as a whole cannot be read: one message, no row looked at."""


@dataclass(frozen=True)
class Row:
    line: int  # the file's line the row starts on (the header is line 1)
    values: dict[str, str]


@dataclass(frozen=True)
class Table:
    rows: list[Row]
    header: tuple[str, ...] = NAMES

    def letter(self, name: str) -> str:
        """The spreadsheet's letter for a column as this file orders them."""
        return column_letter(name, self.header)


def column_letter(name: str, header: tuple[str, ...] = NAMES) -> str:
    """The spreadsheet's letter for a column (A for the template's email)."""
    if name not in header:
        return ""
    index = header.index(name) + 1
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def decode(data: bytes) -> str:
    """The file's text, or a FileProblem that says how to save it as UTF-8."""
    if len(data) > MAX_BYTES:
        raise FileProblem(
            f"the file is {len(data):,} bytes; the most is {MAX_BYTES:,} "
            f"({MAX_BYTES // (1024 * 1024)} MB): split it into smaller files"
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileProblem(
            "the file is UTF-16 (Excel's 'Unicode Text'): save it as 'CSV UTF-8 "
            "(Comma delimited)' instead"
        )
    if b"\x00" in data[:4096]:
        raise FileProblem(
            "the file is not text (it holds NUL bytes): is it a spreadsheet? "
            "save it as 'CSV UTF-8 (Comma delimited)'"
        )
    try:
        # utf-8-sig: Excel's "CSV UTF-8" starts with a byte-order mark; take it off.
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise FileProblem(
            f"the file is not UTF-8 (byte 0x{data[error.start]:02x} on line {line}, "
            "probably Windows-1252 from Excel's plain 'CSV'): save it as 'CSV UTF-8 "
            "(Comma delimited)' and upload it again"
        ) from None


def uncell(value: str) -> str:
    """A cell as typed: spaces trimmed, and the apostrophe `cell` adds taken off again."""
    value = value.strip()
    if value[:1] == "'" and value[1:2] in FORMULA_STARTS and value[1:2]:
        return value[1:]
    return value


def cell(value: str) -> str:
    """A value safe to open in a spreadsheet: never read as a formula."""
    value = value or ""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def read(data: bytes) -> Table:
    """Every non-blank row of the file, by its line, with the header checked."""
    text = decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
    except csv.Error as error:
        raise FileProblem(f"line 1: the header cannot be read ({error})") from None
    if header is None or not any(h.strip() for h in header):
        raise FileProblem(
            f"the file is empty: its first line must be the header ({','.join(NAMES)})"
        )
    header = [h.strip().lower() for h in header]
    unknown = [h for h in header if h and h not in BY_NAME]
    if unknown:
        raise FileProblem(
            f"line 1: unknown column {unknown[0]!r} (the columns are {', '.join(NAMES)})"
        )
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise FileProblem(
            f"line 1: the column {missing[0]!r} is missing (needed: {', '.join(REQUIRED)})"
        )
    repeated = sorted({h for h in header if h and header.count(h) > 1})
    if repeated:
        raise FileProblem(f"line 1: the column {repeated[0]!r} appears twice")
    rows: list[Row] = []
    line = reader.line_num + 1
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            raise FileProblem(f"line {line}: the row cannot be read ({error})") from None
        start, line = line, reader.line_num + 1
        if not any(f.strip() for f in fields):
            continue
        if len(fields) > len(header):
            raise FileProblem(
                f"line {start}: {len(fields)} cells but the header has {len(header)} "
                "columns (a comma inside a value must be in double quotes)"
            )
        if len(rows) == MAX_ROWS:
            raise FileProblem(f"the file has more than {MAX_ROWS:,} rows: split it")
        values = {name: "" for name in NAMES}
        for name, value in zip(header, fields, strict=False):
            if name:
                values[name] = uncell(value)
        rows.append(Row(start, values))
    if not rows:
        raise FileProblem("the file has a header but no rows")
    return Table(rows, tuple(header))


def write(rows: Iterable[dict[str, str]]) -> str:
    """The CSV text of `rows` (each a dict by column name), every cell guarded."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(NAMES)
    for row in rows:
        writer.writerow([cell(row.get(name, "")) for name in NAMES])
    return out.getvalue()
