"""Wins: achievements earned from what a learner finished, recorded once each, and who wants theirs celebrated.

Four kinds: the first course finished, five courses finished, a whole path finished (every course of one of the
catalog's paths of two or more courses), and four weeks in a row with something finished. Weeks are the learner's
own (Monday to Sunday in their time zone). A week with nothing finished during which their nudges were snoozed for
any part of it is paused: it neither breaks a run nor counts in one. Snoozes are read from the learner's history
(`nudges_snoozed` events, until the moment their value names; `nudges_on` ends one early).

An achievement is earned by a completion: it carries that completion's moment and source. It is recorded once per
learner (and path), the first time Upnext looks after it was earned: at a completion in Slack, when the learner's
Home tab is built, or when the weekly celebration is prepared. Only those earned by something the learner did in
Slack are announced to them (`AchievementRepository.to_announce`), once. History imported from an LMS earns
achievements too, shown on Home and in the weekly post of their week, without a message: the learner did nothing
in Slack just then, and Upnext never messages first someone who has not used it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from learning.catalog.courses import CatalogPath, CourseRepository
from learning.people.history import COMPLETED, NUDGES_ON, NUDGES_SNOOZED, Event, EventRepository
from learning.people.learners import Learner, LearnerRepository
from learning.people.progress_strip import zone
from learning.store.engine import Store, TableSteps
from learning.timestamps import iso

FIRST_COURSE, FIVE_COURSES, PATH, WEEKS_IN_A_ROW = "first_course", "five_courses", "path", "weeks_in_a_row"
FIVE, RUN_WEEKS, MIN_PATH_STEPS = 5, 4, 2
IN_SLACK = ("slack", "nudge")  # sources of what a learner did in Slack: achievements they earn are announced
# announced by the completion that earned it, or the next one that day if two requests crossed; what Slack history
# earned before this feature existed (recorded when the Home tab is first built) is shown, not announced
ANNOUNCE_WITHIN = timedelta(days=1)
DEFAULT_SNOOZE = timedelta(weeks=2)  # a snooze recorded before its end was (the Snooze button's length)

# The schema of the tables this module owns, by the schema version that brought each step (append-only; the store
# joins every owner's step N into migration N).
TABLES: TableSteps = {
    14: """
        CREATE TABLE achievements (
            id INTEGER PRIMARY KEY,
            learner_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            subject TEXT NOT NULL DEFAULT '',  -- the path's id for a path finished, '' for the other kinds
            title TEXT,                        -- the path's title when it was earned
            earned_at TEXT NOT NULL,           -- the completion that earned it
            source TEXT NOT NULL,              -- where that completion came from (slack, nudge, import, xapi)
            recorded_at TEXT NOT NULL,
            announced_at TEXT,                 -- when the learner was told (only what they earned in Slack)
            UNIQUE (learner_id, kind, subject)
        );
        CREATE INDEX achievements_earned ON achievements(earned_at);
        -- people who asked for their wins in the weekly celebration post (/learn celebrate on)
        CREATE TABLE celebrations (
            id INTEGER PRIMARY KEY,
            learner_id TEXT NOT NULL UNIQUE,
            since TEXT NOT NULL
        );
""",
}


@dataclass(frozen=True)
class Win:
    kind: str
    earned_at: str
    source: str
    subject: str = ""  # the path's id (PATH)
    title: str | None = None  # the path's title (PATH)
    id: int | None = None  # once recorded
    learner_id: str = ""


def earned(events: Sequence[Event], paths: Mapping[str, CatalogPath], tz: str | None) -> list[Win]:
    """Every achievement these events (one learner's) earn, each with the completion that earned it."""
    completions = first_completions(events)
    wins = [Win(FIRST_COURSE, c.at, c.source) for c in completions[:1]]
    wins += [Win(FIVE_COURSES, c.at, c.source) for c in completions[FIVE - 1 : FIVE]]
    wins += _paths_finished(completions, paths)
    run = _run_completed(completions, snoozes(events), tz)
    return wins + ([Win(WEEKS_IN_A_ROW, run.at, run.source)] if run else [])


def first_completions(events: Iterable[Event]) -> list[Event]:
    """Each course's first completion, in time order."""
    found: dict[str, Event] = {}
    for event in sorted(events, key=lambda e: e.at):
        if event.kind == COMPLETED and event.course_id is not None:
            found.setdefault(event.course_id, event)
    return list(found.values())


def _paths_finished(completions: Sequence[Event], paths: Mapping[str, CatalogPath]) -> list[Win]:
    done: set[str] = set()
    wins, left = [], {p.id: p for p in paths.values() if len(p.steps) >= MIN_PATH_STEPS}
    for event in completions:
        done.add(event.course_id or "")
        for path in [p for p in left.values() if event.course_id in p.steps and p.steps <= done]:
            wins.append(Win(PATH, event.at, event.source, path.id, path.title))
            del left[path.id]
    return wins


def snoozes(events: Iterable[Event]) -> list[tuple[datetime, datetime]]:
    """(from, until) of each snooze of the learner's nudges: until the end it named, or the next snooze, or nudges
    turned back on, whichever came first."""
    periods: list[tuple[datetime, datetime]] = []
    for event in sorted(events, key=lambda e: e.at):
        if event.kind not in (NUDGES_SNOOZED, NUDGES_ON):
            continue
        at = datetime.fromisoformat(event.at)
        if periods and periods[-1][1] > at:
            periods[-1] = (periods[-1][0], at)  # a later snooze replaces it, turning nudges on ends it
        if event.kind == NUDGES_SNOOZED:
            periods.append((at, _until(event.value) or at + DEFAULT_SNOOZE))
    return periods


def _until(value: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


def _run_completed(
    completions: Sequence[Event], paused: Sequence[tuple[datetime, datetime]], tz: str | None
) -> Event | None:
    """The completion that first made RUN_WEEKS weeks in a row with something finished (paused weeks skipped)."""
    local = zone(tz)
    weeks: dict[date, Event] = {}
    for event in completions:
        at = datetime.fromisoformat(event.at).astimezone(local)
        weeks.setdefault(at.date() - timedelta(days=at.weekday()), event)

    def is_paused(monday: date) -> bool:
        start = datetime.combine(monday, time(), local)
        end = datetime.combine(monday + timedelta(days=7), time(), local)
        return any(since < end and until > start for since, until in paused)

    run, previous = 0, None
    for monday in sorted(weeks):
        between = (previous + timedelta(weeks=n) for n in range(1, (monday - previous).days // 7)) if previous else ()
        run = run + 1 if previous and all(is_paused(week) for week in between) else 1
        if run >= RUN_WEEKS:
            return weeks[monday]
        previous = monday
    return None


def _win(row: Mapping[str, Any]) -> Win:
    return Win(row["kind"], row["earned_at"], row["source"], row["subject"], row["title"], row["id"],
               row["learner_id"])  # fmt: skip


class AchievementRepository:
    """The achievements and celebrations tables."""

    def __init__(self, store: Store):
        self.store = store

    def add(self, learner_id: str, wins: Sequence[Win], now: datetime) -> list[Win]:
        """Record these achievements of the learner; those recorded before (by anyone) are left alone. Returns the
        ones this call recorded, with their ids."""
        added = []
        for win in wins:
            found = self.store.sql.row(
                "INSERT INTO achievements (learner_id, kind, subject, title, earned_at, source, recorded_at) "
                "VALUES (:learner, :kind, :subject, :title, :earned, :source, :now) "
                "ON CONFLICT (learner_id, kind, subject) DO NOTHING RETURNING id",
                {"learner": learner_id, "kind": win.kind, "subject": win.subject, "title": win.title,
                 "earned": win.earned_at, "source": win.source, "now": iso(now)},
            )  # fmt: skip
            if found is not None:
                added.append(Win(win.kind, win.earned_at, win.source, win.subject, win.title, found[0], learner_id))
        return added

    def of(self, learner_id: str) -> list[Win]:
        """The learner's achievements, the latest earned first."""
        rows = self.store.sql.records(
            "SELECT * FROM achievements WHERE learner_id = :learner ORDER BY earned_at DESC, id DESC",
            {"learner": learner_id},
        )
        return [_win(row) for row in rows]

    def to_announce(self, learner_id: str, now: datetime) -> list[Win]:
        """Take the learner's achievements to tell them about: earned in Slack since ANNOUNCE_WITHIN ago and not
        announced yet (each is taken by one caller only, and marked announced)."""
        rows = self.store.sql.records(
            "UPDATE achievements SET announced_at = :now WHERE learner_id = :learner AND announced_at IS NULL "
            "AND source IN (:sources) AND earned_at >= :since RETURNING *",
            {"now": iso(now), "learner": learner_id, "sources": IN_SLACK, "since": iso(now - ANNOUNCE_WITHIN)},
        )
        return sorted((_win(row) for row in rows), key=lambda w: (w.earned_at, w.id or 0))

    def get(self, win_id: int) -> Win | None:
        rows = self.store.sql.records("SELECT * FROM achievements WHERE id = :id", {"id": win_id})
        return _win(rows[0]) if rows else None

    def earned_between(self, learner_ids: Sequence[str], since: datetime, until: datetime) -> dict[str, list[Win]]:
        """Learner -> the achievements they earned from `since` up to `until`, in the order earned."""
        found: dict[str, list[Win]] = {}
        for start in range(0, len(learner_ids), 500):
            rows = self.store.sql.records(
                "SELECT * FROM achievements WHERE learner_id IN (:ids) AND earned_at >= :since "
                "AND earned_at < :until ORDER BY earned_at, id",
                {"ids": tuple(learner_ids[start : start + 500]), "since": iso(since), "until": iso(until)},
            )
            for row in rows:
                found.setdefault(row["learner_id"], []).append(_win(row))
        return found

    def celebrate(self, learner_id: str, on: bool, now: datetime) -> None:
        """Turn the learner's place in the weekly celebration post on or off."""
        if on:
            self.store.sql.execute(
                "INSERT INTO celebrations (learner_id, since) VALUES (:learner, :now) ON CONFLICT (learner_id) "
                "DO NOTHING",
                {"learner": learner_id, "now": iso(now)},
            )
        else:
            self.store.sql.execute("DELETE FROM celebrations WHERE learner_id = :learner", {"learner": learner_id})

    def celebrating(self) -> list[str]:
        """Everyone who turned celebrations on."""
        return [row[0] for row in self.store.sql.rows("SELECT learner_id FROM celebrations ORDER BY learner_id")]

    def celebrates(self, learner_id: str) -> bool:
        found = self.store.sql.row("SELECT 1 FROM celebrations WHERE learner_id = :learner", {"learner": learner_id})
        return found is not None

    def erase(self, learner_ids: Sequence[str]) -> int:
        """Delete every achievement and celebration setting of these learner ids (forget me); how many went."""
        ids = {"ids": tuple(learner_ids)}
        return self.store.sql.execute(
            "DELETE FROM achievements WHERE learner_id IN (:ids)", ids
        ) + self.store.sql.execute("DELETE FROM celebrations WHERE learner_id IN (:ids)", ids)

    def about(self, learner_id: str) -> dict[str, list[dict[str, Any]]]:
        """Every row about this learner, whole but for their ids (the privacy export)."""
        return {table: self.store.rows_about(table, learner_id) for table in ("achievements", "celebrations")}


@dataclass(frozen=True)
class Achievements:
    """Achievements worked out from a learner's history and the catalog's paths, recorded once each."""

    repository: AchievementRepository
    history: EventRepository
    courses: CourseRepository
    learners: LearnerRepository

    def update(self, learner: Learner, now: datetime, events: Sequence[Event] | None = None) -> list[Win]:
        """Record what the learner has earned and Upnext had not recorded yet (`events`: their history, when the
        caller read it already); returns those. Nothing is recorded for someone forgotten meanwhile."""
        events = self.history.for_learner(learner.slack_id) if events is None else events
        completions = first_completions(events)
        if not completions:
            return []
        wins = earned(events, self.courses.paths_with([c.course_id or "" for c in completions]), learner.tz)
        recorded = {(w.kind, w.subject) for w in self.repository.of(learner.slack_id)}
        new = [w for w in wins if (w.kind, w.subject) not in recorded]
        if not new:
            return []
        with self.repository.store.transaction():
            if not self.learners.hold(learner.slack_id):
                return []
            return self.repository.add(learner.slack_id, new, now)

    def of(self, learner: Learner) -> list[Win]:
        return self.repository.of(learner.slack_id)
