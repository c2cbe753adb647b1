"""Run the central under uvicorn: in the foreground (``centralctl serve``) or in a thread.

:func:`start_in_thread` is what tests and benchmarks use: the real app on a real socket
on 127.0.0.1, bound before the thread starts, so the port is known and free.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any

import uvicorn
from uvicorn.supervisors import Multiprocess

from sync.central import logfilter, logsafe
from sync.central.app import create_app
from sync.central.connections import with_connection_limits
from sync.central.db import Database, open_database
from sync.central.settings import ENV_CONFIG, Settings


def _options(settings: Settings, log_level: str) -> dict[str, Any]:
    server = settings.server
    return {
        "log_level": log_level,
        # The kiosks' batches are small and many: keep connections open between them.
        "timeout_keep_alive": int(server.keep_alive_seconds),
        # X-Forwarded-For / -Proto are believed from these addresses only, so the client
        # address the login throttle counts, and the scheme, cannot be forged by others.
        "proxy_headers": True,
        "forwarded_allow_ips": list(server.trusted_proxies),
        "backlog": server.backlog,
        "server_header": False,
        # Open alert streams (Server-Sent Events) never end on their own: close them
        # after this long so that a stop or restart does not wait for the browsers.
        "timeout_graceful_shutdown": 5,
    }


def _with_limits(config: uvicorn.Config, settings: Settings) -> uvicorn.Config:
    # uvicorn has no header time-out nor cap per address: this protocol class adds them.
    server = settings.server
    return with_connection_limits(
        config,
        server.header_timeout_seconds,
        limit=server.limit_concurrency,
        per_address=server.max_connections_per_address,
        uncapped=tuple(server.trusted_proxies),
    )


def _config(settings: Settings, db: Database | None, log_level: str) -> uvicorn.Config:
    logsafe.install()
    config = uvicorn.Config(create_app(settings, db), **_options(settings, log_level))
    return _with_limits(config, settings)


def serve(
    settings: Settings, host: str, port: int, log_level: str = "info", workers: int = 1
) -> None:
    """Serve in the foreground; with several workers, each a process importing the app."""
    logfilter.install(settings.server.log_repeat_seconds)
    if workers == 1:
        config = _config(settings, None, log_level)
        config.host, config.port = host, port
        uvicorn.Server(config).run()
        return
    # Upgraded once here, so the workers do not race to migrate the same database.
    open_database(settings.database_url, settings.database.pool_size).close()
    # The workers read the same settings file; CENTRAL__* overrides reach them as they are.
    os.environ[ENV_CONFIG] = str(settings.config_path)
    # As uvicorn.run does for workers, with the header time-out set on the config.
    config = uvicorn.Config(
        "sync.central.asgi:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        **_options(settings, log_level),
    )
    _with_limits(config, settings)
    Multiprocess(config, sockets=[config.bind_socket()]).run()


@dataclass
class RunningCentral:
    url: str
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self, timeout: float = 30) -> None:
        self.server.should_exit = True
        self.thread.join(timeout)


def start_in_thread(
    settings: Settings,
    db: Database | None = None,
    host: str = "127.0.0.1",
    log_level: str = "warning",
    timeout: float = 60,
) -> RunningCentral:
    """Start the central on a free port of ``host``; returns once it accepts requests."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(_config(settings, db, log_level))
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"central:{port}", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f"central did not start on {host}:{port}")
        time.sleep(0.02)
    return RunningCentral(url=f"http://{host}:{port}", server=server, thread=thread)
