"""Counter satisfaction kiosk: the counter application and its services."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("counter-kiosk")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"
