"""Salted slow hashes for officer and technician PINs.

Format: ``scrypt$N$r$p$<salt b64>$<hash b64>`` (standard base64, no newlines). The central
endpoint hashes roster PINs and admin passwords with this module too, so a hash made there
verifies here; keep it free of other ``kiosk`` imports so the central can load it alone.
A 4-digit PIN has little entropy: the slow hash only buys time, the lockout does the rest.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

# Below OWASP's minimum for passwords (N=2^17) on purpose: the kiosk verifies a PIN offline
# on its small CPU at every officer login, and 2^17 takes about a second there and 128 MiB.
# A PIN's defence is its length (the center asks for 6 digits: [roster] min_pin_digits) and
# the kiosk's lockout, not this cost. Admin passwords use 2^17 (sync.central.auth).
_N, _R, _P, _DKLEN = 16384, 8, 1, 32


def hash_pin(pin: str) -> str:
    salt = os.urandom(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=_DKLEN)
    return f"scrypt${_N}${_R}${_P}${_b64(salt)}${_b64(digest)}"


def verify_pin(pin: str, stored: str) -> bool:
    """Constant-time check of ``pin`` against a stored hash; a malformed hash never matches."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest, validate=True)
        actual = hashlib.scrypt(
            pin.encode(),
            salt=base64.b64decode(salt, validate=True),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
            maxmem=256 * 1024 * 1024,
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def is_pin_hash(value: str) -> bool:
    return value.startswith("scrypt$") and value.count("$") == 5


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
