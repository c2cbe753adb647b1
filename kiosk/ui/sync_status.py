"""The seam between the UI and the background syncer: what the status dot and the
service screen may ask of it. No Kivy here, and no import of ``sync``: the entry point
hands the app any object of this shape (``sync.scheduler.Syncer`` is one).

Threading contract: ``add_listener`` callbacks may run on any thread; the app only
re-schedules them onto the UI thread with ``Clock.schedule_once``. ``push_now`` must
return at once. ``test_connection`` and ``reload_roster`` may block on the network, so
the UI calls them on a worker thread and shows their result through ``Clock``. The
service screen's "sync now" sends through the syncer's ``client`` on such a thread too
(``kiosk.ui.sync_actions.send_all``), to say how many ratings went.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

# The dot's states (the same strings as sync.scheduler's constants).
NOT_CONFIGURED, OK, PENDING, ERROR = "not_configured", "ok", "pending", "error"

# Colour-blind readers get the state in words on the service screen; on the dot the
# colours are chosen from the Okabe-Ito palette so green, amber and red stay apart.
DOT_COLOURS: dict[str, tuple[float, float, float, float]] = {
    NOT_CONFIGURED: (0.55, 0.55, 0.55, 1),
    OK: (0.0, 0.62, 0.45, 1),
    PENDING: (0.90, 0.62, 0.0, 1),
    ERROR: (0.84, 0.37, 0.0, 1),
}


@dataclass(frozen=True)
class SyncSnapshot:
    """What the UI shows; any object with these attributes will do."""

    state: str = NOT_CONFIGURED
    pending: int = 0
    last_sync_at: datetime | None = None
    last_error: str | None = None


@runtime_checkable
class SyncService(Protocol):
    def status(self) -> Any:  # an object with .state, .last_sync_at, .last_error
        ...

    def add_listener(self, listener: Callable[[Any], None]) -> None: ...


class NoSync:
    """Stands in while no central is configured (or the sync package is absent)."""

    def __init__(self, reason: str = "") -> None:
        self._snapshot = SyncSnapshot(NOT_CONFIGURED, last_error=reason or None)

    def status(self) -> SyncSnapshot:
        return self._snapshot

    def add_listener(self, listener: Callable[[Any], None]) -> None:
        listener(self._snapshot)


def optional_action(sync: object, name: str) -> Callable[[], object] | None:
    """``push_now`` / ``test_connection`` / ``reload_roster`` when the provider has it."""
    action = getattr(sync, name, None)
    return action if callable(action) else None
