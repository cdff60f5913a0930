"""App-wide middleware: Slack retries an event it thinks we missed (same event_id); answer it only once."""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt import BoltResponse

from learning.store import Store

log = logging.getLogger(__name__)


def skip_repeated_events(store: Store) -> Callable[..., BoltResponse | None]:
    def middleware(body: dict, next: Callable[[], None]) -> BoltResponse | None:
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id and not store.first_sighting(str(event_id)):
            log.info("skipped a repeated delivery of event %s", event_id)
            return BoltResponse(status=200, body="")
        next()
        return None

    return middleware
