"""Officer PINs at the center are at least [roster] min_pin_digits long (6 as shipped):
every counter token can download its department's PIN hashes, and a 4-digit PIN falls to
an offline search in minutes. PINs set before stay valid and are flagged."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import requests

from kiosk.pins import verify_pin
from sync.central.settings import DEFAULT_CONFIG, load_settings
from sync.protocol import roster_path

from .conftest import Central


def test_the_shipped_minimum_is_six_digits(tmp_path: Path) -> None:
    settings = load_settings(DEFAULT_CONFIG, environ={"CENTRAL__STORAGE__DATA_DIR": str(tmp_path)})
    assert settings.roster.min_pin_digits == 6


@pytest.fixture
def ctl(central: Central):
    """centralctl on the central's database with the shipped PIN minimum (no test override)."""

    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        done = central.ctl(*args, stdin=stdin)
        assert "Traceback" not in done.stderr
        return done

    return run


def roster_csv(tmp_path: Path, pin: str) -> Path:
    path = tmp_path / "officers.csv"
    path.write_text(
        f"code,full_name,department,department_name,pin\nCB010,Võ Thị Lan,CA,Công an tỉnh,{pin}\n",
        encoding="utf-8",
    )
    return path


def test_a_four_digit_pin_is_refused_with_the_reason(ctl, tmp_path: Path) -> None:
    refused = ctl("officer", "import", str(roster_csv(tmp_path, "1234")))
    assert refused.returncode == 1
    assert "4 digits is too short, the center needs at least 6" in refused.stderr
    assert "CB010" not in ctl("officer", "list").stdout, "nothing imported"

    assert ctl("officer", "import", str(roster_csv(tmp_path, "482913"))).returncode == 0
    listed = ctl("officer", "list")
    assert "CB010\tCA\tyes\tok\tVõ Thị Lan" in listed.stdout
    assert listed.stderr == ""


def test_set_pin_holds_the_same_minimum(ctl, tmp_path: Path) -> None:
    assert ctl("officer", "import", str(roster_csv(tmp_path, "482913"))).returncode == 0
    short = ctl("officer", "set-pin", "cb010", stdin="9876\n")
    assert short.returncode == 1 and "at least 6" in short.stderr
    assert ctl("officer", "set-pin", "cb010", stdin="9876543\n").returncode == 0
    unknown = ctl("officer", "set-pin", "CB999", stdin="9876543\n")
    assert unknown.returncode == 1 and "officer CB999 is unknown" in unknown.stderr


def test_an_old_short_pin_keeps_working_and_is_flagged(central: Central, ctl) -> None:
    # CB001 got PIN 1234 when the center accepted 4 digits (the fixture's minimum).
    token = central.add_counter("Q07", "CA", officers=("CB001",))
    listed = ctl("officer", "list")
    assert "CB001\tCA\tyes\tweak (4 digits)" in listed.stdout
    assert "1 officer(s) have a PIN shorter than 6 digits" in listed.stderr
    assert "centralctl officer set-pin CODE" in listed.stderr

    # The kiosk still gets the hash, and 1234 still opens it, until the PIN is changed.
    answer = requests.get(
        central.url + roster_path("Q07"), headers={"Authorization": f"Bearer {token}"}, timeout=60
    )
    (officer,) = [o for o in answer.json()["officers"] if o["code"] == "CB001"]
    assert verify_pin("1234", officer["pin_hash"])

    assert ctl("officer", "set-pin", "CB001", stdin="731904\n").returncode == 0
    assert "CB001\tCA\tyes\tok" in ctl("officer", "list").stdout
