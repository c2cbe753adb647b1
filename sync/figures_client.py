"""Fetch the center's figures of the officer now logged in at this kiosk, for the officer
menu (kiosk.officer_figures shows them as they came: the center steps them, the same for
every kiosk).

Run by the syncer after each heartbeat; what came back is kept in the state table
(``center_figures``, JSON, with the time it was asked), so the menu never waits on the
network and shows the last answer while the center is out of reach.
"""

from __future__ import annotations

import json

from kiosk import staff
from kiosk.models import utcnow
from sync import outbox, protocol
from sync.answers import parse_model, problem_of
from sync.client import SyncClient

STATE_KEY = "center_figures"


def fetch_officer_figures(client: SyncClient) -> bool:
    """Ask for the logged-in officer's figures; False when nobody is logged in."""
    with client.store.read() as session:
        current = staff.open_session(session)
        officer = current.officer_code if current else None
    if officer is None:
        return False
    asked_at = utcnow()
    response = client.get(protocol.officer_figures_path(client.config.counter.id, officer))
    if response.status_code != 200:
        raise problem_of(response, "officer figures")
    answer = parse_model(response, protocol.OfficerFigures, "officer figures")
    record = {"asked_at": asked_at.isoformat(), **answer.model_dump(mode="json")}
    outbox.remember(client.store, **{STATE_KEY: json.dumps(record)})
    return True
