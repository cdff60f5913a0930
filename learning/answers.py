"""What each answer showed, so that a click on one of its cards can redraw the whole answer in place (Slack does
not send back the content of ephemeral messages) and be attributed to the nudge that carried it."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

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

    def get(self, answer_id: int) -> Answer | None:
        row = self.store.db.execute(
            "SELECT id, learner_id, kind, payload, nudge_id FROM answers WHERE id = ?", [answer_id]
        ).fetchone()
        if row is None:
            return None
        payload = json.loads(row[3])
        picks = [ShownPick(p["course_id"], Reason(**p["reason"])) for p in payload["picks"]]
        return Answer(row[0], row[1], row[2], picks, payload.get("context") or {}, row[4])

    def shown(self, learner_id: str | None = None) -> dict[tuple[str, str], int]:
        """(learner, course id) -> how many answers showed that course to that learner; one learner's or all."""
        where, params = ("WHERE a.learner_id = ?", [learner_id]) if learner_id is not None else ("", [])
        rows = self.store.db.execute(
            "SELECT a.learner_id, json_extract(p.value, '$.course_id'), count(*) FROM answers a, "
            f"json_each(a.payload, '$.picks') p {where} GROUP BY 1, 2",
            params,
        )
        return {(learner, course): count for learner, course, count in rows}

    def shown_times(self, learner_id: str) -> dict[str, list[str]]:
        """Course id -> when answers showed it to this learner, oldest first."""
        rows = self.store.db.execute(
            "SELECT json_extract(p.value, '$.course_id'), a.created_at FROM answers a, "
            "json_each(a.payload, '$.picks') p WHERE a.learner_id = ? ORDER BY a.created_at",
            [learner_id],
        )
        times: dict[str, list[str]] = {}
        for course, at in rows:
            times.setdefault(course, []).append(at)
        return times
