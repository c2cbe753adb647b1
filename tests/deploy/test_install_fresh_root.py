"""The installers on a fresh Debian bookworm root, as a technician runs them on a new
machine: scripts/install-kiosk (twice: the second run changes nothing), the kiosk it
leaves (user, enabled unit, config, faces, ratings), an update to a build that cannot
start (refused: the old version stays, every pending rating is kept), a good update, and
--uninstall (the data stays); scripts/install-central against this machine's PostgreSQL.
Every unit installed passes systemd-analyze verify."""

from __future__ import annotations

import json
import re
import secrets
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.deploy.fresh_root import INSTALLERS, FreshRoot, build_wheel, make_root
from tests.expected import unavailable

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]

KIOSK_FOLDERS = ("/opt", "/etc/counter-kiosk", "/etc/systemd/system")
CENTRAL_FOLDERS = (
    "/opt/counter-central",
    "/etc/counter-central",
    "/etc/systemd/system",
    "/etc/nginx",
)
PIN = "2580"
# The installed kiosk's environment, as its unit and kioskctl have it; no cooldown so a
# test can rate several times in a row.
KIOSK_ENV = (
    "KIOSK_CONFIG=/etc/counter-kiosk/kiosk.toml KIOSK__STORAGE__DATA_DIR=/var/lib/kiosk "
    "KIOSK__RATING__COOLDOWN_SECONDS=0"
)
RATE = f"""
from kiosk.counter import Counter
counter = Counter.open()
counter.login("CB001", "{PIN}")
for level in (4, 3, 1):
    counter.record(level)
counter.close()
"""


@pytest.fixture(scope="module")
def root() -> Iterator[FreshRoot]:
    # One root for the kiosk and then the central: making and deleting a root is a good
    # part of these tests' time, and neither installer shares a file with the other.
    # Under /var/tmp, not a tmpfs /tmp: the root takes about a gigabyte once installed.
    where = Path(tempfile.mkdtemp(prefix="fresh-root-", dir="/var/tmp"))
    try:
        yield make_root(where / "root")
    finally:
        # Nothing is mounted there (fresh-debian mounts in a namespace of its own), and
        # --one-file-system makes sure a leftover mount could not take the machine's files.
        subprocess.run(["rm", "-rf", "--one-file-system", str(where)], check=False)


class Wheels:
    """The wheels the tests install, each built once, when a test first asks for it."""

    VARIANTS = {
        "current": {},
        "next": {"version": "0.1.1"},
        "broken": {"version": "0.1.2", "broken": True},
    }

    def __init__(self, out: Path) -> None:
        self.out = out
        self.built: dict[str, Path] = {}

    def __getitem__(self, name: str) -> Path:
        if name not in self.built:
            self.built[name] = build_wheel(self.out, **self.VARIANTS[name])
        return self.built[name]


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> Wheels:
    return Wheels(tmp_path_factory.mktemp("wheels"))


def pending_ids(root: FreshRoot) -> set[str]:
    """The ids of the ratings the installed kiosk still has to send."""
    lines = root.run("kioskctl export --format json").splitlines()
    ratings = [json.loads(line) for line in lines if line.startswith("{")]
    return {rating["id"] for rating in ratings}


def current(root: FreshRoot) -> str:
    return root.run("readlink /opt/counter-kiosk/current").strip()


def test_kiosk_installs_twice_updates_safely_and_uninstalls_keeping_its_data(
    root: FreshRoot, wheels: Wheels
) -> None:
    wheel = {name: root.put(wheels[name], f"/root/{wheels[name].name}") for name in Wheels.VARIANTS}
    install = f"{INSTALLERS}/scripts/install-kiosk"

    first = root.run(f"{install} --wheel {wheel['current']}")
    assert "user kiosk created" in first
    # No terminal here: the kiosk's own technician PIN is made and printed, once; its hash
    # replaces the demo's (2468) in the installed config.
    pins = re.findall(r"technician PIN of this kiosk: (\d{8})$", first, re.M)
    assert len(pins) == 1, first
    opens = root.run(
        "/opt/counter-kiosk/current/bin/python -c '"
        "from kiosk.config import load_config; from kiosk.pins import verify_pin\n"
        'pin_hash = load_config("/etc/counter-kiosk/kiosk.toml").service.technician_pin_hash\n'
        f'print(verify_pin("{pins[0]}", pin_hash), verify_pin("2468", pin_hash))\''
    )
    assert opens.split() == ["True", "False"], opens
    before = root.listing(*KIOSK_FOLDERS)
    second = root.run(f"{install} --wheel {wheel['current']}")
    assert second.strip().endswith("already installed, nothing changed"), second
    assert pins[0] not in second, "the PIN is shown once"
    assert root.listing(*KIOSK_FOLDERS) == before

    # The user, in the groups of the screen and touch device; the unit enabled at boot;
    # the config in /etc; kioskctl on the PATH; every unit accepted by systemd.
    groups = root.run("id -nG kiosk").split()
    assert {"video", "input", "render"} <= set(groups)
    assert (
        root.run(
            "readlink /etc/systemd/system/graphical.target.wants/counter-kiosk.service"
        ).strip()
        == "/etc/systemd/system/counter-kiosk.service"
    )
    assert 'data_dir = "/var/lib/kiosk"' in root.run("cat /etc/counter-kiosk/kiosk.toml")
    root.run("systemd-analyze verify /etc/systemd/system/counter-kiosk*")
    old = current(root)
    assert old.startswith("versions/0.1.0-")

    # The installed venv finds its faces through importlib.resources, not a checkout.
    faces = root.run(
        "/opt/counter-kiosk/current/bin/python -c '"
        "from kiosk import resources\n"
        'for name in ("very_satisfied", "dissatisfied"): print(resources.face(name))\''
    )
    assert faces.count("/opt/counter-kiosk/versions/") == 2, faces

    # It records ratings, kept in /var/lib/kiosk until the central confirms them.
    root.run(f"echo {PIN} | kioskctl officer add CB001 --name 'Nguyễn Văn An' --pin-stdin")
    root.run(
        f"cd / && runuser -u kiosk -- env {KIOSK_ENV} /opt/counter-kiosk/current/bin/python -c '{RATE}'"
    )
    pending = pending_ids(root)
    assert len(pending) == 3

    # A build that cannot start is refused before the switch: the old version stays.
    refused = root.run(f"kioskctl self-update {wheel['broken']}", check=False)
    assert "update refused" in refused and "broken on purpose" in refused, refused
    assert current(root) == old
    assert pending_ids(root) == pending

    # A good build passes the same check and becomes current; the ratings stay pending.
    updated = root.run(f"{INSTALLERS}/scripts/update-kiosk {wheel['next']}")
    assert "passed its check" in updated and "could not wait for readiness" in updated
    assert current(root).startswith("versions/0.1.1-")
    assert pending_ids(root) == pending
    # Installing over it with another version switches nothing: that is an update's job.
    again = root.run(f"{install} --wheel {wheel['current']}")
    assert "kioskctl self-update" in again and current(root).startswith("versions/0.1.1-")

    # --uninstall removes the app, the units, the wrapper and the config, not the data.
    gone = root.run(f"{install} --uninstall")
    assert "kept: /var/lib/kiosk" in gone
    left = root.run(
        "ls /opt/counter-kiosk /etc/counter-kiosk /usr/local/bin/kioskctl "
        "/etc/systemd/system/counter-kiosk.service 2>&1 || true"
    )
    assert left.count("No such file") == 4, left
    count = root.run(
        "python3 -c 'import sqlite3; "
        'print(sqlite3.connect("/var/lib/kiosk/kiosk.db").execute('
        '"select count(*) from ratings").fetchone()[0])\''
    )
    assert count.strip() == "3"


@pytest.fixture
def central_database() -> Iterator[str]:
    """A new, uniquely named database on this machine's PostgreSQL; dropped afterwards."""
    import psycopg

    name = f"central_install_{secrets.token_hex(4)}"
    try:
        admin = psycopg.connect(
            host="127.0.0.1", user="postgres", dbname="postgres", autocommit=True, connect_timeout=5
        )
    except psycopg.OperationalError as exc:
        unavailable("postgres", f"PostgreSQL not reachable at 127.0.0.1:5432 ({exc})")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_central_installs_twice_behind_nginx_with_centralctl_on_the_path(
    root: FreshRoot, wheels: Wheels, central_database: str
) -> None:
    wheel = root.put(wheels["current"], f"/root/{wheels['current'].name}")
    install = (
        f"{INSTALLERS}/scripts/install-central --wheel {wheel} --database-url {central_database}"
        " --workers 3 --domain central.test"
    )
    first = root.run(install)
    assert "self-signed certificate for central.test" in first
    before = root.listing(*CENTRAL_FOLDERS)
    second = root.run(install)
    assert second.strip().endswith("already installed, nothing changed"), second
    # Run again with no options, it keeps the database, workers and name it was given.
    bare = root.run(f"{INSTALLERS}/scripts/install-central --wheel {wheel}")
    assert bare.strip().endswith("already installed, nothing changed"), bare
    assert root.listing(*CENTRAL_FOLDERS) == before

    settings = root.run("cat /etc/counter-central/central.toml")
    assert "workers = 3" in settings and central_database in settings
    assert 'public_url = "https://central.test"' in settings
    assert (
        root.run(
            "readlink /etc/systemd/system/multi-user.target.wants/counter-central.service"
        ).strip()
        == "/etc/systemd/system/counter-central.service"
    )
    site = root.run("cat /etc/nginx/sites-enabled/counter-central")
    assert "server_name central.test;" in site and "X-Forwarded-Proto $scheme" in site
    root.run("nginx -t")
    root.run("systemd-analyze verify /etc/systemd/system/counter-central*")

    # centralctl on the PATH works against the database, as the central user.
    root.run("cd / && centralctl department add CA 'Công an tỉnh'")
    assert "CA\tCông an tỉnh" in root.run("cd / && centralctl department list")
    # The nightly backup's script writes a dump of that database.
    dump = root.run(
        "cd / && runuser -u central -- env CENTRAL_CONFIG=/etc/counter-central/central.toml "
        "/opt/counter-central/tools/backup-central"
    )
    assert "backup written: /var/backups/counter-central/central-" in dump
