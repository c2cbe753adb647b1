"""Ratings given later from a citizen's phone, through the one-time link a kiosk made.

The link proves itself (sync.phone_link): the central finds the counter it names, checks
the signature with that counter's stored token hash, refuses it when made in the future
(beyond ``[kiosks] max_clock_skew_seconds``) or longer ago than ``[phone] link_days``, and
refuses it once its turn was rated by phone. The rating goes in through the same insert as
a kiosk's (ingest.insert_ratings) with channel "phone", its id derived from the link's turn
(LinkPayload.rating_id): a double submit, two tabs, or another link of the same turn are one
rating. It rates the result, a stage of its own: reports never add it into the counter's
turns (reports.counted_channel).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from sync.central.alert_outbox import AlertRules
from sync.central.db import Database
from sync.central.filing import file_under_roster, roster_problem
from sync.central.ingest import insert_ratings
from sync.central.models import PHONE, counters, ratings
from sync.central.settings import Settings
from sync.phone_link import BadLink, LinkPayload, key_from_hash, read_code, verify_code
from sync.protocol import RatingIn

# Why a link is refused: the page says each one in the citizen's words.
NOT_VALID, EXPIRED, USED = "not_valid", "expired", "used"


class LinkRefused(Exception):
    def __init__(self, kind: str, detail: str = ""):
        super().__init__(detail or kind)
        self.kind = kind


@dataclass(frozen=True)
class PhoneRating:
    level: int
    reasons: tuple[str, ...]
    lang: str


@dataclass(frozen=True)
class LinkRules:
    days: float  # [phone] link_days: how long a link stays usable
    leeway: timedelta  # how far ahead of the central's clock a kiosk's may be
    tz: ZoneInfo  # the center's: a ticket's turn is of one local day

    @classmethod
    def of(cls, settings: Settings) -> LinkRules:
        return cls(
            days=settings.phone.link_days,
            leeway=timedelta(seconds=settings.kiosks.max_clock_skew_seconds),
            tz=settings.report.tz,
        )


def open_link(db: Database, code: str, now: datetime, rules: LinkRules) -> LinkPayload:
    """The link's payload when it may still be used; LinkRefused saying why not."""
    try:
        claimed = read_code(code)
    except BadLink as exc:
        raise LinkRefused(NOT_VALID, str(exc)) from None
    with db.read() as connection:
        token_hash = connection.scalar(
            select(counters.c.token_hash).where(counters.c.id == claimed.counter)
        )
        used = connection.scalar(
            select(ratings.c.id).where(ratings.c.id == claimed.rating_id(rules.tz))
        )
    if token_hash is None:
        raise LinkRefused(NOT_VALID, f"no counter {claimed.counter}")
    try:
        payload = verify_code(code, key_from_hash(token_hash))
    except BadLink as exc:
        raise LinkRefused(NOT_VALID, str(exc)) from None
    if payload.issued_at > now + rules.leeway:
        # Else a link dated years ahead would be good for years.
        raise LinkRefused(NOT_VALID, f"issued in the future ({payload.issued_at:%Y-%m-%d %H:%M})")
    # A counter's token signs links for the officers its roster held, as it files ratings.
    problem = roster_problem(db, payload.counter, payload.officer, payload.issued_at)
    if problem:
        raise LinkRefused(NOT_VALID, problem)
    if used is not None:
        raise LinkRefused(USED)
    if now - payload.issued_at > timedelta(days=rules.days):
        raise LinkRefused(EXPIRED)
    return payload


def store_phone_rating(
    db: Database,
    payload: LinkPayload,
    rating: PhoneRating,
    tz: ZoneInfo,
    now: datetime,
    alerts: AlertRules | None = None,
) -> None:
    """Store the rating of a link opened by :func:`open_link`; LinkRefused(USED) when
    its turn was rated meanwhile (the rating stored first is the one that counts). A low
    phone rating alerts like a kiosk's (``alerts``: the central's rules, None: none)."""
    item = RatingIn(
        id=payload.rating_id(tz),
        # seq orders a kiosk's own sends; a phone rating is none of them.
        seq=1,
        created_at=now,
        officer=payload.officer,
        department=payload.officer,  # filed under the officer's department just below
        ticket=payload.ticket or None,
        level=rating.level,
        reasons=list(rating.reasons),
        lang=rating.lang,
    )
    filed, unknown = file_under_roster(db, [item])
    if unknown:
        raise LinkRefused(NOT_VALID, unknown[0].error)
    with db.write() as connection:
        inserted = insert_ratings(
            connection, payload.counter, filed, tz, now, channel=PHONE, alerts=alerts
        )
    if not inserted:
        raise LinkRefused(USED)


def clean_choice(
    levels: Sequence[int], low_levels: Sequence[int], known_reasons: Sequence[str], form: dict
) -> PhoneRating | None:
    """The choice of the submitted form, or None when no level was chosen. Reasons count
    only with a low level and only as codes the center knows: nothing else is stored."""
    try:
        level = int(str(form.get("level", [""])[0]))
    except ValueError:
        return None
    if level not in levels:
        return None
    chosen = form.get("reason", []) if level in low_levels else []
    reasons = tuple(dict.fromkeys(code for code in chosen if code in known_reasons))
    lang = "en" if form.get("lang", [""])[0] == "en" else "vi"
    return PhoneRating(level=level, reasons=reasons, lang=lang)
