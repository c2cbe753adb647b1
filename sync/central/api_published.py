"""``GET /api/v1/reports/published``: the published report of a period as a file, XLSX or
PDF, in Vietnamese or English; the dashboard's report page links here for its downloads.

The period is ``period`` (2026-10, 2026-Q3, 2026) or ``from``/``to`` (the last 30 days when
none is given). Who may read it, and how a refusal is worded, as for the satisfaction report.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from sync.central.api import admin_of, refusal, report_range
from sync.central.errors import ApiError, scope_language
from sync.central.i18n import pick_language, t
from sync.central.models import utcnow
from sync.central.pdf_report import PdfUnavailable
from sync.central.periods import Period, day_range, parse_any
from sync.central.published import report_as_published
from sync.central.published_file import file_name, published_bytes
from sync.central.reports import ReportError
from sync.protocol import PUBLISHED_PATH

router = APIRouter()
MEDIA = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def period_of(params: Any, today: Any) -> Period:
    """``period`` when given, else the days ``from``/``to`` (ReportError when bad)."""
    if params.get("period"):
        if params.get("from") or params.get("to"):
            raise ReportError("period: give either period or from/to", "period_and_range")
        return parse_any(params["period"])
    return day_range(*report_range(params, today))


@router.get(PUBLISHED_PATH)
def get_published(request: Request) -> Response:
    lang = scope_language(request.scope)
    if admin_of(request) is None:
        english = "admin token or dashboard login needed"
        raise ApiError(401, english if lang == "en" else t("error_login", lang))
    settings = request.app.state.settings
    params = request.query_params
    output = params.get("format", "xlsx")
    try:
        if output not in MEDIA:
            raise ReportError(
                f"format: expected xlsx or pdf, got {output[:40]!r}",
                "bad_published_format",
                value=output[:40],
            )
        period = period_of(params, utcnow().astimezone(settings.report.tz).date())
    except ReportError as exc:
        raise ApiError(422, refusal(lang, exc)) from None
    # The document's language: ?lang=, else the center's own (Vietnamese), whoever asks.
    words = pick_language(params.get("lang"))
    # A month whose report was mailed: its figures as sent, the late ratings apart (the
    # file says so; the headers count them for a program).
    report = report_as_published(request.app.state.db, settings.report, period)
    try:
        body = published_bytes(report, output, words)
    except PdfUnavailable as exc:
        raise ApiError(503, str(exc)) from None
    name = file_name(period, words, output)
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    publication = report.publication
    if publication is not None and publication.as_sent is not None:
        headers["X-Report-Sent-At"] = publication.as_sent.isoformat().replace("+00:00", "Z")
        headers["X-Late-Ratings"] = str(publication.late.count)
    return Response(body, media_type=MEDIA[output], headers=headers)
