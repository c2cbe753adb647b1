"""Settings of the central endpoint: ``config/central.toml`` validated into frozen models.

The file comes from ``--config``, else ``CENTRAL_CONFIG``, else the shipped
``config/central.toml``. Any key can be overridden by ``CENTRAL__SECTION__KEY``
(e.g. ``CENTRAL__DATABASE__URL=postgresql+psycopg://...``); a value is read as TOML when it
parses as TOML, else as a string. Relative paths are relative to the config file's folder.
A bad file raises :class:`SettingsError` with one line per problem: file, key, problem.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sync.protocol import MAX_BATCH

ENV_PREFIX = "CENTRAL__"
ENV_CONFIG = "CENTRAL_CONFIG"
PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
DEFAULT_CONFIG = PROJECT_ROOT / "config" / "central.toml"


class SettingsError(Exception):
    """The settings cannot be used; ``problems`` has one readable line each."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ServerSection(_Section):
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    session_hours: float = Field(default=12, gt=0, le=24 * 30)


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


class ReportSection(_Section):
    timezone: str = "Asia/Ho_Chi_Minh"
    levels: tuple[int, ...] = Field(default=(4, 3, 2, 1), min_length=2, max_length=10)
    satisfied_levels: tuple[int, ...] = Field(default=(4, 3), min_length=1)
    top_level: int = 4

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
        return self

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class LimitsSection(_Section):
    max_batch: int = Field(default=MAX_BATCH, ge=1, le=10_000)
    max_body_bytes: int = Field(default=2_000_000, ge=1_000)


class KiosksSection(_Section):
    stale_after_minutes: float = Field(default=15, gt=0)
    # Heartbeat figures above these mark a kiosk unhealthy on the dashboard.
    max_pending: int = Field(default=1000, ge=0)
    max_clock_skew_seconds: float = Field(default=120, gt=0)


class Settings(_Section):
    server: ServerSection = ServerSection()
    database: DatabaseSection = DatabaseSection()
    storage: StorageSection
    report: ReportSection = ReportSection()
    limits: LimitsSection = LimitsSection()
    kiosks: KiosksSection = KiosksSection()
    config_path: Path = Path()

    @property
    def database_url(self) -> str:
        return self.database.url or f"sqlite:///{self.storage.data_dir / 'central.db'}"


def resolve_config_path(config_path: str | os.PathLike[str] | None = None) -> Path:
    """``--config`` wins, then ``CENTRAL_CONFIG``, then the shipped ``config/central.toml``."""
    if config_path:
        return Path(config_path)
    if os.environ.get(ENV_CONFIG):
        return Path(os.environ[ENV_CONFIG])
    return DEFAULT_CONFIG


def load_settings(
    config_path: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Read the file, apply ``CENTRAL__*`` overrides, validate; raise SettingsError."""
    path = resolve_config_path(config_path)
    environ = os.environ if environ is None else environ
    raw = _read_toml(path)
    from_env: dict[tuple[str, str], str] = {}
    problems = _apply_env(raw, environ, from_env)
    if problems:
        raise SettingsError(problems)
    _resolve_paths(raw, path.parent)
    raw["config_path"] = str(path.resolve())
    try:
        return Settings.model_validate(raw)
    except ValidationError as exc:
        raise SettingsError(_describe(path, exc, from_env)) from None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise SettingsError(
            [f"{path}: file not found (give --config or set {ENV_CONFIG})"]
        ) from None
    except PermissionError:
        raise SettingsError([f"{path}: cannot be read (permission denied)"]) from None
    except UnicodeDecodeError:
        raise SettingsError([f"{path}: not UTF-8 text"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError([f"{path}: TOML syntax error: {exc}"]) from None


def _apply_env(
    raw: dict[str, Any], environ: Mapping[str, str], from_env: dict[tuple[str, str], str]
) -> list[str]:
    problems = []
    for name, value in sorted(environ.items()):
        if not name.startswith(ENV_PREFIX):
            continue
        parts = name[len(ENV_PREFIX) :].lower().split("__")
        if len(parts) != 2 or not all(parts):
            problems.append(f"{name}: expected {ENV_PREFIX}SECTION__KEY")
            continue
        section, key = parts
        target = raw.setdefault(section, {})
        if not isinstance(target, dict):
            problems.append(f"{name}: [{section}] is not a section")
            continue
        try:
            target[key] = tomllib.loads(f"v = {value}")["v"]
        except tomllib.TOMLDecodeError:
            target[key] = value
        from_env[(section, key)] = name
    return problems


def _resolve_paths(raw: dict[str, Any], base: Path) -> None:
    storage = raw.get("storage")
    if isinstance(storage, dict) and isinstance(storage.get("data_dir"), str):
        storage["data_dir"] = str((base / Path(storage["data_dir"]).expanduser()).resolve())
    database = raw.get("database")
    url = database.get("url") if isinstance(database, dict) else None
    # sqlite:///relative.db is relative to the config file too, like every other path.
    if isinstance(url, str) and url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        relative = url.removeprefix("sqlite:///")
        if relative and relative != ":memory:":
            database["url"] = f"sqlite:///{(base / relative).resolve()}"


def _describe(
    path: Path, exc: ValidationError, from_env: Mapping[tuple[str, str], str]
) -> list[str]:
    lines = []
    for error in exc.errors():
        loc = tuple(str(part) for part in error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        # A check across keys of a section says "levels: ..."; name that key, not the section.
        inner, _, rest = message.partition(": ")
        if len(loc) == 1 and rest and inner.isidentifier():
            loc, message = (loc[0], inner), rest
        key = ".".join(loc) or "(top level)"
        variable = from_env.get(loc[:2])
        if variable is None and len(loc) == 1 and error["type"] == "extra_forbidden":
            variable = next((v for (sec, _), v in from_env.items() if sec == loc[0]), None)
        if variable:
            key = f"{key} (from {variable})"
        if error["type"] == "extra_forbidden":
            message = "unknown key (check the spelling against the shipped config)"
        elif error["type"] == "missing":
            message = "required key is missing"
        elif "input" in error and error["type"] != "value_error":
            message = f"{message} (got {error['input']!r})"
        lines.append(f"{path}: {key}: {message}")
    return lines
