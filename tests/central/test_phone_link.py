"""Rate later from the phone: a link made by the kiosk's own code, opened and submitted on
the real central over HTTP, counted once, reported as a phone rating; a reused, altered,
foreign or expired link is refused with a page that says so."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from kiosk.config import DEFAULT_CONFIG, load_config
from kiosk.phone_links import PhoneLinks
from kiosk.ratings import RatingInfo
from tests.central.conftest import Central


def kiosk_links(tmp_path: Path, central: Central, token: str) -> PhoneLinks:
    """The kiosk's link maker, configured as a provisioned kiosk with phone_link on."""
    token_file = tmp_path / "token"
    token_file.write_text(token + "\n", encoding="utf-8")
    config = load_config(
        DEFAULT_CONFIG,
        environ={
            "KIOSK__STORAGE__DATA_DIR": str(tmp_path / "kiosk"),
            "KIOSK__CENTRAL__URL": central.url,
            "KIOSK__CENTRAL__TOKEN_FILE": str(token_file),
            "KIOSK__RATING__PHONE_LINK": "true",
        },
    )
    return PhoneLinks(config)


def a_rating(officer: str = "CB001", ticket: str | None = "HS-2025-000123") -> RatingInfo:
    return RatingInfo(
        id="x", seq=1, level=4, created_at=datetime.now(UTC), held=False, ticket=ticket,
        officer=officer,
    )  # fmt: skip


def phone_rows(central: Central, admin: str, by: str = "channel", **params: str) -> dict:
    answer = central.report(admin, by=by, **params)
    assert answer.status_code == 200, answer.text
    return {row["key"]: row for row in answer.json()["rows"]}


def test_a_phone_rating_through_the_link_is_counted_once_as_a_phone_rating(
    central: Central, tmp_path: Path
) -> None:
    token = central.add_counter("Q07", "CA", ("CB001",))
    admin = central.add_admin()
    link = kiosk_links(tmp_path, central, token).link_for(a_rating(), datetime.now(UTC))
    assert link is not None and link.startswith(central.url + "/r/")

    page = central.http.get(link, timeout=30)
    assert page.status_code == 200
    assert "Ông/Bà có hài lòng" in page.text
    assert 'name="level" value="1"' in page.text
    assert not page.cookies and "set-cookie" not in page.headers
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "http" not in re.sub(r"https?://www\.w3\.org\S*", "", page.text)  # nothing external

    sent = central.http.post(
        link, data={"level": "1", "reason": ["result_late", "bogus"], "lang": "vi"}, timeout=30
    )
    assert sent.status_code == 200
    assert "Cảm ơn Ông/Bà đã đánh giá" in sent.text

    again = central.http.post(link, data={"level": "4", "lang": "vi"}, timeout=30)
    assert again.status_code == 409
    assert "đã được dùng" in again.text
    reopened = central.http.get(link + "?lang=en", timeout=30)
    assert reopened.status_code == 409
    assert "already been used" in reopened.text

    rows = phone_rows(central, admin)
    assert rows["phone"]["total"] == 1
    assert rows["phone"]["counts"] == {"4": 0, "3": 0, "2": 0, "1": 1}
    assert "kiosk" not in rows
    only_phone = phone_rows(central, admin, by="officer", channel="phone")
    assert only_phone["CB001"]["total"] == 1
    assert phone_rows(central, admin, by="officer", channel="kiosk") == {}
    reasons = central.report(admin, by="reason", channel="phone").json()
    center = reasons["groups"][0] if "groups" in reasons else reasons
    assert "result_late" in str(center) and "bogus" not in str(reasons)


def test_the_phone_rating_is_filed_with_the_ticket_and_officer_of_the_link(
    central: Central, tmp_path: Path
) -> None:
    from sqlalchemy import select

    from sync.central.models import ratings

    token = central.add_counter("Q07", "CA", ("CB001", "CB002"))
    links = kiosk_links(tmp_path, central, token)
    link = links.link_for(a_rating("CB002", "HS-77"), datetime.now(UTC))
    assert central.http.post(link, data={"level": "3"}, timeout=30).status_code == 200
    with central.db.read() as connection:
        row = connection.execute(select(ratings)).one()
    assert (row.officer, row.ticket, row.channel, row.counter) == ("CB002", "HS-77", "phone", "Q07")
    assert row.department == "CA"


def test_an_altered_link_is_refused(central: Central, tmp_path: Path) -> None:
    token = central.add_counter("Q07", "CA", ("CB001",))
    link = kiosk_links(tmp_path, central, token).link_for(a_rating(), datetime.now(UTC))
    base, code = link.rsplit("/", 1)
    # Flip one character in the middle of the payload (the officer's or the ticket's).
    middle = len(code) // 2
    altered = code[:middle] + ("A" if code[middle] != "A" else "B") + code[middle + 1 :]
    for bad in (f"{base}/{altered}", f"{base}/{code[:-3]}", f"{base}/not-a-link"):
        page = central.http.get(bad, timeout=30)
        assert page.status_code == 404, bad
        assert "không hợp lệ" in page.text
        posted = central.http.post(bad, data={"level": "4"}, timeout=30)
        assert posted.status_code == 404


def test_a_link_signed_with_another_counters_token_is_refused(
    central: Central, tmp_path: Path
) -> None:
    central.add_counter("Q07", "CA", ("CB001",))
    other = central.add_counter("Q08", "CA", ("CB001",))
    # Q08's token, but the kiosk claims to be Q07 (its config says Q07).
    link = kiosk_links(tmp_path, central, other).link_for(a_rating(), datetime.now(UTC))
    assert central.http.post(link, data={"level": "4"}, timeout=30).status_code == 404


def test_an_expired_link_is_refused_and_stores_nothing(central: Central, tmp_path: Path) -> None:
    token = central.add_counter("Q07", "CA", ("CB001",))
    admin = central.add_admin()
    days = central.settings.phone.link_days
    made = datetime.now(UTC) - timedelta(days=days, minutes=5)
    link = kiosk_links(tmp_path, central, token).link_for(a_rating(), made)
    page = central.http.get(link + "?lang=en", timeout=30)
    assert page.status_code == 410
    assert "expired" in page.text
    assert central.http.post(link, data={"level": "4"}, timeout=30).status_code == 410
    assert phone_rows(central, admin) == {}
    fresh = kiosk_links(tmp_path, central, token).link_for(
        a_rating(), datetime.now(UTC) - timedelta(days=days - 1)
    )
    assert central.http.get(fresh, timeout=30).status_code == 200


def test_a_form_without_a_level_asks_again_and_keeps_the_link_usable(
    central: Central, tmp_path: Path
) -> None:
    token = central.add_counter("Q07", "CA", ("CB001",))
    link = kiosk_links(tmp_path, central, token).link_for(a_rating(), datetime.now(UTC))
    missing = central.http.post(link, data={"level": "9", "lang": "en"}, timeout=30)
    assert missing.status_code == 400
    assert "Please choose one level" in missing.text
    assert central.http.post(link, data={"level": "2"}, timeout=30).status_code == 200


def test_no_link_is_made_when_phone_link_is_off(central: Central, tmp_path: Path) -> None:
    token = central.add_counter("Q07", "CA", ("CB001",))
    links = kiosk_links(tmp_path, central, token)
    off = PhoneLinks(
        load_config(
            DEFAULT_CONFIG,
            environ={
                "KIOSK__STORAGE__DATA_DIR": str(tmp_path / "kiosk"),
                "KIOSK__CENTRAL__URL": central.url,
                "KIOSK__RATING__PHONE_LINK": "false",
            },
        )
    )
    assert links.link_for(a_rating(), datetime.now(UTC)) is not None
    assert off.link_for(a_rating(), datetime.now(UTC)) is None
