"""Secrets anyone can read, because the product prints them: the demo's technician PIN
(2468, in the README and config/kiosk.toml), the example roster's officer PINs, the demo
dashboard's password (``demo-admin``). They work in the demo, and nowhere else.

One place for the rule, read by both ends: the kiosk (service screen, ``kioskctl check``
and ``status``, ``kiosk --self-test``, ``kioskctl hash-pin``) and the central
(``centralctl admin add``, ``centralctl serve``). Which run is the demo is said explicitly:
``[service] demo`` in the kiosk's config, ``[server] demo`` in the central's; only
``scripts/demo`` sets them (``KIOSK__SERVICE__DEMO`` / ``CENTRAL__SERVER__DEMO``), and
an installed kiosk's unit and ``kioskctl`` pin ``KIOSK__SERVICE__DEMO=false``.

Like ``kiosk.pins`` this imports nothing else of ``kiosk``, so the central loads it alone.
"""

from __future__ import annotations

import functools

from kiosk.pins import verify_pin

DEMO_TECHNICIAN_PIN = "2468"
# PINs printed by the product (the technician's, config/example-roster.csv's officers',
# the test and install examples of the docs) and the few everyone tries first.
KNOWN_PINS = frozenset(
    {
        DEMO_TECHNICIAN_PIN,
        "123456",
        "234567",
        "345678",
        "456789",
        "567890",
        "1234",
        "0000",
        "1111",
        "000000",
        "111111",
        "654321",
        "12345678",
    }
)
DEMO_ADMIN_PASSWORD = "demo-admin"
KNOWN_PASSWORDS = frozenset({DEMO_ADMIN_PASSWORD})


def is_known_pin(pin: str) -> bool:
    """A PIN anyone could read or guess first: refused outside the demo."""
    return pin.strip() in KNOWN_PINS


def is_known_password(password: str) -> bool:
    return password in KNOWN_PASSWORDS


@functools.cache
def known_pin_of(pin_hash: str) -> str | None:
    """The known PIN this hash is of, else None. One slow hash per known PIN (about half a
    second in all on a kiosk), once per hash and process."""
    return next((pin for pin in sorted(KNOWN_PINS) if verify_pin(pin, pin_hash)), None)


def known_password_of(password_hash: str) -> str | None:
    """The shipped password this (admin password) hash is of, else None."""
    return next((word for word in sorted(KNOWN_PASSWORDS) if verify_pin(word, password_hash)), None)
