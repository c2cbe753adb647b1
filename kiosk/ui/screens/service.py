"""Service screen for technicians (after the technician PIN): the counter's health and
the few actions a technician needs at the kiosk.

Every outcome is said in the kiosk's language with the next step, failures in the error
colour; the sync layer's own English text shows only as a small detail line under it.
Network actions run on a worker thread and report back through Clock, so the UI never
waits on the network. Exiting the app and logging the officer out are asked twice: a
confirm step takes the buttons' place on this screen."""

from __future__ import annotations

import logging
import math
import platform
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import metadata

import kivy
from kivy.clock import Clock
from kivy.properties import BooleanProperty, DictProperty, StringProperty

from kiosk.provisioning import Provisioned, provision
from kiosk.ui import provision_actions, sync_actions
from kiosk.ui.guard import GUARD_SECONDS
from kiosk.ui.i18n import N_, moment, number, t
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.sync_status import optional_action
from sync.provisioning import ProvisioningCode, ProvisioningCodeError, parse_code

log = logging.getLogger(__name__)

EXIT, LOGOUT = "exit", "logout"
# After provisioning: time to read the result before the kiosk restarts with it.
RESTART_SECONDS = 8


def _version() -> str:
    try:
        return metadata.version("counter-kiosk")
    except metadata.PackageNotFoundError:
        return "dev"


class ServiceScreen(KioskScreen):
    info = DictProperty({})
    message = StringProperty("")  # what happened, in the kiosk's language
    detail = StringProperty("")  # the sync layer's own words (English), small
    failed = BooleanProperty(False)  # the message is a failure: error colour
    busy = BooleanProperty(False)  # a network action runs; its buttons wait
    confirming = StringProperty("")  # EXIT or LOGOUT while the confirm step shows
    has_officer = BooleanProperty(False)

    def __init__(self, kiosk, **kwargs):
        super().__init__(kiosk, **kwargs)
        self.idle_seconds = kiosk.settings.ui.service_idle_seconds
        self._said: tuple[str, dict] | None = None
        self._answers_from = 0.0  # monotonic time from which the confirm step takes a tap
        self._step_values: dict[str, str] = {}  # what the provisioning sentences name
        kiosk.bind(lang=lambda *_a: self._relabel())

    def prepare(self, **_kwargs: object) -> None:
        self.confirming = ""
        problem = self.kiosk.counter.storage_problem
        if problem:  # a citizen's tap was not stored: the first thing a technician must see
            self._say(N_("storage_failed"), failed=True, detail=problem)
        else:
            self._say(None)
        self.refresh()

    def refresh(self) -> None:
        lang, kiosk = self.kiosk.lang, self.kiosk
        status = kiosk.counter.status()
        sync = kiosk.sync.status()
        settings = kiosk.settings
        zone = settings.counter.tz
        last_sync = status.last_sync_at or getattr(sync, "last_sync_at", None)
        officer = status.officer
        self.has_officer = officer is not None
        self.info = {
            "svc_counter": f"{status.counter_id} · {status.counter_name} · {status.department_name}",
            "svc_officer": f"{officer.full_name} ({officer.code})" if officer else t("none", lang),
            "svc_clock": f"{moment(datetime.now(UTC), lang, zone)} ({settings.counter.timezone})",
            "svc_versions": f"kiosk {_version()} · Kivy {kivy.__version__} · "
            f"Python {platform.python_version()}",
            "svc_data_dir": str(settings.storage.data_dir),
            "svc_today": number(status.today_total, lang),
            "svc_counts": t(
                "svc_counts_value",
                lang,
                pending=status.pending,
                sent=status.sent,
                rejected=status.rejected,
                held=status.held,
            ),
            "svc_sync_state": t(_STATE_WORDS.get(kiosk.sync_state, "not_configured"), lang),
            "svc_last_sync": moment(last_sync, lang, zone) if last_sync else t("never", lang),
            "svc_last_error": _last_error(sync, status.last_sync_error, lang),
            "svc_central": settings.central.url or t("central_not_configured", lang),
        }
        for row in self.ids.rows.children:
            row.value = self.info.get(row.key, "")

    # --- what happened ----------------------------------------------------------------

    def _say(self, key: str | None, *, failed: bool = False, detail: str = "", **values) -> None:
        self._said = (key, values) if key else None
        self.failed = failed
        self.detail = detail
        self._relabel_message()

    def _relabel_message(self) -> None:
        if self._said is None:
            self.message = ""
        else:
            key, values = self._said
            self.message = t(key, self.kiosk.lang, **values)

    def _relabel(self) -> None:
        if self.manager is not None and self.manager.current == self.name:
            self._relabel_message()
            self.refresh()

    def _failure(self, error: BaseException) -> None:
        self._say(sync_actions.error_key(error), failed=True, detail=_detail(error))

    # --- network actions, on a worker thread --------------------------------------------

    def can(self, action: str) -> bool:
        """Whether the sync service offers ``action`` (``NoSync`` offers none)."""
        if action == "sync_now":
            return sync_actions.can_send(self.kiosk.sync)
        return optional_action(self.kiosk.sync, action) is not None

    def sync_now(self) -> None:
        """Send every pending rating now, showing how far it got; then the new figures."""
        if self.busy or not self.can("sync_now"):
            return
        before = self.kiosk.counter.status()
        total = before.pending
        self._say(N_("sync_progress"), done=0, total=total)

        def show(done: int, of: int) -> None:
            if self.busy:  # a late report must not overwrite the final figures
                self._say(N_("sync_progress"), done=done, total=of)

        def progress(done: int, of: int) -> None:  # on the worker thread
            Clock.schedule_once(lambda _dt: show(done, of))

        def finished() -> None:
            after = self.kiosk.counter.status()
            sent = max(0, after.sent - before.sent)
            if after.pending:
                self._say(N_("sync_sent"), sent=sent, pending=after.pending)
            elif sent:
                self._say(N_("sync_sent_all"), sent=sent)
            else:
                self._say(N_("sync_nothing"))

        self._run("sync_now", lambda: sync_actions.send_all(self.kiosk.sync, progress), finished)

    def run_in_background(self, action: str) -> None:
        """test_connection / reload_roster may block on the network: never on this thread."""
        job = optional_action(self.kiosk.sync, action)
        if job is None or self.busy:
            return
        self._say(N_("working"))
        outcome: list[object] = []

        def finished() -> None:
            result = outcome[0] if outcome else ""
            self._say(sync_actions.outcome_key(action, result), detail=str(result))

        self._run(action, lambda: outcome.append(job()), finished)

    def _run(
        self,
        name: str,
        job: Callable[[], object],
        finished: Callable[[], None],
        failure: Callable[[BaseException], None] | None = None,
    ) -> None:
        self.busy = True
        on_failure = failure or self._failure

        def work() -> None:
            try:
                job()
                error = None
            except Exception as exc:  # shown to the technician, in words, with the next step
                log.warning("service action %s failed: %s", name, exc)
                error = exc
            Clock.schedule_once(lambda _dt: self._done(finished, error, on_failure))

        threading.Thread(target=work, daemon=True, name=f"service-{name}").start()

    def _done(
        self,
        finished: Callable[[], None],
        error: BaseException | None,
        on_failure: Callable[[BaseException], None],
    ) -> None:
        self.busy = False
        if error is None:
            finished()
        else:
            on_failure(error)
        self.refresh()

    # --- actions that ask first -----------------------------------------------------

    def ask_logout(self) -> None:
        self.confirming = LOGOUT

    def ask_exit(self) -> None:
        self.confirming = EXIT

    def cancel_confirm(self) -> None:
        self.confirming = ""

    def on_confirming(self, _instance, asked: str) -> None:
        # The question appears where the button that asked was: the second tap of a
        # double tap must not answer it (the same guard as between screens).
        self._answers_from = math.inf
        if asked:
            Clock.schedule_once(self._question_drawn, 0)

    def _question_drawn(self, _dt: float) -> None:
        self._answers_from = time.monotonic() + GUARD_SECONDS

    def confirm(self) -> None:
        if time.monotonic() < self._answers_from:
            log.info("confirmation ignored: it came with the tap that asked")
            return
        asked, self.confirming = self.confirming, ""
        if asked == EXIT:
            self.kiosk.exit_app()
        elif asked == LOGOUT:
            self.kiosk.counter.logout()
            self._say(N_("logged_out"))
            self.refresh()

    def question(self, asked: str, lang: str, officer: str) -> str:
        """The confirm step's question (the .kv binds it to the language and the officer)."""
        if asked == EXIT:
            return t("confirm_exit", lang)
        if asked == LOGOUT:
            return t("confirm_logout", lang, name=officer)
        return ""

    # --- provisioning: a scanned code or a USB stick's file ---------------------------

    def on_scan(self, text: str, entered: bool = False) -> bool:
        """A scan here is a provisioning code, or a mistake said as one; never logged as
        typed (a code holds the counter's token)."""
        if self.busy:
            log.info("scan ignored: an action is still running")
            return True
        try:
            code = parse_code(text)
        except ProvisioningCodeError as exc:
            log.info("scan at the service screen is no provisioning code: %s", exc)
            self._say(provision_actions.failure_key(exc), failed=True, detail=str(exc))
            return True
        self._provision(code)
        return True

    def provision_from_media(self) -> None:
        """The same, from the provisioning file on a mounted USB stick."""
        if not self.busy:
            self._provision(provision_actions.from_media)

    def _provision(self, code: ProvisioningCode | Callable[[], ProvisioningCode]) -> None:
        self._say(N_("prov_reading"))
        outcome: list[Provisioned] = []
        config_path = self.kiosk.settings.config_path

        def show(step: str) -> None:
            if self.busy and step in provision_actions.STEP_KEYS:
                self._say(provision_actions.STEP_KEYS[step], **self._step_values)

        def on_step(step: str) -> None:  # on the worker thread
            Clock.schedule_once(lambda _dt: show(step))

        def job() -> None:
            read = code() if callable(code) else code  # the stick's file: read here
            values = provision_actions.code_values(read)
            Clock.schedule_once(lambda _dt: self._step_values.update(values))  # before steps
            outcome.append(provision(read, config_path, on_step=on_step))

        def finished() -> None:
            done = outcome[0]
            self._say(
                provision_actions.DONE,
                counter=done.counter,
                officers=done.officers or 0,
                seconds=RESTART_SECONDS,
            )
            # The running counter and syncer hold the old config: start afresh (systemd's
            # Restart=always brings the kiosk back within seconds, provisioned).
            log.info("provisioned as counter %s: restarting", done.counter)
            Clock.schedule_once(lambda _dt: self.kiosk.exit_app(), RESTART_SECONDS)

        self._step_values = provision_actions.code_values(code)
        self._run("provision", job, finished, failure=self._provision_failed)

    def _provision_failed(self, error: BaseException) -> None:
        values = dict(self._step_values, path=str(self.kiosk.settings.config_path))
        key = provision_actions.failure_key(error)
        self._say(key, failed=True, detail=_detail(error), **values)


_STATE_WORDS = {
    "ok": N_("sync_ok"),
    "pending": N_("sync_pending"),
    "error": N_("sync_error"),
    "not_configured": N_("not_configured"),
}


def _detail(error: BaseException) -> str:
    """The sync layer's words, for the detail line (a bug also names its type)."""
    text = str(error)
    if isinstance(error, sync_actions.KNOWN_ERRORS):
        return text
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _last_error(sync_status: object, stored: str | None, lang: str) -> str:
    """The syncer's last failure in the kiosk's language (chosen by its type), with the
    technician's English detail after it; the stored text alone when only that is known."""
    failure = getattr(sync_status, "failure", None)
    if failure is not None:
        return f"{t(sync_actions.error_key(failure), lang)} ({failure})"
    return stored or getattr(sync_status, "last_error", None) or t("none", lang)
