"""Wire protocol v1 between a kiosk and the central endpoint, shared by both ends.

Only pydantic is needed here: the kiosk imports this without FastAPI, the central without
Kivy. Every model ignores fields it does not know, so a kiosk of a newer version (with
``schema`` 2 and extra fields) is still understood by this central, and the other way round.

Times are aware datetimes on the wire, serialized in UTC ending in ``Z``. A naive datetime
is refused in JSON (it would be ambiguous) but taken as UTC when built in Python, because
both ends keep UTC inside.

The central validates a batch in two steps, so one bad rating never sinks its batch:
:class:`BatchEnvelope` checks everything but the ratings, then :func:`validate_rating`
checks each rating alone and names the field that is wrong.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationError,
    ValidationInfo,
    WrapValidator,
)

SCHEMA_VERSION = 1
MAX_BATCH = 500
API_PREFIX = "/api/v1"
BATCH_PATH = f"{API_PREFIX}/ratings:batch"
REPORT_PATH = f"{API_PREFIX}/reports/satisfaction"
REPORT_GROUPINGS = ("department", "officer", "counter", "day", "month")

# Every answer of the central's API carries this header with the schema version: how a
# kiosk tells the central's own errors from a proxy's or a portal's (sync.answers).
PROTOCOL_HEADER = "Kiosk-Protocol"

CODE_MAX = 32
COUNTER_MAX = 16


def canonical_code(value: str) -> str:
    """The one spelling of an officer, counter or department code, on the wire and in
    every database: codes are case-insensitive, so ``cb101``, `` CB101`` and ``CB101`` are
    one officer. NFC first, so a name typed on another keyboard is the same code too."""
    return unicodedata.normalize("NFC", value).strip().upper()


def roster_path(counter: str) -> str:
    return f"{API_PREFIX}/counters/{counter}/roster"


def heartbeat_path(counter: str) -> str:
    return f"{API_PREFIX}/counters/{counter}/heartbeat"


def _to_utc(value: Any, handler: Any, info: ValidationInfo) -> datetime:
    parsed: datetime = handler(value)
    if parsed.tzinfo is None:
        # Text without a zone is ambiguous; a naive datetime object is one of ours (UTC).
        if info.mode == "json" or not isinstance(value, datetime):
            raise ValueError("must carry a time zone; send UTC ending in Z")
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _format_utc(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


# An aware UTC datetime, written as 2025-03-01T02:03:04.123456Z.
UtcDatetime = Annotated[
    datetime, WrapValidator(_to_utc), PlainSerializer(_format_utc, return_type=str)
]


# The canonical spelling of any UUID, exactly what str(uuid.UUID(x)) writes. A regex, not
# uuid.UUID(): it is checked for every rating of every batch, and is several times faster.
_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _canonical_uuid(value: str) -> str:
    # Only the canonical spelling: the central answers with the id as sent, and two
    # spellings of one UUID must not become two ratings.
    if _CANONICAL_UUID.fullmatch(value):
        return value
    raise ValueError("must be a lowercase UUID such as 3f2b6c1e-8d4a-4e5b-9c1d-2a3b4c5d6e7f")


RatingId = Annotated[str, Field(min_length=36, max_length=36), AfterValidator(_canonical_uuid)]


class _Wire(BaseModel):
    # Unknown fields are ignored, not refused: that is what keeps old and new ends talking.
    model_config = ConfigDict(extra="ignore")


class RatingIn(_Wire):
    """One rating as the kiosk committed it. Sent once, final: never updated afterwards."""

    id: RatingId
    seq: int = Field(ge=1)
    created_at: UtcDatetime
    officer: str = Field(min_length=1, max_length=CODE_MAX)
    department: str = Field(min_length=1, max_length=CODE_MAX)
    session: str | None = Field(default=None, max_length=64)
    ticket: str | None = Field(default=None, max_length=64)
    level: int = Field(ge=1, le=10)
    reasons: list[Annotated[str, Field(min_length=1, max_length=CODE_MAX)]] = Field(
        default_factory=list, max_length=16
    )
    lang: str = Field(default="vi", min_length=1, max_length=8)


class _EnvelopeFields(_Wire):
    # "schema" would shadow a BaseModel method, so the attribute has another name.
    model_config = ConfigDict(
        extra="ignore", validate_by_name=True, validate_by_alias=True, serialize_by_alias=True
    )

    schema_version: int = Field(alias="schema", ge=1)
    counter: str = Field(min_length=1, max_length=COUNTER_MAX)
    device: str = Field(default="", max_length=200)
    app_version: str = Field(default="", max_length=64)
    sent_at: UtcDatetime


class BatchRequest(_EnvelopeFields):
    """``POST /api/v1/ratings:batch``: ``BatchRequest(schema=1, counter=..., ratings=[...])``."""

    ratings: list[RatingIn] = Field(default_factory=list)


class BatchEnvelope(_EnvelopeFields):
    """What the central validates first: the ratings are checked one by one afterwards."""

    ratings: list[Any]


class RejectedRating(_Wire):
    id: str
    error: str


class BatchResponse(_Wire):
    """Every rating of the batch is in exactly one list. accepted or duplicate -> sent."""

    accepted: list[str] = Field(default_factory=list)
    duplicate: list[str] = Field(default_factory=list)
    rejected: list[RejectedRating] = Field(default_factory=list)


class DepartmentOut(_Wire):
    code: str
    name: str


class OfficerOut(_Wire):
    code: str
    full_name: str
    title: str = ""
    department: str
    # scrypt$16384$8$1$<salt b64>$<hash b64>, the format of kiosk.pins.
    pin_hash: str
    photo_url: str | None = None
    active: bool = True


class RosterResponse(_Wire):
    """``GET /api/v1/counters/{counter}/roster`` (ETag; If-None-Match -> 304)."""

    department: DepartmentOut
    officers: list[OfficerOut] = Field(default_factory=list)


class HeartbeatRequest(_Wire):
    """``POST /api/v1/counters/{counter}/heartbeat``: the kiosk's health."""

    pending: int = Field(default=0, ge=0)
    held: int = Field(default=0, ge=0)
    rejected: int = Field(default=0, ge=0)
    app_version: str = Field(default="", max_length=64)
    free_disk_bytes: int | None = Field(default=None, ge=0)
    last_error: str | None = Field(default=None, max_length=2000)
    kiosk_time: UtcDatetime


class HeartbeatResponse(_Wire):
    server_time: UtcDatetime


def error_text(exc: ValidationError, prefix: str = "") -> str:
    """``field: problem; other.field: problem`` from a pydantic error, for a 422 or a rejection."""
    parts = []
    for error in exc.errors():
        field = ".".join(str(part) for part in error["loc"])
        field = f"{prefix}.{field}" if prefix and field else (field or prefix or "body")
        message = error["msg"].removeprefix("Value error, ")
        parts.append(f"{field}: {message}")
    return "; ".join(parts)


def validate_rating(raw: Any) -> RatingIn:
    """Validate one rating of a batch; raises ValueError whose text names the field.

    A :class:`RatingIn` is returned as it is: the central validated it already, with the
    whole batch in one pass (see ``sync.central.api.parse_batch``)."""
    if isinstance(raw, RatingIn):
        return raw
    if not isinstance(raw, dict):
        raise ValueError("rating: must be a JSON object")
    try:
        return RatingIn.model_validate(raw)
    except ValidationError as exc:
        raise ValueError(error_text(exc)) from None


def rating_label(raw: Any, index: int) -> str:
    """The id to answer a rejected rating with: its own when it has one, else ``#index``."""
    if isinstance(raw, dict) and isinstance(raw.get("id"), str) and raw["id"]:
        return raw["id"][:64]
    return f"#{index}"
