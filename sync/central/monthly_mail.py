"""The monthly report as a mail: the subject and a short body in the reader's language (the
period, the center's total line, its satisfaction rate and Decision 766's index), and the
published report of the month attached as XLSX, the very file the dashboard downloads.

A correction of it (ratings of the month that arrived after it went out) says how many
arrived late and after which mail, the figures as sent beside the figures with them, and
attaches the month's report as it is now.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from sync.central import locale_format
from sync.central.i18n import t
from sync.central.outgoing import header_text
from sync.central.published import PublishedReport, row_line, total_line
from sync.central.published_file import file_name, published_bytes
from sync.central.published_late import paper_moment
from sync.central.reports import ReportRow

XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@dataclass(frozen=True)
class MonthlyMail:
    report: PublishedReport
    message: EmailMessage
    recipients: tuple[str, ...]
    attachment_name: str
    attachment_size: int
    correction: int = 0  # 0: the month's report; n: its n-th correction
    late: int = 0  # a correction: the ratings that arrived after the mail before

    @property
    def turns(self) -> int:
        return self.report.total.total


def subject(report: PublishedReport, lang: str) -> str:
    return t("monthly_subject", lang, period=report.period.title(lang), center=report.center_name)


def body(report: PublishedReport, lang: str, attachment: str) -> str:
    period, total = report.period, report.total
    lines = [
        t("monthly_greeting", lang),
        "",
        t("monthly_intro", lang, center=report.center_name),
        "",
        t(
            "monthly_period",
            lang,
            period=period.title(lang),
            first=locale_format.day(period.date_from, lang),
            last=locale_format.day(period.date_to, lang),
        ),
        t("monthly_total", lang, line=total_line(report, lang)),
        f"{t('satisfaction', lang)}: {locale_format.percent(total.satisfaction_rate, lang)}",
        f"{t('decision_766', lang)}: {locale_format.percent(total.decision_766_rate, lang)}",
    ]
    return _with_closing(lines, attachment, lang)


def correction_body(
    report: PublishedReport,
    sent: ReportRow,
    since: datetime,
    late: int,
    lang: str,
    attachment: str,
) -> str:
    """The body of a correction: ``late`` ratings arrived after the mail of ``since``,
    whose figures were ``sent``; ``report`` holds the figures with them."""
    period, now, config = report.period, report.total, report.config

    def percent(row: ReportRow, rate: str) -> str:
        return locale_format.percent(getattr(row, rate), lang)

    lines = [
        t("monthly_greeting", lang),
        "",
        t(
            "correction_intro",
            lang,
            center=report.center_name,
            period=period.title(lang),
            n=locale_format.number(late, lang),
            time=paper_moment(since, lang, config.tz),
        ),
        "",
        t("correction_sent", lang, line=row_line(sent, config, lang)),
        t("correction_now", lang, line=total_line(report, lang)),
        t(
            "correction_rate",
            lang,
            name=t("satisfaction", lang),
            sent=percent(sent, "satisfaction_rate"),
            now=percent(now, "satisfaction_rate"),
        ),
        t(
            "correction_rate",
            lang,
            name=t("decision_766", lang),
            sent=percent(sent, "decision_766_rate"),
            now=percent(now, "decision_766_rate"),
        ),
    ]
    return _with_closing(lines, attachment, lang)


@dataclass(frozen=True)
class Correction:
    """What a correction mail says besides the report as it is now."""

    number: int
    since: datetime  # the mail before it
    late: int  # the ratings that arrived after that mail
    sent: ReportRow  # the whole center's figures as that mail sent them


def monthly_mail(
    report: PublishedReport,
    lang: str,
    sender: str,
    recipients: Sequence[str],
    correction: Correction | None = None,
) -> MonthlyMail:
    """The mail of ``report`` (or its ``correction``) from ``sender`` to ``recipients``,
    its XLSX attached."""
    attachment = file_name(report.period, lang, "xlsx")
    if correction is not None:
        attachment = attachment.replace(".xlsx", f"-correction-{correction.number}.xlsx")
    data = published_bytes(report, "xlsx", lang)
    message = EmailMessage()
    if correction is None:
        message["Subject"] = header_text(subject(report, lang))
        text = body(report, lang, attachment)
    else:
        message["Subject"] = header_text(
            t("correction_subject", lang, subject=subject(report, lang))
        )
        text = correction_body(
            report, correction.sent, correction.since, correction.late, lang, attachment
        )
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.partition("@")[2] or None)
    message.set_content(text)
    message.add_attachment(data, maintype=XLSX_TYPE[0], subtype=XLSX_TYPE[1], filename=attachment)
    number, late = (correction.number, correction.late) if correction else (0, 0)
    return MonthlyMail(report, message, tuple(recipients), attachment, len(data), number, late)


def _with_closing(lines: list[str], attachment: str, lang: str) -> str:
    """The mail's text: ``lines``, then the attachment's name and the footer."""
    closing = [
        "",
        t("monthly_attachment", lang, file=attachment),
        "",
        "-- ",
        t("monthly_footer", lang),
    ]
    return "\n".join([*lines, *closing]) + "\n"
