"""Which ratings make an alert, read where the center reads it: the dashboard's alert list
(the real central on SQLite and PostgreSQL, an admin logged in over HTTP)."""

from __future__ import annotations

from collections.abc import Callable

import requests

from sync.central.settings import Settings

from .conftest import Central, rating, start_central


def alert_list(central: Central, lang: str = "en") -> str:
    """The text of the dashboard's alert section, as a logged-in admin gets the page."""
    central.add_admin("admin", "correct horse")
    with requests.Session() as browser:
        login = {"username": "admin", "password": "correct horse", "lang": lang}
        page = browser.post(central.url + "/login", data=login, timeout=60)
    assert page.ok
    html = page.text
    section = html[html.index('<section id="alerts"') :]
    return section[: section.index("</section>")]


def test_a_department_falling_below_the_rate_alerts_once_with_enough_ratings(
    database_url: str, settings_for: Callable[..., Settings]
):
    central = start_central(
        settings_for(
            database_url,
            ALERTS__DEPARTMENT_RATE_BELOW="0.8",
            ALERTS__DEPARTMENT_RATE_MIN_COUNT="5",
            ALERTS__LEVELS="[]",
        )
    )
    try:
        token = central.add_counter("Q07", "CA")
        # Two of four satisfied is 50%, but four ratings are too few to judge a day by.
        central.push(
            token, "Q07", [rating(level, seq=n) for n, level in enumerate((4, 4, 2, 2), start=1)]
        )
        assert "Today&#39;s satisfaction rate" not in alert_list(central)

        central.push(token, "Q07", [rating(2, seq=5)])
        shown = alert_list(central)
        assert shown.count("Today&#39;s satisfaction rate of Department CA is down to 40.0%") == 1
        assert "(5 turns rated), below 80.0%" in shown

        # Lower still the same day: the department was already told today.
        central.push(token, "Q07", [rating(1, seq=6)])
        assert alert_list(central).count("satisfaction rate of Department CA") == 1
    finally:
        central.running.stop()
        central.db.close()


def test_only_the_alerting_levels_alert_and_nothing_when_alerts_are_off(
    database_url: str, settings_for: Callable[..., Settings]
):
    central = start_central(settings_for(database_url, ALERTS__LEVELS="[2, 1]"))
    try:
        token = central.add_counter("Q07", "CA")
        central.push(token, "Q07", [rating(level, seq=level) for level in (4, 3, 2, 1)])
        shown = alert_list(central, "vi")
        assert shown.count("<li data-alert-id") == 2
        assert "Đánh giá “Bình thường” tại quầy Q07" in shown
        assert "Đánh giá “Không hài lòng” tại quầy Q07" in shown
    finally:
        central.running.stop()
        central.db.close()

    central = start_central(settings_for(database_url, ALERTS__ENABLED="false"))
    try:
        late = rating(1, seq=9)
        assert central.push(token, "Q07", [late]).json()["accepted"] == [late["id"]]
        # The two alerts of before, and none for the new rating.
        assert alert_list(central, "vi").count("<li data-alert-id") == 2
    finally:
        central.running.stop()
        central.db.close()
