"""What the service screen does with a scanned provisioning code or a USB stick's file,
and what each outcome means in words (keys of the kiosk's catalogs).

The work is ``kiosk.provisioning.provision``, the same as ``kioskctl provision``; it
blocks on the network, and reading a stick may block too, so the screen does both on a
worker thread. No Kivy here.
"""

from __future__ import annotations

import glob
from collections.abc import Iterable
from pathlib import Path

from kiosk.provisioning import CONNECTING, ROSTER, ProvisioningFailed
from kiosk.ui.i18n import N_
from sync.answers import CentralMisanswered, CentralRefused, CentralUnavailable
from sync.provisioning import (
    DAMAGED,
    FILE_NAME,
    FOREIGN,
    NEWER,
    ProvisioningCode,
    ProvisioningCodeError,
    read_code_file,
)

# Where a USB stick is mounted: udisks (/media/<user>/<label>, /run/media/<user>/<label>)
# and a plain /media/<label> (usbmount, a udev rule, a technician's mount).
MEDIA_GLOBS = ("/media/*", "/media/*/*", "/run/media/*/*")

STEP_KEYS = {CONNECTING: N_("prov_connecting"), ROSTER: N_("prov_roster")}
CODE_KEYS = {
    FOREIGN: N_("prov_foreign"),
    NEWER: N_("prov_newer"),
    DAMAGED: N_("prov_damaged"),
}
# Most specific first; the sync layer's failure, after the previous config was restored.
REFUSED_KEYS: tuple[tuple[type[BaseException], str], ...] = (
    (CentralUnavailable, N_("prov_unavailable")),
    (CentralMisanswered, N_("prov_misanswered")),
    (CentralRefused, N_("prov_refused")),
)
DONE = N_("prov_done")
OVERRIDDEN = N_("prov_overridden")
NOT_WRITTEN = N_("prov_not_written")
NO_FILE = N_("prov_no_file")
UNEXPECTED = N_("err_unexpected")


class NoProvisioningFile(Exception):
    """No stick holds the file."""


def find_on_media(patterns: Iterable[str] | None = None) -> Path:
    """The provisioning file on a mounted stick (the first, by path); NoProvisioningFile."""
    patterns = tuple(MEDIA_GLOBS if patterns is None else patterns)
    found = sorted(
        {Path(folder) / FILE_NAME for pattern in patterns for folder in glob.glob(pattern)}
    )
    for path in found:
        if path.is_file():
            return path
    raise NoProvisioningFile(f"no {FILE_NAME} in {', '.join(patterns)}")


def from_media(patterns: Iterable[str] | None = None) -> ProvisioningCode:
    """The code in the stick's file; raises NoProvisioningFile, ProvisioningCodeError."""
    return read_code_file(find_on_media(patterns))


def code_values(code: object) -> dict[str, str]:
    """What a provisioning sentence names: the counter and the center ("?" for a stick's
    file until the worker has read it)."""
    if isinstance(code, ProvisioningCode):
        return {"counter": code.counter, "url": code.url}
    return {"counter": "?", "url": "?"}


def failure_key(error: BaseException) -> str:
    """The sentence that says what went wrong, what stayed, and what to do next."""
    if isinstance(error, ProvisioningCodeError):
        return CODE_KEYS.get(error.kind, CODE_KEYS[DAMAGED])
    if isinstance(error, NoProvisioningFile):
        return NO_FILE
    if isinstance(error, ProvisioningFailed):
        if error.problem is None:
            return OVERRIDDEN
        return next(
            (key for kind, key in REFUSED_KEYS if isinstance(error.problem, kind)),
            N_("prov_not_configured"),
        )
    if isinstance(error, OSError):
        return NOT_WRITTEN
    return UNEXPECTED
