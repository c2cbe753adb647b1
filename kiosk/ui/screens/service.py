"""Service screen for technicians (after the technician PIN): the counter's health and
the few actions a technician needs at the kiosk. Network actions run on a worker
thread; their result comes back through Clock, so the UI never waits on the network."""

from __future__ import annotations

import logging
import platform
import threading
from collections.abc import Callable
from datetime import datetime
from importlib import metadata

import kivy
from kivy.clock import Clock
from kivy.properties import DictProperty, StringProperty

from kiosk.ui.i18n import N_, t
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.sync_status import optional_action

log = logging.getLogger(__name__)


def _version() -> str:
    try:
        return metadata.version("counter-kiosk")
    except metadata.PackageNotFoundError:
        return "dev"


class ServiceScreen(KioskScreen):
    info = DictProperty({})
    result = StringProperty("")

    def __init__(self, kiosk, **kwargs):
        super().__init__(kiosk, **kwargs)
        self.idle_seconds = kiosk.settings.ui.service_idle_seconds

    def prepare(self, **_kwargs: object) -> None:
        self.result = ""
        self.refresh()

    def refresh(self) -> None:
        lang, kiosk = self.kiosk.lang, self.kiosk
        status = kiosk.counter.status()
        sync = kiosk.sync.status()
        settings = kiosk.settings
        self.info = {
            "svc_counter": f"{status.counter_id} · {status.counter_name} · {status.department_name}",
            "svc_officer": status.officer.full_name if status.officer else t("none", lang),
            "svc_versions": f"kiosk {_version()} · Kivy {kivy.__version__} · "
            f"Python {platform.python_version()}",
            "svc_data_dir": str(settings.storage.data_dir),
            "svc_today": str(status.today_total),
            "svc_counts": f"{status.pending} / {status.sent} / {status.rejected} / {status.held}",
            "svc_sync_state": t(_STATE_WORDS.get(kiosk.sync_state, "not_configured"), lang),
            "svc_last_sync": _when(status.last_sync_at or getattr(sync, "last_sync_at", None))
            or t("never", lang),
            "svc_last_error": status.last_sync_error
            or getattr(sync, "last_error", None)
            or t("none", lang),
            "svc_central": settings.central.url or t("not_configured", lang),
        }
        for row in self.ids.rows.children:
            row.value = self.info.get(row.key, "")

    def can(self, action: str) -> bool:
        return optional_action(self.kiosk.sync, action) is not None

    def sync_now(self) -> None:
        push = optional_action(self.kiosk.sync, "push_now")
        if push is not None:
            push()  # only reschedules the push job: returns at once
            self.result = t("done", self.kiosk.lang, detail=t("sync_now", self.kiosk.lang))

    def run_in_background(self, action: str) -> None:
        """test_connection / reload_roster may block on the network: never on this thread."""
        job = optional_action(self.kiosk.sync, action)
        if job is None:
            return
        self.result = t("working", self.kiosk.lang)
        threading.Thread(target=self._work, args=(job,), daemon=True, name=action).start()

    def _work(self, job: Callable[[], object]) -> None:
        try:
            outcome, ok = job(), True
        except Exception as exc:  # shown to the technician, who can act on it
            log.warning("service action failed: %s", exc)
            outcome, ok = exc, False
        Clock.schedule_once(lambda _dt: self._show_result(ok, outcome))

    def _show_result(self, ok: bool, outcome: object) -> None:
        lang, detail = self.kiosk.lang, str(outcome)
        self.result = t("done", lang, detail=detail) if ok else t("failed", lang, detail=detail)
        self.refresh()

    def logout_officer(self) -> None:
        self.kiosk.counter.logout()
        self.refresh()

    def exit_app(self) -> None:
        self.kiosk.exit_app()

    def on_scan(self, text: str) -> bool:
        log.info("scan ignored here (the technician's screen): %r", text[:64])
        return True


_STATE_WORDS = {
    "ok": N_("sync_ok"),
    "pending": N_("sync_pending"),
    "error": N_("sync_error"),
    "not_configured": N_("not_configured"),
}


def _when(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC" if moment else ""
