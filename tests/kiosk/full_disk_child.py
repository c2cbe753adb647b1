"""Run by test_database_trouble in its own mount namespace: kioskctl commands on a full disk.

Usage: full_disk_child.py DATA_DIR RESULT_FILE, with a JSON list of [args, stdin] on
standard input. Mounts a small tmpfs on DATA_DIR, makes a kiosk there with an officer
logged in, keeps the database open as the running kiosk does, fills the disk, runs each
command, frees the disk, and writes what happened to RESULT_FILE as JSON.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path


def kioskctl(*args: str, stdin: str | None = None) -> dict[str, object]:
    done = subprocess.run(
        ["kioskctl", *args], input=stdin, capture_output=True, text=True, timeout=120
    )
    return {"args": list(args), "rc": done.returncode, "out": done.stdout, "err": done.stderr}


def main() -> None:
    data, result = Path(sys.argv[1]), Path(sys.argv[2])
    commands = json.load(sys.stdin)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(data)], check=True)
    setup = [
        kioskctl("init"),
        kioskctl("officer", "add", "CB001", "--name", "Nguyễn Thị Hồng Nhung", "--pin-stdin",
                 stdin="1234\n"),
        kioskctl("login", "CB001", "--pin-stdin", stdin="1234\n"),
    ]  # fmt: skip
    # The running kiosk holds the database open: its -wal and -shm files stay, as they do
    # on a kiosk, so the commands below fail on writing, not on opening.
    kiosk = sqlite3.connect(data / "kiosk.db")
    kiosk.execute("SELECT count(*) FROM ratings").fetchall()
    fill = data / "fill"
    with fill.open("wb", buffering=0) as out:
        try:
            while True:
                out.write(b"\0" * 65536)
        except OSError:
            pass
    full = [kioskctl(*args, stdin=stdin) for args, stdin in commands]
    fill.unlink()
    after = kioskctl("status", "--json")
    kiosk.close()
    listing = sorted(path.name for path in data.iterdir())
    result.write_text(json.dumps({"setup": setup, "full": full, "after": after, "ls": listing}))


if __name__ == "__main__":
    main()
