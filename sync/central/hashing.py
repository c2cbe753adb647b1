"""The password-hashing pool: admin logins' scrypt runs here, never in the thread pool that
serves the kiosks' batches and /healthz.

An admin password hash takes 128 MiB and about a second of one core, so the pool is small
(``[login] hash_workers``) and so is the number of logins allowed to wait for it
(``hash_queue``). A login beyond that is refused at once (:class:`HashPoolFull`, answered
503 with Retry-After): a flood of logins costs bounded memory and at most a few cores,
whatever its size.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


class HashPoolFull(Exception):
    """Every worker is busy and the queue is full: try again in a few seconds."""


class HashPool:
    def __init__(self, workers: int, queue: int):
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="password-hash")
        # A slot is held from submission until the work is done, even when the client
        # has gone: the count is of work really queued or running.
        self._slots = threading.BoundedSemaphore(workers + queue)

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        if not self._slots.acquire(blocking=False):
            raise HashPoolFull
        try:
            future: Future[T] = self._executor.submit(function, *args)
        except BaseException:
            self._slots.release()
            raise
        future.add_done_callback(lambda _done: self._slots.release())
        return await asyncio.wrap_future(future)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
