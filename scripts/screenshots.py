"""Writes a PNG of every kiosk screen, in both languages, at each supported size.

    scripts/screenshots [OUT-DIR] [--docs]

OUT-DIR defaults to ./screenshots; files are OUT-DIR/<W>x<H>/<screen>-<lang>.png.
--docs also copies the 1280x800 set to docs/screenshots/, and the citizen's screens at the
smallest landscape and the portrait size to docs/screenshots/<W>x<H>/. Each size runs in its own
process (one Kivy window per process) on a throwaway data folder with the example
officer logged in; no display is needed (Mesa renders offscreen).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZES = ("800x480", "1280x800", "1080x1920", "1920x1080")
DOCS_SIZE = "1280x800"
# The smallest and the portrait screen, in docs too: the screens a citizen sees there.
CITIZEN_SCREENS = ("rate", "reasons", "thanks", "thanks-not-stored")
DOCS_SMALL = {"800x480": CITIZEN_SCREENS, "1080x1920": CITIZEN_SCREENS}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", nargs="?", default="screenshots")
    parser.add_argument("--docs", action="store_true", help="copy the 1280x800 set to docs/")
    parser.add_argument("--size", action="append", help="only these sizes (WxH)")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: one size, this process
    args = parser.parse_args()
    out = Path(args.out).resolve()
    if args.one:
        shoot(args.one, out / args.one)
        return 0
    for size in args.size or SIZES:
        with tempfile.TemporaryDirectory(prefix="kiosk-shots-") as data:
            env = dict(os.environ)
            env.update(
                {
                    "KIOSK__STORAGE__DATA_DIR": data,
                    "KIOSK__COUNTER__CLOSING_TIME": '""',
                    "KIOSK__RATING__COOLDOWN_SECONDS": "0",
                    "KIOSK__CENTRAL__URL": '""',
                    "KIVY_NO_ARGS": "1",
                    # The thanks screen with its QR code (thanks-phone-*.png).
                    "KIOSK__RATING__PHONE_LINK": "true",
                    "KIOSK__RATING__PHONE_LINK_URL": "https://dichvucong.example.vn",
                    "KIOSK__CENTRAL__TOKEN_FILE": str(Path(data) / "token"),
                }
            )
            (Path(data) / "token").write_text("example-token\n", encoding="utf-8")
            command = [sys.executable, __file__, str(out), "--one", size]
            subprocess.run(command, env=env, check=True)
        print(f"{out / size}: done", flush=True)
    if args.docs:
        docs = ROOT / "docs" / "screenshots"
        docs.mkdir(parents=True, exist_ok=True)
        for png in sorted((out / DOCS_SIZE).glob("*.png")):
            shutil.copy2(png, docs / png.name)
        for size, screens in DOCS_SMALL.items():
            (docs / size).mkdir(exist_ok=True)
            for png in sorted((out / size).glob("*.png")):
                if png.stem.rsplit("-", 1)[0] in screens:
                    shutil.copy2(png, docs / size / png.name)
        print(
            f"{docs}: copied the {DOCS_SIZE} set and the citizen's screens at {', '.join(DOCS_SMALL)}"
        )
    return 0


def shoot(size: str, folder: Path) -> None:
    sys.path.insert(0, str(ROOT))
    from kiosk import roster
    from kiosk.config import load_config
    from kiosk.counter import Counter, LoginRefused
    from kiosk.pins import hash_pin

    config = load_config()
    with Counter.open(config=config) as counter, counter.store.write() as session:
        roster.upsert_officer(
            session,
            code="CB001",
            full_name="Nguyễn Thị Hồng Nhung",
            title="Chuyên viên",
            department="CA",
            department_name="Công an tỉnh",
            pin_hash=hash_pin("1234"),
        )
    from kiosk.ui import testing

    width, height = (int(n) for n in size.split("x"))
    robot = testing.start(config, (width, height))
    app, counter = robot.app, robot.app.counter

    def shot(name: str, lang: str, **kwargs: object) -> None:
        app.go(name, **kwargs)
        app.lang = lang
        robot.frames(3)
        robot.screenshot(folder / f"{name}{kwargs.get('suffix', '')}-{lang}.png")

    for lang in ("vi", "en"):
        counter.logout()
        app.home_name()  # refreshes the officer shown (none)
        shot("closed", lang)
        shot("pin", lang, mode="login")
        pin = app.screen("pin")
        pin.letters = True
        robot.frames(2)
        robot.screenshot(folder / f"pin-letters-{lang}.png")
        pin.prepare(mode="login", code="CB001")
        try:
            counter.login("CB001", "0000")
        except LoginRefused as refusal:
            pin._refused(refusal)
        pin.pin = "12"
        robot.frames(3)
        robot.screenshot(folder / f"pin-refused-{lang}.png")
        counter.login("CB001", "1234")  # clears the failed attempt too
        app.home_name()
        if lang == "vi":  # enough ratings for the officer's own figures on the staff menu
            for level in [4] * 11 + [3, 1]:
                counter.record(level)
        shot("rate", lang)
        shot("waiting", lang)
        shot("reasons", lang, rating_id="")
        reasons = app.screen("reasons")
        for chip in reasons.ids.chips.children[-2:]:
            chip.state = "down"
        robot.frames(3)
        robot.screenshot(folder / f"reasons-chosen-{lang}.png")
        shot("thanks", lang)
        shot("thanks", lang, rating=counter.record(4), suffix="-phone")
        shot("thanks", lang, stored=False, suffix="-not-stored")  # the disk was full
        shot("paused", lang)
        shot("staff", lang)
        shot("pin", lang, mode="service", suffix="-service")
        shot("service", lang)
        # Provisioning by a scanned code: while it works, when it is done, when refused.
        service = app.screen("service")
        about = {"counter": "Q07", "url": "https://kiosk.center.example"}
        for name, key, failed, busy in (
            ("service-provisioning", "prov_roster", False, True),
            ("service-provisioned", "prov_done", False, False),
            ("service-provision-refused", "prov_refused", True, False),
        ):
            service.busy = busy
            detail = "central refused: 401 unknown token" if failed else ""
            service._say(key, failed=failed, detail=detail, officers=12, seconds=8, **about)
            robot.frames(3)
            robot.screenshot(folder / f"{name}-{lang}.png")
        service.busy = False
    robot.stop()


if __name__ == "__main__":
    sys.exit(main())
