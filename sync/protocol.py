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

What may be sent is bounded here, so that whatever passes these models can be stored as
it is, on SQLite and on PostgreSQL: codes are canonical (:func:`canonical_code`) and
printable without spaces; text holds no NUL (PostgreSQL refuses it) and no lone surrogate
(UTF-8 cannot encode it); integers fit their database columns; times lie in a window
around now (:func:`check_wire_time`), so a kiosk's dead clock never becomes a stored date.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
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
# Batches one counter's kiosk has with the central at once (sync.client sends the next
# while the central stores one); the central refuses more per counter (429).
MAX_BATCHES_IN_FLIGHT = 2
API_PREFIX = "/api/v1"
BATCH_PATH = f"{API_PREFIX}/ratings:batch"
REPORT_PATH = f"{API_PREFIX}/reports/satisfaction"
# The published report of a period as a file (XLSX or PDF): sync/central/api_published.py.
PUBLISHED_PATH = f"{API_PREFIX}/reports/published"
REPORT_GROUPINGS = ("department", "officer", "counter", "day", "month", "channel")

# Every answer of the central's API carries this header with the schema version: how a
# kiosk tells the central's own errors from a proxy's or a portal's (sync.answers).
PROTOCOL_HEADER = "Kiosk-Protocol"

CODE_MAX = 32
COUNTER_MAX = 16
# What the central accepts as a new counter id (canonical: capitals), and a
# provisioning code may carry.
COUNTER_ID = re.compile(r"^[A-Za-z0-9_-]{1,16}$")
_SURROGATE = re.compile("[\ud800-\udfff]")

# The ranges of the columns that store wire integers (INTEGER, BIGINT on PostgreSQL).
INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1

# No rating, batch or report is older than the product; a later time than a year ahead
# is a kiosk clock gone wrong, not a tap.
EARLIEST_DAY = date(2000, 1, 1)
EARLIEST_TIME = datetime(2000, 1, 1, tzinfo=UTC)
FUTURE_LEEWAY = timedelta(days=366)
# A kiosk whose clock battery died starts in 1970: its heartbeat must still get through,
# so that the center sees and reports the skew instead of a silent kiosk.
EARLIEST_KIOSK_CLOCK = datetime(1970, 1, 1, tzinfo=UTC)


def canonical_code(value: str) -> str:
    """The one spelling of an officer, counter or department code, on the wire and in
    every database: codes are case-insensitive, so ``cb101``, `` CB101`` and ``CB101`` are
    one officer. NFC first, so a name typed on another keyboard is the same code too."""
    return unicodedata.normalize("NFC", value).strip().upper()


def code_problem(code: str) -> str | None:
    """Why ``code`` (canonical already) cannot be a code, or None: printable, no spaces."""
    if not code.isprintable() or " " in code:
        return "must be printable characters without spaces or control characters"
    return None


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored as text, or None: PostgreSQL refuses NUL, and a lone
    surrogate has no UTF-8 form, so either would fail at the database, not here."""
    if "\x00" in value:
        return "must not contain NUL characters"
    if _SURROGATE.search(value):
        return "must not contain lone surrogates"
    return None


def clean_text(value: str) -> str:
    """``value`` without what :func:`text_problem` refuses: for the kiosk's own free text
    (its host name, an error message quoting a server), which must never make its own
    request invalid."""
    return _SURROGATE.sub("\ufffd", value.replace("\x00", ""))


def roster_path(counter: str) -> str:
    return f"{API_PREFIX}/counters/{counter}/roster"


def heartbeat_path(counter: str) -> str:
    return f"{API_PREFIX}/counters/{counter}/heartbeat"


def officer_figures_path(counter: str, officer: str) -> str:
    return f"{API_PREFIX}/counters/{counter}/officers/{officer}/figures"


def _to_utc(value: Any, handler: Any, info: ValidationInfo) -> datetime:
    parsed: datetime = handler(value)
    if parsed.tzinfo is None:
        # Text without a zone is ambiguous; a naive datetime object is one of ours (UTC).
        if info.mode == "json" or not isinstance(value, datetime):
            raise ValueError("must carry a time zone; send UTC ending in Z")
        return parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+01:00 has no UTC form
        raise ValueError("is out of range") from None


def _format_utc(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


# An aware UTC datetime, written as 2025-03-01T02:03:04.123456Z.
UtcDatetime = Annotated[
    datetime, WrapValidator(_to_utc), PlainSerializer(_format_utc, return_type=str)
]


def check_wire_time(
    value: datetime,
    earliest: datetime = EARLIEST_TIME,
    now: datetime | None = None,
    future: bool = True,
) -> datetime:
    """``value`` when it lies between ``earliest`` and a year from ``now`` (when ``future``
    is checked); else ValueError."""
    if value < earliest:
        raise ValueError(f"must not be before {earliest:%Y-%m-%d}")
    if future and value > (now or datetime.now(UTC)) + FUTURE_LEEWAY:
        raise ValueError("must not be more than a year ahead of the central's clock")
    return value


# "Ahead" is judged by the clock of whoever receives a time from the wire: the central's.
# A datetime object is the kiosk's own (from its store, for a model it is about to send):
# its clock may be the wrong one, and must not make it refuse ratings it made before.


def _wire_time(value: Any, handler: Any, info: ValidationInfo) -> datetime:
    future = not isinstance(value, datetime)
    return check_wire_time(_to_utc(value, handler, info), future=future)


def _kiosk_clock(value: Any, handler: Any, info: ValidationInfo) -> datetime:
    future = not isinstance(value, datetime)
    return check_wire_time(_to_utc(value, handler, info), EARLIEST_KIOSK_CLOCK, future=future)


_UTC_TEXT = PlainSerializer(_format_utc, return_type=str)
# A time the kiosk claims for something it did (a tap, a send): within the window.
WireTime = Annotated[datetime, WrapValidator(_wire_time), _UTC_TEXT]
# The kiosk's clock as it reads it: reported even when far wrong, only never absurd.
KioskClock = Annotated[datetime, WrapValidator(_kiosk_clock), _UTC_TEXT]


def _checked(problem: Callable[[str], str | None]) -> AfterValidator:
    def check(value: str) -> str:
        reason = problem(value)
        if reason:
            raise ValueError(reason)
        return value

    return AfterValidator(check)


# Already canonical and plainly printable: most codes on the wire, let through at once.
_PLAIN_CODE = re.compile(r"[A-Z0-9_.\-]+")


def _canonical_code_of(max_length: int) -> AfterValidator:
    def canonical(value: str) -> str:
        if _PLAIN_CODE.fullmatch(value):
            return value
        code = canonical_code(value)
        # Checked again after canonical_code: stripping can empty it, upper() can lengthen.
        if not 1 <= len(code) <= max_length:
            raise ValueError(f"must be 1 to {max_length} characters without surrounding spaces")
        reason = code_problem(code)
        if reason:
            raise ValueError(reason)
        return code

    return AfterValidator(canonical)


# An officer, department or counter code, in its canonical spelling.
Code = Annotated[str, Field(min_length=1, max_length=CODE_MAX), _canonical_code_of(CODE_MAX)]
CounterCode = Annotated[
    str, Field(min_length=1, max_length=COUNTER_MAX), _canonical_code_of(COUNTER_MAX)
]
# A short identifier the kiosk chose (reason code, language, session id): kept as sent.
# (Lengths go before these checks, in each field, so that too long is said as such.)
TOKEN = _checked(code_problem)
# Words for people to read (ticket, device, versions, errors): anything storable.
STORABLE = _checked(text_problem)


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
    seq: int = Field(ge=1, le=INT64_MAX)
    created_at: WireTime
    officer: Code
    # What the kiosk believes; the central files the rating under the officer's department.
    department: Code
    session: Annotated[str, Field(max_length=64), TOKEN] | None = None
    ticket: Annotated[str, Field(max_length=64), STORABLE] | None = None
    level: int = Field(ge=1, le=10)
    reasons: list[Annotated[str, Field(min_length=1, max_length=CODE_MAX), TOKEN]] = Field(
        default_factory=list, max_length=16
    )
    lang: Annotated[str, Field(min_length=1, max_length=8), TOKEN] = "vi"


class _EnvelopeFields(_Wire):
    # "schema" would shadow a BaseModel method, so the attribute has another name.
    model_config = ConfigDict(
        extra="ignore", validate_by_name=True, validate_by_alias=True, serialize_by_alias=True
    )

    schema_version: int = Field(alias="schema", ge=1, le=INT32_MAX)
    counter: CounterCode
    device: Annotated[str, Field(max_length=200), STORABLE] = ""
    app_version: Annotated[str, Field(max_length=64), STORABLE] = ""
    sent_at: WireTime


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

    pending: int = Field(default=0, ge=0, le=INT32_MAX)
    held: int = Field(default=0, ge=0, le=INT32_MAX)
    rejected: int = Field(default=0, ge=0, le=INT32_MAX)
    app_version: Annotated[str, Field(max_length=64), STORABLE] = ""
    free_disk_bytes: int | None = Field(default=None, ge=0, le=INT64_MAX)
    last_error: Annotated[str, Field(max_length=2000), STORABLE] | None = None
    kiosk_time: KioskClock


class HeartbeatResponse(_Wire):
    server_time: UtcDatetime


class Tally(_Wire):
    total: int = Field(ge=0)
    satisfied: int = Field(ge=0)


class OfficerFigures(_Wire):
    """``GET /api/v1/counters/{counter}/officers/{officer}/figures``: what the center
    counted for one officer of the counter's department, at every counter, on the center's
    local ``day`` and in its ``month`` (YYYY-MM). Counts only, never a rating, stepped by
    the center (sync.officer_steps): ``null`` below ``min_count``, else a multiple of
    ``step``. An answer without ``step`` is an older central's exact counts: not shown."""

    officer: str
    day: date
    month: str
    today: Tally | None
    this_month: Tally | None
    satisfied_levels: list[int]
    server_time: UtcDatetime
    min_count: int | None = None
    step: int | None = None


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
    """The id to answer a rejected rating with: its own when it has one that can be sent
    back as it is (printable, so no NUL or lone surrogate), else ``#index``."""
    if isinstance(raw, dict) and isinstance(raw.get("id"), str):
        label = raw["id"][:64]
        if label and label.isprintable():
            return label
    return f"#{index}"
