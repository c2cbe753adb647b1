"""No secret and no citizen's address in the central's logs.

A phone link's code is a bearer right for its days of validity, and its rating's id is
derived from it (sync.phone_link); docs/protocol.md promises that nothing identifying the
phone is stored. uvicorn's access log would write both for every phone request, and the
last resort's log line the path of a failed request. So every path the central logs goes
through :func:`safe_path`:

- a path of the phone page (``/r/...``) is written ``/r/…``; the faces' pictures, which
  hold no secret, as they are;
- in a query string, only the values of the parameters known to hold none
  (:data:`PLAIN_PARAMETERS`) are written; any other is ``name=…`` (a token a client put
  there, a code);

and the access log writes ``-`` for the address of a phone page request (an admin's or a
kiosk's address stays: the login throttle and the kiosks' health are read by address).
Tokens, cookies and passwords travel in headers and bodies, which nothing logs.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import unquote

from sync.phone_link import PATH_PREFIX

REDACTED = "…"
PLAIN_PARAMETERS = frozenset({"lang", "from", "to", "by", "for", "format", "period", "channel"})
_FACE = re.compile(r"/r/face/[a-z_]{1,40}\.png")
_SLASHES = re.compile(r"/{2,}")
ACCESS_LOGGER = "uvicorn.access"


def citizen_path(path: str) -> bool:
    """Whether ``path`` (raw or decoded) is the phone page's, however it is spelt."""
    plain = _SLASHES.sub("/", unquote(path)).lower()
    return plain.startswith(PATH_PREFIX) or plain == PATH_PREFIX.rstrip("/")


def safe_path(path: str, query: str = "") -> str:
    """``path`` and ``query`` as a log may hold them (see the module)."""
    if citizen_path(path) and not _FACE.fullmatch(path):
        path = PATH_PREFIX + REDACTED
    if not query:
        return path
    fields = []
    for item in query.split("&"):
        name, equals, _value = item.partition("=")
        plain = unquote(name.replace("+", " ")).strip().lower() in PLAIN_PARAMETERS
        fields.append(item if plain or not equals else f"{name}={REDACTED}")
    return f"{path}?{'&'.join(fields)}"


class AccessRedactor(logging.Filter):
    """Rewrites uvicorn's access records: ``(client, method, path?query, version, status)``."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5:
            client, method, full_path, version, status = args
            path, _mark, query = str(full_path).partition("?")
            if citizen_path(path):
                client = "-"
            record.args = (client, method, safe_path(path, query), version, status)
        return True


_REDACTOR = AccessRedactor()


def install() -> None:
    """Redact uvicorn's access log in this process (once, however often called)."""
    logging.getLogger(ACCESS_LOGGER).addFilter(_REDACTOR)
