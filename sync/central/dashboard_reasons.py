"""The dashboard's reasons page, ``/reasons``: why citizens were not satisfied, for the
whole center, per department and per officer, over the range asked.

Each line says how many low ratings it has, and for each reason the share of them that
gave it (the count beside it): the leader of a department sees at once what to mend.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sync.central.dashboard_page import language, open_page, render
from sync.central.reasons import reason_report

router = APIRouter()
PATH = "/reasons"


@router.get(PATH, response_class=HTMLResponse)
def reasons_page(request: Request) -> Response:
    page = open_page(request)
    if page is None:
        return RedirectResponse(f"/login?lang={language(request)}", status_code=303)
    config = page.settings.report
    return render(
        "reasons.html",
        page.lang,
        **page.context(),
        reasons=reason_report(page.db, config, page.date_from, page.date_to),
        csv_link=page.csv_link("reason"),
    )
