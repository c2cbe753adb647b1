"""Officers at the counter: PIN checks and lockout, sessions, pause, closing time, roster."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from datetime import time as dt_time
from zoneinfo import ZoneInfo

import pytest

from kiosk import roster, roster_file, staff
from kiosk.counter import Counter, LoginRefused, RatingRefused
from kiosk.models import CounterSession, Officer, utcnow
from kiosk.roster_file import RosterError
from tests.kiosk.conftest import REPO


def login_refusal(call, *args) -> LoginRefused:
    with pytest.raises(LoginRefused) as caught:
        call(*args)
    assert str(caught.value)
    return caught.value


# --- login and PIN lockout ----------------------------------------------------------------


def test_login_with_the_right_pin_puts_the_officer_at_the_counter(counter: Counter, sql):
    officer = counter.login("cb001", "1234")
    assert officer.code == "CB001"
    assert officer.full_name == "Nguyễn Thị Hồng Nhung"
    assert officer.initials == "HN"
    assert counter.status().officer == officer
    assert sql("SELECT officer_code, ended_at FROM counter_sessions") == [("CB001", None)]


def test_wrong_pin_is_refused_and_says_how_many_tries_are_left(counter: Counter, sql):
    refused = login_refusal(counter.login, "CB001", "0000")
    assert (refused.reason, refused.attempts_left) == ("wrong_pin", 4)
    assert counter.status().officer is None
    assert sql("SELECT count(*) FROM counter_sessions") == [(0,)]


@pytest.mark.parametrize(
    ("code", "pin", "reason"),
    [("", "1234", "empty"), ("CB001", "", "empty"), ("CB999", "1234", "unknown_officer")],
)
def test_login_without_a_known_code_and_pin_is_refused(counter: Counter, code, pin, reason):
    assert login_refusal(counter.login, code, pin).reason == reason


def test_five_wrong_pins_make_the_login_wait_and_the_wait_survives_a_restart(open_counter):
    counter = open_counter()
    left = [login_refusal(counter.login, "CB001", "9999") for _ in range(4)]
    assert [refused.attempts_left for refused in left] == [4, 3, 2, 1]
    fifth = login_refusal(counter.login, "CB001", "9999")
    assert fifth.reason == "locked"
    assert fifth.retry_after == pytest.approx(30, abs=1), "seconds, not a flat 5-minute lock"

    locked = login_refusal(counter.login, "CB001", "1234")
    assert locked.reason == "locked"
    counter.close()

    restarted = open_counter()
    after_restart = login_refusal(restarted.login, "CB001", "1234")
    assert after_restart.reason == "locked"
    assert 0 < after_restart.retry_after <= 30
    assert restarted.status().officer is None
    # The lock is this officer's only: a colleague still logs in.
    assert restarted.login("CB002", "2345").code == "CB002"


def test_lockout_ends_after_the_configured_time(open_counter):
    counter = open_counter(STAFF__LOCKOUT_ATTEMPTS="2", STAFF__LOCKOUT_MINUTES="0.005")
    login_refusal(counter.login, "CB001", "9999")
    assert login_refusal(counter.login, "CB001", "9999").reason == "locked"
    time.sleep(0.5)  # 0.3 s lock; a slower machine only waits longer
    assert counter.login("CB001", "1234").code == "CB001"


def test_each_further_wrong_pin_doubles_the_wait_up_to_the_cap(open_counter):
    """A guesser stays slow (30 s, 60 s, 120 s, ... up to lockout_minutes), while an
    officer who mistyped a few times waits seconds, not a flat lock."""
    counter = open_counter(STAFF__LOCKOUT_FIRST_SECONDS="0.2", STAFF__LOCKOUT_MINUTES="0.01")
    waits = []
    for _ in range(9):
        refused = login_refusal(counter.login, "CB001", "9999")
        if refused.reason == "locked" and refused.retry_after:
            waits.append(round(refused.retry_after, 2))
            time.sleep(refused.retry_after + 0.05)  # wait it out, as the officer would
    assert waits[:3] == [0.2, 0.4, 0.6], "doubling, then capped at 0.6 s (0.01 min)"
    assert all(wait == 0.6 for wait in waits[3:])
    assert counter.login("CB001", "1234").code == "CB001", "the right PIN still works"


def test_right_pin_resets_the_count_of_wrong_ones(counter: Counter):
    for _ in range(4):
        login_refusal(counter.login, "CB001", "9999")
    counter.login("CB001", "1234")
    assert login_refusal(counter.login, "CB001", "9999").attempts_left == 4


def test_deactivated_officer_cannot_log_in(counter: Counter):
    with counter.store.write() as session:
        session.get(Officer, "CB002").active = False
    assert login_refusal(counter.login, "CB002", "2345").reason == "inactive"


# --- sessions -----------------------------------------------------------------------------


def test_login_of_another_officer_closes_the_previous_session(counter: Counter, sql):
    counter.login("CB001", "1234")
    counter.record(4)
    counter.login("CB002", "2345")
    counter.record(3)

    assert counter.status().officer.code == "CB002"
    sessions = sql(
        "SELECT officer_code, ended_at IS NOT NULL, end_reason FROM counter_sessions"
        " ORDER BY started_at"
    )
    assert sessions == [("CB001", 1, "replaced"), ("CB002", 0, None)]
    assert sql("SELECT officer_code, level FROM ratings ORDER BY seq") == [
        ("CB001", 4),
        ("CB002", 3),
    ]


def test_same_officer_logging_in_again_keeps_the_session(counter: Counter, sql):
    counter.login("CB001", "1234")
    counter.login("CB001", "1234")
    assert sql("SELECT count(*), count(ended_at) FROM counter_sessions") == [(1, 0)]


def test_logout_ends_the_session_with_its_reason(serving: Counter, sql):
    serving.logout()
    assert serving.status().officer is None
    assert sql("SELECT end_reason FROM counter_sessions") == [("logout",)]


def test_officer_stays_logged_in_across_a_restart(open_counter):
    counter = open_counter()
    counter.login("CB001", "1234")
    counter.close()
    assert open_counter().status().officer.code == "CB001"


# --- pause / resume -----------------------------------------------------------------------


def test_paused_counter_refuses_ratings(serving: Counter, sql):
    serving.pause()
    with pytest.raises(RatingRefused) as caught:
        serving.record(4)
    assert caught.value.reason == "paused"
    assert serving.status().paused is True
    assert sql("SELECT count(*) FROM ratings") == [(0,)]


def test_resume_needs_the_officers_pin(serving: Counter, sql):
    serving.pause()
    assert login_refusal(serving.resume, "2345").reason == "wrong_pin"  # a colleague's PIN
    assert serving.status().paused is True

    serving.resume("1234")
    assert serving.status().paused is False
    serving.record(4)
    assert sql("SELECT count(*) FROM ratings") == [(1,)]
    assert sql("SELECT count(*) FROM counter_sessions") == [(1,)]


def test_pause_with_nobody_logged_in_is_refused(counter: Counter):
    with pytest.raises(RatingRefused) as caught:
        counter.pause()
    assert caught.value.reason == "no_officer"


# --- automatic logout at closing time -----------------------------------------------------


def start_session_at(counter: Counter, code: str, started_at: datetime) -> None:
    with counter.store.write() as session:
        session.add(
            CounterSession(
                id=staff.new_session_id(),
                counter_id=counter.config.counter.id,
                officer_code=code,
                department_code="CA",
                started_at=started_at,
            )
        )


def test_officer_still_logged_in_after_closing_time_is_logged_out(open_counter, sql):
    counter = open_counter(COUNTER__CLOSING_TIME="17:30:00")
    # Logged in at 09:00 two days ago and never logged out: a closing time has passed since.
    hanoi = ZoneInfo("Asia/Ho_Chi_Minh")
    day = (utcnow() - timedelta(days=2)).astimezone(hanoi).date()
    start_session_at(counter, "CB001", datetime.combine(day, dt_time(9), hanoi))

    assert counter.status().officer is None
    with pytest.raises(RatingRefused) as caught:
        counter.record(4)
    assert caught.value.reason == "no_officer"
    ((reason, ended_at),) = sql("SELECT end_reason, ended_at FROM counter_sessions")
    assert reason == "closing_time"
    # It ends at the closing time (17:30 in Hanoi is 10:30 UTC), not when somebody noticed.
    ended = datetime.fromisoformat(ended_at).replace(tzinfo=UTC)
    assert ended == datetime.combine(day, dt_time(17, 30), hanoi)
    assert (ended.hour, ended.minute, ended.second) == (10, 30, 0)
    assert sql("SELECT count(*) FROM ratings") == [(0,)]


def test_officer_logged_in_before_closing_time_stays(open_counter):
    later = (utcnow() + timedelta(hours=12)).astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
    counter = open_counter(COUNTER__CLOSING_TIME=later.strftime("%H:%M:%S"))
    counter.login("CB001", "1234")
    counter.record(4)
    assert counter.status().officer.code == "CB001"


# --- roster import ------------------------------------------------------------------------

ROSTER_HEADER = "code,full_name,title,department,department_name,pin\n"


def test_roster_import_keeps_vietnamese_names(counter: Counter, sql):
    text = (
        "\ufeff" + ROSTER_HEADER + "cb010,Nguyễn Thị Hồng Nhung,Chuyên viên,CA,Công an tỉnh,1111\n"
        "CB011,Đặng Thị Ánh Tuyết,Phó trưởng phòng,DL,Điện lực tỉnh,2222\n"
    )
    records = roster_file.parse_roster(text, "roster.csv")
    assert roster.import_records(counter.store, records) == 2

    assert sql("SELECT code, full_name, title FROM officers WHERE code >= 'CB010'") == [
        ("CB010", "Nguyễn Thị Hồng Nhung", "Chuyên viên"),
        ("CB011", "Đặng Thị Ánh Tuyết", "Phó trưởng phòng"),
    ]
    assert sql("SELECT name FROM departments WHERE code = 'DL'") == [("Điện lực tỉnh",)]
    assert counter.login("CB011", "2222").department_name == "Điện lực tỉnh"


def test_roster_with_bad_rows_names_each_line_and_imports_nothing(counter: Counter, sql):
    before = sql("SELECT code, full_name, pin_hash FROM officers ORDER BY code")
    text = (
        ROSTER_HEADER
        + "CB001,Nguyễn Thị Hồng Nhung (renamed),Chuyên viên,CA,Công an tỉnh,1234\n"  # line 2 ok
        + "CB020,Lê Văn Tám,,CA,Công an tỉnh,12\n"  # line 3: PIN too short
        + "CB021,,Chuyên viên,CA,Công an tỉnh,5555\n"  # line 4: no name
        + "CB001,Trùng Mã,,CA,Công an tỉnh,6666\n"  # line 5: duplicate code
        + "CB022,Hồ Thị Hoa,,CA,Công an tỉnh,7777,extra\n"  # line 6: too many fields
    )
    with pytest.raises(RosterError) as caught:
        roster_file.parse_roster(text, "roster.csv")

    problems = caught.value.problems
    assert len(problems) == 4
    assert problems[0].startswith("roster.csv: line 3:") and "pin" in problems[0]
    assert problems[1].startswith("roster.csv: line 4:") and "full_name" in problems[1]
    assert problems[2].startswith("roster.csv: line 5:") and "line 2" in problems[2]
    assert problems[3].startswith("roster.csv: line 6:") and "7 fields" in problems[3]
    assert sql("SELECT code, full_name, pin_hash FROM officers ORDER BY code") == before


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("code,full_name,pin\n", "missing column department"),
        ("code,full_name,title,department\n", "needs a pin or a pin_hash column"),
        ("code,full_name,title,department,pin,email\n", "unknown column 'email'"),
        (ROSTER_HEADER, "no officers"),
    ],
)
def test_roster_with_a_bad_header_is_refused(text: str, expected: str):
    with pytest.raises(RosterError) as caught:
        roster_file.parse_roster(text, "roster.csv")
    assert expected in str(caught.value)


GUESSER = """
import json, sys
from kiosk.counter import Counter, LoginRefused
counter = Counter.open()
print("ready", flush=True)
sys.stdin.readline()  # every guesser starts at once
try:
    counter.login("CB001", sys.argv[1])
    print(json.dumps({"reason": "in"}))
except LoginRefused as refused:
    print(json.dumps({"reason": refused.reason, "left": refused.attempts_left}))
"""


def test_parallel_guessers_in_separate_processes_get_no_more_guesses_than_the_lockout_allows(
    counter: Counter, env, sql
):
    counter.close()  # the guessers are other processes: kioskctl, a second kiosk
    guessers = [
        subprocess.Popen(
            [sys.executable, "-c", GUESSER, f"{9000 + n}"],
            env={**env, "PYTHONPATH": str(REPO)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for n in range(15)
    ]
    try:
        for guesser in guessers:
            assert guesser.stdout.readline().strip() == "ready"
        for guesser in guessers:
            guesser.stdin.write("go\n")
            guesser.stdin.flush()
        outcomes = [json.loads(guesser.communicate(timeout=120)[0]) for guesser in guessers]
    finally:
        for guesser in guessers:
            if guesser.poll() is None:
                guesser.kill()

    wrong = sorted(o["left"] for o in outcomes if o["reason"] == "wrong_pin")
    # Five guesses in all: four told how many are left (each count once), the fifth
    # locks the login, and every other guess is refused unseen.
    assert wrong == [1, 2, 3, 4], outcomes
    assert [o["reason"] for o in outcomes].count("locked") == 11
    assert sql("SELECT locked_until IS NOT NULL FROM officers WHERE code = 'CB001'") == [(1,)]
