"""The shared wire models: what both ends rely on, and what they must not import."""

from __future__ import annotations

import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from sync import protocol


def wire_rating(**changes: object) -> dict:
    value = {
        "id": str(uuid.uuid4()),
        "seq": 1,
        "created_at": "2025-03-01T02:03:04Z",
        "officer": "CB001",
        "department": "CA",
        "level": 4,
    }
    value.update(changes)
    return value


def test_protocol_imports_with_pydantic_alone() -> None:
    blocked = "import sys\nfor name in ('fastapi', 'sqlalchemy', 'kivy', 'starlette'):\n    sys.modules[name] = None\nimport sync.protocol\n"
    result = subprocess.run([sys.executable, "-c", blocked], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_the_central_never_imports_kivy() -> None:
    code = "import sys\nsys.modules['kivy'] = None\nimport sync.central.cli, sync.central.server\n"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


# What the central may take from the kiosk package: small modules that import nothing else
# from it, so the central never drags in the kiosk app (its store, services or Kivy UI).
# kiosk.catalogs: the one gettext loader, for the dashboard's catalogs as for the kiosk's;
# kiosk.resources: where every shipped file is, in a checkout as in an installed wheel;
# kiosk.bounded_read: every file read from a user, bounded.
KIOSK_LEAVES = (
    "kiosk.pins",
    "kiosk.tomlconfig",
    "kiosk.dbtypes",
    "kiosk.roster_file",
    "kiosk.catalogs",
    "kiosk.resources",
    "kiosk.bounded_read",
    "kiosk.shipped_secrets",
)


def modules_loaded_by(statement: str) -> set[str]:
    """The names in sys.modules after running ``statement`` in a fresh interpreter."""
    code = f"import sys\n{statement}\nprint('\\n'.join(sys.modules))\n"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return set(result.stdout.split())


def of_package(modules: set[str], package: str) -> set[str]:
    return {name for name in modules if name == package or name.startswith(f"{package}.")}


def test_the_central_takes_only_leaf_modules_from_the_kiosk_and_never_kivy() -> None:
    loaded = modules_loaded_by("import sync.central.app, sync.central.cli, sync.central.server")

    assert of_package(loaded, "kiosk") <= {"kiosk", *KIOSK_LEAVES}
    assert "sync.central.settings" in loaded and "kiosk.tomlconfig" in loaded, "the check ran"
    assert of_package(loaded, "kivy") == set()


@pytest.mark.parametrize("leaf", KIOSK_LEAVES)
def test_a_module_the_central_shares_imports_only_other_shared_modules(leaf: str) -> None:
    assert of_package(modules_loaded_by(f"import {leaf}"), "kiosk") <= {"kiosk", *KIOSK_LEAVES}


def test_a_batch_is_written_with_schema_and_utc_times_ending_in_z() -> None:
    local = timezone(timedelta(hours=7))
    rating = protocol.RatingIn.model_validate(
        wire_rating(created_at=datetime(2025, 3, 1, 9, 3, 4, tzinfo=local))
    )
    request = protocol.BatchRequest(
        schema=protocol.SCHEMA_VERSION,
        counter="Q07",
        sent_at=datetime(2025, 3, 1, 2, 5, tzinfo=UTC),
        ratings=[rating],
    )

    body = request.model_dump(mode="json")

    assert body["schema"] == 1
    assert body["sent_at"] == "2025-03-01T02:05:00Z"
    assert body["ratings"][0]["created_at"] == "2025-03-01T02:03:04Z"
    assert protocol.BatchRequest.model_validate_json(request.model_dump_json()) == request


def test_a_time_without_zone_is_refused_on_the_wire_but_python_naive_is_utc() -> None:
    with pytest.raises(ValidationError, match="time zone"):
        protocol.RatingIn.model_validate_json(
            protocol.RatingIn.model_validate(wire_rating()).model_dump_json().replace("Z", "")
        )
    naive = protocol.HeartbeatRequest(kiosk_time=datetime(2025, 3, 1, 2, 0))
    assert naive.kiosk_time == datetime(2025, 3, 1, 2, 0, tzinfo=UTC)


def test_unknown_fields_and_newer_schema_are_accepted() -> None:
    envelope = protocol.BatchEnvelope.model_validate(
        {"schema": 3, "counter": "Q07", "sent_at": "2025-03-01T00:00:00Z", "ratings": [], "x": 1}
    )
    assert envelope.schema_version == 3
    assert protocol.validate_rating(wire_rating(colour="blue")).level == 4


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"id": "not-a-uuid"}, "id"),
        ({"id": str(uuid.uuid4()).upper()}, "id"),
        ({"seq": 0}, "seq"),
        ({"level": "x"}, "level"),
        ({"ticket": "x" * 65}, "ticket"),
        ({"officer": ""}, "officer"),
        ({"reasons": "waiting"}, "reasons"),
    ],
)
def test_a_bad_rating_names_its_field(change: dict, field: str) -> None:
    with pytest.raises(ValueError) as error:
        protocol.validate_rating(wire_rating(**change))
    assert str(error.value).startswith(f"{field}")


def test_paths() -> None:
    assert protocol.BATCH_PATH == "/api/v1/ratings:batch"
    assert protocol.roster_path("Q07") == "/api/v1/counters/Q07/roster"
    assert protocol.heartbeat_path("Q07") == "/api/v1/counters/Q07/heartbeat"


def test_the_future_of_a_time_is_judged_on_arrival_by_the_centrals_clock() -> None:
    # A kiosk whose clock fell back years still encodes the ratings it made before; the
    # central, whose clock is right, judges the same time when it arrives as text.
    made = datetime.now(UTC) + timedelta(days=800)
    built = protocol.RatingIn.model_validate(wire_rating(created_at=made))

    assert built.created_at == made
    with pytest.raises(ValidationError, match="a year ahead"):
        protocol.RatingIn.model_validate_json(built.model_dump_json())
    with pytest.raises(ValueError, match="a year ahead"):
        protocol.validate_rating(built.model_dump(mode="json"))


@pytest.mark.parametrize("when", [datetime(1999, 12, 31, 23, 59, tzinfo=UTC), "1999-12-31T23:59Z"])
def test_no_time_before_2000_is_taken_however_it_is_built(when: object) -> None:
    with pytest.raises(ValidationError, match="before 2000-01-01"):
        protocol.RatingIn.model_validate(wire_rating(created_at=when))
