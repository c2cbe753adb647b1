"""Domain refusals: each carries a reason code a screen or a CLI turns into words."""

from __future__ import annotations


class LoginRefused(Exception):
    """A login, resume or technician PIN was refused.

    ``reason`` is one of: empty, unknown_officer, inactive, wrong_pin, locked.
    ``retry_after`` (seconds) is set when locked; ``attempts_left`` after a wrong PIN.
    """

    def __init__(
        self,
        reason: str,
        message: str,
        *,
        retry_after: float | None = None,
        attempts_left: int | None = None,
    ):
        super().__init__(message)
        self.reason = reason
        self.retry_after = retry_after
        self.attempts_left = attempts_left


class RatingRefused(Exception):
    """A tap that must not become a rating.

    ``reason`` is one of: no_officer, paused, unknown_level, unknown_reason, cooldown,
    no_turn, not_held (reasons added to a rating that is no longer waiting for them).
    """

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


class RatingNotStored(Exception):
    """The database could not take a tap (a full or read-only disk, a lock held too long,
    an I/O error): nothing was stored, so the citizen must not be thanked for it.
    ``cause`` says why, in the technician's words, with the next step."""

    def __init__(self, cause: str):
        super().__init__(cause)
        self.cause = cause
