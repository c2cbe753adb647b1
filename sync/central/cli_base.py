"""What every ``centralctl`` command shares: the error it raises to stop with a message,
and the database it opens from the settings.
"""

from __future__ import annotations

from sync.central.db import Database, open_database
from sync.central.settings import Settings


class CliError(Exception):
    """A failure to print as is; ``code`` is the exit status."""

    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.code = code


def open_database_of(settings: Settings, upgrade: bool = False) -> Database:
    return open_database(settings.database_url, settings.database.pool_size, upgrade=upgrade)
