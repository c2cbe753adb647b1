"""The demo dashboard's password (``demo-admin``, printed in the README) works only in the
demo (``[server] demo``, set by scripts/demo): elsewhere `centralctl admin add` refuses it,
and `centralctl serve` does not start while an admin still has it (a database the demo
made, or an older version's). On SQLite and PostgreSQL."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

from sync.central import accounts
from tests.central.conftest import Central


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_admin_add_refuses_the_demo_password_outside_the_demo(central: Central):
    done = central.ctl("admin", "add", "admin", stdin="demo-admin\n")
    assert done.returncode == 1
    assert done.stderr.startswith("centralctl: that password is the demo's"), done.stderr
    assert len(done.stderr.splitlines()) == 1
    assert central.ctl("admin", "token", "admin").returncode == 1, "no admin was made"


def test_admin_add_takes_the_demo_password_in_the_demo(central: Central):
    done = central.ctl("admin", "add", "admin", stdin="demo-admin\n", CENTRAL__SERVER__DEMO="true")
    assert done.returncode == 0, done.stderr
    assert accounts.admins_with_shipped_password(central.db) == ["admin"]


def test_serve_does_not_start_while_an_admin_has_the_demo_password(central: Central):
    central.add_admin("director", "a password of their own")
    central.add_admin("admin", "demo-admin")  # as the demo (or an older version) left it
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CENTRAL")}
    env.update(
        CENTRAL__STORAGE__DATA_DIR=str(central.settings.storage.data_dir),
        CENTRAL__DATABASE__URL=central.settings.database_url,
        PYTHONPATH=os.pathsep.join(sys.path),
    )
    serve = [sys.executable, "-m", "sync.central.cli", "serve", "--port", str(port)]
    done = subprocess.run(serve, env=env, capture_output=True, text=True, timeout=120)

    assert done.returncode == 1, done.stderr
    assert done.stderr.splitlines() == [
        "centralctl: not started: admin admin still has the demo's password (demo-admin, "
        "printed in the README): set another with `centralctl admin add admin` (or "
        "`centralctl admin remove admin`), then start again"
    ]
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", port)) != 0, "nothing listens"

    assert central.ctl("admin", "add", "admin", stdin="a new long password\n").returncode == 0
    assert accounts.admins_with_shipped_password(central.db) == []
