"""The monthly report as a mail: the subject and a short body in the reader's language (the
period, the center's total line, its satisfaction rate and Decision 766's index), and the
published report of the month attached as XLSX, the very file the dashboard downloads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from sync.central import locale_format
from sync.central.i18n import t
from sync.central.outgoing import header_text
from sync.central.published import PublishedReport, total_line
from sync.central.published_file import file_name, published_bytes

XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@dataclass(frozen=True)
class MonthlyMail:
    report: PublishedReport
    message: EmailMessage
    recipients: tuple[str, ...]
    attachment_name: str
    attachment_size: int

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
        "",
        t("monthly_attachment", lang, file=attachment),
        "",
        "-- ",
        t("monthly_footer", lang),
    ]
    return "\n".join(lines) + "\n"


def monthly_mail(
    report: PublishedReport, lang: str, sender: str, recipients: Sequence[str]
) -> MonthlyMail:
    """The mail of ``report`` from ``sender`` to ``recipients``, its XLSX attached."""
    attachment = file_name(report.period, lang, "xlsx")
    data = published_bytes(report, "xlsx", lang)
    message = EmailMessage()
    message["Subject"] = header_text(subject(report, lang))
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.partition("@")[2] or None)
    message.set_content(body(report, lang, attachment))
    message.add_attachment(data, maintype=XLSX_TYPE[0], subtype=XLSX_TYPE[1], filename=attachment)
    return MonthlyMail(report, message, tuple(recipients), attachment, len(data))
