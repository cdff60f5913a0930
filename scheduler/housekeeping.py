"""Housekeeping in the clock process: what is not kept forever goes, and the report's roll-ups stay current.

Old answers, and the learners of workspaces that left over the retention period ago, go daily; the roll-ups are
brought up to date every few minutes, so that a report finds little to catch up on."""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from datetime import datetime, timedelta

from insights.rollups import Rollups
from learning.service import LearningService
from learning.timestamps import utcnow

log = logging.getLogger(__name__)


class Housekeeping:
    def __init__(
        self,
        service: LearningService,
        answers_retention_days: int,
        clock: Callable[[], datetime] = utcnow,
        uninstall_retention_days: int = 30,
        served_orgs: Callable[[], Collection[str]] = frozenset,
    ):
        """`served_orgs`: the Enterprise Grid orgs that still have Upnext installed (their people are never
        purged)."""
        self.answers = service.answers
        self.departures = service.departures
        self.keep = timedelta(days=answers_retention_days)
        self.keep_departed = timedelta(days=uninstall_retention_days)
        self.served_orgs = served_orgs
        self.clock = clock
        self.rollups = Rollups(service.courses.store)

    def run(self) -> int:
        """The nightly job: prune the answers log to its retention period, and purge the learners of workspaces
        that left longer ago than theirs (`purge_departed`); returns how many answers went."""
        removed = self.answers.prune(self.clock() - self.keep)
        if removed:
            log.info("pruned %d answer(s) older than %d days", removed, self.keep.days)
        self.purge_departed()
        return removed

    def purge_departed(self) -> int:
        """Purge every learner of a workspace (or org) that uninstalled Upnext more than the uninstall retention
        period ago and has not come back; how many learners went."""
        purged = self.departures.purge(self.clock() - self.keep_departed, self.served_orgs())
        if purged:
            log.info("purged %d learner(s) of workspaces that left over %d days ago", purged, self.keep_departed.days)
        return purged

    def roll_up(self) -> None:
        """Bring the report's roll-ups up to date with what was recorded since the last run."""
        self.rollups.update()
