"""The provisioning code: central URL, counter id and token in one short line of text.

``centralctl counter add --qr`` prints it as a QR code (and can write it to a file for a
USB stick); the counter's own badge scanner, a keyboard to the computer, types it at the
kiosk's service screen, or ``kioskctl provision --from-file`` reads it. Both ends use
this module, so there is one format.

Format, version 1::

    KIOSK1 <BASE32 of the compact JSON {"url": ..., "counter": ..., "token": ...}>

Only capitals, digits and one space: a keyboard-wedge scanner types those the same on
every keyboard layout, and a kiosk whose Caps Lock is on (a scanner's capitals come out
small) still reads it, because the code is read without regard to case. They are also
QR's compact alphanumeric mode, so the printed square stays small. No padding ``=``.

The code carries the counter's token, since a kiosk without a keyboard has no other way
to get it: a printed QR code, a screenshot of it or the file is a secret exactly like
the token. Whoever holds it can send ratings as that counter until the token is replaced
(``centralctl counter token ID --qr``, which also makes a new code).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from pathlib import Path

from kiosk.bounded_read import CODE_FILE_BYTES, FileTooLarge, read_text
from sync.protocol import COUNTER_ID, canonical_code

VERSION = 1
PREFIX = "KIOSK"
# The file a USB stick carries (centralctl counter add --qr --file); kioskctl and the
# service screen look for this name.
FILE_NAME = "counter-kiosk.provision"
MAX_CODE = 1000  # a QR code a badge scanner reads well holds far fewer characters

_HEADER = re.compile(r"^KIOSK(\d+)(?: |$)")
_URL = re.compile(r"^https?://[^\s/]+\S*$")
_TOKEN = re.compile(r"^[\x21-\x7e]{1,200}$")  # printable ASCII, no spaces

# What a parse error is about, so a screen can say it in the kiosk's language.
FOREIGN, NEWER, DAMAGED = "foreign", "newer", "damaged"


class ProvisioningCodeError(ValueError):
    """The text is not a usable provisioning code; ``kind`` is FOREIGN (another code
    altogether), NEWER (a later version than this kiosk reads) or DAMAGED."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class ProvisioningCode:
    url: str
    counter: str
    token: str

    def __post_init__(self) -> None:
        problem = _problem(self.url, self.counter, self.token)
        if problem:
            raise ProvisioningCodeError(DAMAGED, problem)

    def text(self) -> str:
        """The code as a scanner types it."""
        payload = json.dumps(
            {"url": self.url, "counter": self.counter, "token": self.token},
            separators=(",", ":"),
        )
        body = base64.b32encode(payload.encode("ascii")).decode("ascii").rstrip("=")
        return f"{PREFIX}{VERSION} {body}"

    def __repr__(self) -> str:  # never the token, in a log or a traceback
        return f"ProvisioningCode(url={self.url!r}, counter={self.counter!r}, token=...)"


def make_code(url: str, counter: str, token: str) -> ProvisioningCode:
    """A code for ``counter`` (any case) at ``url`` (a trailing / is dropped)."""
    return ProvisioningCode(url.strip().rstrip("/"), canonical_code(counter), token.strip())


def looks_like_code(text: str) -> bool:
    """Whether a scan was meant as a provisioning code (any version, maybe damaged): such
    a scan is never a badge or a ticket, and never logged (it carries a token)."""
    return bool(_HEADER.match(text.strip().upper()))


def parse_code(text: str) -> ProvisioningCode:
    """The code in ``text``; raises ProvisioningCodeError saying what is wrong."""
    text = text.strip().upper()
    header = _HEADER.match(text)
    if not header:
        raise ProvisioningCodeError(
            FOREIGN, f"not a kiosk provisioning code (it does not start with {PREFIX}{VERSION})"
        )
    version = int(header.group(1))
    if version != VERSION:
        raise ProvisioningCodeError(
            NEWER,
            f"provisioning code version {version}: this kiosk reads version {VERSION}; "
            "update the kiosk, or make the code with this kiosk's version of centralctl",
        )
    if len(text) > MAX_CODE:
        raise ProvisioningCodeError(DAMAGED, f"the code is longer than {MAX_CODE} characters")
    body = text[header.end() :].strip()
    try:
        raw = base64.b32decode(body + "=" * (-len(body) % 8))
        fields = json.loads(raw.decode("ascii"))
    except (binascii.Error, ValueError):
        raise ProvisioningCodeError(
            DAMAGED, "the code is damaged or cut short (scan it again, whole)"
        ) from None
    if not isinstance(fields, dict):
        raise ProvisioningCodeError(DAMAGED, "the code holds no url, counter and token")
    missing = [
        name for name in ("url", "counter", "token") if not isinstance(fields.get(name), str)
    ]
    if missing:
        raise ProvisioningCodeError(DAMAGED, f"the code has no {', '.join(missing)}")
    return ProvisioningCode(fields["url"], fields["counter"], fields["token"])


def read_code_file(path: Path) -> ProvisioningCode:
    """The code in a provisioning file: its first line that is not empty or a # comment.
    Raises OSError when the file cannot be read, ProvisioningCodeError when it holds no code
    (a file far larger than any code, a link to /dev/zero, is no code either)."""
    try:
        text = read_text(path, CODE_FILE_BYTES, errors="replace")
    except FileTooLarge as exc:
        raise ProvisioningCodeError(
            DAMAGED, f"{path}: {exc.strerror}: no provisioning code"
        ) from None
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            return parse_code(line)
    raise ProvisioningCodeError(DAMAGED, f"{path} holds no provisioning code")


def file_text(code: ProvisioningCode) -> str:
    """What ``centralctl counter add --qr --file`` writes: a warning, then the code."""
    return (
        f"# Provisioning code of counter {code.counter} ({code.url}).\n"
        "# SECRET: it holds the counter's token. Delete it once the kiosk is provisioned.\n"
        f"{code.text()}\n"
    )


def _problem(url: str, counter: str, token: str) -> str | None:
    if not _URL.match(url) or not url.isascii():
        return f"url {url!r}: must start with http:// or https:// (ASCII, no spaces)"
    if not COUNTER_ID.match(counter) or counter != canonical_code(counter):
        return f"counter {counter!r}: must be 1-16 capitals, digits, - and _"
    if not _TOKEN.match(token):
        return "token: must be 1-200 printable ASCII characters without spaces"
    return None
