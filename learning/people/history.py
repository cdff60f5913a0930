"""What learners did: events (started, completed, saved, dismissed, …) with when and where they came from."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from learning.store.engine import Sql, Store, TableSteps
from learning.timestamps import iso, utcnow

# What a learner can do with a course, in the order a course usually goes through them.
ENROLLED, STARTED, SAVED, UNSAVED, COMPLETED, DISMISSED, UNDISMISSED, RATED = (
    "enrolled", "started", "saved", "unsaved", "completed", "dismissed", "undismissed", "rated",
)  # fmt: skip
# no course: the learner turned nudges off, snoozed them (the value: until when) or turned them back on
NUDGES_OFF, NUDGES_SNOOZED, NUDGES_ON = "nudges_off", "nudges_snoozed", "nudges_on"
KINDS = (ENROLLED, STARTED, SAVED, UNSAVED, COMPLETED, DISMISSED, UNDISMISSED, RATED, NUDGES_OFF, NUDGES_SNOOZED,
         NUDGES_ON)  # fmt: skip
RATINGS = ("up", "down")  # the value of a RATED event
ENGAGED = (ENROLLED, STARTED, COMPLETED)  # kinds that say "took this course"
SOURCES = ("slack", "import", "xapi", "nudge")
REWRITTEN = "events_rewritten"  # meta key: changed whenever events are erased or filed under another learner


# The schema of the tables this module owns, by the schema version that brought each step (append-only; the store
# joins every owner's step N into migration N).
TABLES: TableSteps = {
    1: """
        CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            learner_id TEXT NOT NULL,
            course_id TEXT,
            kind TEXT NOT NULL,
            value TEXT,
            at TEXT NOT NULL,
            source TEXT NOT NULL
        );
        CREATE INDEX events_learner ON events(learner_id, at);
        CREATE INDEX events_course ON events(course_id, kind);
""",
    2: """
        -- the same event twice (same learner, course, kind, second and source) is one event: imports are idempotent
        CREATE UNIQUE INDEX events_unique ON events(learner_id, coalesce(course_id, ''), kind, at, source);
""",
    6: """
        -- the answer whose card was clicked (attributes clicks to a surface and reason), and a rating's comment
        ALTER TABLE events ADD COLUMN answer_id INTEGER;
        ALTER TABLE events ADD COLUMN note TEXT;
        CREATE INDEX events_answer ON events(answer_id) WHERE answer_id IS NOT NULL;
        CREATE INDEX events_kind_at ON events(kind, at);
        CREATE INDEX events_source_at ON events(source, at);   -- use of Upnext (slack, nudge) by time, for reports
""",
}


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

        def write(sql: Sql, chunk: Sequence[Event]) -> None:
            nonlocal added
            added += sql.execute_many(
                "INSERT INTO events (learner_id, course_id, kind, value, at, source, answer_id) "
                "VALUES (:learner_id, :course_id, :kind, :value, :at, :source, :answer_id) ON CONFLICT DO NOTHING",
                [asdict(e) for e in chunk],
            )

        self.store.write_in_chunks(events, write)
        return added

    def last_activity_by_learner(self) -> dict[str, str]:
        """Learner -> the moment of their latest event, for everyone at once."""
        return dict(self.store.sql.rows("SELECT learner_id, max(at) FROM events GROUP BY learner_id"))

    def standings_by_learner(self) -> list[tuple[str, str, bool, bool, bool]]:
        """(learner, course, took it, completed it, dismissed it) for every course each learner has events on, each
        learner's most recently touched course first: what `course_states` says of everyone at once."""
        rows = self.store.sql.rows(
            "SELECT learner_id, course_id, max(CASE WHEN kind IN (:engaged) THEN 1 ELSE 0 END), "
            "max(CASE WHEN kind = :completed THEN 1 ELSE 0 END), "
            "CASE WHEN max(CASE WHEN kind = :dismissed THEN at END) "
            "> coalesce(max(CASE WHEN kind = :undismissed THEN at END), '') THEN 1 ELSE 0 END FROM events "
            "WHERE course_id IS NOT NULL GROUP BY learner_id, course_id "
            "ORDER BY learner_id, max(at) DESC, min(at) DESC",
            {"engaged": ENGAGED, "completed": COMPLETED, "dismissed": DISMISSED, "undismissed": UNDISMISSED},
        )
        return [(learner, course, bool(took), bool(done), bool(gone)) for learner, course, took, done, gone in rows]

    def for_learner(self, learner_id: str) -> list[Event]:
        rows = self.store.sql.rows(
            "SELECT learner_id, course_id, kind, at, source, value FROM events WHERE learner_id = :learner ORDER BY at",
            {"learner": learner_id},
        )
        return [Event(*row) for row in rows]

    def finished(self, learner_id: str, course_id: str, by: datetime) -> bool:
        """Whether the learner had completed the course by `by` (on Slack or in an LMS import); looked up through the
        learner's events (`kind || ''` keeps the kind index out of it), not through every completion."""
        return self.store.sql.row(
            "SELECT 1 FROM events WHERE learner_id = :learner AND course_id = :course AND kind || '' = :completed "
            "AND at <= :by LIMIT 1",
            {"learner": learner_id, "course": course_id, "completed": COMPLETED, "by": iso(by)},
        ) is not None  # fmt: skip

    def rate(self, learner_id: str, course_id: str, value: str, at: datetime, answer_id: int | None = None) -> bool:
        """Record 👍 (up) or 👎 (down) from someone who finished the course; the latest rating counts, even a change
        of mind within the same second (which the one-event-per-second rule would otherwise drop). Returns False,
        storing nothing, when they have not finished it: "worth your time?" is a judgment on the whole course."""
        if value not in RATINGS:
            raise ValueError(f"a rating is one of {RATINGS}, got {value!r}")
        if not self.finished(learner_id, course_id, at):
            return False
        if not self.record(learner_id, course_id, RATED, at=at, value=value, answer_id=answer_id):
            self.store.sql.execute(
                "UPDATE events SET value = :value, answer_id = :answer WHERE learner_id = :learner "
                "AND course_id = :course AND kind = :rated AND at = :at AND source = 'slack'",
                {"value": value, "answer": answer_id, "learner": learner_id, "course": course_id, "rated": RATED,
                 "at": iso(at)},
            )  # fmt: skip
        return True

    def comment(self, learner_id: str, course_id: str, note: str) -> bool:
        """Attach a comment to the learner's latest rating of the course; False when they never rated it."""
        return bool(self.store.sql.execute(
            "UPDATE events SET note = :note WHERE id = (SELECT id FROM events WHERE learner_id = :learner "
            "AND course_id = :course AND kind = :rated ORDER BY at DESC, id DESC LIMIT 1)",
            {"note": note, "learner": learner_id, "course": course_id, "rated": RATED},
        ))  # fmt: skip

    def states(self, learner_id: str) -> dict[str, CourseState]:
        return course_states(self.for_learner(learner_id))

    def everyone(self) -> list[Event]:
        """Every event, oldest first (training the ranker)."""
        rows = self.store.sql.rows("SELECT learner_id, course_id, kind, at, source, value FROM events ORDER BY at")
        return [Event(*row) for row in rows]

    def count(self) -> int:
        """The highest event id: grows with every event, cheap to read."""
        return self.store.sql.value("SELECT max(id) FROM events") or 0

    def version(self) -> tuple[int, str | None]:
        """Changes whenever the events change, whichever process changed them: the highest event id (added ones)
        and the version `erase` and `move` set (removed or moved ones). What caches built from everyone's events
        compare, so forgetting someone on one web replica reaches every replica's signals."""
        return self.count(), self.store.get_meta(REWRITTEN)

    def _rewritten(self) -> None:
        self.store.set_meta(REWRITTEN, uuid.uuid4().hex)

    def took_up(self, kinds: Sequence[str]) -> set[tuple[str, str]]:
        """Every (learner, course id) with an event of one of these kinds."""
        rows = self.store.sql.rows(
            "SELECT DISTINCT learner_id, course_id FROM events WHERE kind IN (:kinds) AND course_id IS NOT NULL",
            {"kinds": tuple(kinds)},
        )
        return {(learner, course) for learner, course in rows}

    def move(self, from_learner: str, to_learner: str) -> None:
        """File every event of one learner id under another (history imported under an email, once its Slack user
        shows up)."""
        moved = self.store.sql.execute(
            "UPDATE events SET learner_id = :to WHERE learner_id = :from", {"to": to_learner, "from": from_learner}
        )
        if moved:
            self._rewritten()

    def erase(self, learner_ids: Sequence[str]) -> int:
        """Delete every event of these learner ids (forget me); how many went."""
        erased = self.store.sql.execute("DELETE FROM events WHERE learner_id IN (:ids)", {"ids": tuple(learner_ids)})
        if erased:
            self._rewritten()  # in the caller's transaction (forget me's) when there is one
        return erased

    def about(self, learner_id: str) -> list[dict[str, Any]]:
        """Every event about this learner, as whole rows without their ids (a column added later is included)."""
        return self.store.rows_about("events", learner_id)
