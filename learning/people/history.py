"""What learners did: events (started, completed, saved, dismissed, …) with when and where they came from."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from learning.store.engine import Store
from learning.timestamps import iso, utcnow

# What a learner can do with a course, in the order a course usually goes through them.
ENROLLED, STARTED, SAVED, UNSAVED, COMPLETED, DISMISSED, UNDISMISSED, RATED = (
    "enrolled", "started", "saved", "unsaved", "completed", "dismissed", "undismissed", "rated",
)  # fmt: skip
NUDGES_OFF, NUDGES_SNOOZED = "nudges_off", "nudges_snoozed"  # no course: the learner turned nudges off or snoozed
KINDS = (ENROLLED, STARTED, SAVED, UNSAVED, COMPLETED, DISMISSED, UNDISMISSED, RATED, NUDGES_OFF, NUDGES_SNOOZED)
RATINGS = ("up", "down")  # the value of a RATED event
ENGAGED = (ENROLLED, STARTED, COMPLETED)  # kinds that say "took this course"
SOURCES = ("slack", "import", "xapi", "nudge")


@dataclass(frozen=True)
class Event:
    learner_id: str
    course_id: str | None
    kind: str
    at: str
    source: str
    value: str | None = None
    answer_id: int | None = None  # the answer whose card was clicked, when the event came from a click


@dataclass(frozen=True)
class CourseState:
    """Where one learner stands with one course, folded from their events."""

    course_id: str
    started_at: str | None = None
    completed_at: str | None = None
    saved: bool = False
    dismissed: bool = False
    last_at: str = ""

    @property
    def in_progress(self) -> bool:
        return self.started_at is not None and self.completed_at is None and not self.dismissed


def course_states(events: Iterable[Event]) -> dict[str, CourseState]:
    """Course id -> state, from a learner's events in time order."""
    states: dict[str, dict] = {}
    for event in sorted(events, key=lambda e: e.at):
        if event.course_id is None:
            continue
        state = states.setdefault(event.course_id, {"course_id": event.course_id})
        state["last_at"] = event.at
        if event.kind in (ENROLLED, STARTED):
            state.setdefault("started_at", event.at)
        elif event.kind == COMPLETED:
            state.setdefault("started_at", event.at)
            state["completed_at"] = event.at
        elif event.kind == SAVED:
            state["saved"] = True
        elif event.kind == UNSAVED:
            state["saved"] = False
        elif event.kind in (DISMISSED, UNDISMISSED):
            state["dismissed"] = event.kind == DISMISSED
    return {course_id: CourseState(**state) for course_id, state in states.items()}


class EventRepository:
    def __init__(self, store: Store):
        self.store = store

    def record(
        self,
        learner_id: str,
        course_id: str | None,
        kind: str,
        source: str = "slack",
        at: datetime | None = None,
        value: str | None = None,
        answer_id: int | None = None,
    ) -> bool:
        """Store one event; returns False when the very same event (same second) was already there."""
        event = Event(learner_id, course_id, kind, iso(at or utcnow()), source, value, answer_id)
        return self.record_many([event]) == 1

    def record_many(self, events: Sequence[Event]) -> int:
        """Store events, skipping exact repeats (re-importing a file adds nothing); returns how many were new.
        Written in short transactions (Store.write_in_chunks), so a large import never holds the write lock long."""
        added = 0

        def write(db, chunk: Sequence[Event]) -> None:
            nonlocal added
            before = db.execute("SELECT total_changes()").fetchone()[0]
            db.conn.executemany(
                "INSERT OR IGNORE INTO events (learner_id, course_id, kind, value, at, source, answer_id) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(e.learner_id, e.course_id, e.kind, e.value, e.at, e.source, e.answer_id) for e in chunk],
            )
            added += db.execute("SELECT total_changes()").fetchone()[0] - before

        self.store.write_in_chunks(events, write)
        return added

    def last_activity_by_learner(self) -> dict[str, str]:
        """Learner -> the moment of their latest event, for everyone at once."""
        return dict(self.store.db.execute("SELECT learner_id, max(at) FROM events GROUP BY learner_id").fetchall())

    def standings_by_learner(self) -> list[tuple[str, str, bool, bool, bool]]:
        """(learner, course, took it, completed it, dismissed it) for every course each learner has events on, each
        learner's most recently touched course first: what `course_states` says of everyone at once."""
        rows = self.store.db.execute(
            "SELECT learner_id, course_id, max(kind IN (?, ?, ?)), max(kind = ?), coalesce(max(CASE WHEN kind = ? "
            "THEN at END) > coalesce(max(CASE WHEN kind = ? THEN at END), ''), 0) FROM events "
            "WHERE course_id IS NOT NULL GROUP BY learner_id, course_id "
            "ORDER BY learner_id, max(at) DESC, min(at) DESC",
            [*ENGAGED, COMPLETED, DISMISSED, UNDISMISSED],
        )
        return [(learner, course, bool(took), bool(done), bool(gone)) for learner, course, took, done, gone in rows]

    def for_learner(self, learner_id: str) -> list[Event]:
        rows = self.store.db.execute(
            "SELECT learner_id, course_id, kind, at, source, value FROM events WHERE learner_id = ? ORDER BY at",
            [learner_id],
        )
        return [Event(*row) for row in rows]

    def finished(self, learner_id: str, course_id: str, by: datetime) -> bool:
        """Whether the learner had completed the course by `by` (on Slack or in an LMS import); looked up through the
        learner's events ("+kind"), not through every completion."""
        return self.store.db.execute(
            "SELECT EXISTS (SELECT 1 FROM events WHERE learner_id = ? AND course_id = ? AND +kind = ? AND at <= ?)",
            [learner_id, course_id, COMPLETED, iso(by)],
        ).fetchone()[0] == 1  # fmt: skip

    def rate(self, learner_id: str, course_id: str, value: str, at: datetime, answer_id: int | None = None) -> bool:
        """Record 👍 (up) or 👎 (down) from someone who finished the course; the latest rating counts, even a change
        of mind within the same second (which the one-event-per-second rule would otherwise drop). Returns False,
        storing nothing, when they have not finished it: "worth your time?" is a judgment on the whole course."""
        if value not in RATINGS:
            raise ValueError(f"a rating is one of {RATINGS}, got {value!r}")
        if not self.finished(learner_id, course_id, at):
            return False
        if not self.record(learner_id, course_id, RATED, at=at, value=value, answer_id=answer_id):
            self.store.db.execute(
                "UPDATE events SET value = ?, answer_id = ? WHERE learner_id = ? AND course_id = ? AND kind = ? "
                "AND at = ? AND source = 'slack'",
                [value, answer_id, learner_id, course_id, RATED, iso(at)],
            )
        return True

    def comment(self, learner_id: str, course_id: str, note: str) -> bool:
        """Attach a comment to the learner's latest rating of the course; False when they never rated it."""
        return bool(self.store.db.execute(
            "UPDATE events SET note = ? WHERE id = (SELECT id FROM events WHERE learner_id = ? AND course_id = ? "
            "AND kind = ? ORDER BY at DESC, id DESC LIMIT 1)",
            [note, learner_id, course_id, RATED],
        ).rowcount)  # fmt: skip

    def states(self, learner_id: str) -> dict[str, CourseState]:
        return course_states(self.for_learner(learner_id))

    def everyone(self) -> list[Event]:
        """Every event, oldest first (training the ranker)."""
        rows = self.store.db.execute("SELECT learner_id, course_id, kind, at, source, value FROM events ORDER BY at")
        return [Event(*row) for row in rows]

    def first_engagements(self, before: datetime | None = None) -> list[tuple[str, int, str, str | None]]:
        """(learner, course num, first time they engaged with it, the learner's role title) for every pair with an
        ENGAGED event, or only events before `before`: what the recommender's signals are built from. Reads the
        courses and learners tables too, for the num and the role."""
        marks = ",".join("?" * len(ENGAGED))
        return self.store.db.execute(
            f"SELECT e.learner_id, c.num, min(e.at), l.title FROM events e JOIN courses c ON c.id = e.course_id "
            f"LEFT JOIN learners l ON l.slack_id = e.learner_id WHERE e.kind IN ({marks}) AND e.at < ? "
            "GROUP BY e.learner_id, c.num",
            [*ENGAGED, iso(before) if before else "9999"],
        ).fetchall()

    def count(self) -> int:
        """The highest event id: grows with every event, cheap to read."""
        return self.store.db.execute("SELECT max(id) FROM events").fetchone()[0] or 0

    def took_up(self, kinds: Sequence[str]) -> set[tuple[str, str]]:
        """Every (learner, course id) with an event of one of these kinds."""
        marks = ",".join("?" * len(kinds))
        rows = self.store.db.execute(
            f"SELECT DISTINCT learner_id, course_id FROM events WHERE kind IN ({marks}) AND course_id IS NOT NULL",
            list(kinds),
        )
        return {(learner, course) for learner, course in rows}

    def last_activity(self, learner_id: str) -> str | None:
        row = self.store.db.execute("SELECT max(at) FROM events WHERE learner_id = ?", [learner_id]).fetchone()
        return row[0] if row else None

    def about(self, learner_id: str) -> list[dict[str, Any]]:
        """Every event about this learner, as whole rows without their ids (a column added later is included)."""
        return self.store.rows_about("events", learner_id)
