"""Change single keys of a TOML config file in place, keeping its comments.

Used by ``kioskctl provision``: a technician's file stays readable, every other line
and comment is left as it was, and the file is replaced atomically.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import tomllib
from pathlib import Path

_HEADER = re.compile(r"^\s*\[\[?\s*([A-Za-z0-9_.]+)\s*\]\]?\s*(#.*)?$")


def toml_string(value: str) -> str:
    # A JSON string literal is a valid TOML basic string.
    return json.dumps(value, ensure_ascii=False)


def set_values(text: str, values: dict[tuple[str, str], str]) -> str:
    """Set ``section.key = literal`` for each item; literals are TOML (quote strings)."""
    lines = text.splitlines()
    for (section, key), literal in values.items():
        lines = _set_value(lines, section, key, literal)
    result = "\n".join(lines) + "\n"
    tomllib.loads(result)  # never write a file we cannot read back
    return result


def _set_value(lines: list[str], section: str, key: str, literal: str) -> list[str]:
    key_line = re.compile(rf"^\s*{re.escape(key)}\s*=")
    current = None
    header_at = None
    for index, line in enumerate(lines):
        header = _HEADER.match(line)
        if header:
            if current == section:
                break  # key not in the section: insert before the next header
            current = header.group(1)
            if current == section:
                header_at = index
            continue
        if current == section and key_line.match(line):
            return lines[:index] + [f"{key} = {literal}"] + lines[index + 1 :]
    if header_at is None:
        return lines + ["", f"[{section}]", f"{key} = {literal}"]
    return lines[: header_at + 1] + [f"{key} = {literal}"] + lines[header_at + 1 :]


def write_atomically(path: Path, text: str, mode: int | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        if mode is not None:
            os.chmod(temporary, mode)
        elif path.exists():
            os.chmod(temporary, path.stat().st_mode & 0o777)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
