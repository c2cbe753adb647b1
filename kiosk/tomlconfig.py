"""Reading a TOML config file into a pydantic model, with one readable line per problem.

Shared by the kiosk (``kiosk.config``) and the central (``sync.central.settings``): each
keeps its own models, variable prefix and error class; this module holds the machinery.
It imports nothing else from ``kiosk``, so the central can use it without the kiosk app.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from kiosk.bounded_read import CONFIG_BYTES, read_text

Model = TypeVar("Model", bound=BaseModel)


class ConfigProblems(Exception):
    """Base of each side's config error; ``problems`` has one readable line each."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def pick_config_path(given: str | os.PathLike[str] | None, env_config: str, default: Path) -> Path:
    """``--config`` wins, then the ``env_config`` variable, then the shipped file."""
    if given:
        return Path(given)
    if os.environ.get(env_config):
        return Path(os.environ[env_config])
    return default


def load_toml_model(
    path: Path,
    model: type[Model],
    *,
    error: type[ConfigProblems],
    env_prefix: str,
    env_config: str,
    environ: Mapping[str, str] | None = None,
    prepare: Callable[[dict[str, Any], Path], None] | None = None,
) -> Model:
    """Read ``path``, apply ``env_prefix`` overrides, validate into ``model``; raise ``error``.

    ``prepare(raw, folder)`` adjusts raw tables before validation (relative paths). It runs
    twice: on the file's tables with the file's folder, and on the environment's overrides
    with the current folder, since a relative path means what it means where it was
    written: ``data_dir = "data"`` in /etc/kiosk.toml is /etc/data, while
    ``KIOSK__STORAGE__DATA_DIR=data`` typed in /home/tech is /home/tech/data.
    ``config_path`` is set to the file's absolute path, so the model should have that field.
    """
    environ = os.environ if environ is None else environ
    raw = read_toml(path, error, env_config)
    from_env: dict[tuple[str, str], str] = {}
    overrides: dict[str, Any] = {}
    problems = apply_env_overrides(overrides, environ, env_prefix, from_env)
    if prepare is not None:
        prepare(raw, path.parent)
        prepare(overrides, Path.cwd())
    problems += merge_overrides(raw, overrides, from_env)
    if problems:
        raise error(problems)
    raw["config_path"] = str(path.resolve())
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise error(describe_errors(path, exc, from_env)) from None


def read_toml(path: Path, error: type[ConfigProblems], env_config: str) -> dict[str, Any]:
    try:
        return tomllib.loads(read_text(path, CONFIG_BYTES))
    except FileNotFoundError:
        raise error([f"{path}: file not found (give --config or set {env_config})"]) from None
    except PermissionError:
        raise error([f"{path}: cannot be read (permission denied)"]) from None
    except OSError as exc:  # FileTooLarge, a folder, a device
        raise error([f"{path}: cannot be read ({exc.strerror})"]) from None
    except UnicodeDecodeError:
        raise error([f"{path}: not UTF-8 text"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise error([f"{path}: TOML syntax error: {exc}"]) from None


def apply_env_overrides(
    raw: dict[str, Any],
    environ: Mapping[str, str],
    prefix: str,
    from_env: dict[tuple[str, str], str] | None = None,
) -> list[str]:
    """Set ``raw[section][key]`` from ``PREFIX__SECTION__KEY`` variables.

    A value is read as a TOML value when it parses as one (``0``, ``true``, ``[4, 3]``),
    else as a plain string, so ``KIOSK__STORAGE__DATA_DIR=/var/lib/kiosk`` needs no quotes.
    ``from_env`` collects which variable set each (section, key), for error messages.
    """
    problems = []
    for name, value in sorted(environ.items()):
        if not name.startswith(prefix):
            continue
        parts = name[len(prefix) :].lower().split("__")
        if len(parts) != 2 or not all(parts):
            problems.append(f"{name}: expected {prefix}SECTION__KEY")
            continue
        section, key = parts
        target = raw.setdefault(section, {})
        if not isinstance(target, dict):
            problems.append(f"{name}: [{section}] is not a section")
            continue
        target[key] = _parse_env_value(value)
        if from_env is not None:
            from_env[(section, key)] = name
    return problems


def merge_overrides(
    raw: dict[str, Any],
    overrides: Mapping[str, Mapping[str, Any]],
    from_env: Mapping[tuple[str, str], str],
) -> list[str]:
    """Put the overrides' keys into the file's tables; a problem line for each variable
    whose section is a plain value in the file."""
    problems = []
    for section, keys in overrides.items():
        target = raw.setdefault(section, {})
        if isinstance(target, dict):
            target.update(keys)
        else:
            problems += [
                f"{from_env[(section, key)]}: [{section}] is not a section" for key in keys
            ]
    return problems


def _parse_env_value(value: str) -> Any:
    try:
        return tomllib.loads(f"v = {value}")["v"]
    except tomllib.TOMLDecodeError:
        return value


def resolve_paths(raw: dict[str, Any], base: Path, keys: Iterable[tuple[str, str]]) -> None:
    """Make each string at ``raw[section][key]`` absolute, relative to ``base``."""
    for section, key in keys:
        table = raw.get(section)
        value = table.get(key) if isinstance(table, dict) else None
        if isinstance(value, str):
            table[key] = str((base / Path(value).expanduser()).resolve())  # type: ignore[index]


def describe_errors(
    path: Path, exc: ValidationError, from_env: Mapping[tuple[str, str], str] | None = None
) -> list[str]:
    """One line per pydantic error: ``file: section.key (from VARIABLE): what is wrong``.

    A value that came from an environment variable names it: the file is not where to look.
    """
    from_env = from_env or {}
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
            # A whole unknown section: made by a variable such as KIOSK__SECTON__KEY.
            variable = next((v for (sec, _), v in from_env.items() if sec == loc[0]), None)
        if variable:
            key = f"{key} (from {variable})"
        if error["type"] == "extra_forbidden":
            message = "unknown key (check the spelling against the shipped config)"
        elif error["type"] == "missing":
            message = "required key is missing"
        elif error["type"] in ("float_type", "int_type") and _looks_numeric(error.get("input")):
            # Strict numbers: "3" in quotes is text, and guessing would hide the mistake.
            message = f"{message}, written without quotes (got {error['input']!r})"
        elif "input" in error and error["type"] != "value_error":
            message = f"{message} (got {error['input']!r})"
        lines.append(f"{path}: {key}: {message}")
    return lines


def _looks_numeric(value: object) -> bool:
    try:
        float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return isinstance(value, str)
