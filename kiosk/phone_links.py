"""The "rate later from your phone" links this kiosk hands out (``[rating] phone_link``).

A link is made from the rating just stored (its officer and ticket) and signed with this
counter's token (sync.phone_link), with no network: the thanks screen shows it as a QR
code whether or not the center can be reached now. No token, no link: the screen then
shows no code, and the log says why once.
"""

from __future__ import annotations

import logging
from datetime import datetime

from kiosk.bounded_read import TOKEN_BYTES, read_text
from kiosk.config import KioskConfig
from kiosk.ratings import RatingInfo
from sync.phone_link import link_key, make_link

log = logging.getLogger(__name__)


class PhoneLinks:
    def __init__(self, config: KioskConfig):
        self.config = config
        self.base_url = config.rating.phone_link_url or config.central.url
        self._warned = False

    @property
    def wanted(self) -> bool:
        return self.config.rating.phone_link

    def link_for(self, rating: RatingInfo, now: datetime) -> str | None:
        """The link for ``rating``, or None when links are off or cannot be made."""
        if not self.wanted:
            return None
        key = self._key()
        if key is None or not self.base_url:
            self._warn("no center address ([rating] phone_link_url or [central] url)")
            return None
        return make_link(
            self.base_url,
            key,
            counter=self.config.counter.id,
            officer=rating.officer,
            ticket=rating.ticket,
            issued_at=now,
        )

    def _key(self) -> bytes | None:
        # Read each time: `kioskctl provision` may write a new token while the app runs.
        path = self.config.central.token_file
        try:
            token = read_text(path, TOKEN_BYTES).strip() if path else ""
        except OSError as exc:
            self._warn(f"token not readable ({exc})")
            return None
        if not token:
            self._warn(f"no counter token in {path} (kioskctl provision)")
            return None
        return link_key(token)

    def _warn(self, why: str) -> None:
        if not self._warned:
            log.warning("phone_link is on but no link can be made: %s", why)
            self._warned = True
