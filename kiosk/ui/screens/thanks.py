"""Thanks: the same for every level (the officer across the counter must not learn the
choice), shown for thanks_seconds whatever is touched, then back to the resting screen.

With ``[rating] phone_link`` on, it also shows a QR code: a one-time link to the center's
page where the citizen rates again later (when the dossier's result is handed over),
bound to this rating's officer and ticket. The code is the same kind for every level, and
stays phone_link_seconds, long enough to scan.

When the tap could not be stored (a full disk...), the same screen apologises instead:
the citizen is thanked only for a rating that is on the disk."""

from __future__ import annotations

import logging

from kivy.clock import Clock
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty

from kiosk.models import utcnow
from kiosk.ui.i18n import N_
from kiosk.ui.qr_texture import qr_texture
from kiosk.ui.screens.base import KioskScreen

log = logging.getLogger(__name__)


class ThanksScreen(KioskScreen):
    stored = BooleanProperty(True)
    title = StringProperty(N_("thanks_title"))  # catalog keys, as the screen says them
    hint = StringProperty(N_("thanks_hint"))
    link = StringProperty("")  # the phone link shown as a QR code; "" shows none
    qr = ObjectProperty(None, allownone=True)

    def __init__(self, kiosk, **kwargs):
        super().__init__(kiosk, **kwargs)
        self._back = None

    def prepare(self, stored: bool = True, rating: object = None, **_kwargs: object) -> None:
        self.stored = stored
        self.title = N_("thanks_title") if stored else N_("not_stored_title")
        self.hint = N_("thanks_hint") if stored else N_("not_stored_hint")
        self.link = ""
        self.qr = None
        if stored and rating is not None:
            try:
                link = self.kiosk.phone_links.link_for(rating, utcnow())
                if link:
                    self.qr = qr_texture(link)
                    self.link = link
            except Exception:  # a QR code is a bonus: never in the way of the thanks
                log.exception("phone link not shown")

    def on_enter(self, *args) -> None:
        super().on_enter(*args)
        if self._back is not None:
            self._back.cancel()
        rating = self.kiosk.settings.rating
        seconds = max(rating.thanks_seconds, rating.phone_link_seconds if self.link else 0)
        self._back = Clock.schedule_once(lambda _dt: self.kiosk.go_home(), seconds)

    def on_leave(self, *args) -> None:
        super().on_leave(*args)
        if self._back is not None:
            self._back.cancel()
            self._back = None
