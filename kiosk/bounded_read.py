"""Reading a file someone else put there, bounded: a config, a token file, a roster CSV, a
USB stick's provisioning file. A link to ``/dev/zero`` or a huge file is refused after
``limit + 1`` bytes instead of filling the memory; a FIFO is read without waiting for a
writer that never comes.

:class:`FileTooLarge` is an OSError, so every reader that says "cannot be read" for a
missing or unreadable file says it for this one too, with the limit in the words.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

# How large each kind of file may be: far above any real one.
CONFIG_BYTES = 1 << 20  # kiosk.toml, central.toml
TOKEN_BYTES = 4096  # a counter's token (at most 200 characters)
CODE_FILE_BYTES = 64 << 10  # counter-kiosk.provision: comments and one code
ROSTER_BYTES = 16 << 20  # a province's officers as CSV
_CHUNK = 1 << 16


class FileTooLarge(OSError):
    def __init__(self, path: Path, limit: int):
        super().__init__(errno.EFBIG, f"larger than {limit} bytes, the most it may be", str(path))


def read_bytes(path: Path, limit: int) -> bytes:
    """At most ``limit`` bytes of ``path``; FileTooLarge when it holds more."""
    # O_NONBLOCK: a FIFO with no writer opens and reads as empty instead of hanging.
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        data = bytearray()
        while len(data) <= limit:
            chunk = os.read(descriptor, min(_CHUNK, limit + 1 - len(data)))
            if not chunk:
                return bytes(data)
            data += chunk
    finally:
        os.close(descriptor)
    raise FileTooLarge(path, limit)


def read_text(path: Path, limit: int, encoding: str = "utf-8", errors: str = "strict") -> str:
    """As Path.read_text (newlines as ``\\n``), of at most ``limit`` bytes."""
    text = read_bytes(path, limit).decode(encoding, errors)
    return text.replace("\r\n", "\n").replace("\r", "\n")
