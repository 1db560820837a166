"""HTML to PDF through WeasyPrint: PDF/UA-1 (tagged, its language and title set), in Arial.

WeasyPrint needs Pango and HarfBuzz from the system. Where they are missing, asking for a
PDF says so in one line (`PdfUnavailable`); nothing else in RPD needs them.
"""

from __future__ import annotations

from django.template.loader import render_to_string

APT = "libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-liberation"


class PdfUnavailable(Exception):
    """PDFs cannot be made on this machine: the message says what to install."""


def _weasyprint():
    try:
        import weasyprint
    except (OSError, ImportError) as error:
        first = (str(error).splitlines() or [type(error).__name__])[0]
        raise PdfUnavailable(
            f"PDFs need WeasyPrint's system libraries (apt-get install {APT}): {first}"
        ) from None
    return weasyprint


def check() -> None:
    """Raise PdfUnavailable, saying what to install, where PDFs cannot be made."""
    _weasyprint()


def available() -> bool:
    try:
        _weasyprint()
    except PdfUnavailable:
        return False
    return True


def from_template(template: str, context: dict) -> bytes:
    """The template (which extends oversight/document.html: its title, `lang`, Arial) as
    a PDF/UA-1 document."""
    weasyprint = _weasyprint()
    html = render_to_string(template, context)
    return weasyprint.HTML(string=html).write_pdf(pdf_variant="pdf/ua-1", pdf_tags=True)
