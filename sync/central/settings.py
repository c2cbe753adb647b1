"""Settings of the central endpoint: ``config/central.toml`` validated into frozen models.

The file comes from ``--config``, else ``CENTRAL_CONFIG``, else the shipped
``config/central.toml``. Any key can be overridden by ``CENTRAL__SECTION__KEY``
(e.g. ``CENTRAL__DATABASE__URL=postgresql+psycopg://...``); a value is read as TOML when it
parses as TOML, else as a string. Relative paths (data_dir, a sqlite:/// URL) written in
the file are relative to the file's folder; given in a variable, to the current folder.
A bad file raises :class:`SettingsError` with one line per problem: file, key, problem.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from kiosk import resources
from kiosk.tomlconfig import ConfigProblems, load_toml_model, pick_config_path, resolve_paths
from sync.central.alert_settings import AlertsSection
from sync.central.monthly_settings import ReportsSection
from sync.protocol import MAX_BATCH

ENV_PREFIX = "CENTRAL__"
ENV_CONFIG = "CENTRAL_CONFIG"
# The shipped default (kiosk.resources: the top-level config/central.toml, or its copy in a wheel).
DEFAULT_CONFIG = resources.config_file("central.toml")


class SettingsError(ConfigProblems):
    """The settings cannot be used; ``problems`` has one readable line each."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ServerSection(_Section):
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    session_hours: float = Field(default=12, gt=0, le=24 * 30)
    # Processes serving requests (uvicorn workers); more than one needs PostgreSQL.
    workers: int = Field(default=1, ge=1, le=64)
    # The address kiosks reach this central at (behind its TLS proxy): what a
    # provisioning code carries (centralctl counter add --qr). Empty: not known.
    public_url: str = ""

    @field_validator("public_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if value and not re.match(r"^https?://[^\s/]+\S*$", value):
            raise ValueError(f"must start with http:// or https://, got {value!r}")
        return value.rstrip("/")

    # "auto": Secure unless the request's host is loopback (a test or a demo on one machine).
    secure_cookies: Literal["auto"] | bool = "auto"
    # Only these addresses may say who the client is and over which scheme it came
    # (X-Forwarded-For / -Proto): the TLS proxy in front.
    trusted_proxies: tuple[str, ...] = ("127.0.0.1", "::1")
    keep_alive_seconds: float = Field(default=30, gt=0, le=3600)
    header_timeout_seconds: float = Field(default=10, gt=0, le=600)
    body_timeout_seconds: float = Field(default=30, gt=0, le=3600)
    limit_concurrency: int = Field(default=1000, ge=10)
    # Past these the central answers at once, 503 or 429 with Retry-After (admission.py).
    max_requests_in_flight: int = Field(default=64, ge=1, le=100_000)
    max_requests_per_address: int = Field(default=32, ge=1, le=100_000)
    max_requests_per_client: int = Field(default=8, ge=1, le=100_000)
    # Open connections one address may hold (not the trusted proxies: nginx caps its own).
    max_connections_per_address: int = Field(default=64, ge=1, le=100_000)
    backlog: int = Field(default=2048, ge=16)
    # The same log line (e.g. accept() failing at the file limit) at most once per interval.
    log_repeat_seconds: float = Field(default=60, gt=0)
    # True only in scripts/demo: the dashboard password the README prints (demo-admin,
    # kiosk.shipped_secrets) may be set and used. Anywhere else `centralctl admin add`
    # refuses it and the dashboard refuses a login with it.
    demo: bool = False


class LoginSection(_Section):
    # Wrong logins per account and per address before delays start; then 1 s, 2 s, 4 s...
    free_attempts: int = Field(default=3, ge=1, le=10_000)
    first_delay_seconds: float = Field(default=1, gt=0, le=3600)
    max_delay_seconds: float = Field(default=900, ge=1, le=86_400)
    # A key (account or address) with no failure for this long starts again from zero.
    forget_after_hours: float = Field(default=24, gt=0)
    # Password hashes at once (each takes 128 MiB for a moment) and logins waiting for one;
    # beyond that a login is refused at once (503), so logins never crowd out the kiosks.
    hash_workers: int = Field(default=2, ge=1, le=16)
    hash_queue: int = Field(default=4, ge=0, le=1000)


class RosterSection(_Section):
    # Shortest officer PIN the center accepts (import, set-pin). Every counter token can
    # read its department's PIN hashes, so a short PIN can be found offline.
    min_pin_digits: int = Field(default=6, ge=4, le=12)
    # Hours an officer moved to another department may still be rated at the old
    # department's counters: the kiosk learns of the move at its next roster download,
    # and an officer logged in there serves to the end of the shift.
    moved_grace_hours: float = Field(default=12, ge=0, le=24 * 7)


class DatabaseSection(_Section):
    # Empty: a SQLite file central.db in the data folder.
    url: str = ""
    pool_size: int = Field(default=5, ge=1, le=100)

    @field_validator("url")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        if value and not value.startswith(("sqlite://", "postgresql+psycopg://")):
            raise ValueError(
                "must start with sqlite:/// or postgresql+psycopg:// "
                f"(got {value.split('://')[0]!r}://...)"
            )
        return value


class StorageSection(_Section):
    data_dir: Path
    # Free space the data folder keeps (a SQLite database): below it the central takes no
    # batch (503, the kiosks keep their ratings) and /healthz answers 503.
    min_free_mb: int = Field(default=50, ge=0, le=1_000_000)


class ReasonLabel(_Section):
    """The words of one reason code, as the kiosks show it (``[[report.reasons]]``)."""

    code: str = Field(min_length=1, max_length=32, pattern=r"^\S+$")
    # label_vi / label_en too, so the kiosk's [[rating.reasons]] lines can be pasted as they are.
    vi: str = Field(min_length=1, max_length=200, validation_alias=AliasChoices("vi", "label_vi"))
    en: str = Field(min_length=1, max_length=200, validation_alias=AliasChoices("en", "label_en"))

    def label(self, lang: str) -> str:
        return self.vi if lang == "vi" else self.en


# The kiosk's shipped reasons (config/kiosk.toml [rating] reasons): the central's default.
DEFAULT_REASONS = (
    ReasonLabel(code="waiting_time", vi="Thời gian chờ lâu", en="Long waiting time"),
    ReasonLabel(code="attitude", vi="Thái độ phục vụ chưa tốt", en="Poor service attitude"),
    ReasonLabel(code="guidance", vi="Hướng dẫn chưa rõ ràng", en="Unclear guidance"),
    ReasonLabel(code="result_late", vi="Trả kết quả trễ hẹn", en="Result delivered late"),
    ReasonLabel(code="other", vi="Lý do khác", en="Other reason"),
)


class ReportSection(_Section):
    timezone: str = "Asia/Ho_Chi_Minh"
    # The center's name, at the head of the published report (XLSX and PDF).
    center_name: str = Field(default="Trung tâm Phục vụ hành chính công", max_length=200)
    # An officer with fewer rated turns in the period is listed but not ranked: one happy
    # citizen must not put a new officer above one with hundreds of ratings.
    rank_min_turns: int = Field(default=10, ge=1)
    levels: tuple[int, ...] = Field(default=(4, 3, 2, 1), min_length=2, max_length=10)
    satisfied_levels: tuple[int, ...] = Field(default=(4, 3), min_length=1)
    top_level: int = 4
    reasons: tuple[ReasonLabel, ...] = Field(default=DEFAULT_REASONS, max_length=100)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (e.g. Asia/Ho_Chi_Minh)") from None
        return value

    @model_validator(mode="after")
    def _consistent(self) -> ReportSection:
        if len(set(self.levels)) != len(self.levels):
            raise ValueError(f"levels: values must be unique, got {list(self.levels)}")
        if any(not 1 <= level <= 10 for level in self.levels):
            raise ValueError(f"levels: values must be 1..10, got {list(self.levels)}")
        unknown = sorted(set(self.satisfied_levels) - set(self.levels))
        if unknown:
            raise ValueError(f"satisfied_levels: {unknown} are not in levels")
        if self.top_level not in self.levels:
            raise ValueError(f"top_level: {self.top_level} is not in levels")
        codes = [reason.code for reason in self.reasons]
        twice = sorted({code for code in codes if codes.count(code) > 1})
        if twice:
            raise ValueError(f"reasons: code {', '.join(twice)} is given more than once")
        return self

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def low_levels(self) -> tuple[int, ...]:
        """The levels not counted as satisfied, highest first: the ratings reasons explain."""
        return tuple(level for level in self.levels if level not in self.satisfied_levels)

    @property
    def lowest_level(self) -> int:
        """The level Decision 766/QĐ-TTg's satisfaction indicator leaves out ("không hài
        lòng"): every rated turn not at it counts as satisfied there."""
        return min(self.levels)


class LimitsSection(_Section):
    max_batch: int = Field(default=MAX_BATCH, ge=1, le=10_000)
    max_body_bytes: int = Field(default=2_000_000, ge=1_000)
    # A rating older than this when it arrives is refused (kept, flagged, on its kiosk):
    # a kiosk's backlog or a stolen token cannot rewrite months long reported.
    offline_days: float = Field(default=62, gt=0, le=3660)
    # Leeway for kiosk clocks: how far a rating may lie ahead of the central's clock
    # (beyond the kiosk's skew its last heartbeat showed), or before its counter's start.
    clock_margin_seconds: float = Field(default=300, ge=0, le=86_400)


class KiosksSection(_Section):
    stale_after_minutes: float = Field(default=15, gt=0)
    # Heartbeat figures above these mark a kiosk unhealthy on the dashboard.
    max_pending: int = Field(default=1000, ge=0)
    max_clock_skew_seconds: float = Field(default=120, gt=0)


class PhoneSection(_Section):
    # Days a kiosk's "rate later from your phone" link stays usable after it was made.
    link_days: float = Field(default=14, gt=0, le=366)


class OfficerFiguresSection(_Section):
    # An officer's own figures (the kiosk's staff menu, the figures API): none below this
    # many ratings, and steps of this many (sync.officer_steps), set here for every kiosk.
    min_count: int = Field(default=10, ge=1, le=10_000)
    step: int = Field(default=5, ge=1, le=10_000)


class Settings(_Section):
    server: ServerSection = ServerSection()
    database: DatabaseSection = DatabaseSection()
    storage: StorageSection
    report: ReportSection = ReportSection()
    limits: LimitsSection = LimitsSection()
    kiosks: KiosksSection = KiosksSection()
    phone: PhoneSection = PhoneSection()
    officer_figures: OfficerFiguresSection = OfficerFiguresSection()
    alerts: AlertsSection = AlertsSection()
    login: LoginSection = LoginSection()
    roster: RosterSection = RosterSection()
    reports: ReportsSection = ReportsSection()
    config_path: Path = Path()

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        unknown = sorted(set(self.alerts.levels) - set(self.report.levels))
        if unknown:
            raise ValueError(f"alerts: levels {unknown} are not in [report] levels")
        if self.reports.enabled and not self.alerts.email_on:
            raise ValueError(
                "reports: recipients are set, but the mail server is not: set [alerts] "
                "smtp_host and from (the monthly report goes by the alerts' mail server)"
            )
        return self

    @property
    def alert_levels(self) -> frozenset[int]:
        """The levels whose ratings alert: [alerts] levels, else the lowest level."""
        return frozenset(self.alerts.levels or (min(self.report.levels),))

    @property
    def database_url(self) -> str:
        return self.database.url or f"sqlite:///{self.storage.data_dir / 'central.db'}"


def resolve_config_path(config_path: str | os.PathLike[str] | None = None) -> Path:
    """``--config`` wins, then ``CENTRAL_CONFIG``, then the shipped ``config/central.toml``."""
    return pick_config_path(config_path, ENV_CONFIG, DEFAULT_CONFIG)


def load_settings(
    config_path: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Read the file, apply ``CENTRAL__*`` overrides, validate; raise SettingsError."""
    return load_toml_model(
        resolve_config_path(config_path),
        Settings,
        error=SettingsError,
        env_prefix=ENV_PREFIX,
        env_config=ENV_CONFIG,
        environ=environ,
        prepare=_resolve_paths,
    )


def _resolve_paths(raw: dict[str, Any], base: Path) -> None:
    resolve_paths(raw, base, [("storage", "data_dir"), ("alerts", "smtp_password_file")])
    database = raw.get("database")
    url = database.get("url") if isinstance(database, dict) else None
    # sqlite:///relative.db is relative to the config file too, like every other path.
    if isinstance(url, str) and url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        relative = url.removeprefix("sqlite:///")
        if relative and relative != ":memory:":
            database["url"] = f"sqlite:///{(base / relative).resolve()}"
