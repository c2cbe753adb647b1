"""A browser's form (the dashboard's login, the phone page's choice), read within bounds
before it is parsed: whatever a client sends, it gets a 4xx saying what was wrong, never
a 500, a traceback in the log, or a file spooled to disk.

Every form of the central is a plain ``application/x-www-form-urlencoded`` one: another
kind of body (multipart, with files) is refused unread (415); a body over ``max_bytes``
is refused as soon as it is (413), one with more than ``max_fields`` fields too (413),
one that trickles in for longer than ``[server] body_timeout_seconds`` gets 408.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from fastapi import Request

from sync.central.bodies import read_body
from sync.central.errors import ApiError

FORM_TYPE = "application/x-www-form-urlencoded"
MAX_FORM_BYTES = 64_000  # a login's name and password hold far less
MAX_FIELDS = 50

Form = dict[str, list[str]]


async def read_form(
    request: Request, max_bytes: int = MAX_FORM_BYTES, max_fields: int = MAX_FIELDS
) -> Form:
    """The fields of the request's form, each with its values in the order sent."""
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if kind not in (FORM_TYPE, ""):
        raise ApiError(415, f"form: expected {FORM_TYPE}, got {kind[:60]!r}")
    body = await read_body(request, max_bytes, "form")
    try:
        return parse_qs(body.decode("utf-8", "replace"), max_num_fields=max_fields)
    except ValueError:  # "Max number of fields exceeded"
        raise ApiError(413, f"form has more than {max_fields} fields") from None


def field(form: Form, name: str) -> str:
    """The first value of ``name``, "" when the form has none."""
    return (form.get(name) or [""])[0]
