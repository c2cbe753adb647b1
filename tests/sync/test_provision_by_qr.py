"""Provisioning without a keyboard: the QR code ``centralctl counter add --qr`` prints (in
the terminal and as a PNG) reads back, as a scanner reads it, to a code that provisions a
real kiosk against the real central; the same code from a file on a USB stick does too;
a replaced token's old code is refused and the kiosk's previous configuration stays."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from sync.client import SyncClient
from sync.provisioning import FILE_NAME, parse_code
from tests import in_process
from tests.sync.conftest import REPO, Central, make_kiosk

# segno's compact terminal drawing: light modules drawn, so a dark terminal shows the
# code as printed. Each character is (top, bottom), 1 for a dark module.
HALF_BLOCKS = {" ": (1, 1), "\u2580": (0, 1), "\u2584": (1, 0), "\u2588": (0, 0)}


def read_qr(rows: list[list[int]], scale: int = 4) -> list[str]:
    """What a scanner reads from modules ``rows`` (1 dark), drawn ``scale`` pixels each."""
    pixels = bytearray()
    for row in rows:
        line = bytes(0 if dark else 255 for dark in row for _ in range(scale))
        pixels += line * scale
    image = memoryview(pixels).cast("B", [len(rows) * scale, len(rows[0]) * scale])
    return [found.text for found in zxingcpp.read_barcodes(image)]


def terminal_rows(text: str) -> list[list[int]]:
    rows: list[list[int]] = []
    for line in text.splitlines():
        pairs = [HALF_BLOCKS[char] for char in line]
        rows += [[top for top, _ in pairs], [bottom for _, bottom in pairs]]
    return rows


def qr_lines(stdout: str) -> str:
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("provisioning code")) + 1
    drawn = [line for line in lines[start:] if line and set(line) <= set(HALF_BLOCKS)]
    return "\n".join(drawn)


def kiosk(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A fresh kiosk: its own copy of the shipped config, its own data folder."""
    config = tmp_path / "etc" / "kiosk.toml"
    config.parent.mkdir()
    config.write_text((REPO / "config" / "kiosk.toml").read_text(encoding="utf-8"))
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("KIOSK")},
        "KIOSK_CONFIG": str(config),
        "KIOSK__STORAGE__DATA_DIR": str(tmp_path / "data"),
        "KIOSK__CENTRAL__TOKEN_FILE": str(tmp_path / "data" / "token"),
    }
    return config, env


def kioskctl(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return in_process.kioskctl(*args, env=env, stdin=stdin)


def test_the_printed_qr_code_provisions_a_kiosk_against_the_real_central(
    central: Central, tmp_path: Path
):
    central.add_counter("Q10")  # department CA with officer CB001 on its roster
    png, stick = tmp_path / "q11.png", tmp_path / "stick"
    stick.mkdir()
    done = central.ctl(
        "counter", "add", "Q11", "--department", "CA", "--qr", "--png", str(png),
        "--file", str(stick), "--central-url", central.url,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    token = done.stdout.splitlines()[1]

    from_terminal = read_qr(terminal_rows(qr_lines(done.stdout)))
    with Image.open(png) as image:
        from_png = [found.text for found in zxingcpp.read_barcodes(image.convert("L"))]
    assert from_terminal == from_png and len(from_png) == 1
    code = parse_code(from_png[0])
    assert (code.url, code.counter, code.token) == (central.url, "Q11", token)
    assert png.stat().st_mode & 0o777 == 0o600, "the printout holds the token"
    assert (stick / FILE_NAME).stat().st_mode & 0o777 == 0o600

    # What the scanner read, as the kiosk gets it from a stick.
    scanned = tmp_path / "scanned.provision"
    scanned.write_text(from_png[0] + "\n")
    config, env = kiosk(tmp_path)
    provisioned = kioskctl(env, "provision", "--from-file", str(scanned))
    assert provisioned.returncode == 0, provisioned.stderr
    assert "roster pulled: 1 officers may log in here" in provisioned.stdout
    text = config.read_text(encoding="utf-8")
    assert 'id = "Q11"' in text and f'url = "{central.url}"' in text
    assert (tmp_path / "data" / "token").read_text() == token + "\n"
    # The center's officer logs in with the PIN the center set, and the kiosk reports in.
    login = kioskctl(env, "login", "CB001", "--pin-stdin", stdin="1234\n")
    assert login.returncode == 0, login.stderr
    synced = kioskctl(env, "sync")
    assert synced.returncode == 0, synced.stderr


def test_a_replaced_tokens_old_code_is_refused_and_the_kiosk_keeps_its_configuration(
    central: Central, tmp_path: Path
):
    central.add_counter("Q12")
    stick = tmp_path / "stick"
    stick.mkdir()
    url = ["--central-url", central.url]
    first = central.ctl("counter", "token", "Q12", "--file", str(stick / "old"), *url)
    assert first.returncode == 0, first.stderr
    second = central.ctl("counter", "token", "Q12", "--file", str(stick / FILE_NAME), *url)
    assert second.returncode == 0, second.stderr

    config, env = kiosk(tmp_path)
    before = config.read_text(encoding="utf-8")
    refused = kioskctl(env, "provision", "--from-file", str(stick / "old"))
    assert refused.returncode == 1
    assert "previous configuration was restored" in refused.stderr
    assert config.read_text(encoding="utf-8") == before
    assert not (tmp_path / "data" / "token").exists()

    done = kioskctl(env, "provision", "--from-file", str(stick / FILE_NAME))
    assert done.returncode == 0, done.stderr
    assert 'id = "Q12"' in config.read_text(encoding="utf-8")


def test_without_the_centrals_public_url_nothing_is_made_and_it_says_where_to_set_it(
    central: Central,
):
    central.ctl("department", "add", "CA", "Công an")
    done = central.ctl("counter", "add", "Q13", "--department", "CA", "--qr")
    assert done.returncode == 2
    assert "[server] public_url" in done.stderr and "--central-url" in done.stderr
    listed = central.ctl("counter", "list")
    assert "Q13" not in listed.stdout, "no counter whose token nobody saw"

    central.env["CENTRAL__SERVER__PUBLIC_URL"] = central.url
    done = central.ctl("counter", "add", "Q13", "--department", "CA", "--qr")
    assert done.returncode == 0, done.stderr
    assert parse_code(read_qr(terminal_rows(qr_lines(done.stdout)))[0]).counter == "Q13"


@pytest.mark.parametrize("content", ["", "# only a comment\n", "CB001\n"])
def test_a_file_without_a_code_is_refused_and_changes_nothing(tmp_path: Path, content: str):
    bad = tmp_path / FILE_NAME
    bad.write_text(content)
    config, env = kiosk(tmp_path)
    before = config.read_text(encoding="utf-8")
    done = kioskctl(env, "provision", "--from-file", str(bad))
    assert done.returncode == 1 and done.stderr.startswith("error: ")
    assert "Traceback" not in done.stderr
    assert config.read_text(encoding="utf-8") == before


def test_a_code_file_or_png_that_cannot_be_written_makes_no_counter_and_keeps_the_token(
    central: Central, tmp_path: Path
):
    token = central.add_counter("Q14")
    url = ["--central-url", central.url]
    unmounted = tmp_path / "media" / "stick"  # a stick that is not there
    wrong = [
        ("--file", unmounted / "Q15.provision", f"the folder {unmounted} does not exist"),
        ("--png", unmounted / "q15.png", f"the folder {unmounted} does not exist"),
        ("--png", tmp_path, "that is a folder"),
    ]
    for option, target, says in wrong:
        added = central.ctl(
            "counter", "add", "Q15", "--department", "CA", option, str(target), *url
        )
        assert added.returncode == 2, added.stdout
        [line] = added.stderr.splitlines()
        assert line.startswith(f"centralctl: {option} {target}: {says}"), line
        assert added.stdout == "", "no token made, none shown"
        replaced = central.ctl("counter", "token", "Q14", option, str(target), *url)
        assert replaced.returncode == 2 and says in replaced.stderr
        assert replaced.stdout == ""
    assert "Q15" not in central.ctl("counter", "list").stdout, "no counter whose token nobody saw"
    # Q14's token was not replaced: its kiosk still sends with it.
    kiosk = make_kiosk(tmp_path, "Q14", central.url, token)
    kiosk.record(4)
    assert SyncClient(kiosk.config, kiosk.store).push().sent == 1
