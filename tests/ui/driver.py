"""Runs one scenario of scenarios.py in the real kiosk app and prints ``RESULT <json>``.

Usage (the tests do this): python tests/ui/driver.py SCENARIO (a function of
scenarios.py, or MODULE:FUNCTION for another module of tests/ui), with the kiosk's
KIOSK__* variables set, UI_SIZE=WxH and, for a real syncer, UI_SYNC=idle. Not collected
by pytest.
"""

from __future__ import annotations

import importlib
import json
import os
import sys

import scenarios

from kiosk.config import load_config
from kiosk.ui import testing


def syncer_for(counter):
    """UI_SYNC=idle: the real syncer, talking to the central only when the service screen
    asks (its scheduled jobs never start, so nothing is sent behind the test's back)."""
    if os.environ.get("UI_SYNC") != "idle":
        return None
    from sync.scheduler import Syncer

    return Syncer(counter.config, counter.store)


def main() -> int:
    name = sys.argv[1]
    width, height = (int(n) for n in os.environ.get("UI_SIZE", "1280x800").split("x"))
    robot = testing.start(load_config(), (width, height), sync_for=syncer_for)
    module, _, function = name.rpartition(":")
    where = importlib.import_module(module) if module else scenarios
    result = getattr(where, function)(robot)
    print("RESULT " + json.dumps(result, default=str), flush=True)
    syncer = robot.app.sync
    robot.stop()
    if hasattr(syncer, "shutdown"):
        syncer.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
