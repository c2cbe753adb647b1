"""Sending one message (one alert, or a digest of several) on one push channel.

Webhook: ``POST webhook_url`` with a JSON body whose ``text`` is the whole message, so a
chat bot's incoming-webhook URL (Slack, Mattermost, Rocket.Chat, Google Chat) shows it
as it is; the structured alerts follow for programs (docs/alerts.md shows the body).
E-mail: one plain-text UTF-8 mail to the department's recipients, over SMTP with STARTTLS
and a login when configured. Any failure raises :class:`DeliveryError` with a reason to
log and show; the worker retries with backoff.
"""

from __future__ import annotations

import io
import smtplib
import ssl
from collections.abc import Sequence
from email.generator import BytesGenerator
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import requests

from sync.backoff import parse_retry_after
from sync.central.alert_settings import AlertsSection
from sync.central.alert_words import AlertView, message_text, subject
from sync.central.outgoing import chat_text, header_text

WEBHOOK_SCHEMA = 1


class DeliveryError(Exception):
    """The message did not go; ``retry_after`` is the receiver's wish, in seconds."""

    def __init__(self, reason: str, retry_after: float | None = None):
        super().__init__(reason)
        self.retry_after = retry_after


def webhook_body(views: Sequence[AlertView], lang: str) -> dict:
    return {
        "schema": WEBHOOK_SCHEMA,
        # Read by a chat: the names and reasons in it stay words (sync.central.outgoing).
        "text": chat_text(message_text(views, lang)),
        "kind": "alert" if len(views) == 1 else "digest",
        "department": views[0].department,
        "language": lang,
        "alerts": [view.as_json() for view in views],
    }


def send_webhook(config: AlertsSection, views: Sequence[AlertView]) -> None:
    try:
        answer = requests.post(
            config.webhook_url,
            json=webhook_body(views, config.language),
            timeout=config.webhook_timeout_seconds,
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        raise DeliveryError(f"webhook: {type(exc).__name__}: {exc}") from None
    if not 200 <= answer.status_code < 300:
        raise DeliveryError(
            f"webhook answered HTTP {answer.status_code}",
            parse_retry_after(answer.headers.get("Retry-After")),
        )


def mail_of(config: AlertsSection, recipients: Sequence[str], views: Sequence[AlertView]):
    message = EmailMessage()
    message["Subject"] = header_text(subject(views, config.language))
    message["From"] = config.from_address
    message["To"] = ", ".join(recipients)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=config.from_address.partition("@")[2] or None)
    message.set_content(message_text(views, config.language))
    return message


def send_email(config: AlertsSection, views: Sequence[AlertView]) -> None:
    recipients = config.mail_recipients(views[0].department)
    if not recipients:
        # Nothing to retry: the setting, not the server, decides. The worker marks it sent.
        return
    deliver_mail(config, mail_of(config, recipients, views), recipients)


def deliver_mail(config: AlertsSection, message: EmailMessage, recipients: Sequence[str]) -> None:
    """Hand ``message`` to the SMTP server of ``config`` for ``recipients`` (the alerts'
    mails and the monthly report alike); DeliveryError when it does not take it."""
    try:
        password = config.smtp_password() if config.smtp_user else ""
    except OSError as exc:
        raise DeliveryError(f"e-mail: cannot read smtp_password_file: {exc}") from None
    try:
        with smtplib.SMTP(
            config.smtp_host, config.smtp_port, timeout=config.smtp_timeout_seconds
        ) as smtp:
            if config.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if config.smtp_user:
                smtp.login(config.smtp_user, password)
            smtp.sendmail(message["From"], list(recipients), wire_bytes(message))
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryError(f"e-mail: {type(exc).__name__}: {exc}") from None


def wire_bytes(message: EmailMessage) -> bytes:
    """The message as it goes to the server. Headers are folded only past SMTP's own line
    limit (998): Python 3.11 folds a long Vietnamese subject between two encoded words and
    loses the space there ("Trung tâm" arrives as "Trungtâm")."""
    out = io.BytesIO()
    wire = message.policy.clone(max_line_length=998, linesep="\r\n")
    BytesGenerator(out, policy=wire).flatten(message)
    return out.getvalue()


SENDERS = {"webhook": send_webhook, "email": send_email}
