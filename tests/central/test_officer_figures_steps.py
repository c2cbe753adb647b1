"""An officer's figures never reveal one rating: the center computes the only figure,
stepped; two kiosks of the officer and the API answer the same, and 1 to step-1 new
ratings change no answer. Real kiosks (Counter, SyncClient) against the real central over
HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kiosk.config import DEFAULT_CONFIG, load_config
from kiosk.counter import Counter
from kiosk.pins import hash_pin
from kiosk.roster import upsert_officer
from sync.central.settings import Settings
from sync.client import SyncClient
from sync.figures_client import fetch_officer_figures
from sync.protocol import officer_figures_path
from tests.central.conftest import Central, rating, start_central
from tests.central.test_phone_link import a_rating, kiosk_links


@pytest.fixture
def kiosk_of(central: Central, tmp_path: Path) -> Iterator[Callable[[str, str], Counter]]:
    """A provisioned kiosk of ``counter`` with CB001 logged in, its token ``token``."""
    opened: list[Counter] = []

    def open_(counter: str, token: str) -> Counter:
        folder = tmp_path / counter
        folder.mkdir()
        (folder / "token").write_text(token, encoding="utf-8")
        config = load_config(
            DEFAULT_CONFIG,
            environ={
                "KIOSK__COUNTER__ID": counter,
                "KIOSK__STORAGE__DATA_DIR": str(folder / "data"),
                "KIOSK__CENTRAL__URL": central.url,
                "KIOSK__CENTRAL__TOKEN_FILE": str(folder / "token"),
                "KIOSK__COUNTER__CLOSING_TIME": '""',
            },
        )
        kiosk = Counter.open(config=config)
        opened.append(kiosk)
        with kiosk.store.write() as session:
            upsert_officer(
                session, code="CB001", full_name="Nguyễn Văn A", title="", department="CA",
                department_name="CA", pin_hash=hash_pin("1234"),
            )  # fmt: skip
        kiosk.login("CB001", "1234")
        return kiosk

    yield open_
    for kiosk in opened:
        kiosk.close()


def menu(kiosk: Counter) -> tuple:
    """What the officer's menu shows after the kiosk's syncer asked the center."""
    client = SyncClient(kiosk.config, kiosk.store)
    try:
        assert fetch_officer_figures(client) is True
    finally:
        client.close()
    figures = kiosk.officer_figures()
    assert figures.with_center is True
    return tuple((f.total, f.satisfied) if f else None for f in (figures.today, figures.month))


def api(central: Central, token: str, counter: str = "Q07") -> tuple:
    answer = central.http.get(
        central.url + officer_figures_path(counter, "CB001"),
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    return tuple(
        (tally["total"], tally["satisfied"]) if tally else None
        for tally in (body["today"], body["this_month"])
    )


SEQ = itertools.count(1)  # each kiosk's seq grows; one counter for all keeps that true


def push(central: Central, token: str, counter: str, *levels: int) -> None:
    answer = central.push(token, counter, [rating(level, seq=next(SEQ)) for level in levels])
    assert answer.status_code == 200 and len(answer.json()["accepted"]) == len(levels)


def test_two_kiosks_and_the_api_show_one_stepped_figure_that_one_rating_never_moves(
    central: Central, kiosk_of: Callable[[str, str], Counter]
) -> None:
    q07 = central.add_counter("Q07", "CA", ("CB001",))
    q08 = central.add_counter("Q08", "CA", ("CB001",))
    first, second = kiosk_of("Q07", q07), kiosk_of("Q08", q08)
    push(central, q07, "Q07", *[4] * 20, 1)  # 21 at Q07
    push(central, q08, "Q08", 3, 3, 2, 4)  # and 4 at Q08: 25, of them 23 satisfied
    assert api(central, q07) == api(central, q08, "Q08") == ((25, 23), (25, 23))
    assert menu(first) == menu(second) == ((25, 23), (25, 23))

    # One citizen after another, any level, at either counter, looked at after each one.
    for n, (level, token, counter) in enumerate(
        [(2, q07, "Q07"), (4, q08, "Q08"), (4, q07, "Q07"), (1, q08, "Q08")], start=1
    ):
        push(central, token, counter, level)
        assert api(central, q07) == ((25, 23), (25, 23)), n
        assert menu(first) == menu(second) == ((25, 23), (25, 23)), n
    push(central, q07, "Q07", 4)  # the fifth: a whole step of new ratings
    assert api(central, q07) == ((30, 26), (30, 26))
    assert menu(first) == menu(second) == ((30, 26), (30, 26))


def test_the_exact_count_never_leaves_the_center(central: Central) -> None:
    token = central.add_counter("Q07", "CA", ("CB001",))
    push(central, token, "Q07", 4, 4, 4)
    assert api(central, token) == (None, None)  # 3: below the minimum, not "3"
    push(central, token, "Q07", 2)
    assert api(central, token) == (None, None)
    push(central, token, "Q07", *[4] * 8)
    assert api(central, token) == ((10, 9), (10, 9))  # 12: the first ten, not 12


def test_a_phone_rating_is_not_an_officers_turn(central: Central, tmp_path: Path) -> None:
    token = central.add_counter("Q07", "CA", ("CB001",))
    push(central, token, "Q07", *[4] * 10)
    links = kiosk_links(tmp_path, central, token)
    for n in range(5):
        link = links.link_for(a_rating("CB001", f"T-{n}"), datetime.now(UTC))
        assert central.http.post(link, data={"level": "1"}, timeout=30).status_code == 200
    assert api(central, token) == ((10, 10), (10, 10))


def test_the_centers_settings_decide_the_steps(
    database_url: str, settings_for: Callable[..., Settings]
) -> None:
    central = start_central(
        settings_for(database_url, OFFICER_FIGURES__MIN_COUNT="3", OFFICER_FIGURES__STEP="3")
    )
    try:
        token = central.add_counter("Q07", "CA", ("CB001",))
        push(central, token, "Q07", 4, 4)
        assert api(central, token) == (None, None)
        push(central, token, "Q07", 1, 4, 1)
        assert api(central, token) == ((3, 2), (3, 2))
        push(central, token, "Q07", 4)
        assert api(central, token) == ((6, 4), (6, 4))
    finally:
        central.running.stop()
        central.http.close()
        central.db.close()
