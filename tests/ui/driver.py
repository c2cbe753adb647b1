"""Runs one scenario of scenarios.py in the real kiosk app and prints ``RESULT <json>``.

Usage (the tests do this): python tests/ui/driver.py SCENARIO, with the kiosk's
KIOSK__* variables set and UI_SIZE=WxH. Not collected by pytest.
"""

from __future__ import annotations

import json
import os
import sys

import scenarios

from kiosk.config import load_config
from kiosk.ui import testing


def main() -> int:
    name = sys.argv[1]
    width, height = (int(n) for n in os.environ.get("UI_SIZE", "1280x800").split("x"))
    robot = testing.start(load_config(), (width, height))
    result = getattr(scenarios, name)(robot)
    print("RESULT " + json.dumps(result, default=str), flush=True)
    robot.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
