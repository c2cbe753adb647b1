"""`python -m kiosk`: the kiosk window (same as the `kiosk` command)."""

import sys

from kiosk.ui.app import main

sys.exit(main())
