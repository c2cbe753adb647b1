"""What is refused before any route sees a request, and what every answer tells a browser.

- A request that changes something (any method but GET, HEAD, OPTIONS) sent by a browser
  from another site is refused (403): a page elsewhere cannot log an admin out, nor log
  them in as someone else. The browser says where a request comes from:
  ``Sec-Fetch-Site`` (every current browser), else ``Origin``, else ``Referer``, compared
  with the request's own ``Host``. A client that sends none of them (a kiosk, curl) is no
  browser and carries no one's cookie. The phone page is left out: its right is the code
  in its path, no cookie, and its no-referrer policy makes older phones send
  ``Origin: null`` with their own form.
- Every answer forbids being framed (``X-Frame-Options``, CSP ``frame-ancestors``) and
  type sniffing; one without a policy of its own gets the strictest (nothing loads).
  Dashboard pages get :func:`page_policy` (dashboard_page.render), the phone page its own.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from sync.central.errors import error_response
from sync.phone_link import PATH_PREFIX

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
CSP = b"content-security-policy"
_STRICTEST = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
_ALWAYS = [(b"x-frame-options", b"DENY"), (b"x-content-type-options", b"nosniff")]


def page_policy(nonce: str) -> str:
    """The CSP of a dashboard page: its own inline script (by ``nonce``) and styles, the
    alert stream, forms to itself; nothing from elsewhere, never inside another's frame."""
    return (
        f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; "
        "frame-ancestors 'none'"
    )


def _host_of(url: str) -> str | None:
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    if not host:
        return None
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return host if port in (None, default) else f"{host}:{port}"


def _own_host(value: str) -> str:
    host = value.strip().lower()
    for default in (":80", ":443"):
        host = host.removesuffix(default)
    return host


def cross_site(headers: dict[str, str]) -> bool:
    """Whether a browser says the request comes from a page of another site."""
    fetch_site = headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site.strip().lower() not in ("same-origin", "none")
    source = headers.get("origin") or headers.get("referer")
    if source is None:
        return False
    # "null": a sandboxed frame or a data: page, which is how a forged form hides.
    return _host_of(source) != _own_host(headers.get("host", ""))


class RequestGuard:
    """ASGI middleware: see the module."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] not in SAFE_METHODS and not scope["path"].startswith(PATH_PREFIX):
            headers = {
                name.decode("latin-1").lower(): value.decode("latin-1")
                for name, value in scope.get("headers", [])
            }
            if cross_site(headers):
                refusal = error_response(
                    403, "refused: this request was sent from a page of another site"
                )
                await refusal(scope, receive, self._guarded(send))
                return
        await self.app(scope, receive, self._guarded(send))

    @staticmethod
    def _guarded(send: Any) -> Any:
        async def send_guarded(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                if not any(name.lower() == CSP for name, _value in headers):
                    headers.append((CSP, _STRICTEST.encode()))
                message = {**message, "headers": headers + _ALWAYS}
            await send(message)

        return send_guarded
