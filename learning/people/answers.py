"""The record of what each answer showed, for redrawing it in place and attributing the clicks on it.

A click on one of its cards can redraw the whole answer in place (Slack does not send back the content of ephemeral
messages) and be attributed to the nudge, surface and reason that carried it. Each card shown is also an impression row
(answer, position, course, reason kind), the denominator of click-through; impressions go with their answer when it is
deleted (forget me, retention).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from learning.catalog.json_input import loads as parse_json
from learning.reasons import Reason
from learning.store.engine import Sql, Store, TableSteps
from learning.timestamps import iso, utcnow

# Where an answer was shown. A nudge's answer is always on the nudge surface.
SURFACES = ("dm", "mention", "assistant", "slash", "home", "nudge")


# The schema of the tables this module owns, by the schema version that brought each step (append-only; the store
# joins every owner's step N into migration N).
TABLES: TableSteps = {
    3: """
        -- what each answer showed (course ids and reasons), so a click can redraw it in place
        CREATE TABLE answers (
            id INTEGER PRIMARY KEY,
            learner_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            payload TEXT NOT NULL,
            nudge_id INTEGER,
            created_at TEXT NOT NULL
        );
        CREATE INDEX answers_learner ON answers(learner_id);
""",
    5: """
        CREATE INDEX answers_created ON answers(created_at);  -- retention: old answers are pruned
""",
    6: """
        -- where each answer was shown: dm | mention | assistant | slash | home | nudge
        ALTER TABLE answers ADD COLUMN surface TEXT;
        -- each card an answer showed (an impression), with its reason kind; goes with its answer
        CREATE TABLE impressions (
            answer_id INTEGER NOT NULL,
            position INTEGER NOT NULL,
            course_id TEXT NOT NULL,
            reason TEXT NOT NULL,
            PRIMARY KEY (answer_id, position)
        ) WITHOUT ROWID;
        CREATE INDEX impressions_course ON impressions(course_id);
        CREATE TRIGGER answers_impressions_ad AFTER DELETE ON answers BEGIN
            DELETE FROM impressions WHERE answer_id = old.id;
        END;
""",
}


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
    surface: str | None = None


class AnswerRepository:
    def __init__(self, store: Store):
        self.store = store

    def save(
        self,
        learner_id: str,
        kind: str,
        picks: list[ShownPick],
        context: dict[str, Any] | None = None,
        nudge_id: int | None = None,
        surface: str | None = None,
        seen: bool = True,
    ) -> int:
        """Record an answer; its cards count as impressions when `seen` (a Home tab refreshed in the background,
        which the learner may never look at, is recorded for its buttons but not counted as shown)."""
        with self.store.transaction() as sql:
            return self._insert(sql, learner_id, kind, picks, context, nudge_id, surface, seen)

    def save_for_nudge(
        self, learner_id: str, kind: str, picks: list[ShownPick], nudge_id: int, provided: Callable[[], bool]
    ) -> int | None:
        """A nudge's answer, recorded only if `provided()` holds inside the same transaction (the learner is still
        there: `LearnerRepository.hold`); None, with nothing recorded, when it does not."""
        with self.store.transaction() as sql:
            return self._insert(sql, learner_id, kind, picks, None, nudge_id, "nudge", True) if provided() else None

    @staticmethod
    def _insert(
        sql: Sql,
        learner_id: str,
        kind: str,
        picks: list[ShownPick],
        context: dict[str, Any] | None,
        nudge_id: int | None,
        surface: str | None,
        seen: bool,
    ) -> int:
        surface = "nudge" if nudge_id is not None else surface
        if surface is not None and surface not in SURFACES:
            raise ValueError(f"unknown surface {surface!r}")
        payload = {"picks": [{"course_id": p.course_id, "reason": asdict(p.reason.kept())} for p in picks],
                   "context": context or {}}  # fmt: skip
        answer_id = int(sql.value(
            "INSERT INTO answers (learner_id, kind, payload, nudge_id, surface, created_at) "
            "VALUES (:learner, :kind, :payload, :nudge, :surface, :now) RETURNING id",
            {"learner": learner_id, "kind": kind, "payload": json.dumps(payload), "nudge": nudge_id,
             "surface": surface, "now": iso(utcnow())},
        ))  # fmt: skip
        sql.execute_many(
            "INSERT INTO impressions (answer_id, position, course_id, reason) "
            "VALUES (:answer, :position, :course, :reason)",
            [{"answer": answer_id, "position": i, "course": p.course_id, "reason": p.reason.kind}
             for i, p in enumerate(picks) if seen],
        )  # fmt: skip
        return answer_id

    def prune(self, before: datetime, batch: int = 2_000) -> int:
        """Forget answers recorded before `before` (the retention period); returns how many. Deleted in short
        transactions, so a large backlog never holds the write lock for long."""
        removed = 0
        while True:
            gone = self.store.sql.execute(
                "DELETE FROM answers WHERE id IN (SELECT id FROM answers WHERE created_at < :before LIMIT :batch)",
                {"before": iso(before), "batch": batch},
            )
            removed += gone
            if gone < batch:
                return removed

    def get(self, answer_id: int) -> Answer | None:
        row = self.store.sql.row(
            "SELECT id, learner_id, kind, payload, nudge_id, surface FROM answers WHERE id = :id", {"id": answer_id}
        )
        if row is None:
            return None
        payload = parse_json(row[3])
        picks = [ShownPick(p["course_id"], Reason(**p["reason"])) for p in payload["picks"]]
        return Answer(row[0], row[1], row[2], picks, payload.get("context") or {}, row[4], row[5])

    def impressions(self, learner_id: str) -> dict[str, int]:
        """Course id -> how many times its card was shown to this learner (on any surface)."""
        return {course: count for (_, course), count in self.shown(learner_id).items()}

    def shown(self, learner_id: str | None = None) -> dict[tuple[str, str], int]:
        """(learner, course id) -> how many times its card was shown to that learner; one learner's or everyone's."""
        where = "WHERE a.learner_id = :learner" if learner_id is not None else ""
        rows = self.store.sql.rows(
            f"SELECT a.learner_id, i.course_id, count(*) FROM impressions i JOIN answers a ON a.id = i.answer_id "
            f"{where} GROUP BY a.learner_id, i.course_id",
            {"learner": learner_id},
        )
        return {(learner, course): count for learner, course, count in rows}

    def shown_times(self, learner_id: str) -> dict[str, list[str]]:
        """Course id -> when its card was shown to this learner, oldest first."""
        rows = self.store.sql.rows(
            "SELECT i.course_id, a.created_at FROM impressions i JOIN answers a ON a.id = i.answer_id "
            "WHERE a.learner_id = :learner ORDER BY a.created_at",
            {"learner": learner_id},
        )
        times: dict[str, list[str]] = {}
        for course, at in rows:
            times.setdefault(course, []).append(at)
        return times

    def about(self, learner_id: str) -> list[dict[str, Any]]:
        """Every answer shown about this learner, as whole rows without their ids (a column added later is included)."""
        return self.store.rows_about("answers", learner_id)

    def erase(self, learner_ids: Sequence[str]) -> int:
        """Delete every answer shown to these learner ids, with its impressions (forget me); how many answers went."""
        return self.store.sql.execute("DELETE FROM answers WHERE learner_id IN (:ids)", {"ids": tuple(learner_ids)})
