"""config/central.toml: shipped defaults, environment overrides, one line per problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from sync.central.settings import DEFAULT_CONFIG, SettingsError, load_settings


def test_the_shipped_settings_load_with_their_defaults() -> None:
    settings = load_settings(DEFAULT_CONFIG, environ={})

    assert settings.report.timezone == "Asia/Ho_Chi_Minh"
    assert settings.report.levels == (4, 3, 2, 1)
    assert settings.report.satisfied_levels == (4, 3)
    assert settings.limits.max_batch == 500
    assert settings.storage.data_dir == (DEFAULT_CONFIG.parent / "../var/central").resolve()
    assert settings.database_url == f"sqlite:///{settings.storage.data_dir / 'central.db'}"


def test_environment_overrides_any_key() -> None:
    settings = load_settings(
        DEFAULT_CONFIG,
        environ={
            "CENTRAL__DATABASE__URL": "postgresql+psycopg://central@db/central",
            "CENTRAL__LIMITS__MAX_BATCH": "100",
            "CENTRAL__REPORT__SATISFIED_LEVELS": "[4]",
        },
    )

    assert settings.database_url == "postgresql+psycopg://central@db/central"
    assert settings.limits.max_batch == 100
    assert settings.report.satisfied_levels == (4,)


def test_relative_paths_are_relative_to_the_config_file(tmp_path: Path) -> None:
    config = tmp_path / "etc" / "central.toml"
    config.parent.mkdir()
    config.write_text('[storage]\ndata_dir = "data"\n[database]\nurl = "sqlite:///db/c.db"\n')

    settings = load_settings(config, environ={})

    assert settings.storage.data_dir == tmp_path / "etc" / "data"
    assert settings.database_url == f"sqlite:///{tmp_path / 'etc' / 'db' / 'c.db'}"


def test_every_problem_is_one_line_naming_file_and_key(tmp_path: Path) -> None:
    config = tmp_path / "central.toml"
    config.write_text(
        '[storage]\ndata_dir = "d"\n'
        '[server]\nport = "eighty"\n'
        '[report]\ntimezone = "Mars/Olympus"\nsatisfied_levels = [5]\n'
        "[limits]\nmax_bach = 10\n"
    )

    with pytest.raises(SettingsError) as error:
        load_settings(config, environ={"CENTRAL__DATABASE__URL": "mysql://x"})

    problems = error.value.problems
    assert all(line.startswith(f"{config}: ") for line in problems)
    text = "\n".join(problems)
    assert "server.port" in text
    assert "report.timezone" in text and "Mars/Olympus" in text
    assert "limits.max_bach: unknown key" in text
    assert "database.url (from CENTRAL__DATABASE__URL)" in text


def test_a_missing_file_says_how_to_point_at_one(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="CENTRAL_CONFIG"):
        load_settings(tmp_path / "nope.toml", environ={})


def test_the_reasons_words_default_to_the_kiosks_five() -> None:
    reasons = load_settings(DEFAULT_CONFIG, environ={}).report.reasons

    assert [reason.code for reason in reasons] == [
        "waiting_time",
        "attitude",
        "guidance",
        "result_late",
        "other",
    ]
    assert (reasons[0].vi, reasons[0].en) == ("Thời gian chờ lâu", "Long waiting time")


def test_reasons_take_the_kiosks_label_keys_and_refuse_a_code_given_twice(
    tmp_path: Path,
) -> None:
    config = tmp_path / "central.toml"
    config.write_text(
        '[storage]\ndata_dir = "d"\n'
        '[[report.reasons]]\ncode = "queue"\nlabel_vi = "Xếp hàng"\nlabel_en = "Queue"\n',
        encoding="utf-8",
    )
    twice = '[{code = "a", vi = "A", en = "A"}, {code = "a", vi = "B", en = "B"}]'

    (queue,) = load_settings(config, environ={}).report.reasons
    with pytest.raises(SettingsError) as error:
        load_settings(config, environ={"CENTRAL__REPORT__REASONS": twice})

    assert (queue.code, queue.vi, queue.en) == ("queue", "Xếp hàng", "Queue")
    assert "report.reasons (from CENTRAL__REPORT__REASONS): code a is given more than once" in str(
        error.value
    )


def test_the_monthly_report_takes_holidays_as_dates_and_needs_a_mail_server(
    tmp_path: Path,
) -> None:
    config = tmp_path / "central.toml"
    config.write_text(
        '[storage]\ndata_dir = "d"\n'
        '[alerts]\nsmtp_host = "mail.hcc.example.vn"\nfrom = "baocao@hcc.example.vn"\n'
        '[reports]\nrecipients = ["lanhdao@hcc.example.vn"]\n'
        'holidays = ["2027-01-01", 2027-02-08]\nsend_hour = 8\n',
        encoding="utf-8",
    )

    reports = load_settings(config, environ={}).reports

    assert reports.enabled and reports.send_hour == 8
    assert [str(day) for day in reports.holidays] == ["2027-01-01", "2027-02-08"]
    shipped = load_settings(DEFAULT_CONFIG, environ={}).reports
    assert not shipped.enabled and shipped.holidays == ()

    with pytest.raises(SettingsError) as error:
        load_settings(config, environ={"CENTRAL__ALERTS__SMTP_HOST": ""})
    assert "recipients are set, but the mail server is not" in "\n".join(error.value.problems)

    with pytest.raises(SettingsError) as error:
        load_settings(
            config,
            environ={
                "CENTRAL__REPORTS__HOLIDAYS": '["2027-13-01"]',
                "CENTRAL__REPORTS__SEND_HOUR": "24",
            },
        )
    text = "\n".join(error.value.problems)
    assert "reports.holidays" in text and "reports.send_hour" in text
