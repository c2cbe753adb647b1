"""Every file the kiosk or the central reads from a user is read bounded: a link to
/dev/zero where the provisioning file, a config, a token file or a roster CSV belongs is
refused at once with a one-line reason, instead of filling the memory; a FIFO does not
hang the reader. Each reader runs in its own process with 1 GiB of address space, so a
reader that reads without bound fails there, not the machine.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ADDRESS_SPACE = 1 << 30
READERS = {
    "provisioning file": """
        from sync.provisioning import ProvisioningCodeError, read_code_file
        try:
            read_code_file(target)
        except ProvisioningCodeError as exc:
            print(exc)
    """,
    "kioskctl provision --from-file": """
        from kiosk.cli import main
        sys.stderr = sys.stdout
        print("exit", main(["provision", "--from-file", str(target), "--no-check"]))
    """,
    "kiosk config": """
        from kiosk.config import ConfigError, load_config
        try:
            load_config(target, environ={})
        except ConfigError as exc:
            print(exc)
    """,
    "central config": """
        from sync.central.settings import SettingsError, load_settings
        try:
            load_settings(target, environ={})
        except SettingsError as exc:
            print(exc)
    """,
    "roster CSV": """
        from kiosk.roster_file import RosterError, read_roster
        try:
            read_roster(target)
        except RosterError as exc:
            print(exc)
    """,
    "counter token file": """
        from kiosk.config import DEFAULT_CONFIG, load_config
        from kiosk.phone_links import PhoneLinks
        from sync.client import SyncNotConfigured, read_token
        config = load_config(DEFAULT_CONFIG, environ={
            "KIOSK__CENTRAL__URL": "http://central.example",
            "KIOSK__CENTRAL__TOKEN_FILE": str(target),
            "KIOSK__STORAGE__DATA_DIR": str(target.parent / "data"),
        })
        try:
            read_token(config)
        except SyncNotConfigured as exc:
            print(exc)
        links = PhoneLinks(config)
        links._warn = print
        print("phone key:", links._key())
    """,
}


def run_reader(code: str, target: Path) -> subprocess.CompletedProcess[str]:
    script = "import sys\nfrom pathlib import Path\ntarget = Path(sys.argv[1])\n"
    script += textwrap.dedent(code)

    def small() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))

    env = {**os.environ, "KIVY_NO_ARGS": "1", "KIVY_NO_CONSOLELOG": "1"}
    env = {k: v for k, v in env.items() if not k.startswith(("KIOSK", "CENTRAL"))}
    return subprocess.run(
        [sys.executable, "-c", script, str(target)],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=small,
        env=env,
    )


@pytest.mark.parametrize("reader", READERS)
def test_a_link_to_dev_zero_is_refused_with_a_reason(reader: str, tmp_path: Path) -> None:
    link = tmp_path / "counter-kiosk.provision"
    link.symlink_to("/dev/zero")
    result = run_reader(READERS[reader], link)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "larger than" in result.stdout, result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_a_fifo_for_a_provisioning_file_does_not_hang_the_reader(tmp_path: Path) -> None:
    fifo = tmp_path / "counter-kiosk.provision"
    os.mkfifo(fifo)
    result = run_reader(READERS["provisioning file"], fifo)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "holds no provisioning code" in result.stdout
