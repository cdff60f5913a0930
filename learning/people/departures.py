"""Workspaces that left: their learners' data is kept for a retention period, then purged.

A workspace (or a whole Enterprise Grid org) that uninstalls Upnext is recorded here, and its learners' planned nudges
are skipped. Installed again within the retention period, its departure is over and nothing of theirs goes. Past
it, the clock purges each learner's rows as forget me erases them, one learner a transaction, but without
remembering them as forgotten: the purge is not the person's request, so a later import or a new install may bring
them back. Who a departure covers is the workspace's learners (`learners.team_id`), or the org's
(`learners.enterprise_id`) when the org-wide install left; a Grid learner is kept while their org still has Upnext
installed anywhere (their Slack id is org-wide, and another of its workspaces may still serve them).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from learning.people.forget_me import ForgetMe
from learning.people.learners import Learner, LearnerRepository
from learning.people.nudges import NudgeRepository
from learning.store.engine import Store, TableSteps
from learning.timestamps import iso

# The schema of the tables this module owns, by the schema version that brought each step (append-only; the store
# joins every owner's step N into migration N).
TABLES: TableSteps = {
    12: """
        -- a workspace (team_id) or Grid org (team_id '') that uninstalled Upnext, until it comes back or its
        -- learners are purged; enterprise_id '' outside Enterprise Grid
        CREATE TABLE departures (
            enterprise_id TEXT NOT NULL,
            team_id TEXT NOT NULL,
            left_at TEXT NOT NULL,
            PRIMARY KEY (enterprise_id, team_id)
        );
""",
}

LEFT = "their workspace uninstalled Upnext"  # why a planned nudge was skipped


@dataclass(frozen=True)
class Departure:
    enterprise_id: str  # '' outside Enterprise Grid
    team_id: str  # '' when the org-wide install left
    left_at: str


class Departures:
    def __init__(self, store: Store, learners: LearnerRepository, nudges: NudgeRepository, forget_me: ForgetMe):
        self.store = store
        self.learners = learners
        self.nudges = nudges
        self.forget_me = forget_me

    def leave(self, enterprise_id: str, team_id: str, now: datetime) -> int:
        """Inside the caller's transaction (the installation's removal): the workspace, or the org when `team_id` is
        '', left now (unless it already had: its retention period runs from the first time), and its learners'
        planned nudges are skipped; how many were."""
        self.store.sql.execute(
            "INSERT INTO departures (enterprise_id, team_id, left_at) VALUES (:enterprise, :team, :now) "
            "ON CONFLICT (enterprise_id, team_id) DO NOTHING",
            {"enterprise": enterprise_id, "team": team_id, "now": iso(now)},
        )
        ids = [learner.slack_id for learner in self.learners.of_workspace(enterprise_id, team_id)]
        return self.nudges.skip_planned(ids, LEFT)

    def come_back(self, enterprise_id: str, team_id: str) -> bool:
        """Installed again: its departure is over, nothing of its learners is purged. True if it had left."""
        return bool(self.store.sql.execute(
            "DELETE FROM departures WHERE enterprise_id = :enterprise AND team_id = :team",
            {"enterprise": enterprise_id, "team": team_id},
        ))  # fmt: skip

    def gone(self) -> set[tuple[str, str]]:
        """(enterprise_id, team_id) of every workspace (or org, team_id '') that left and has not come back: nothing
        is planned or sent to its learners, even where an org-wide install still reaches the workspace."""
        return {(row[0], row[1]) for row in self.store.sql.rows("SELECT enterprise_id, team_id FROM departures")}

    def has_left(self, enterprise_id: str | None, team_id: str | None) -> bool:
        """Whether this workspace (of this org) left: one indexed read, before a send."""
        return bool(self.store.sql.value(
            "SELECT 1 FROM departures WHERE enterprise_id = :enterprise AND team_id = :team",
            {"enterprise": enterprise_id or "", "team": team_id or ""},
        ))  # fmt: skip

    def purge(self, left_before: datetime, served_orgs: Collection[str]) -> int:
        """Purge the learners of every workspace that left before `left_before` and has not come back, but those of
        a Grid org in `served_orgs` (still installed somewhere); how many learners went. A departure is done once
        none of its learners is left."""
        purged = 0
        for departure in self._due(left_before):
            learners = self.learners.of_workspace(departure.enterprise_id, departure.team_id)
            unserved = [learner for learner in learners if learner.enterprise_id not in served_orgs]
            done = 0
            for learner in unserved:
                if not self._purge_one(departure, learner):
                    break  # it came back meanwhile
                done += 1
            purged += done
            if done == len(learners):  # none kept, none left
                self._done(departure)
        if purged:
            self.forget_me.scrub()
        return purged

    def _due(self, left_before: datetime) -> list[Departure]:
        rows = self.store.sql.rows(
            "SELECT enterprise_id, team_id, left_at FROM departures WHERE left_at < :before ORDER BY left_at",
            {"before": iso(left_before)},
        )
        return [Departure(*row) for row in rows]

    def _purge_one(self, departure: Departure, learner: Learner) -> bool:
        """Erase one learner's rows in one transaction, while the departure stands (its row is held, so a reinstall
        at the same moment waits for this learner and saves the rest); False when it no longer does."""
        _, learner_ids = self.learners.known_as(learner.slack_id)
        with self.store.transaction():
            if not self._hold(departure):
                return False
            self.forget_me.erase(learner_ids)
        return True

    def _hold(self, departure: Departure) -> bool:
        return bool(self.store.sql.execute(
            "UPDATE departures SET left_at = left_at "
            "WHERE enterprise_id = :enterprise AND team_id = :team AND left_at = :left_at",
            {"enterprise": departure.enterprise_id, "team": departure.team_id, "left_at": departure.left_at},
        ))  # fmt: skip

    def _done(self, departure: Departure) -> None:
        self.store.sql.execute(
            "DELETE FROM departures WHERE enterprise_id = :enterprise AND team_id = :team AND left_at = :left_at",
            {"enterprise": departure.enterprise_id, "team": departure.team_id, "left_at": departure.left_at},
        )
