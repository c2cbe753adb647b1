"""The officer's figures from the center: the real kiosk client asks the real central
(HTTP) and the officer's menu shows the center's stepped figure, not its own."""

from __future__ import annotations

from pathlib import Path

from kiosk.config import DEFAULT_CONFIG, load_config
from kiosk.counter import Counter
from kiosk.pins import hash_pin
from kiosk.roster import upsert_officer
from sync.client import SyncClient
from sync.figures_client import fetch_officer_figures
from sync.protocol import officer_figures_path
from tests.central.conftest import Central, rating


def test_menu_figures_include_the_officers_ratings_at_other_counters(
    central: Central, tmp_path: Path
) -> None:
    token = central.add_counter("Q07", "CA", ("CB001",))
    other = central.add_counter("Q08", "CA", ("CB001",))
    # The officer served at Q08 this morning: 11 ratings there, 10 satisfied.
    answer = central.push(
        other, "Q08", [rating(4, seq=n) for n in range(1, 11)] + [rating(1, seq=11)]
    )
    assert answer.status_code == 200 and len(answer.json()["accepted"]) == 11
    token_file = tmp_path / "token"
    token_file.write_text(token, encoding="utf-8")
    config = load_config(
        DEFAULT_CONFIG,
        environ={
            "KIOSK__STORAGE__DATA_DIR": str(tmp_path / "kiosk"),
            "KIOSK__CENTRAL__URL": central.url,
            "KIOSK__CENTRAL__TOKEN_FILE": str(token_file),
            "KIOSK__COUNTER__CLOSING_TIME": '""',
            "KIOSK__RATING__COOLDOWN_SECONDS": "0",
        },
    )
    with Counter.open(config=config) as counter:
        with counter.store.write() as session:
            upsert_officer(
                session, code="CB001", full_name="Nguyễn Văn A", title="", department="CA",
                department_name="CA", pin_hash=hash_pin("1234"),
            )  # fmt: skip
        counter.login("CB001", "1234")
        alone = counter.officer_figures()
        assert alone.today is None and alone.with_center is False  # nothing here yet
        for level in (4, 3):
            counter.record(level)
        client = SyncClient(config, counter.store)
        try:
            assert fetch_officer_figures(client) is True
        finally:
            client.close()
        figures = counter.officer_figures()
    # The center had 11 (Q08's): one step of 10 shown, all satisfied; the kiosk's own two,
    # not sent yet, are not added (another kiosk of the officer would not have them).
    assert figures.with_center is True
    assert (figures.today.total, figures.today.satisfied) == (10, 10)
    assert (figures.month.total, figures.month.satisfied) == (10, 10)


def test_figures_only_for_an_officer_of_the_counters_department(central: Central) -> None:
    token = central.add_counter("Q07", "CA", ("CB001",))
    central.add_counter("Q09", "TP", ("CB900",))
    headers = {"Authorization": f"Bearer {token}"}
    ok = central.http.get(central.url + officer_figures_path("Q07", "cb001"), headers=headers)
    assert ok.status_code == 200 and ok.json()["officer"] == "CB001"
    assert ok.json()["this_month"] is None  # below the minimum: nothing to show
    foreign = central.http.get(central.url + officer_figures_path("Q07", "CB900"), headers=headers)
    assert foreign.status_code == 404
    other_counter = central.http.get(
        central.url + officer_figures_path("Q09", "CB900"), headers=headers
    )
    assert other_counter.status_code == 403
    anonymous = central.http.get(central.url + officer_figures_path("Q07", "CB001"))
    assert anonymous.status_code == 401
