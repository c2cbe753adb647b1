"""A missing PostgreSQL, browser or screen skips its tests on a laptop, and fails them in
CI, which says in KIOSK_TESTS_EXPECT what it has."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

NEEDS_POSTGRES = """
from tests.expected import unavailable

def test_report_on_postgres():
    unavailable("postgres", "PostgreSQL not reachable at 127.0.0.1:5432")
"""


def test_a_missing_server_skips_where_nothing_is_expected(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.delenv("KIOSK_TESTS_EXPECT", raising=False)
    pytester.makepyfile(NEEDS_POSTGRES)
    result = pytester.runpytest_inprocess("-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*PostgreSQL not reachable*"])


def test_a_missing_server_fails_where_the_run_expects_it(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("KIOSK_TESTS_EXPECT", "postgres browser display")
    pytester.makepyfile(NEEDS_POSTGRES)
    result = pytester.runpytest_inprocess()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*this run expects postgres*"])


def test_an_unknown_expectation_is_a_usage_error(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("KIOSK_TESTS_EXPECT", "postgress")
    pytester.makepyfile(NEEDS_POSTGRES)
    result = pytester.runpytest_inprocess()
    assert result.ret != 0
    result.stdout.fnmatch_lines(["*unknown postgress*"])
