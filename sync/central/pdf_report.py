"""The published report as a PDF on A4, printed by WeasyPrint from the same HTML the
dashboard's report page shows (published_html.py).

Why WeasyPrint and not headless Chromium printing the dashboard: it is the lighter of the
two on a central server. It runs inside the central's own process (some tens of
milliseconds a report), needs only Debian's pango and a font, and nothing to start, log
in to or time out; Chromium would be a whole browser started per report, hundreds of
megabytes of memory, a sandbox to configure under systemd, and a login to the dashboard to
reach its page. Chromium stays what the tests drive the dashboard with.
"""

from __future__ import annotations

from sync.central.published import PublishedReport


class PdfUnavailable(RuntimeError):
    """WeasyPrint or the system libraries it needs (pango) are missing; the text says which."""


def pdf_bytes(report: PublishedReport, lang: str) -> bytes:
    """The PDF of ``report`` in ``lang``; PdfUnavailable when it cannot be printed here."""
    try:
        from weasyprint import HTML  # loads pango: only when a PDF is asked for
    except (ImportError, OSError) as exc:
        raise PdfUnavailable(
            f"cannot make a PDF: {exc}; install the central's extra "
            "(pip install 'counter-kiosk[central]') and Debian's libpango-1.0-0, "
            "libpangoft2-1.0-0 and fonts-dejavu-core"
        ) from None
    # The print view shares the dashboard's templates (Jinja, FastAPI's request types):
    # loaded with the first PDF, not by every centralctl command that names PdfUnavailable.
    from sync.central.published_html import print_html

    return HTML(string=print_html(report, lang)).write_pdf()
