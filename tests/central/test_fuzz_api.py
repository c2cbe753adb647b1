"""Schemathesis against the central's own OpenAPI description: bodies, paths, query
strings and headers generated from the protocol's models (and deliberately broken ones),
sent over HTTP to the real central on SQLite and PostgreSQL. Whatever arrives, the
central answers with a status that means something, never a 5xx.

Half the cases carry the right token for their path (and, for a batch, the right counter
in the body), so the fuzzing reaches validation and ingest instead of stopping at 401/403.
"""

from __future__ import annotations

import zlib
from collections import Counter, defaultdict
from datetime import UTC, datetime

import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from sync.central.openapi import OPENAPI_PATH
from sync.protocol import BATCH_PATH, REPORT_PATH

COUNTER = "Q07"
EXAMPLES = 40


def aim(case, tokens: dict[str, str]) -> None:
    """Point half of the cases at what the token may do, so they get past authorization."""
    if zlib.crc32(repr((case.path_parameters, case.query, case.body)).encode()) % 2:
        return
    if case.path_parameters and "counter" in case.path_parameters:
        case.path_parameters["counter"] = COUNTER
    if case.path == BATCH_PATH and isinstance(case.body, dict):
        # The envelope as this counter's kiosk sends it; the ratings stay generated.
        case.body["counter"] = COUNTER
        case.body["sent_at"] = datetime.now(UTC).isoformat()
    token = tokens["admin"] if case.path == REPORT_PATH else tokens["counter"]
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}


def test_no_request_makes_the_central_fail(central):
    tokens = {"counter": central.add_counter(COUNTER, "CA"), "admin": central.add_admin()}
    document = requests.get(central.url + OPENAPI_PATH, timeout=30).json()
    schema = schemathesis.openapi.from_dict(document)
    schema.config.update(base_url=central.url)
    answered: dict[str, Counter[int]] = defaultdict(Counter)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {operation.path for operation in operations} >= {BATCH_PATH, REPORT_PATH}
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
        def no_server_error(case) -> None:
            aim(case, tokens)
            response = case.call(timeout=60)
            answered[case.path][response.status_code] += 1
            case.validate_response(response, checks=[not_a_server_error])

        no_server_error()
    # The fuzzing got past the door: a batch was ingested, report parameters were judged.
    assert answered[BATCH_PATH][200] > 0, answered
    assert sum(n for status, n in answered[REPORT_PATH].items() if status != 401) > 0, answered
