"""`kioskctl check`, the central's side: one real heartbeat with short timeouts, which
says whether the central is reachable (and if not: DNS, refused, TLS, timeout, a proxy,
a revoked token, each in its own words) and how far the kiosk's clock is from the
central's. ``sync.client`` is imported here, inside the probe, as kioskctl does elsewhere.
"""

from __future__ import annotations

import socket
import ssl
from datetime import UTC, datetime

from kiosk.config import KioskConfig
from kiosk.health import FAIL, INFO, OK, WARN, Check
from kiosk.store import Store

CONNECT_SECONDS, READ_SECONDS = 3.0, 5.0
# The kiosk's clock against the central's: ratings carry the kiosk's time.
SKEW_WARN_SECONDS, SKEW_FAIL_SECONDS = 30, 300


def central_checks(config: KioskConfig, store: Store) -> list[Check]:
    from sync.client import (
        CentralMisanswered,
        CentralRefused,
        CentralUnavailable,
        SyncClient,
        SyncNotConfigured,
    )

    if not config.central.url:
        return [Check("central", INFO, "no central configured: ratings stay on this kiosk")]
    quick = config.model_copy(
        update={
            "central": config.central.model_copy(
                update={
                    "connect_timeout_seconds": min(
                        config.central.connect_timeout_seconds, CONNECT_SECONDS
                    ),
                    "read_timeout_seconds": min(config.central.read_timeout_seconds, READ_SECONDS),
                }
            )
        }
    )
    url = config.central.url
    try:
        client = SyncClient(quick, store)
    except SyncNotConfigured as exc:
        return [
            Check(
                "central",
                FAIL,
                str(exc),
                "kioskctl provision --central URL --counter ID --token-stdin",
            )
        ]
    try:
        skew = client.heartbeat()
    except CentralRefused as exc:
        return [
            Check(
                "central",
                FAIL,
                f"{url}: token refused, revoked or of another counter ({exc})",
                "ask the center for a new token of this counter (centralctl counter token), "
                "then kioskctl provision ... --token-stdin",
            )
        ]
    except CentralMisanswered as exc:
        return [Check("central", FAIL, str(exc), "check [central] url and any proxy in front")]
    except CentralUnavailable as exc:
        return [Check("central", FAIL, *_unreachable(url, exc))]
    finally:
        client.close()
    return [Check("central", OK, f"{url} answered the heartbeat"), skew_check(skew)]


def _unreachable(url: str, exc: Exception) -> tuple[str, str]:
    """(detail, hint) by what failed on the way, read from the exception's causes."""
    causes = _chain(exc)
    text = " ".join(str(cause) for cause in causes)
    if (
        any(isinstance(c, socket.gaierror) for c in causes)
        or "Name or service not known" in text
        or "name resolution" in text
    ):
        return (
            f"{url}: the name does not resolve (DNS)",
            "check the network's DNS, or use the central's IP address in [central] url",
        )
    if any(isinstance(c, ssl.SSLError) for c in causes) or "TLS" in text or "SSL" in text:
        return (
            f"{url}: TLS failed ({exc})",
            "the central's certificate: set [central] ca_file to its CA, or check the kiosk's clock",
        )
    if any(isinstance(c, ConnectionRefusedError) for c in causes) or "Connection refused" in text:
        return (
            f"{url}: connection refused (nothing listens there)",
            "is the central running? is the port in [central] url right?",
        )
    if "timed out" in text or "in time" in text:
        return (
            f"{url}: no answer in time",
            "check the network cable / Wi-Fi and any firewall to the central",
        )
    return (
        f"{url}: {exc}",
        "check the network and [central] url; kioskctl sync retries and says more",
    )


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    todo: list[BaseException | None] = [exc]
    while todo:
        item = todo.pop()
        if item is None or any(item is s for s in seen):
            continue
        seen.append(item)
        todo.extend([item.__cause__, item.__context__])
        todo.extend(arg for arg in getattr(item, "args", ()) if isinstance(arg, BaseException))
        todo.append(
            getattr(item, "reason", None)
            if isinstance(getattr(item, "reason", None), BaseException)
            else None
        )
    return seen


def skew_check(skew: float) -> Check:
    detail = f"{abs(skew):.1f} s {'behind' if skew > 0 else 'ahead of'} the central ({datetime.now(UTC):%H:%M:%S}Z here)"
    if abs(skew) < SKEW_WARN_SECONDS:
        return Check("clock", OK, detail)
    return Check(
        "clock",
        FAIL if abs(skew) >= SKEW_FAIL_SECONDS else WARN,
        detail,
        "timedatectl set-ntp true (and let the kiosk reach an NTP server); "
        "or timedatectl set-time 'YYYY-MM-DD HH:MM:SS'",
    )
