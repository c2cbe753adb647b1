"""What an HTTP answer to the kiosk means: the central's own word, or something else.

Only the central itself may reject a rating, and only in a well-formed protocol answer.
Between the kiosk and the central there may be a reverse proxy, a captive portal or a
wrong URL, whose ordinary answers (a redirect to HTTPS, an nginx 404/405/413 page, a
portal's 200 with HTML) say nothing about any rating. So every answer is read here first:

* a ``200`` is a protocol answer only when it parses and accounts for every rating sent,
  each exactly once, and for nothing else;
* an error status is the central's only when it carries the protocol's marker header
  (``sync.protocol.PROTOCOL_HEADER``), which the central puts on every API answer;
* everything else is "the center is not reachable as configured": the ratings stay
  pending and the message tells the technician what answered and what to do.

Exceptions, by what happened (the status dot is chosen by their type, never by text):
:class:`CentralUnavailable` (not reached, or asked to wait: retry), :class:`CentralMisanswered`
(something that is not the central answered: fix the URL or the proxy), and
:class:`CentralRefused` (the central refused this kiosk's token).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import TypeVar

import requests
from pydantic import BaseModel, ValidationError

from sync import protocol
from sync.backoff import parse_retry_after

# Statuses that mean "not now": the central or a proxy is overloaded, restarting or down.
RETRY_LATER = {408, 429, 502, 503, 504}

Model = TypeVar("Model", bound=BaseModel)


class SyncProblem(Exception):
    """A sync cycle that could not be completed; every rating involved stays pending."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class CentralUnavailable(SyncProblem):
    """The central was not reached, or asked us to wait: try again later."""


class CentralMisanswered(SyncProblem):
    """Something that is not the central's protocol answered (a redirect, a proxy's or a
    captive portal's page, another service at that URL): the URL or the proxy needs fixing."""


class CentralRefused(SyncProblem):
    """The central itself refused this kiosk (unknown or revoked token, another counter's)."""


def is_central(response: requests.Response) -> bool:
    """True when the central itself wrote this answer (a proxy's own pages lack the mark)."""
    return response.headers.get(protocol.PROTOCOL_HEADER) == str(protocol.SCHEMA_VERSION)


def protocol_error(response: requests.Response) -> str | None:
    """The ``detail`` of the central's own error answer (marked, ``{"detail": "..."}``)."""
    if not is_central(response):
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    if isinstance(body, dict) and isinstance(body.get("detail"), str) and body["detail"]:
        return body["detail"][:500]
    return None


def central_detail(response: requests.Response) -> str:
    """The ``detail`` of a protocol error answer, else a short description of the body."""
    return protocol_error(response) or describe_body(response)


def describe_body(response: requests.Response) -> str:
    kind = response.headers.get("Content-Type", "no content type").split(";")[0].strip()
    if not response.content:
        return "an empty body"
    if "html" in kind or response.content.lstrip()[:1] == b"<":
        return f"an HTML page ({kind})"
    return f"a {kind} body of {len(response.content)} bytes"


def _where(response: requests.Response) -> str:
    return f"{response.request.method} {response.url}" if response.request else response.url


def redirect_problem(response: requests.Response) -> CentralMisanswered:
    target = response.headers.get("Location", "")
    base = target.split(protocol.API_PREFIX)[0].rstrip("/") if target else ""
    hint = f": provision with that URL (kioskctl provision --central {base})" if base else ""
    return CentralMisanswered(
        f"the central URL answers {response.status_code} with a redirect to "
        f"{target or '(no Location)'}{hint}"
    )


def not_the_protocol(response: requests.Response, what: str) -> CentralMisanswered:
    return CentralMisanswered(
        f"{_where(response)} answered {response.status_code} with {describe_body(response)}, "
        f"not the central's {what}: check [central] url, and any proxy in front of the central"
    )


def problem_of(response: requests.Response, what: str) -> SyncProblem:
    """The exception for an answer that is not a success, for any request of the protocol."""
    status = response.status_code
    if 300 <= status < 400:
        return redirect_problem(response)
    if status in RETRY_LATER:
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        return CentralUnavailable(f"central answered {status}, try later", retry_after)
    if status >= 500:  # a server error, the central's or a proxy's: it may pass
        source = "central" if is_central(response) else "the server at [central] url"
        return CentralUnavailable(f"{source} failed ({status}): {central_detail(response)}")
    if not is_central(response):
        return not_the_protocol(response, what)
    if status in (401, 403):
        return CentralRefused(
            f"central refused this counter's token ({status}): {central_detail(response)}"
        )
    return CentralMisanswered(
        f"central answered {status} to {_where(response)}: {central_detail(response)}"
    )


def parse_model(response: requests.Response, model: type[Model], what: str) -> Model:
    """The protocol model of a 200 answer; CentralMisanswered when the body is not one."""
    try:
        return model.model_validate_json(response.content)
    except ValidationError:
        raise not_the_protocol(response, what) from None


@dataclass(frozen=True)
class BatchOutcome:
    """How one POST of a batch ended, when it ended with the central's own word."""

    answer: protocol.BatchResponse | None = None  # 200: what became of each rating
    refused_batch: str | None = None  # the central refused this batch as a whole (413/422)
    failed: str | None = None  # the central failed on this batch (5xx it wrote itself)
    too_large_for_proxy: str | None = None  # a proxy's 413: smaller batches may pass


def read_batch_answer(response: requests.Response, sent_ids: Collection[str]) -> BatchOutcome:
    """Read the answer to a batch POST; raises SyncProblem unless the central itself spoke
    (or a proxy refused the size, which smaller batches can get past)."""
    status = response.status_code
    if status == 200:
        answer = parse_model(response, protocol.BatchResponse, "answer to a batch")
        if not accounts_for(answer, sent_ids):
            raise CentralMisanswered(
                f"{_where(response)} answered 200 with a batch answer that does not list "
                "each rating sent exactly once: not the central's protocol (check [central] url)"
            )
        return BatchOutcome(answer=answer)
    refusal = protocol_error(response) if status in (413, 422) else None
    if refusal is not None:
        if status == 422 and not about_ratings(refusal):
            # The envelope is wrong (the kiosk's clock, its counter id): no rating is at
            # fault, and every batch of this kiosk would be refused the same way.
            raise CentralRefused(
                f"central refuses this kiosk's batches: {refusal} "
                "(check the kiosk's clock and its [counter] id)"
            )
        return BatchOutcome(refused_batch=f"central: {refusal}")
    if status == 413:
        return BatchOutcome(
            too_large_for_proxy=f"{_where(response)} refuses the request size (413, "
            f"{describe_body(response)}): raise the proxy's body limit "
            "(nginx: client_max_body_size) or lower [central] batch_size"
        )
    if status >= 500 and status not in RETRY_LATER and is_central(response):
        return BatchOutcome(failed=f"central failed ({status}): {central_detail(response)}")
    raise problem_of(response, "answer to a batch")


def about_ratings(detail: str) -> bool:
    """A 422 ``detail`` names its fields first (``ratings.3.officer: ...``)."""
    return detail.startswith("ratings")


def accounts_for(answer: protocol.BatchResponse, sent_ids: Collection[str]) -> bool:
    """Every rating sent is in exactly one of the answer's lists, and nothing else is."""
    listed = [*answer.accepted, *answer.duplicate, *(item.id for item in answer.rejected)]
    return len(listed) == len(sent_ids) and set(listed) == set(sent_ids)
