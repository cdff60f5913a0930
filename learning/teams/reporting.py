"""Who reports to whom (from the people file's import), and the courses managers recommended to their team.

A person and their manager are filed as rows about people are (`learners.filed_as`): a Slack id, or `email:` and the
address for someone the file names by email only. Such a row is matched to a learner when it is read, by the email
of their Slack profile, so an import needs no Slack and names nobody into Upnext's learners. Each import replaces the
previous lines as a whole: staged in short transactions, then swapped in at once (readers see the old lines or the
new ones).

Reports are direct reports only: a manager's team is the people who name them as their manager.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from learning.people.learners import Learner, LearnerRepository
from learning.store.engine import Sql, Store, TableSteps
from learning.timestamps import iso

# The schema of the tables this module owns, by the schema version that brought each step (append-only; the store
# joins every owner's step N into migration N).
TABLES: TableSteps = {
    15: """
        CREATE TABLE reporting_lines (
            learner_id TEXT PRIMARY KEY,     -- the person: a Slack id, or email:<address> (learners.filed_as)
            manager_id TEXT,                 -- their manager, filed the same way; NULL when the file names none
            department TEXT,
            location TEXT,
            imported_at TEXT NOT NULL
        );
        CREATE INDEX reporting_lines_manager ON reporting_lines(manager_id);
        -- an import's lines, written in short transactions, then moved into reporting_lines in one
        CREATE TABLE reporting_lines_next (
            learner_id TEXT PRIMARY KEY,
            manager_id TEXT,
            department TEXT,
            location TEXT,
            imported_at TEXT NOT NULL
        );
        CREATE TABLE team_picks (
            id INTEGER PRIMARY KEY,
            learner_id TEXT NOT NULL,        -- the manager who recommended the course to their team
            course_id TEXT NOT NULL,
            at TEXT NOT NULL,
            planned_at TEXT                  -- when the clock planned its nudges (NULL: still to plan)
        );
        CREATE INDEX team_picks_unplanned ON team_picks(planned_at);
""",
}


_COLUMNS = "learner_id, manager_id, department, location, imported_at"


@dataclass(frozen=True)
class Line:
    person: str  # filed as (learners.filed_as)
    manager: str | None
    department: str | None = None
    location: str | None = None


@dataclass(frozen=True)
class TeamPick:
    id: int
    manager_id: str
    course_id: str
    at: str


class ReportingLines:
    """The owner of reporting_lines and team_picks."""

    def __init__(self, store: Store):
        self.store = store

    def replace(self, lines: Sequence[Line], now: datetime) -> int:
        """The people file's lines instead of the previous import's; how many lines went. They are staged in short
        transactions (`Store.write_in_chunks`), so that a large file never holds the write lock long, then `swap`ped
        in at once."""
        self.store.sql.execute("DELETE FROM reporting_lines_next")
        rows = [{"person": ln.person, "manager": ln.manager, "department": ln.department, "location": ln.location,
                 "now": iso(now)} for ln in lines]  # fmt: skip

        def stage(sql: Sql, chunk: Sequence[dict[str, str | None]]) -> None:
            sql.execute_many(
                "INSERT INTO reporting_lines_next (learner_id, manager_id, department, location, imported_at) "
                "VALUES (:person, :manager, :department, :location, :now)",
                chunk,
            )

        self.store.write_in_chunks(rows, stage)
        return self.swap()

    def swap(self) -> int:
        """The staged lines replace the current ones in one transaction (readers see the old lines or the new);
        how many lines went."""
        with self.store.transaction() as sql:
            replaced = sql.execute("DELETE FROM reporting_lines")
            sql.execute(f"INSERT INTO reporting_lines ({_COLUMNS}) SELECT {_COLUMNS} FROM reporting_lines_next")
            sql.execute("DELETE FROM reporting_lines_next")
        return replaced

    def count(self) -> int:
        return self.store.sql.value("SELECT count(*) FROM reporting_lines")

    def reports_of(self, manager_ids: Sequence[str]) -> list[str]:
        """Who names this manager (by any id they are filed under) as theirs, as filed."""
        rows = self.store.sql.rows(
            "SELECT learner_id FROM reporting_lines WHERE manager_id IN (:ids) ORDER BY learner_id",
            {"ids": tuple(manager_ids)},
        )
        return [row[0] for row in rows]

    # -- recommendations to a team ---------------------------------------------------------------------------------
    def recommend(self, manager_id: str, course_id: str, now: datetime) -> int:
        """Record a manager's recommendation, for the clock to plan as a nudge to each report; its id."""
        found = self.store.sql.row(
            "INSERT INTO team_picks (learner_id, course_id, at) VALUES (:manager, :course, :now) RETURNING id",
            {"manager": manager_id, "course": course_id, "now": iso(now)},
        )
        assert found is not None
        return int(found[0])

    def unplanned(self) -> list[TeamPick]:
        rows = self.store.sql.rows(
            "SELECT id, learner_id, course_id, at FROM team_picks WHERE planned_at IS NULL ORDER BY id"
        )
        return [TeamPick(*row) for row in rows]

    def planned(self, pick_id: int, now: datetime) -> None:
        self.store.sql.execute(
            "UPDATE team_picks SET planned_at = :now WHERE id = :id", {"now": iso(now), "id": pick_id}
        )

    def pick(self, pick_id: int) -> TeamPick | None:
        """A recommendation, or None once its manager asked to be forgotten (what was planned from it is not sent)."""
        row = self.store.sql.row("SELECT id, learner_id, course_id, at FROM team_picks WHERE id = :id", {"id": pick_id})
        return TeamPick(*row) if row else None

    # -- privacy ----------------------------------------------------------------------------------------------------
    def about(self, learner_ids: Sequence[str]) -> dict[str, Any]:
        """For the person's export (filed under `learner_ids`): their own line as imported (their manager's id as the
        file named them, department, location) or None, and the courses they recommended to their team (never who
        got them: reports are named to no one)."""
        ids = {"ids": tuple(learner_ids)}
        lines = self.store.sql.records(
            "SELECT manager_id, department, location, imported_at FROM reporting_lines WHERE learner_id IN (:ids) "
            "ORDER BY imported_at DESC, learner_id",
            ids,
        )
        picks = self.store.sql.records(
            "SELECT course_id, at FROM team_picks WHERE learner_id IN (:ids) ORDER BY at, id", ids
        )
        return {"reporting_line": lines[0] if lines else None, "team_recommendations": picks}

    # -- forget me ---------------------------------------------------------------------------------------------------
    def erase(self, learner_ids: Sequence[str]) -> int:
        """Forget me: the person's own line, their place as their reports' manager, and their recommendations; how
        many rows went or changed. What stops a re-import from bringing them back is the forgotten hash kept by
        forget me."""
        ids = {"ids": tuple(learner_ids)}
        with self.store.transaction() as sql:
            removed = 0
            for table in ("reporting_lines", "reporting_lines_next"):  # the lines, and those of an import under way
                removed += sql.execute(f"DELETE FROM {table} WHERE learner_id IN (:ids)", ids)
                removed += sql.execute(f"UPDATE {table} SET manager_id = NULL WHERE manager_id IN (:ids)", ids)
            return removed + sql.execute("DELETE FROM team_picks WHERE learner_id IN (:ids)", ids)


def same_place(manager: Learner, report: Learner) -> bool:
    """Whether the report is somewhere the manager can see: their Enterprise Grid org, or else their workspace."""
    if manager.enterprise_id:
        return report.enterprise_id == manager.enterprise_id
    return report.team_id == manager.team_id


def team_of(manager: Learner, lines: ReportingLines, learners: LearnerRepository) -> list[Learner]:
    """The manager's direct reports who have used Upnext in Slack, in the manager's workspace (or Grid org): the
    only people whose figures `/learn team` shows and whom a recommendation is planned for."""
    filed = lines.reports_of(learners.known_as(manager.slack_id)[1])
    found = learners.filed_as(filed) if filed else []
    return [lr for lr in found if lr.slack_id != manager.slack_id and not lr.pending and lr.last_active_at
            and same_place(manager, lr)]  # fmt: skip
