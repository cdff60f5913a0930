"""What Upnext knows about a learner, in full, for "see" and "export"; erasing it is LearnerRepository.forget."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from learning.learners import Learner
from learning.store import Store

# Every table that holds rows about a learner, with the column naming them: the export takes whole rows, so a
# column added later is exported too.
LEARNER_TABLES = {"history": "events", "nudges": "nudges", "answers_shown": "answers"}


def export(store: Store, learner: Learner) -> dict[str, Any]:
    """Everything stored about this learner, as plain data."""
    data: dict[str, Any] = {"profile": asdict(learner)}
    for name, table in LEARNER_TABLES.items():
        rows = store.db.query(f"SELECT * FROM {table} WHERE learner_id = ? ORDER BY id", [learner.slack_id])
        data[name] = [{k: v for k, v in row.items() if k not in ("id", "learner_id")} for row in rows]
    return data


def summary(store: Store, learner: Learner) -> dict[str, int]:
    """Counts for the privacy message: how much of each kind of record there is."""
    db = store.db
    count = lambda table: db.execute(  # noqa: E731
        f"SELECT count(*) FROM {table} WHERE learner_id = ?", [learner.slack_id]
    ).fetchone()[0]
    return {"events": count("events"), "nudges": count("nudges"), "answers": count("answers")}
