"""The published report written to a file (``centralctl report --format xlsx|pdf -o FILE``;
the monthly e-mail attaches the same bytes): all of it or nothing, never half a file where
last month's report was.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from sync.central.db import Database
from sync.central.periods import Period
from sync.central.published import PublishedReport, published_report
from sync.central.settings import ReportSection

FORMATS = ("xlsx", "pdf")


def file_name(period: Period, lang: str, output: str) -> str:
    """The report's file name, as the dashboard offers it and the monthly mail attaches it."""
    return f"satisfaction-report-{period.code}-{lang}.{output}"


def published_bytes(report: PublishedReport, output: str, lang: str) -> bytes:
    """The report as ``output`` ("xlsx" or "pdf") in ``lang``."""
    # Imported here: openpyxl and WeasyPrint take a good part of a second to load, and
    # every other centralctl command (and the kiosks' API) never needs them.
    if output == "xlsx":
        from sync.central.xlsx_report import xlsx_bytes

        return xlsx_bytes(report, lang)
    from sync.central.pdf_report import pdf_bytes

    return pdf_bytes(report, lang)


def write_published(
    db: Database, config: ReportSection, period: Period, output: str, path: Path, lang: str
) -> PublishedReport:
    """Write the period's report to ``path``; returns the report written."""
    report = published_report(db, config, period)
    body = published_bytes(report, output, lang)
    folder = path.resolve().parent
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(body)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o644)  # mkstemp's 600 would hide the report from its readers
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return report
