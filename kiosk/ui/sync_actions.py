"""What the service screen's sync buttons do, and what their failures mean in words.

The sync layer raises typed exceptions whose text is for the technician's log, in
English (``sync.answers``, ``sync.client``). The screen chooses its sentence, in the
kiosk's language and with the next step, by the exception's TYPE (``error_key``), and
shows that English text only as a detail under it.

``send_all`` blocks on the network: the screen runs it on a worker thread. No Kivy here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from kiosk.ui.i18n import N_
from sync.answers import CentralMisanswered, CentralRefused, CentralUnavailable
from sync.client import SyncNotConfigured

log = logging.getLogger(__name__)

# Most specific first; anything else is a bug, told as such.
ERROR_KEYS: tuple[tuple[type[BaseException], str], ...] = (
    (SyncNotConfigured, N_("err_not_configured")),
    (CentralUnavailable, N_("err_unavailable")),
    (CentralMisanswered, N_("err_misanswered")),
    (CentralRefused, N_("err_refused")),
)
KNOWN_ERRORS = tuple(kind for kind, _key in ERROR_KEYS)
UNEXPECTED = N_("err_unexpected")

# What the syncer's own actions return (English), said in the kiosk's language.
OUTCOME_KEYS = {
    "roster updated": N_("roster_updated"),
    "roster unchanged": N_("roster_unchanged"),
}
ACTION_KEYS = {
    "test_connection": N_("conn_ok"),
    "reload_roster": N_("action_done"),
}


def error_key(error: BaseException) -> str:
    """The key of the sentence that says what went wrong and what to do next."""
    return next((key for kind, key in ERROR_KEYS if isinstance(error, kind)), UNEXPECTED)


def outcome_key(action: str, outcome: object) -> str:
    """The key of the sentence for an action that succeeded."""
    return OUTCOME_KEYS.get(str(outcome), ACTION_KEYS.get(action, N_("action_done")))


def can_send(sync: object) -> bool:
    """A syncer that can send on request (``NoSync``, the stand-in, cannot)."""
    return hasattr(sync, "client") and callable(getattr(sync, "test_connection", None))


def send_all(sync: Any, progress: Callable[[int, int], None]) -> None:
    """Send every pending rating now, then report to the central (a heartbeat), so the
    status dot and the central's kiosk list both see the result. Blocks: call it on a
    worker thread. ``progress(done, total)`` is called from this thread as batches are
    answered. Raises the sync layer's exceptions; one failed try ends it (the technician
    is watching, and can press again)."""
    client = sync.client
    if client is None:
        raise SyncNotConfigured(getattr(sync.status(), "last_error", None) or "not configured")
    try:
        client.drain(progress, give_up_after=0)
    except CentralUnavailable:
        raise  # drain has already recorded it and backed off
    except Exception as exc:
        client.note_failure(exc)  # shown in "last error", and the syncer waits before retrying
        raise
    client.backoff.succeeded()  # the central answered: the syncer need not wait any longer
    sync.test_connection()
