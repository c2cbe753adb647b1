"""A sound database in trouble is not a damaged one: a permission, another process's lock,
a read-only or full disk is an error that names the cause and changes nothing. Only a file
that fails its integrity check (or is no database at all) is set aside."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.counter import Counter
from tests.kiosk.conftest import REPO
from tests.kiosk.trouble import LockHolder, in_own_mounts, needs_root, without_root_override

pytestmark = pytest.mark.slow

HERE = Path(__file__).resolve().parent


def set_aside(data_dir: Path) -> list[Path]:
    return sorted(data_dir.glob("*.corrupt-*"))


def one_error_line(result: subprocess.CompletedProcess) -> str:
    """The one line that says what went wrong (progress lines may come before it)."""
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, result.stderr
    assert result.stderr.splitlines()[-1] == errors[0], result.stderr
    return errors[0]


@pytest.fixture
def kiosk_with_ratings(open_counter) -> list[str]:
    """A kiosk that recorded three ratings and stopped; an officer is still logged in."""
    counter = open_counter()
    counter.login("CB001", "1234")
    ids = [counter.record(level).id for level in (4, 3, 1)]
    counter.close()
    return ids


def run_kioskctl(env: dict[str, str], *args: str, prefix: tuple[str, ...] = ()):
    return subprocess.run(
        [*prefix, "kioskctl", *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=120
    )


def assert_untouched(data_dir: Path, kioskctl, ids: list[str]) -> None:
    assert set_aside(data_dir) == [], "a sound database is never set aside"
    status = json.loads(kioskctl("status", "--json").stdout)
    assert status["pending"] == len(ids)
    assert status["officer"]["code"] == "CB001"


# --- permissions ----------------------------------------------------------------------------


@needs_root
@pytest.mark.parametrize(
    "command", [("status",), ("check",), ("logout",), ("export", "--format", "json")]
)
def test_a_database_the_user_may_not_read_is_an_error_naming_owner_and_mode_and_not_set_aside(
    kiosk_with_ratings, env, data_dir: Path, kioskctl, command
):
    db = data_dir / "kiosk.db"
    db.chmod(0o000)
    try:
        result = run_kioskctl(env, *command, prefix=tuple(without_root_override()))
    finally:
        db.chmod(0o644)

    assert result.returncode == 1
    line = one_error_line(result)
    assert line == (
        f"error: cannot open {db}: permission denied (owner root, mode 0000):"
        " run as the kiosk user or fix the owner"
    )
    assert_untouched(data_dir, kioskctl, kiosk_with_ratings)


@needs_root
def test_a_data_folder_the_user_may_not_write_is_an_error_not_damage(
    kiosk_with_ratings, env, data_dir: Path, kioskctl
):
    data_dir.chmod(0o555)
    try:
        result = run_kioskctl(env, "status", prefix=tuple(without_root_override()))
    finally:
        data_dir.chmod(0o755)

    assert result.returncode == 1
    line = one_error_line(result)
    assert "permission denied" in line and f"folder {data_dir} is not writable" in line
    assert "owner root, mode 0555" in line
    assert_untouched(data_dir, kioskctl, kiosk_with_ratings)


@needs_root
def test_a_data_folder_the_user_may_not_enter_is_named_with_its_owner_and_mode(
    kiosk_with_ratings, env, data_dir: Path, kioskctl
):
    data_dir.chmod(0o000)
    try:
        result = run_kioskctl(env, "logout", prefix=tuple(without_root_override()))
    finally:
        data_dir.chmod(0o755)

    assert result.returncode == 1
    line = one_error_line(result)
    assert f"permission denied on folder {data_dir} (owner root, mode 0000)" in line
    assert_untouched(data_dir, kioskctl, kiosk_with_ratings)


# --- locks held by another process ----------------------------------------------------------


def test_a_database_locked_by_another_process_is_an_error_and_is_not_set_aside(
    kiosk_with_ratings, env, data_dir: Path, kioskctl
):
    db = data_dir / "kiosk.db"
    with LockHolder(db, LockHolder.EXCLUSIVE):
        result = run_kioskctl(env, "status")
        assert set_aside(data_dir) == []

    assert result.returncode == 1
    line = one_error_line(result)
    assert line.startswith(f"error: cannot open {db}: database is locked by another process")
    assert_untouched(data_dir, kioskctl, kiosk_with_ratings)


def test_while_another_process_writes_status_works_and_logout_says_the_database_is_locked(
    kiosk_with_ratings, env, data_dir: Path, kioskctl
):
    with LockHolder(data_dir / "kiosk.db", LockHolder.WRITING):
        status = run_kioskctl(env, "status")
        logout = run_kioskctl(env, "logout")

    assert status.returncode == 0, status.stderr
    assert "CB001" in status.stdout
    assert logout.returncode == 1
    assert "database is locked by another process" in one_error_line(logout)
    assert_untouched(data_dir, kioskctl, kiosk_with_ratings)


# --- disks ----------------------------------------------------------------------------------


@needs_root
def test_a_read_only_file_system_is_an_error_and_is_not_set_aside(
    env, data_dir: Path, tmp_path: Path
):
    data_dir.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    script = f"""
        mount -t tmpfs -o size=4m tmpfs {data_dir}
        kioskctl init > /dev/null
        kioskctl officer add CB001 --name "Nguyễn Thị Hồng Nhung" --pin-stdin <<< 1234 > /dev/null
        kioskctl login CB001 --pin-stdin <<< 1234 > /dev/null
        mount -o remount,ro {data_dir}
        kioskctl status > {out}/stdout 2> {out}/stderr; echo $? > {out}/rc
        ls -a {data_dir} > {out}/ls
    """
    done = in_own_mounts(["bash", "-c", script], env, REPO)
    assert done.returncode == 0, done.stderr

    assert (out / "rc").read_text().strip() == "1"
    stderr = (out / "stderr").read_text()
    assert "Traceback" not in stderr
    assert stderr.splitlines() == [
        f"error: cannot open {data_dir / 'kiosk.db'}: read-only file system ({data_dir}):"
        " remount it read-write, or set [storage] data_dir to a writable folder"
    ]
    assert "corrupt" not in (out / "ls").read_text()


# (command, standard input) of kioskctl commands that write.
WRITERS = [
    (["logout"], None),
    (["login", "CB001", "--pin-stdin"], "1234\n"),
    (["officer", "set-pin", "CB001", "--pin-stdin"], "4321\n"),
    (["officer", "add", "CB002", "--name", "Trần Văn Đức", "--pin-stdin"], "2345\n"),
    (["export", "--format", "csv", "--output", "{data}/ratings.csv"], None),
    (["backup", "{data}"], None),
]


@needs_root
def test_every_command_that_writes_says_the_disk_is_full_in_one_line_and_changes_nothing(
    env, data_dir: Path, tmp_path: Path
):
    data_dir.mkdir()
    result = tmp_path / "result.json"
    commands = [([arg.format(data=data_dir) for arg in args], stdin) for args, stdin in WRITERS]
    done = in_own_mounts(
        [sys.executable, str(HERE / "full_disk_child.py"), str(data_dir), str(result)],
        env,
        REPO,
        stdin=json.dumps(commands),
    )
    assert done.returncode == 0, done.stderr
    outcome = json.loads(result.read_text())
    assert all(step["rc"] == 0 for step in outcome["setup"]), outcome["setup"]

    for step in outcome["full"]:
        assert step["rc"] == 1, step
        line = one_error_line(subprocess.CompletedProcess([], 1, "", step["err"]))
        assert "disk is full" in line and "free some space" in line, step
        if step["args"][0] == "export":
            assert f"cannot write to {data_dir}/ratings.csv: database or disk is full" in line
    after = json.loads(outcome["after"]["out"])
    assert after["officer"]["code"] == "CB001", "the failed logout logged nobody out"
    assert [name for name in outcome["ls"] if "partial" in name or "corrupt" in name] == []


def test_a_kiosk_with_a_sound_database_opens_while_another_process_writes(
    kiosk_with_ratings, make_config, data_dir: Path
):
    with LockHolder(data_dir / "kiosk.db", LockHolder.WRITING):
        counter = Counter.open(config=make_config())
        try:
            assert counter.status().pending == 3
        finally:
            counter.close()
    assert set_aside(data_dir) == []
