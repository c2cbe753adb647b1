"""A counter's provisioning code (sync.provisioning) as the admin hands it to a technician:
a QR code in the terminal, a PNG to print, or a file for a USB stick.

All three hold the counter's token: they are written readable by their owner only
(mode 600). segno (the ``central`` extra) draws the QR code; it is imported here only.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

from sync.provisioning import ProvisioningCode, file_text

# Medium error correction: a printed code still reads with a smudge or a crease.
ERROR_LEVEL = "m"
PNG_SCALE = 8  # pixels per module: about 4 cm wide at 300 dpi for a code of 57 modules


class QrUnavailable(Exception):
    """segno is not installed."""


def _qr(code: ProvisioningCode):
    try:
        import segno
    except ImportError:
        raise QrUnavailable("QR codes need segno: pip install 'counter-kiosk[central]'") from None
    # micro=False: Micro QR is not read by every badge scanner.
    return segno.make(code.text(), error=ERROR_LEVEL, micro=False, boost_error=False)


def terminal_text(code: ProvisioningCode) -> str:
    """The QR code drawn with UTF-8 half blocks, two rows of modules a line, light modules
    drawn (so it reads on the usual dark terminal), with its quiet zone."""
    out = io.StringIO()
    _qr(code).terminal(out, compact=True)
    return out.getvalue()


def write_png(code: ProvisioningCode, path: Path) -> None:
    out = io.BytesIO()
    _qr(code).save(out, kind="png", scale=PNG_SCALE, border=4)
    _write_secret(path, out.getvalue())


def write_file(code: ProvisioningCode, path: Path) -> None:
    """The provisioning file (``kioskctl provision --from-file``, the service screen's
    "read from USB stick"); name it ``sync.provisioning.FILE_NAME`` on the stick."""
    _write_secret(path, file_text(code).encode("utf-8"))


def _write_secret(path: Path, data: bytes) -> None:
    # Created 600 before a byte is written, so the token is never readable by others.
    path.unlink(missing_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(data)
