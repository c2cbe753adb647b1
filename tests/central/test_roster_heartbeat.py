"""Roster download with ETag, and heartbeats measuring the kiosk's clock skew."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from kiosk.pins import verify_pin
from sync.central import roster
from sync.central.kiosks import kiosk_health
from sync.central.models import counters
from sync.protocol import HeartbeatResponse, RosterResponse, heartbeat_path, roster_path

from .conftest import Central

OFFICERS_CSV = (
    "code,full_name,title,department,pin,photo\n"
    "CB001,Nguyễn Thị Hồng Nhung,Chuyên viên,CA,1234,https://example.test/cb001.jpg\n"
    "CB002,Trần Văn Đức,Phó trưởng phòng,CA,2345,\n"
    "DL001,Lê Thị Điện,Chuyên viên,DL,3456,\n"
)


def import_officers(central: Central, tmp_path: Path, text: str = OFFICERS_CSV) -> None:
    path = tmp_path / "officers.csv"
    path.write_text(text, encoding="utf-8")
    roster.import_officers(central.db, path, min_pin_digits=4)


def get_roster(central: Central, token: str, counter: str = "Q07", etag: str | None = None):
    headers = {"Authorization": f"Bearer {token}"}
    if etag:
        headers["If-None-Match"] = etag
    return central.http.get(central.url + roster_path(counter), headers=headers, timeout=30)


def test_roster_lists_the_counters_department_with_pin_hashes_the_kiosk_verifies(
    central: Central, tmp_path: Path
) -> None:
    token = central.add_counter("Q07", "CA")
    central.add_counter("Q08", "DL")
    import_officers(central, tmp_path)

    response = get_roster(central, token)

    assert response.status_code == 200
    answer = RosterResponse.model_validate_json(response.content)
    assert answer.department.code == "CA"
    assert [officer.code for officer in answer.officers] == ["CB001", "CB002"]
    first = answer.officers[0]
    assert first.full_name == "Nguyễn Thị Hồng Nhung"
    assert first.photo_url == "https://example.test/cb001.jpg"
    assert first.pin_hash.startswith("scrypt$16384$8$1$")
    assert verify_pin("1234", first.pin_hash) and not verify_pin("1235", first.pin_hash)


def test_an_unchanged_roster_answers_304_and_a_changed_one_a_new_etag(
    central: Central, tmp_path: Path
) -> None:
    token = central.add_counter("Q07", "CA")
    central.add_counter("Q08", "DL")
    import_officers(central, tmp_path)
    etag = get_roster(central, token).headers["ETag"]

    unchanged = get_roster(central, token, etag=etag)
    import_officers(
        central, tmp_path, "code,full_name,title,department,pin\nCB003,Phạm Văn An,,CA,9999\n"
    )
    changed = get_roster(central, token, etag=etag)

    assert unchanged.status_code == 304 and unchanged.content == b""
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert len(changed.json()["officers"]) == 3


def test_a_counter_cannot_read_another_counters_roster(central: Central) -> None:
    token = central.add_counter("Q07", "CA")
    central.add_counter("Q08", "DL")

    assert get_roster(central, token, counter="Q08").status_code == 403
    assert get_roster(central, "nonsense", counter="Q07").status_code == 401


def test_heartbeat_records_health_and_the_kiosks_clock_skew(central: Central) -> None:
    token = central.add_counter("Q07")
    kiosk_time = datetime.now(UTC) - timedelta(seconds=90)  # the kiosk's clock is behind
    beat = {
        "pending": 12,
        "held": 1,
        "rejected": 2,
        "app_version": "0.2.0",
        "free_disk_bytes": 5_000_000_000,
        "last_error": "central not reached",
        "kiosk_time": kiosk_time.isoformat().replace("+00:00", "Z"),
    }

    response = central.http.post(
        central.url + heartbeat_path("Q07"),
        json=beat,
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )

    assert response.status_code == 200
    server_time = HeartbeatResponse.model_validate_json(response.content).server_time
    assert abs((server_time - datetime.now(UTC)).total_seconds()) < 600
    with central.db.read() as connection:
        row = connection.execute(select(counters).where(counters.c.id == "Q07")).one()
    assert row.pending == 12 and row.app_version == "0.2.0" and row.rejected == 2
    # Measured as central minus kiosk; generous bounds for a slow machine.
    assert 85 <= row.clock_skew_seconds < 400
    (health,) = kiosk_health(central.db, central.settings.kiosks, datetime.now(UTC))
    assert health.state == "unhealthy" and "2 rejected" in health.why


def test_a_heartbeat_without_kiosk_time_is_422_and_another_counters_is_403(
    central: Central,
) -> None:
    token = central.add_counter("Q07")
    central.add_counter("Q08")
    headers = {"Authorization": f"Bearer {token}"}

    missing = central.http.post(
        central.url + heartbeat_path("Q07"), json={"pending": 1}, headers=headers, timeout=30
    )
    other = central.http.post(
        central.url + heartbeat_path("Q08"),
        json={"kiosk_time": "2025-01-01T00:00:00Z"},
        headers=headers,
        timeout=30,
    )

    assert missing.status_code == 422 and "kiosk_time" in missing.json()["detail"]
    assert other.status_code == 403


def test_a_kiosk_never_heard_from_is_stale(central: Central) -> None:
    central.add_counter("Q07")

    (health,) = kiosk_health(central.db, central.settings.kiosks, datetime.now(UTC))

    assert health.state == "stale"
