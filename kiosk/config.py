"""Load and validate the kiosk's TOML configuration into frozen models.

The file comes from ``--config``, else ``KIOSK_CONFIG``, else ``config/kiosk.toml``.
Any key can be overridden by an environment variable ``KIOSK__SECTION__KEY`` so that
systemd units and tests need no edited copies. A relative path (data_dir, token_file,
ca_file) written in the file is relative to the file's folder; one given in a variable is
relative to the current folder, as a path typed in a shell is. A bad file raises
:class:`ConfigError` carrying one line per problem, each naming the file, the key and what
is wrong.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import time
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    field_validator,
    model_validator,
)

from kiosk import resources
from kiosk.tomlconfig import ConfigProblems, load_toml_model, pick_config_path, resolve_paths

ENV_PREFIX = "KIOSK__"
ENV_CONFIG = "KIOSK_CONFIG"
# The shipped default (kiosk.resources: the top-level config/kiosk.toml, or its copy in a wheel).
DEFAULT_CONFIG = resources.config_file("kiosk.toml")


class ConfigError(ConfigProblems):
    """The configuration cannot be used; ``problems`` has one readable line each."""


class _Section(BaseModel):
    # Numbers are finite (allow_inf_nan) and strict (see number()); other values, such as
    # paths and times, are still read from their TOML strings.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False, allow_inf_nan=False)


# The shortest duration any timer may be set to: small enough for tests and benchmarks,
# large enough that a typo such as 1e-9 does not make a screen or a loop spin.
MIN_SECONDS = 0.01


def number(default: float, low: float, high: float) -> Any:
    """A number in [low, high]. Strict: a quoted "3" or a boolean is refused rather than
    guessed at, and an int key refuses 3.5. Every number of the config has both bounds:
    inf, nan and 1e300 pass a one-sided check and then stop the syncer or the screen."""
    return Field(default=default, ge=low, le=high, strict=True)


class Level(_Section):
    value: int = Field(ge=1, le=10, strict=True)
    label_vi: str = Field(min_length=1)
    label_en: str = Field(min_length=1)
    face: str = Field(min_length=1, pattern=r"^[a-z0-9_]+$")


class Reason(_Section):
    code: str = Field(min_length=1, max_length=32, pattern=r"^[a-z0-9_]+$")
    label_vi: str = Field(min_length=1)
    label_en: str = Field(min_length=1)


class CounterSection(_Section):
    id: str = Field(min_length=1, max_length=16, pattern=r"^[A-Za-z0-9_-]+$")
    name: str = Field(min_length=1)
    department: str = Field(min_length=1, max_length=32)
    department_name: str = ""
    timezone: str = "Asia/Ho_Chi_Minh"
    closing_time: time | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (e.g. Asia/Ho_Chi_Minh)") from None
        return value

    @field_validator("closing_time", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class StorageSection(_Section):
    data_dir: Path
    backup_keep_days: int = number(14, 1, 3650)
    min_free_mb: int = number(200, 1, 10_000_000)


class RatingSection(_Section):
    mode: Literal["open", "per_turn"] = "open"
    levels: tuple[Level, ...] = Field(min_length=2, max_length=7)
    reasons: tuple[Reason, ...] = ()
    reasons_after_levels: tuple[StrictInt, ...] = ()
    cooldown_seconds: float = number(3.0, 0, 3600)
    thanks_seconds: float = number(3.0, MIN_SECONDS, 60)
    reasons_timeout_seconds: float = number(20.0, MIN_SECONDS, 600)
    # Levels counted as satisfied in the officer's own figures; empty: every level that
    # asks no reasons. Keep it equal to the center's [report] satisfied_levels.
    satisfied_levels: tuple[StrictInt, ...] = ()
    phone_link: StrictBool = False
    phone_link_url: str = ""
    phone_link_seconds: float = number(20.0, MIN_SECONDS, 120)

    @model_validator(mode="after")
    def _consistent(self) -> RatingSection:
        values = [level.value for level in self.levels]
        if len(set(values)) != len(values):
            raise ValueError(f"levels: values must be unique, got {values}")
        if values != sorted(values, reverse=True):
            raise ValueError(f"levels: list them highest first, got {values}")
        codes = [reason.code for reason in self.reasons]
        if len(set(codes)) != len(codes):
            raise ValueError(f"reasons: codes must be unique, got {codes}")
        unknown = sorted(set(self.reasons_after_levels) - set(values))
        if unknown:
            raise ValueError(f"reasons_after_levels: {unknown} are not configured level values")
        if self.reasons_after_levels and not self.reasons:
            raise ValueError("reasons_after_levels is set but no reasons are configured")
        unknown = sorted(set(self.satisfied_levels) - set(values))
        if unknown:
            raise ValueError(f"satisfied_levels: {unknown} are not configured level values")
        if self.phone_link_url and not re.match(r"^https?://[^\s/]+", self.phone_link_url):
            raise ValueError(
                f"phone_link_url: must start with http:// or https://, got {self.phone_link_url!r}"
            )
        return self

    def level(self, value: int) -> Level | None:
        return next((level for level in self.levels if level.value == value), None)

    @property
    def satisfied(self) -> tuple[int, ...]:
        """The levels counted as satisfied (see satisfied_levels)."""
        if self.satisfied_levels:
            return self.satisfied_levels
        return tuple(
            level.value for level in self.levels if level.value not in self.reasons_after_levels
        )


class StaffSection(_Section):
    lockout_attempts: int = number(5, 1, 100)
    lockout_first_seconds: float = number(30, MIN_SECONDS, 3600)
    lockout_minutes: float = number(5, MIN_SECONDS / 60, 24 * 60)


class UiSection(_Section):
    language: Literal["vi", "en"] = "vi"
    fullscreen: StrictBool = True
    idle_seconds: float = number(60, MIN_SECONDS, 3600)
    service_idle_seconds: float = number(60, MIN_SECONDS, 3600)
    sound: StrictBool = False
    voice: StrictBool = False
    turn_key: str = "f9"
    officer_figures_min_count: int = number(10, 1, 10_000)
    officer_figures_step: int = number(5, 1, 10_000)


class CentralSection(_Section):
    url: str = ""
    token_file: Path | None = None
    ca_file: Path | None = None
    push_interval_seconds: float = number(30, 1, 24 * 3600)
    roster_interval_seconds: float = number(600, 10, 24 * 3600)
    heartbeat_interval_seconds: float = number(60, 5, 24 * 3600)
    batch_size: int = number(500, 1, 5000)
    connect_timeout_seconds: float = number(5, 0.1, 300)
    read_timeout_seconds: float = number(30, 0.1, 600)
    backoff_cap_seconds: float = number(300, 1, 24 * 3600)
    stale_after_minutes: float = number(15, 0.1, 7 * 24 * 60)

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if value and not re.match(r"^https?://[^\s/]+", value):
            raise ValueError(f"must start with http:// or https://, got {value!r}")
        return value.rstrip("/")


class ServiceSection(_Section):
    technician_pin_hash: str = Field(pattern=r"^scrypt\$")
    # True only in scripts/demo: the PINs the product prints (kiosk.shipped_secrets) work.
    demo: StrictBool = False


class KioskConfig(_Section):
    counter: CounterSection
    storage: StorageSection
    rating: RatingSection
    staff: StaffSection = StaffSection()
    ui: UiSection = UiSection()
    central: CentralSection = CentralSection()
    service: ServiceSection
    config_path: Path = Path()

    @property
    def db_path(self) -> Path:
        return self.storage.data_dir / "kiosk.db"

    @property
    def backup_dir(self) -> Path:
        return self.storage.data_dir / "backups"


def resolve_config_path(config_path: str | os.PathLike[str] | None = None) -> Path:
    """``--config`` wins, then ``KIOSK_CONFIG``, then the shipped ``config/kiosk.toml``."""
    return pick_config_path(config_path, ENV_CONFIG, DEFAULT_CONFIG)


def load_config(
    config_path: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> KioskConfig:
    """Read, override from the environment, and validate; raise ConfigError on any problem."""
    return load_toml_model(
        resolve_config_path(config_path),
        KioskConfig,
        error=ConfigError,
        env_prefix=ENV_PREFIX,
        env_config=ENV_CONFIG,
        environ=environ,
        prepare=_resolve_paths,
    )


_PATH_KEYS = (("storage", "data_dir"), ("central", "token_file"), ("central", "ca_file"))


def _resolve_paths(raw: dict[str, Any], base: Path) -> None:
    # An empty optional path (token_file = "") means "none", not the config folder.
    for section, key in _PATH_KEYS:
        table = raw.get(section)
        if isinstance(table, dict) and table.get(key) == "":
            table[key] = None
    resolve_paths(raw, base, _PATH_KEYS)
