"""``[reports]`` of config/central.toml: the monthly report mailed to the leadership.

On the first working day of each month, from ``send_hour`` (the center's time), the
published report of the month before goes to ``recipients`` as an XLSX attachment, in
``language``, by the SMTP server of ``[alerts]`` (one mail server per center, set once).
Working days are Monday to Friday, less ``holidays``: Vietnam's public holidays (Tết,
the Hùng Kings' day) move with the lunar calendar, so the center lists them each year.
Ratings of a month that arrive after its report went out are mailed as a correction
(monthly_plan.py, docs/monthly-report.md).
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field, field_validator

from sync.central.alert_settings import email_addresses


class ReportsSection(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # Who receives the monthly report; empty: no monthly mail.
    recipients: tuple[str, ...] = ()
    # The local hour (0-23) of the first working day from which the report goes out.
    send_hour: int = Field(default=7, ge=0, le=23)
    # Language of the mail and of the attached report: "vi" or "en".
    language: str = Field(default="vi", pattern=r"^(vi|en)$")
    # Days that are not working days although Monday to Friday (public holidays).
    holidays: tuple[date, ...] = ()
    # A process that took the month's report and did not mark it sent within this many
    # minutes died while sending: another process takes it over.
    claim_minutes: float = Field(default=30, ge=1, le=24 * 60)
    # Minutes between tries when the mail server refuses or cannot be reached.
    retry_minutes: float = Field(default=10, gt=0, le=24 * 60)
    # How often each central process looks whether a report is due (seconds).
    poll_seconds: float = Field(default=60, gt=0, le=3600)
    # Ratings of a month that arrive after its report went out (a kiosk back from days
    # offline) are mailed as a correction this many minutes after the first of them
    # arrived, so a kiosk's whole backlog goes in one mail (and a trickle makes at most
    # one mail per wait). A month found with no rated turn is sent the same way once its
    # ratings arrive.
    late_wait_minutes: float = Field(default=60, ge=0, le=7 * 24 * 60)
    # How many months before the one due are watched for late ratings. Older ones are
    # still stored and counted apart on their report page, but no correction is mailed.
    late_months: int = Field(default=3, ge=0, le=24)

    @field_validator("recipients")
    @classmethod
    def _recipients(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return email_addresses(value)

    @property
    def enabled(self) -> bool:
        return bool(self.recipients)
