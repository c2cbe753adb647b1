"""The OpenAPI description of protocol v1, served at ``/api/v1/openapi.json``.

The API routes read their bodies themselves (size limit before parsing, one bad rating
rejected alone), so FastAPI cannot infer the bodies from their signatures. This module
adds them from the protocol's own pydantic models, with the report's query parameters and
the bearer-token scheme, so an integrator and a fuzzer (schemathesis, in the tests) see
every field the central accepts; the published report's file too.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel

from sync.central.api_published import MEDIA
from sync.central.reasons import REASON_GROUPS
from sync.protocol import (
    BATCH_PATH,
    PUBLISHED_PATH,
    REPORT_GROUPINGS,
    REPORT_PATH,
    BatchRequest,
    BatchResponse,
    HeartbeatRequest,
    HeartbeatResponse,
    RosterResponse,
    heartbeat_path,
    roster_path,
)

OPENAPI_PATH = "/api/v1/openapi.json"
_REF = "#/components/schemas/{model}"


def _schema_of(model: type[BaseModel], components: dict[str, Any]) -> dict[str, Any]:
    """A $ref to ``model``, its schema (and those it uses) added to ``components``."""
    schema = model.model_json_schema(ref_template=_REF, by_alias=True)
    components.update(schema.pop("$defs", {}))
    components[model.__name__] = schema
    return {"$ref": _REF.format(model=model.__name__)}


def _json_body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _answer(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }


def describe(app: FastAPI) -> dict[str, Any]:
    document = get_openapi(
        title=app.title,
        version="1",
        description="Protocol v1 between counter kiosks and the central (docs/protocol.md).",
        routes=app.routes,
    )
    # The dashboard's pages are for browsers, not part of the protocol.
    document["paths"] = {
        path: item for path, item in document["paths"].items() if path.startswith("/api/")
    }
    components: dict[str, Any] = document.setdefault("components", {}).setdefault("schemas", {})
    document["components"]["securitySchemes"] = {
        "counterToken": {"type": "http", "scheme": "bearer", "description": "a counter's token"},
        "adminToken": {"type": "http", "scheme": "bearer", "description": "an admin API token"},
    }
    paths = document["paths"]
    batch = paths[BATCH_PATH]["post"]
    batch["requestBody"] = _json_body(_schema_of(BatchRequest, components))
    batch["responses"]["200"] = _answer(
        _schema_of(BatchResponse, components), "every rating's fate"
    )
    batch["security"] = [{"counterToken": []}]

    roster = paths[roster_path("{counter}")]["get"]
    roster["responses"]["200"] = _answer(_schema_of(RosterResponse, components), "the roster")
    roster["security"] = [{"counterToken": []}]

    heartbeat = paths[heartbeat_path("{counter}")]["post"]
    heartbeat["requestBody"] = _json_body(_schema_of(HeartbeatRequest, components))
    heartbeat["responses"]["200"] = _answer(
        _schema_of(HeartbeatResponse, components), "the central's clock"
    )
    heartbeat["security"] = [{"counterToken": []}]

    report = paths[REPORT_PATH]["get"]
    day = {"type": "string", "format": "date"}
    report["parameters"] = [
        _query("by", "grouping", {"type": "string", "enum": [*REPORT_GROUPINGS, "reason"]}),
        _query(
            "for",
            "with by=reason: per department or per officer (both when absent)",
            {"type": "string", "enum": list(REASON_GROUPS)},
        ),
        _query(
            "channel",
            "kiosk: the counter's turns (the default, by=channel aside); phone: the later "
            "ratings of the result by link",
            {"type": "string", "enum": ["kiosk", "phone"]},
        ),
        _query("from", "first local day, YYYY-MM-DD", day),
        _query("to", "last local day, YYYY-MM-DD", day),
        _query("format", "json or csv", {"type": "string", "enum": ["json", "csv"]}),
        _query("lang", "vi or en", {"type": "string", "enum": ["vi", "en"]}),
    ]
    report["security"] = [{"adminToken": []}]

    published = paths[PUBLISHED_PATH]["get"]
    published["parameters"] = [
        _query("period", "a month 2026-10, a quarter 2026-Q3 or a year 2026", {"type": "string"}),
        _query("from", "first local day, YYYY-MM-DD (instead of period)", day),
        _query("to", "last local day, YYYY-MM-DD (instead of period)", day),
        _query("format", "xlsx or pdf", {"type": "string", "enum": ["xlsx", "pdf"]}),
        _query("lang", "the document's words: vi or en", {"type": "string", "enum": ["vi", "en"]}),
    ]
    published["responses"]["200"] = {
        "description": "the published report as a file",
        "content": {
            media: {"schema": {"type": "string", "format": "binary"}} for media in MEDIA.values()
        },
    }
    published["security"] = [{"adminToken": []}]
    return document


def install(app: FastAPI) -> None:
    """Serve the description at OPENAPI_PATH (no interactive docs: nothing to click)."""
    document = describe(app)

    @app.get(OPENAPI_PATH, include_in_schema=False)
    def _openapi() -> dict[str, Any]:
        return document
