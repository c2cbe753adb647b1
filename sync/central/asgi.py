"""The central as an ASGI app factory, for uvicorn's worker processes.

Several workers (``[server] workers``) each import the app by name instead of being handed
one object: ``uvicorn --factory sync.central.asgi:app_from_environment``. The settings come
from ``CENTRAL_CONFIG`` and ``CENTRAL__*`` as for ``centralctl``, which sets them for the
workers it starts.
"""

from __future__ import annotations

from fastapi import FastAPI

from sync.central import logsafe
from sync.central.app import create_app
from sync.central.settings import load_settings


def app_from_environment() -> FastAPI:
    logsafe.install()  # in each worker: its own uvicorn writes its own access log
    return create_app(load_settings())
