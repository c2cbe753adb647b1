"""Configuration: the shipped file, environment overrides, and a clear line for each mistake."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from kiosk import cli
from kiosk.config import DEFAULT_CONFIG, ConfigError, KioskConfig, load_config
from kiosk.config_edit import set_values
from kiosk.pins import verify_pin

SHIPPED = DEFAULT_CONFIG.read_text(encoding="utf-8")
# Where the syntax error below is made: comments may be added above it.
MODE_LINE = SHIPPED.splitlines().index('mode = "open"') + 1
KIOSKCTL = Path(sys.executable).parent / "kioskctl"


def edit(old: str, new: str) -> Callable[[str], str]:
    def change(text: str) -> str:
        assert old in text, f"the shipped config no longer has {old!r}"
        return text.replace(old, new, 1)

    return change


# (case, change to the shipped file, the key the message names, what it says is wrong)
MALFORMED = [
    ("syntax_error", edit('mode = "open"', 'mode = "open'), f"line {MODE_LINE}",
     "TOML syntax error"),
    ("unknown_key", edit("cooldown_seconds = 3", "cooldown_secs = 3"), "rating.cooldown_secs",
     "unknown key"),
    ("unknown_section", lambda t: t + '\n[printer]\nport = "/dev/lp0"\n', "printer",
     "unknown key"),
    ("wrong_type", edit("cooldown_seconds = 3", 'cooldown_seconds = "three"'),
     "rating.cooldown_seconds", "valid number"),
    ("missing_required_key", edit('id = "Q07"\n', ""), "counter.id", "required key is missing"),
    ("missing_required_section", edit("[service]", "[servic]"), "service",
     "required key is missing"),
    ("level_values_not_unique", edit("value = 3", "value = 4"), "levels",
     "values must be unique"),
    ("levels_not_highest_first", edit("value = 3", "value = 5"), "levels", "highest first"),
    ("bad_timezone", edit('"Asia/Ho_Chi_Minh"', '"Asia/Hanoi"'), "counter.timezone",
     "unknown time zone 'Asia/Hanoi'"),
    ("unknown_level_in_reasons_after_levels",
     edit("reasons_after_levels = [2, 1]", "reasons_after_levels = [2, 0]"),
     "reasons_after_levels", "[0] are not configured level values"),
    ("bad_mode", edit('mode = "open"', 'mode = "per_citizen"'), "rating.mode",
     "'open' or 'per_turn'"),
    ("negative_cooldown", edit("cooldown_seconds = 3", "cooldown_seconds = -1"),
     "rating.cooldown_seconds", "greater than or equal to 0"),
    ("bad_url", edit('\nurl = ""', '\nurl = "center.example.vn/api"'), "central.url",
     "must start with http:// or https://"),
    ("bad_closing_time", edit("closing_time = 17:30:00", 'closing_time = "half past five"'),
     "counter.closing_time", "valid time"),
    ("closing_time_out_of_range", edit("closing_time = 17:30:00", 'closing_time = "25:00"'),
     "counter.closing_time", "hour value is outside"),
    ("bad_boolean", edit("fullscreen = true", 'fullscreen = "yes"'), "ui.fullscreen",
     "valid boolean"),
    ("unknown_language", edit('language = "vi"', 'language = "fr"'), "ui.language",
     "'vi' or 'en'"),
    ("bad_counter_id", edit('id = "Q07"', 'id = "Quầy 7"'), "counter.id", "should match pattern"),
    ("bad_face_name", edit('face = "neutral"', 'face = "Neutral.png"'), "rating.levels.2.face",
     "should match pattern"),
    ("only_one_level", lambda t: t[: t.index("[[rating.levels]]\nvalue = 3")]
     .replace("reasons_after_levels = [2, 1]", "") + t[t.index("# Reasons offered"):],
     "rating.levels", "at least 2 items"),
    ("duplicate_reason_code", edit('code = "other"', 'code = "attitude"'), "reasons",
     "codes must be unique"),
    ("technician_pin_in_clear", edit('technician_pin_hash = "scrypt$', 'technician_pin_hash = "x'),
     "service.technician_pin_hash", "should match pattern"),
    ("zero_batch_size", edit("batch_size = 500", "batch_size = 0"), "central.batch_size",
     "greater than or equal to 1"),
    ("zero_lockout_attempts", edit("lockout_attempts = 5", "lockout_attempts = 0"),
     "staff.lockout_attempts", "greater than or equal to 1"),
]  # fmt: skip


@pytest.fixture
def check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys):
    """Run ``kioskctl --config FILE check`` in this process; return (exit code, stderr lines)."""
    monkeypatch.setenv("KIOSK__STORAGE__DATA_DIR", str(tmp_path / "data"))

    def run(path: Path) -> tuple[int, list[str]]:
        code = cli.main(["--config", str(path), "check"])
        captured = capsys.readouterr()
        assert "Traceback" not in captured.err + captured.out
        return code, captured.err.splitlines()

    return run


@pytest.mark.parametrize(
    ("change", "key", "wrong"),
    [case[1:] for case in MALFORMED],
    ids=[case[0] for case in MALFORMED],
)
def test_malformed_config_exits_2_with_a_line_naming_file_and_key(
    tmp_path: Path, check, change, key: str, wrong: str
):
    path = tmp_path / "kiosk.toml"
    path.write_text(change(SHIPPED), encoding="utf-8")

    code, lines = check(path)

    assert code == 2
    assert lines, "says what is wrong"
    assert all(line.startswith(f"config error: {path}: ") for line in lines), lines
    assert any(key in line and wrong in line for line in lines), lines
    assert not (tmp_path / "data").exists(), "nothing is created from a bad config"


def test_each_malformed_config_gets_its_own_message(tmp_path: Path):
    messages = set()
    for name, change, _key, _wrong in MALFORMED:
        path = tmp_path / f"{name}.toml"
        path.write_text(change(SHIPPED), encoding="utf-8")
        with pytest.raises(ConfigError) as caught:
            load_config(path, environ={})
        messages.add("\n".join(caught.value.problems).replace(str(path), "FILE"))
    assert len(messages) == len(MALFORMED) >= 15


def test_config_that_is_not_utf8_is_refused(tmp_path: Path, check):
    path = tmp_path / "kiosk.toml"
    path.write_bytes(SHIPPED.encode("utf-8").replace("Quầy".encode(), "Qu\xe1y".encode("cp1258")))
    assert check(path) == (2, [f"config error: {path}: not UTF-8 text"])


def test_missing_config_file_is_refused(tmp_path: Path, check):
    path = tmp_path / "nowhere.toml"
    code, (line,) = check(path)
    assert code == 2
    assert line.startswith(f"config error: {path}: file not found")


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("KIOSK__RATING", "0", "KIOSK__RATING: expected KIOSK__SECTION__KEY"),
        ("KIOSK__RATING__LEVELS__VALUE", "4", "expected KIOSK__SECTION__KEY"),
        (
            "KIOSK__RATING__COOLDOWN_SECONDS",
            "soon",
            "rating.cooldown_seconds (from KIOSK__RATING__COOLDOWN_SECONDS): ",
        ),
        ("KIOSK__RATING__COOLDOWN", "1", "rating.cooldown (from KIOSK__RATING__COOLDOWN): unknown"),
        ("KIOSK__RATNG__MODE", "open", "ratng (from KIOSK__RATNG__MODE): unknown key"),
        ("KIOSK__RATING__MODE", "sometimes", "rating.mode (from KIOSK__RATING__MODE): "),
    ],
)
def test_bad_environment_override_names_the_variable(
    check, monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: str
):
    monkeypatch.setenv(name, value)
    code, lines = check(DEFAULT_CONFIG)
    assert code == 2
    assert len(lines) == 1 and expected in lines[0], lines


def test_malformed_config_through_the_installed_kioskctl_has_no_traceback(tmp_path: Path):
    path = tmp_path / "kiosk.toml"
    path.write_text(SHIPPED.replace("lockout_minutes = 5", "lockout_minutes = five"), "utf-8")
    result = subprocess.run(
        [str(KIOSKCTL), "--config", str(path), "check"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "KIOSK__STORAGE__DATA_DIR": str(tmp_path / "data")},
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"config error: {path}: TOML syntax error")
    assert "Traceback" not in result.stderr


# --- the shipped file and overrides -------------------------------------------------------


def test_shipped_config_is_valid_and_describes_four_faces_highest_first(tmp_path: Path):
    config = load_config(DEFAULT_CONFIG, environ={})
    assert config.counter.id == "Q07"
    assert [level.value for level in config.rating.levels] == [4, 3, 2, 1]
    assert config.rating.level(1).label_vi == "Không hài lòng"
    assert config.rating.reasons_after_levels == (2, 1)
    assert config.rating.mode == "open"
    assert config.rating.cooldown_seconds == 3
    assert (config.staff.lockout_attempts, config.staff.lockout_minutes) == (5, 5)
    assert config.storage.data_dir == (DEFAULT_CONFIG.parent / "../var/kiosk").resolve()
    assert verify_pin("2468", config.service.technician_pin_hash)
    assert not verify_pin("2469", config.service.technician_pin_hash)


def test_environment_overrides_any_key_with_its_type(tmp_path: Path):
    config = load_config(
        DEFAULT_CONFIG,
        environ={
            "KIOSK__STORAGE__DATA_DIR": str(tmp_path / "kiosk data"),
            "KIOSK__RATING__COOLDOWN_SECONDS": "0",
            "KIOSK__RATING__MODE": "per_turn",
            "KIOSK__RATING__REASONS_AFTER_LEVELS": "[1]",
            "KIOSK__UI__FULLSCREEN": "false",
            "KIOSK__COUNTER__NAME": "Quầy 12",
            "KIOSK__COUNTER__CLOSING_TIME": "16:45:00",
            "KIOSK__CENTRAL__URL": "https://trung-tam.example.vn/",
            "OTHER__RATING__MODE": "ignored",
        },
    )
    assert config.storage.data_dir == tmp_path / "kiosk data"
    assert config.db_path == tmp_path / "kiosk data" / "kiosk.db"
    assert config.rating.cooldown_seconds == 0
    assert config.rating.mode == "per_turn"
    assert config.rating.reasons_after_levels == (1,)
    assert config.ui.fullscreen is False
    assert config.counter.name == "Quầy 12"
    assert config.counter.closing_time.isoformat() == "16:45:00"
    assert config.central.url == "https://trung-tam.example.vn"
    assert config.counter.id == "Q07", "keys not overridden keep the file's value"


def test_empty_closing_time_override_turns_automatic_logout_off():
    config = load_config(DEFAULT_CONFIG, environ={"KIOSK__COUNTER__CLOSING_TIME": ""})
    assert config.counter.closing_time is None


def test_config_path_comes_from_kiosk_config_unless_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    other = tmp_path / "other.toml"
    other.write_text(SHIPPED.replace('id = "Q07"', 'id = "Q99"'), encoding="utf-8")
    assert load_config(environ={}).counter.id == "Q07"
    monkeypatch.setenv("KIOSK_CONFIG", str(other))
    assert load_config().counter.id == "Q99"
    assert load_config(DEFAULT_CONFIG).counter.id == "Q07", "--config wins"


def test_relative_paths_are_relative_to_the_config_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    folder = tmp_path / "etc"
    folder.mkdir()
    (folder / "kiosk.toml").write_text(SHIPPED, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    config = load_config(folder / "kiosk.toml", environ={})
    assert config.storage.data_dir == (tmp_path / "var" / "kiosk").resolve()
    assert config.central.token_file == (tmp_path / "var" / "kiosk" / "token").resolve()
    assert config.central.ca_file is None


# --- every number is bounded ----------------------------------------------------------------


def numeric_keys() -> list[tuple[str, str, type, float, float]]:
    """(section, key, int or float, lowest, highest) of every number in the kiosk config."""
    keys = []
    for section, field in KioskConfig.model_fields.items():
        model = field.annotation
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            continue
        for key, info in model.model_fields.items():
            if info.annotation not in (int, float):
                continue
            low = next((m.ge for m in info.metadata if hasattr(m, "ge")), None)
            high = next((m.le for m in info.metadata if hasattr(m, "le")), None)
            keys.append((section, key, info.annotation, low, high))
    return keys


NUMERIC_KEYS = numeric_keys()


def test_every_number_in_the_config_has_a_finite_range():
    assert len(NUMERIC_KEYS) >= 15
    unbounded = [(s, k) for s, k, _t, low, high in NUMERIC_KEYS if low is None or high is None]
    assert unbounded == []
    assert all(math.isfinite(low) and math.isfinite(high) for *_, low, high in NUMERIC_KEYS)


def toml_literal(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if isinstance(value, str):
        return json.dumps(value)
    return repr(value)


ANY_NUMBER = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.sampled_from([0, 1, -1, 1e-9, 1e300, -1e300, 0.5, 3.0, 5000, 5001]),
    st.builds(str, st.integers(-100, 100)),  # a quoted number: "3"
    st.builds(str, st.floats(allow_nan=False, allow_infinity=False)),
    st.booleans(),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(key=st.sampled_from(NUMERIC_KEYS), value=ANY_NUMBER, from_env=st.booleans())
def test_a_number_out_of_range_or_of_the_wrong_kind_is_refused_naming_file_key_and_variable(
    tmp_path_factory, key, value, from_env: bool
):
    section, name, kind, low, high = key
    path = tmp_path_factory.mktemp("config") / "kiosk.toml"
    variable = f"KIOSK__{section.upper()}__{name.upper()}"
    if from_env:
        path.write_text(SHIPPED, encoding="utf-8")
        environ = {variable: toml_literal(value)}
    else:
        path.write_text(set_values(SHIPPED, {(section, name): toml_literal(value)}), "utf-8")
        environ = {}
    acceptable = (
        type(value) in ((int,) if kind is int else (int, float))
        and math.isfinite(value)
        and low <= value <= high
    )
    try:
        config = load_config(path, environ=environ)
    except ConfigError as exc:
        assert not acceptable, exc.problems
        where = f"{path}: {section}.{name}" + (f" (from {variable})" if from_env else "")
        assert any(line.startswith(f"{where}: ") for line in exc.problems), exc.problems
        return
    assert acceptable, f"{section}.{name} = {value!r} was taken"
    assert getattr(getattr(config, section), name) == value


@pytest.mark.parametrize(
    ("key", "literal"),
    [("rating.cooldown_seconds", '"3"'), ("staff.lockout_attempts", "5.0"),
     ("central.batch_size", '"500"'), ("ui.idle_seconds", "true"), ("rating.thanks_seconds", "nan")],
)  # fmt: skip
def test_a_number_written_as_text_or_of_the_wrong_kind_is_refused(
    check, tmp_path: Path, key, literal
):
    section, name = key.split(".")
    path = tmp_path / "kiosk.toml"
    path.write_text(set_values(SHIPPED, {(section, name): literal}), encoding="utf-8")
    code, lines = check(path)
    assert code == 2
    assert len(lines) == 1 and f"{path}: {key}: " in lines[0], lines
