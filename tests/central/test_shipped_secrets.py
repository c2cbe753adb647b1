"""The demo dashboard's password (``demo-admin``, printed in the README) works only in the
demo (``[server] demo``, set by scripts/demo): elsewhere `centralctl admin add` refuses it,
and a login with it is refused (a database the demo made, or an older version's, may
still hold it). On SQLite and PostgreSQL."""

from __future__ import annotations

import html

import requests

from sync.central import accounts
from tests.central.conftest import Central


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


def test_the_demo_password_logs_no_one_in_outside_the_demo(central: Central):
    """A database the demo made (or an older version's) may still hold it: it opens
    nothing, and the page says what to do. The central itself starts as ever."""
    central.add_admin("admin", "demo-admin")
    answer = requests.post(
        central.url + "/login",
        data={"username": "admin", "password": "demo-admin", "lang": "en"},
        allow_redirects=False,
        timeout=60,
    )
    assert answer.status_code == 403
    page = html.unescape(answer.text)
    assert "This password is the demo's" in page
    assert "centralctl admin add admin" in page
    assert "central_session" not in answer.cookies
    assert accounts.admins_with_shipped_password(central.db) == ["admin"]

    assert central.ctl("admin", "add", "admin", stdin="a new long password\n").returncode == 0
    assert accounts.admins_with_shipped_password(central.db) == []
