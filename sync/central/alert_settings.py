"""``[alerts]`` of config/central.toml: when the center is told, and how.

Which ratings alert (``levels``; empty: the lowest of ``[report] levels``), the daily rate
below which a department alerts (``department_rate_below``, with ``department_rate_min_count``
so that two ratings do not alert), the channels (``webhook_url``; ``smtp_host`` with its
recipients), and the pace: an alert waits ``gather_seconds`` so that a burst goes out as
one message, and a department gets at most one message per channel every
``digest_minutes``, the alerts in between going out together as one digest.

The SMTP password is never in the TOML file: ``smtp_password_file`` names a file holding
it, or the variable ``CENTRAL_SMTP_PASSWORD`` holds it (read when a mail is sent).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator

SMTP_PASSWORD_VARIABLE = "CENTRAL_SMTP_PASSWORD"
_ADDRESS = re.compile(r"^[^@\s<>,]+@[^@\s<>,]+$")


def email_addresses(values: tuple[str, ...]) -> tuple[str, ...]:
    for value in values:
        if not _ADDRESS.match(value):
            raise ValueError(f"{value!r} is not an e-mail address (name@example.vn)")
    return values


class AlertsSection(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # false: ingest queues no alert (the dashboard's feed stays empty, nothing is sent).
    enabled: bool = True
    # Rating levels that alert; empty: the lowest of [report] levels.
    levels: tuple[int, ...] = ()
    # A department whose satisfaction rate of the day falls below this alerts (once a day);
    # 0: never. With at least department_rate_min_count ratings that day.
    department_rate_below: float = Field(default=0.0, ge=0, le=1)
    department_rate_min_count: int = Field(default=10, ge=1)
    # Language of the messages: "vi" or "en".
    language: str = Field(default="vi", pattern=r"^(vi|en)$")
    webhook_url: str = ""
    webhook_timeout_seconds: float = Field(default=10, gt=0, le=120)
    smtp_host: str = ""
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_starttls: bool = True
    smtp_user: str = ""
    smtp_password_file: str = ""
    smtp_timeout_seconds: float = Field(default=20, gt=0, le=300)
    from_address: str = Field(default="", validation_alias=AliasChoices("from", "from_address"))
    # Every alert goes to these; a department's also to department_recipients[code].
    recipients: tuple[str, ...] = ()
    department_recipients: dict[str, tuple[str, ...]] = {}
    gather_seconds: float = Field(default=20, ge=0, le=50)
    digest_minutes: float = Field(default=60, ge=0, le=24 * 60)
    # How often each central process looks for alerts to send.
    poll_seconds: float = Field(default=2, gt=0, le=30)
    # A failed send is tried again after a random delay up to base * 2**failures, capped.
    retry_base_seconds: float = Field(default=5, gt=0)
    retry_cap_seconds: float = Field(default=900, gt=0)
    # How long a process may hold a department's messages while sending them; after
    # that (the process died) another process takes them over.
    claim_seconds: float = Field(default=300, ge=30)

    @field_validator("webhook_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if value and not re.match(r"^https?://[^\s/]+\S*$", value):
            raise ValueError(f"must start with http:// or https://, got {value!r}")
        return value

    @field_validator("recipients")
    @classmethod
    def _recipients(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return email_addresses(value)

    @field_validator("department_recipients")
    @classmethod
    def _department_recipients(
        cls, value: dict[str, tuple[str, ...]]
    ) -> dict[str, tuple[str, ...]]:
        for addresses in value.values():
            email_addresses(addresses)
        # Department codes are case-insensitive; the roster keeps them upper case.
        return {code.upper(): addresses for code, addresses in value.items()}

    @field_validator("from_address")
    @classmethod
    def _from(cls, value: str) -> str:
        if value:
            email_addresses((value,))
        return value

    @property
    def webhook_on(self) -> bool:
        return bool(self.webhook_url)

    @property
    def email_on(self) -> bool:
        return bool(self.smtp_host and self.from_address)

    def channels(self) -> tuple[str, ...]:
        """The push channels configured: "webhook", "email"."""
        return tuple(
            name for name, on in (("webhook", self.webhook_on), ("email", self.email_on)) if on
        )

    def mail_recipients(self, department: str) -> tuple[str, ...]:
        extra = self.department_recipients.get(department.upper(), ())
        return tuple(dict.fromkeys((*self.recipients, *extra)))

    def smtp_password(self) -> str:
        """The password from the file, else the variable, else "" (no login password)."""
        if self.smtp_password_file:
            return Path(self.smtp_password_file).read_text(encoding="utf-8").strip()
        return os.environ.get(SMTP_PASSWORD_VARIABLE, "")
