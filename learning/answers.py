"""What each answer showed, so that a click on one of its cards can redraw the whole answer in place (Slack does
not send back the content of ephemeral messages) and be attributed to the nudge that carried it."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from learning.json_input import loads as parse_json
from learning.recommender import Reason
from learning.store import Store, iso, utcnow


@dataclass(frozen=True)
class ShownPick:
    course_id: str
    reason: Reason


@dataclass(frozen=True)
class Answer:
    id: int
    learner_id: str
    kind: str  # next | search | saved | nudge | …: how to title it when redrawn
    picks: list[ShownPick]
    context: dict[str, Any] = field(default_factory=dict)  # e.g. the query, for the header
    nudge_id: int | None = None


class AnswerLog:
    def __init__(self, store: Store):
        self.store = store

    def save(
        self,
        learner_id: str,
        kind: str,
        picks: list[ShownPick],
        context: dict[str, Any] | None = None,
        nudge_id: int | None = None,
    ) -> int:
        payload = {"picks": [{"course_id": p.course_id, "reason": asdict(p.reason)} for p in picks],
                   "context": context or {}}  # fmt: skip
        cursor = self.store.db.execute(
            "INSERT INTO answers (learner_id, kind, payload, nudge_id, created_at) VALUES (?, ?, ?, ?, ?)",
            [learner_id, kind, json.dumps(payload), nudge_id, iso(utcnow())],
        )
        return int(cursor.lastrowid or 0)

    def prune(self, before: datetime, batch: int = 2_000) -> int:
        """Forget answers recorded before `before` (the retention period); returns how many. Deleted in short
        transactions, so a large backlog never holds the write lock for long."""
        removed = 0
        while True:
            gone = self.store.db.execute(
                "DELETE FROM answers WHERE id IN (SELECT id FROM answers WHERE created_at < ? LIMIT ?)",
                [iso(before), batch],
            ).rowcount
            removed += gone
            if gone < batch:
                return removed

    def get(self, answer_id: int) -> Answer | None:
        row = self.store.db.execute(
            "SELECT id, learner_id, kind, payload, nudge_id FROM answers WHERE id = ?", [answer_id]
        ).fetchone()
        if row is None:
            return None
        payload = parse_json(row[3])
        picks = [ShownPick(p["course_id"], Reason(**p["reason"])) for p in payload["picks"]]
        return Answer(row[0], row[1], row[2], picks, payload.get("context") or {}, row[4])
