"""The nudges table: every planned, sent, skipped or held-out nudge.

Its one owner: the planner and the sender read and write nudges only through here.

A row moves planned -> sending (claimed by one clock process) -> sent | failed | skipped, or back to planned for a
retry, or planned -> skipped when its learner's workspace uninstalls Upnext; held_out rows are recorded and never
sent. Every status change is one conditional UPDATE, so two processes never both move a row: PostgreSQL, under READ
COMMITTED, re-reads a row another transaction changed before updating it, so the second of two claims at once finds
it no longer planned. A claim records who holds it, and only that holder's outcome moves it on: a late outcome from
a clock that lost its claim to reconciliation changes nothing.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from learning.store.engine import Store, TableSteps
from learning.timestamps import iso

IDS_PER_STATEMENT = 1_000  # learner ids in one `IN (...)`: a whole org's would pass the engines' placeholder limits

# The schema of the tables this module owns, by the schema version that brought each step (append-only; the store
# joins every owner's step N into migration N).
TABLES: TableSteps = {
    1: """
        CREATE TABLE nudges (
            id INTEGER PRIMARY KEY,
            learner_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            period TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'planned',
            due_at TEXT NOT NULL,
            payload TEXT,
            attempts INTEGER NOT NULL DEFAULT 0,
            error TEXT,
            planned_at TEXT NOT NULL,
            sent_at TEXT,
            UNIQUE (learner_id, kind, period)
        );
        CREATE INDEX nudges_status ON nudges(status, due_at);
""",
    4: """
        ALTER TABLE nudges ADD COLUMN claimed_by TEXT;         -- the clock process sending it (status 'sending')
        ALTER TABLE nudges ADD COLUMN claimed_at TEXT;
        ALTER TABLE nudges ADD COLUMN channel TEXT;
        ALTER TABLE nudges ADD COLUMN ts TEXT;                 -- the Slack message, once sent
        CREATE INDEX nudges_learner ON nudges(learner_id, status, sent_at);
""",
}


@dataclass
class NudgeRow:
    kind: str
    period: str
    status: str
    due_at: str
    sent_at: str | None


@dataclass(frozen=True)
class ClaimedNudge:
    id: int
    learner_id: str
    kind: str
    payload: dict[str, Any]
    attempts: int


@dataclass(frozen=True)
class StaleClaim:
    id: int
    learner_id: str
    channel: str | None
    claimed_at: str
    claimed_by: str


class NudgeRepository:
    def __init__(self, store: Store):
        self.store = store

    # -- planning ----------------------------------------------------------------------------------------------------
    def by_learner(self) -> dict[str, list[NudgeRow]]:
        """Every learner's nudges, oldest due first: what the planner needs to respect caps and periods."""
        rows = self.store.sql.rows(
            "SELECT learner_id, kind, period, status, due_at, sent_at FROM nudges ORDER BY due_at"
        )
        found: dict[str, list[NudgeRow]] = defaultdict(list)
        for learner_id, *rest in rows:
            found[learner_id].append(NudgeRow(*rest))
        return found

    def plan(self, rows: Iterable[tuple[str, str, str, str, datetime, dict[str, Any]]], now: datetime) -> int:
        """Insert (learner, kind, period, status, due, payload) rows; one planned before, by anyone, is left alone.
        Returns how many were new."""
        with self.store.transaction() as sql:
            return sql.execute_many(
                "INSERT INTO nudges (learner_id, kind, period, status, due_at, payload, planned_at) "
                "VALUES (:learner, :kind, :period, :status, :due, :payload, :now) "
                "ON CONFLICT (learner_id, kind, period) DO NOTHING",
                [{"learner": learner, "kind": kind, "period": period, "status": status, "due": iso(due),
                  "payload": json.dumps(payload), "now": iso(now)}
                 for learner, kind, period, status, due, payload in rows],
            )  # fmt: skip

    # -- sending -----------------------------------------------------------------------------------------------------
    def due(self, now: datetime, limit: int | None = None) -> list[int]:
        rows = self.store.sql.rows(
            "SELECT id FROM nudges WHERE status = 'planned' AND due_at <= :now ORDER BY due_at"
            + (" LIMIT :limit" if limit else ""),
            {"now": iso(now), "limit": limit},
        )
        return [row[0] for row in rows]

    def claim(self, nudge_id: int, worker: str, now: datetime) -> ClaimedNudge | None:
        """Take a planned nudge for sending (planned -> sending); None if another process took it first."""
        claimed = self.store.sql.row(
            "UPDATE nudges SET status = 'sending', claimed_by = :worker, claimed_at = :now, attempts = attempts + 1 "
            "WHERE id = :id AND status = 'planned' RETURNING learner_id, kind, payload, attempts",
            {"worker": worker, "now": iso(now), "id": nudge_id},
        )
        if claimed is None:
            return None
        learner_id, kind, payload, attempts = claimed
        return ClaimedNudge(nudge_id, learner_id, kind, json.loads(payload or "{}"), attempts)

    def finish(self, nudge_id: int, status: str, holder: str, **values: Any) -> None:
        """A claimed nudge's outcome (sent, failed, skipped) with the columns that go with it; nothing unless
        `holder` still holds the claim."""
        assignments = "".join(f", {k} = :{k}" for k in values)
        self.store.sql.execute(
            f"UPDATE nudges SET status = :status{assignments} "
            "WHERE id = :id AND status = 'sending' AND coalesce(claimed_by, '') = :holder",
            {"status": status, "id": nudge_id, "holder": holder, **values},
        )

    def release(self, nudge_id: int, holder: str, due: datetime | None = None, error: str | None = None) -> None:
        """Back to planned (for a retry at `due`, or for reconciliation that found nothing sent); nothing unless
        `holder` still holds the claim."""
        self.store.sql.execute(
            "UPDATE nudges SET status = 'planned', due_at = coalesce(:due, due_at), error = coalesce(:error, error), "
            "claimed_by = NULL WHERE id = :id AND status = 'sending' AND coalesce(claimed_by, '') = :holder",
            {"due": iso(due) if due else None, "error": error, "id": nudge_id, "holder": holder},
        )

    def ever_sent_to(self, learner_id: str) -> bool:
        found = self.store.sql.row(
            "SELECT 1 FROM nudges WHERE learner_id = :learner AND status = 'sent' LIMIT 1", {"learner": learner_id}
        )
        return found is not None

    def stale_claims(self, holder: str, claimed_before: datetime, others_before: datetime) -> list[StaleClaim]:
        """Claims a process took and never finished (it died, lost the clock, or could not tell whether Slack got
        the message): `holder`'s own from before `claimed_before`, anyone else's from `others_before` or before."""
        rows = self.store.sql.rows(
            "SELECT id, learner_id, channel, claimed_at, coalesce(claimed_by, '') FROM nudges WHERE status = 'sending' "
            "AND (claimed_at < :before OR (coalesce(claimed_by, '') <> :holder AND claimed_at <= :others_before))",
            {"holder": holder, "before": iso(claimed_before), "others_before": iso(others_before)},
        )
        return [StaleClaim(*row) for row in rows]

    def newest_claim_by_others(self, holder: str) -> datetime | None:
        """When the newest claim still held by someone other than `holder` was taken, if any."""
        found = self.store.sql.value(
            "SELECT max(claimed_at) FROM nudges WHERE status = 'sending' AND coalesce(claimed_by, '') <> :holder",
            {"holder": holder},
        )
        return datetime.fromisoformat(found) if found else None

    def about(self, learner_id: str) -> list[dict[str, Any]]:
        """Every nudge about this learner, as whole rows without their ids (a column added later is included)."""
        return self.store.rows_about("nudges", learner_id)

    def skip_planned(self, learner_ids: Sequence[str], why: str) -> int:
        """Skip every planned (not yet claimed) nudge of these learners, `why` recorded as its error; how many."""
        return sum(
            self.store.sql.execute(
                "UPDATE nudges SET status = 'skipped', error = :why WHERE status = 'planned' AND learner_id IN (:ids)",
                {"why": why, "ids": tuple(learner_ids[start : start + IDS_PER_STATEMENT])},
            )
            for start in range(0, len(learner_ids), IDS_PER_STATEMENT)
        )

    def erase(self, learner_ids: Sequence[str]) -> int:
        """Delete every nudge of these learner ids (forget me); how many went."""
        return self.store.sql.execute("DELETE FROM nudges WHERE learner_id IN (:ids)", {"ids": tuple(learner_ids)})

    def status_counts(self) -> dict[str, int]:
        """Nudges by status, all kinds together (cheap enough for every metrics scrape)."""
        return dict(self.store.sql.rows("SELECT status, count(*) FROM nudges GROUP BY status"))
