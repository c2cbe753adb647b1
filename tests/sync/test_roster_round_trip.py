"""The center owns a provisioned kiosk's roster, and codes are one officer in any case.

Officers go into the center with ``centralctl officer import`` (the same file format as
``kioskctl roster import``), come down to the kiosk with the roster pull, and log in there
whatever case the center's file or the officer's badge uses.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kiosk import roster
from sync.client import SyncClient
from tests import in_process

from .conftest import Central, kiosk_env, make_kiosk


def import_at_center(central: Central, tmp_path: Path, text: str) -> None:
    path = tmp_path / "officers.csv"
    path.write_text(text, encoding="utf-8")
    result = central.ctl("officer", "import", str(path))
    assert result.returncode == 0, result.stderr


def test_officers_imported_in_lower_case_log_in_at_the_kiosk_after_the_pull(
    central: Central, tmp_path: Path
):
    token = central.add_counter("q07")  # the technician typed the counter in lower case
    import_at_center(
        central,
        tmp_path,
        "code,full_name,title,department,pin\n"
        "cb101,Lê Thị Mai,Chuyên viên,ca,2580\n"
        "Cb102,Phạm Văn Hùng,Cán bộ một cửa,CA,1470\n",
    )
    counter = make_kiosk(tmp_path, "Q07", central.url, token)
    client = SyncClient(counter.config, counter.store)
    try:
        assert client.pull_roster()
        assert not client.pull_roster(), "an unchanged roster is answered 304"
    finally:
        client.close()
    counter.logout()
    assert counter.login("cb101", "2580").code == "CB101"
    counter.logout()
    assert counter.login("CB102", "1470").full_name == "Phạm Văn Hùng"
    rating = counter.record(4)
    client = SyncClient(counter.config, counter.store)
    try:
        assert client.push().sent == 1
    finally:
        client.close()
    assert rating.id in central.stored_ids()
    counter.close()


def test_an_officer_the_center_drops_can_no_longer_log_in_at_the_kiosk(
    central: Central, tmp_path: Path
):
    token = central.add_counter("Q07")
    import_at_center(
        central, tmp_path, "code,full_name,department,pin,active\nCB101,Lê Thị Mai,CA,2580,yes\n"
    )
    counter = make_kiosk(tmp_path, "Q07", central.url, token)
    client = SyncClient(counter.config, counter.store)
    client.pull_roster()
    import_at_center(
        central, tmp_path, "code,full_name,department,pin,active\ncb101,Lê Thị Mai,CA,,no\n"
    )
    client.pull_roster()
    client.close()
    counter.logout()
    with pytest.raises(Exception, match="deactivated"):
        counter.login("CB101", "2580")
    counter.close()


def test_local_roster_changes_on_a_provisioned_kiosk_are_refused_with_the_reason(
    central: Central, tmp_path: Path
):
    token = central.add_counter("Q07")
    counter = make_kiosk(tmp_path, "Q07", central.url, token)
    with pytest.raises(roster.CenterOwnsRoster, match="takes its officers from the center"):
        roster.check_local_changes_allowed(counter.config)
    counter.close()
    env = {name: value for name, value in os.environ.items() if not name.startswith("KIOSK")}
    env.update(kiosk_env(tmp_path, "Q07", central.url, token))
    csv = tmp_path / "local.csv"
    csv.write_text("code,full_name,department,pin\nCB200,Hồ Thị Hoa,CA,1234\n", encoding="utf-8")
    for args in (
        ["roster", "import", str(csv)],
        ["officer", "set-pin", "CB001", "--pin-stdin"],
        ["officer", "deactivate", "CB001"],
    ):
        result = in_process.kioskctl(*args, env=env, stdin="4321\n4321\n")
        assert result.returncode != 0, args
        assert "takes its officers from the center" in result.stderr
        assert "Traceback" not in result.stderr
