"""The register and the figures as CSV and XLSX, and the audit event every export writes.

Cells are guarded against formula injection: CSV through the people import's guard
(`onboarding.csvformat.cell`), XLSX by writing every text as a string, never a formula.
No special-category field is ever read here (ethnicity, religion, disability, health live
in `SubjectSensitive` and `FormSubmissionSensitive`, which nothing here touches).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from django.db import transaction

from rpd.audit import log as audit
from rpd.onboarding.csvformat import cell

from .register import RegisterRow
from .tables import Table

KINDS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

REGISTER_HEAD = [
    "Reference",
    "Partnership",
    "Status",
    "Outcome",
    "Highest stage reached",
    "Raised",
    "Closed",
    "Raising agency",
    "Receiving agency",
    "Categories",
    "Pathway version",
    "Overdue",
    "About",
]


def register_table(rows: Iterable[RegisterRow]) -> Table:
    """The register as one table: what each row of the page shows, nothing more."""
    return Table(
        "register",
        "Register",
        REGISTER_HEAD,
        [
            [
                r.reference,
                r.partnership,
                r.status,
                r.outcome,
                r.stage,
                r.raised_on.isoformat(),
                r.closed_on.isoformat() if r.closed_on else "",
                r.raising_agency,
                r.receiving_agency,
                "; ".join(r.categories),
                r.pathway,
                "Yes" if r.overdue else "No",
                r.subject_name or "Register line only",
            ]
            for r in rows
        ],
    )


def _text(value) -> str:
    return cell(str(value)) if isinstance(value, str) else str(value)


def as_csv(headline: list[tuple[str, object]], tables: list[Table]) -> bytes:
    """One row per single figure (`Raised,14`), then each table under its title."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    for name, value in headline:
        writer.writerow([_text(name), _text(value)])
    for table in tables:
        if headline or table is not tables[0]:
            writer.writerow([])
        if headline or len(tables) > 1:
            writer.writerow([_text(table.title)])
        writer.writerow([_text(h) for h in table.head])
        for row in table.rows:
            writer.writerow([_text(v) for v in row])
    return out.getvalue().encode("utf-8")


def as_xlsx(headline: list[tuple[str, object]], tables: list[Table]) -> bytes:
    """A sheet of the single figures (where there are any), then a sheet per table."""
    import xlsxwriter

    out = io.BytesIO()
    # Text is text: never a formula, a number or a link, whatever it starts with.
    options = {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False}
    book = xlsxwriter.Workbook(out, {"in_memory": True, **options})
    bold = book.add_format({"bold": True})

    def put(sheet, r, c, value, fmt=None):
        if isinstance(value, bool) or not isinstance(value, int | float):
            sheet.write_string(r, c, str(value), fmt)
        else:
            sheet.write_number(r, c, value, fmt)

    if headline:
        sheet = book.add_worksheet("Figures")
        for r, (name, value) in enumerate(headline):
            put(sheet, r, 0, name, bold)
            put(sheet, r, 1, value)
        sheet.set_column(0, 0, 30)
    for table in tables:
        sheet = book.add_worksheet(table.id[:31])
        put(sheet, 0, 0, table.title, bold)
        for c, h in enumerate(table.head):
            put(sheet, 1, c, h, bold)
        for r, row in enumerate(table.rows, start=2):
            for c, value in enumerate(row):
                put(sheet, r, c, value)
        sheet.set_column(0, max(len(table.head) - 1, 0), 18)
    book.close()
    return out.getvalue()


def render(kind: str, headline, tables) -> bytes:
    return as_csv(headline, tables) if kind == "csv" else as_xlsx(headline, tables)


def audited(user, what: str, kind: str, partnerships, filters: dict, rows: int) -> None:
    """The export's audit event: who took what, in which format, with which filters."""
    ids = [p.pk for p in partnerships]
    with transaction.atomic():
        audit.append(
            action=f"oversight.export.{what}",
            target="partnership:" + ",".join(p.slug for p in partnerships),
            actor=user,
            partnership_id=ids[0] if len(ids) == 1 else None,
            data={"format": kind, "filters": filters, "rows": rows, "partnerships": ids},
        )
