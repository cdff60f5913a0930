"""The seen_slack_events table: Slack event ids already handled, so a retry of one is answered only once."""

from __future__ import annotations

from datetime import timedelta

from learning.store.engine import Store, TableSteps
from learning.timestamps import iso, utcnow

# The schema of the tables this module owns, by the schema version that brought each step (append-only; the store
# joins every owner's step N into migration N).
TABLES: TableSteps = {
    1: """
        CREATE TABLE seen_slack_events (event_id TEXT PRIMARY KEY, seen_at TEXT NOT NULL);
""",
}


class SeenEventRepository:
    def __init__(self, store: Store, keep: timedelta = timedelta(days=2)):
        self.store = store
        self.keep = keep

    def first_sighting(self, event_id: str) -> bool:
        """True the first time an event id is seen (Slack's retries reuse it); ids older than `keep` are forgotten."""
        now = utcnow()
        inserted = self.store.sql.execute(
            "INSERT INTO seen_slack_events (event_id, seen_at) VALUES (:id, :now) ON CONFLICT (event_id) DO NOTHING",
            {"id": event_id, "now": iso(now)},
        )
        if inserted and hash(event_id) % 100 == 0:
            self.store.sql.execute(
                "DELETE FROM seen_slack_events WHERE seen_at < :before", {"before": iso(now - self.keep)}
            )
        return bool(inserted)
