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


# The databases the running command opened: ``main`` closes them when it ends, so
# PostgreSQL sees its connections end cleanly (and a caller that runs ``main`` in its own
# process, as the tests do, keeps no pool of idle connections).
_opened: list[Database] = []


def open_database_of(settings: Settings, upgrade: bool = False) -> Database:
    db = open_database(settings.database_url, settings.database.pool_size, upgrade=upgrade)
    _opened.append(db)
    return db


def close_opened_databases() -> None:
    while _opened:
        _opened.pop().close()
