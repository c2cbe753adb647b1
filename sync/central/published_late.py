"""What went out of a month, and what arrived after: the ratings counted apart.

A month's report, once mailed, is not rewritten in silence. Its figures as sent stay
reproducible: they are the month's ratings the central had received when the mail went
(``ratings.received_at`` up to the mail's ``sent_at``). A rating of that month received
later (a kiosk back from a week offline) is stored like any other and counted apart: the
report page and the published files show the figures as sent, then how many ratings
arrived after and the figures with them; the scheduler mails them as a correction
(monthly_plan.py). After a correction, the figures as sent are the correction's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from babel.dates import format_date
from sqlalchemy import func, select

from sync.central import locale_format
from sync.central.db import Database
from sync.central.i18n import t
from sync.central.models import ratings
from sync.central.monthly_records import EMPTY, SENT, corrections_of, record_of
from sync.central.periods import Period
from sync.central.reports import ReportRow


@dataclass(frozen=True)
class Mail:
    """One mail of a month: its report (``number`` 0) or its n-th correction."""

    number: int
    sent_at: datetime
    added: int  # the month's ratings received since the mail before (0: the report)


@dataclass(frozen=True)
class Late:
    """The month's ratings received after a moment (and up to another, when given)."""

    count: int
    first: datetime | None  # when the first of them arrived
    newest: datetime | None  # when the last of them arrived


@dataclass(frozen=True)
class Publication:
    period: Period
    mails: tuple[Mail, ...]  # those sent, the report first
    empty_at: datetime | None  # when the month was found with no rated turn (nothing sent)
    late: Late  # received after the last mail (or after empty_at)

    @property
    def since(self) -> datetime | None:
        """The moment the late ratings are counted from."""
        return self.mails[-1].sent_at if self.mails else self.empty_at

    @property
    def as_sent(self) -> datetime | None:
        """The moment whose figures went out last (None: nothing went out)."""
        return self.mails[-1].sent_at if self.mails else None


def late_since(
    db: Database, period: Period, since: datetime, until: datetime | None = None
) -> Late:
    """How many of ``period``'s ratings arrived after ``since`` (up to ``until``)."""
    query = (
        select(func.count(), func.min(ratings.c.received_at), func.max(ratings.c.received_at))
        .where(ratings.c.day >= period.date_from, ratings.c.day <= period.date_to)
        .where(ratings.c.received_at > since)
    )
    if until is not None:
        query = query.where(ratings.c.received_at <= until)
    with db.read() as connection:
        count, first, newest = connection.execute(query).one()
    return Late(int(count or 0), first, newest)


def publication_of(
    db: Database, period: Period, until: datetime | None = None
) -> Publication | None:
    """What went out of ``period`` (a month) and what arrived after, counted at ``until``
    (None: now); None when the month's report was never dealt with."""
    if period.kind != "month":
        return None
    record = record_of(db, period.code)
    if record is None or record.sent_at is None:
        return None
    if record.outcome == EMPTY:
        return Publication(
            period, (), record.sent_at, late_since(db, period, record.sent_at, until)
        )
    assert record.outcome == SENT
    mails = [Mail(0, record.sent_at, 0)]
    for number, correction in enumerate(corrections_of(db, period.code), 1):
        if correction.sent_at is None:
            break  # being sent: its ratings are still late until it goes
        added = late_since(db, period, mails[-1].sent_at, correction.sent_at).count
        mails.append(Mail(number, correction.sent_at, added))
    return Publication(period, tuple(mails), None, late_since(db, period, mails[-1].sent_at, until))


def paper_day(value: datetime, lang: str, tz) -> str:
    """A day as official documents write it: 01/12/2026 (vi); 1 Dec 2026 (en, where the
    figures alone would read as a month first)."""
    local = value.astimezone(tz)
    if lang == "vi":
        return local.strftime("%d/%m/%Y")
    return format_date(local.date(), "d MMM y", locale=lang)


def paper_moment(value: datetime, lang: str, tz) -> str:
    """A time as official documents write it: 05:59 ngày 08/12/2026."""
    local = value.astimezone(tz)
    return t("paper_moment", lang, time=local.strftime("%H:%M"), day=paper_day(value, lang, tz))


def publication_lines(
    publication: Publication | None, current: ReportRow | None, lang: str, tz, line: str
) -> list[str]:
    """What the report page and the files say of the month's mails and its late ratings;
    ``line`` is the total line of the figures with the late ratings (``current``)."""
    if publication is None or not publication.mails:
        return []
    first, last = publication.mails[0], publication.mails[-1]
    said = []
    if last.number == 0:
        said.append(t("published_as_sent", lang, time=paper_moment(first.sent_at, lang, tz)))
    else:
        said.append(
            t(
                "published_as_corrected",
                lang,
                time=paper_moment(last.sent_at, lang, tz),
                report=paper_moment(first.sent_at, lang, tz),
            )
        )
    for mail in publication.mails[1:]:
        said.append(
            t(
                "published_correction",
                lang,
                time=paper_moment(mail.sent_at, lang, tz),
                n=locale_format.number(mail.added, lang),
                day=paper_day(first.sent_at, lang, tz),
            )
        )
    if publication.late.count and current is not None:
        words = {
            "n": locale_format.number(publication.late.count, lang),
            "day": paper_day(last.sent_at, lang, tz),
            "line": line,
            "rate": locale_format.percent(current.satisfaction_rate, lang),
            "index": locale_format.percent(current.decision_766_rate, lang),
        }
        if last.number == 0:
            said.append(t("late_after_report", lang, **words))
        else:
            said.append(t("late_after_correction", lang, **words))
    return said
