"""What Upnext knows about a learner, in full, for "see" and "export"; erasing it is LearnerRepository.forget."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from learning.learners import Learner
from learning.store import Store


def export(store: Store, learner: Learner) -> dict[str, Any]:
    """Everything stored about this learner, as plain data."""
    db = store.db
    events = db.execute(
        "SELECT course_id, kind, value, at, source, note FROM events WHERE learner_id = ? ORDER BY at",
        [learner.slack_id],
    ).fetchall()
    nudges = db.execute(
        "SELECT kind, period, status, due_at, sent_at, error FROM nudges WHERE learner_id = ? ORDER BY due_at",
        [learner.slack_id],
    ).fetchall()
    answers = db.execute(
        "SELECT kind, payload, created_at FROM answers WHERE learner_id = ? ORDER BY id", [learner.slack_id]
    ).fetchall()
    return {
        "profile": asdict(learner),
        "history": [dict(zip(("course_id", "kind", "value", "at", "source", "comment"), row)) for row in events],
        "nudges": [dict(zip(("kind", "period", "status", "due_at", "sent_at", "error"), row)) for row in nudges],
        "answers_shown": [dict(zip(("kind", "payload", "created_at"), row)) for row in answers],
    }


def summary(store: Store, learner: Learner) -> dict[str, int]:
    """Counts for the privacy message: how much of each kind of record there is."""
    db = store.db
    count = lambda table: db.execute(  # noqa: E731
        f"SELECT count(*) FROM {table} WHERE learner_id = ?", [learner.slack_id]
    ).fetchone()[0]
    return {"events": count("events"), "nudges": count("nudges"), "answers": count("answers")}
