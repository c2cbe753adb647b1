"""One bad rating never holds back the others: caught by validation when it can be, and
isolated by the central when the database itself refuses a value."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from sync.central import ingest
from sync.central.models import daily_counts, ratings
from sync.protocol import RatingIn

from .conftest import Central, rating


def stored(central: Central) -> tuple[int, int]:
    """(ratings stored, ratings counted in the rollup)."""
    with central.db.read() as connection:
        rows = connection.scalar(select(func.count()).select_from(ratings))
        counted = connection.scalar(select(func.coalesce(func.sum(daily_counts.c.count), 0)))
    return rows, int(counted)


@pytest.mark.parametrize("officer", ["CB\x00001", "\x00", "CB001\x00"])
def test_a_nul_in_an_officer_code_is_rejected_alone_and_the_rest_are_stored(
    central: Central, officer: str
) -> None:
    token = central.add_counter("Q07")
    sent = [rating(seq=n) for n in range(1, 6)]
    sent[2]["officer"] = officer

    answer = central.push(token, "Q07", sent).json()

    assert answer["accepted"] == [item["id"] for n, item in enumerate(sent) if n != 2]
    assert [item["id"] for item in answer["rejected"]] == [sent[2]["id"]]
    assert answer["rejected"][0]["error"].startswith("officer:")
    assert stored(central) == (4, 4)


def unchecked(**changes: Any) -> RatingIn:
    """A rating as it would be if validation had let something through."""
    values = {
        "id": str(uuid.uuid4()),
        "seq": 1,
        "created_at": datetime.now(UTC),
        "officer": "CB001",
        "department": "CA",
        "session": None,
        "ticket": None,
        "level": 4,
        "reasons": [],
        "lang": "vi",
    }
    values.update(changes)
    return RatingIn.model_construct(**values)


def test_values_the_database_refuses_are_rejected_alone_and_the_rest_are_stored(
    central: Central,
) -> None:
    central.add_counter("Q07")
    culprits = [unchecked(seq=2**64), unchecked(ticket="\ud800"), unchecked(seq=-(2**70))]
    if central.db.dialect == "postgresql":  # SQLite stores NUL in text; PostgreSQL refuses it
        culprits.append(unchecked(ticket="A-\x00015"))
    good = [unchecked(seq=n) for n in range(1, 11)]
    sent = good[:3] + culprits[:1] + good[3:7] + culprits[1:] + good[7:]
    settings = central.settings.report

    answer = ingest.ingest_batch(central.db, "Q07", sent, settings.levels, settings.tz)

    assert answer.accepted == [item.id for item in good]
    assert sorted(item.id for item in answer.rejected) == sorted(item.id for item in culprits)
    assert all("database refused" in item.error for item in answer.rejected)
    assert stored(central) == (10, 10)


def test_a_database_that_cannot_answer_is_not_blamed_on_the_ratings(
    central: Central, monkeypatch: pytest.MonkeyPatch
) -> None:
    central.add_counter("Q07")

    def locked(*_args: Any, **_kwargs: Any) -> set[str]:
        raise OperationalError("INSERT", {}, Exception("disk I/O error"))

    monkeypatch.setattr(ingest, "insert_ratings", locked)
    settings = central.settings.report

    # Raised, so the kiosk hears 503 and tries again later: no rating is flagged for it.
    with pytest.raises(OperationalError):
        ingest.ingest_batch(central.db, "Q07", [unchecked()], settings.levels, settings.tz)
