"""Request bodies, read and parsed at a bounded cost.

Every body is read within ``[server] body_timeout_seconds`` (408) and up to a byte limit
(413, checked on the declared length first, then as it arrives). A batch's number of
ratings is bounded before any model sees them (413), so the cost of parsing and
validating a body is bounded by what one well-formed batch costs. The parsers are CPU
work: the routes call them off the event loop (run_in_threadpool), so one client's body
never holds up the other kiosks' requests.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pydantic_core
from fastapi import Request
from pydantic import ValidationError

from sync.central.errors import ApiError
from sync.protocol import MAX_BATCH, BatchEnvelope, BatchRequest, HeartbeatRequest, error_text


async def read_body(request: Request, limit: int, what: str = "body") -> bytes:
    """The request's body, at most ``limit`` bytes (413) within ``[server]
    body_timeout_seconds`` (408); ``what`` names it in the refusal ("body", "form")."""
    declared = request.headers.get("content-length", "")
    # The length test first: int() of thousands of digits is refused (and slow).
    if declared.isdigit() and (len(declared) > 18 or int(declared) > limit):
        raise ApiError(413, f"{what} of {declared[:20]} bytes is over the limit of {limit}")
    body = bytearray()
    # A client trickling its body would hold a connection and a task for ever: 408.
    seconds = request.app.state.settings.server.body_timeout_seconds
    try:
        async with asyncio.timeout(seconds):
            async for chunk in request.stream():
                body += chunk
                if len(body) > limit:
                    raise ApiError(413, f"{what} is over the limit of {limit} bytes")
    except TimeoutError:
        raise ApiError(408, f"{what} not received within {seconds:g} seconds") from None
    return bytes(body)


# Digits beyond this are no integer any column takes: read as float (inf when huge), so
# the model names the field ("finite number", "less than or equal") instead of json.loads
# refusing the whole body for Python's 4300-digit limit.
_INT_DIGITS = 40


def _bounded_int(digits: str) -> int | float:
    return int(digits) if len(digits) <= _INT_DIGITS else float(digits)


def _json(body: bytes) -> Any:
    """The JSON of a body that pydantic's own parser refused; 422 when it is not JSON.

    json.loads, unlike pydantic-core, takes a lone surrogate escape (\\ud800), so the
    rating that holds one is rejected alone, by its model, with the field named."""
    try:
        return json.loads(body, parse_int=_bounded_int)
    except RecursionError:
        raise ApiError(422, "body: JSON nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError
        raise ApiError(422, f"body: not valid JSON ({exc})") from None


def parse_batch(body: bytes, max_batch: int = MAX_BATCH) -> BatchRequest | BatchEnvelope:
    """The batch of ``body``; raises a 422 ApiError naming the field when the envelope is
    bad, a 413 when it holds more than ``max_batch`` ratings. CPU work: call it off the loop.

    Nearly every batch is entirely valid, so it is parsed and validated in one pass inside
    pydantic-core (no json.loads, no Python dicts, no per-rating call): that is most of the
    saving per batch. Only when that fails is the body parsed again the careful way, the
    envelope alone first (422 naming the field), then each rating alone in ingest_batch, so
    one bad rating is rejected with its field named while the rest of its batch goes in.
    The number of ratings is bounded before either: validating 650,000 empty ratings one
    by one took seven seconds of CPU, counting them takes milliseconds.
    """
    _refuse_too_many(_rating_count(body, max_batch), max_batch)
    try:
        return BatchRequest.model_validate_json(body)
    except ValidationError:
        pass
    try:
        envelope = BatchEnvelope.model_validate(_json(body))
    except ValidationError as exc:
        raise ApiError(422, error_text(exc)) from None
    _refuse_too_many(len(envelope.ratings), max_batch)
    return envelope


# Commas a batch of one rating can never reach however its fields are filled (ten fields,
# sixteen reasons, a ticket of 64 commas, the envelope's free text): a body with more than
# this many per allowed rating cannot be a batch the central takes. Refused at C speed,
# before any parse; a kiosk that meets it splits its batch, and one rating always passes.
COMMAS_PER_RATING = 200


def _rating_count(body: bytes, max_batch: int) -> int:
    """How many items the body's ``ratings`` hold, when it may hold more than ``max_batch``
    (else 0). Every item but the last is followed by a comma, so a body with fewer commas
    holds no more; one with far more holds too many for certain (COMMAS_PER_RATING); only
    the others are parsed (jiter: no models, a few milliseconds at most)."""
    commas = body.count(b",")
    if commas < max_batch:
        return 0
    if commas > max_batch * COMMAS_PER_RATING:
        return commas + 1  # at most that many items; certainly more than max_batch
    try:
        raw = pydantic_core.from_json(body)
    except ValueError:
        return 0  # not JSON: the careful parse says where
    ratings = raw.get("ratings") if isinstance(raw, dict) else None
    return len(ratings) if isinstance(ratings, list) else 0


def _refuse_too_many(count: int, max_batch: int) -> None:
    if count > max_batch * COMMAS_PER_RATING:
        raise ApiError(
            413, f"ratings: far more than {max_batch} in one batch; send smaller batches"
        )
    if count > max_batch:
        raise ApiError(
            413, f"ratings: {count} in one batch, at most {max_batch}; send smaller batches"
        )


def parse_heartbeat(body: bytes) -> HeartbeatRequest:
    try:
        return HeartbeatRequest.model_validate(_json(body))
    except ValidationError as exc:
        raise ApiError(422, error_text(exc)) from None
