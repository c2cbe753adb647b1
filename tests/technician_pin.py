"""The technician PIN of the tests' kiosks: one of their own, as an installed kiosk has
(scripts/install-kiosk sets it). The shipped hash is the demo's 2468, which the service
screen refuses and `kioskctl check` fails on outside the demo (kiosk.technician)."""

from __future__ import annotations

from kiosk.pins import hash_pin

TECHNICIAN_PIN = "975310"
TECHNICIAN_PIN_HASH = hash_pin(TECHNICIAN_PIN)
ENV = {"KIOSK__SERVICE__TECHNICIAN_PIN_HASH": TECHNICIAN_PIN_HASH}
