"""HTML to PDF with WeasyPrint, imported only when a PDF is asked for.

WeasyPrint needs the Pango library from the system (Debian's libpango-1.0-0
and libpangoft2-1.0-0; `tests/system-deps.sh runtime` installs them). Nothing
else in Consult imports it, so a machine without Pango runs everything but PDFs.
"""

from __future__ import annotations

import logging

from .errors import ConsultError

log = logging.getLogger("consult.pdf")


class PdfUnavailable(ConsultError):
    """This machine cannot make PDFs (WeasyPrint or its system libraries are missing)."""


HOW_TO_INSTALL = (
    "Making a PDF needs WeasyPrint and the Pango library on the machine Consult runs on: "
    "run `tests/system-deps.sh runtime` (or `apt-get install libpango-1.0-0 libpangoft2-1.0-0`) "
    "and `make install`. The HTML pack works without them: `/consult evidence`."
)


PDF_VARIANT = "pdf/ua-1"


def html_to_pdf(html: str, title: str | None = None) -> bytes:
    # WeasyPrint logs each step, and each SVG style it reads as HTML CSS: not news to an operator.
    for name, level in (("weasyprint", logging.ERROR), ("weasyprint.progress", logging.WARNING)):
        logging.getLogger(name).setLevel(level)
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as e:  # OSError: the Pango shared library is missing
        log.warning("cannot make a PDF: %s", e)
        raise PdfUnavailable(HOW_TO_INSTALL) from e
    # PDF/UA-1: tagged (headings, tables with their header cells, figures with their alt text),
    # its language from <html lang>, its title shown in place of the file name.
    document = HTML(string=html, base_url=None).render(pdf_variant=PDF_VARIANT)
    if title:
        document.metadata.title = title
    # The creation and modification dates come from the page's dcterms meta (when it was made):
    # the fingerprint on each page already identifies the figures.
    pdf: bytes = document.write_pdf(pdf_variant=PDF_VARIANT)
    return pdf
